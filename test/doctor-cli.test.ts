import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDoctor } from '../src/doctor-cli.js';
import { BOT_ROLES, BOX_ROLES, REQUIRED_APIS, SLACK_SCOPES } from '../src/domain/deploy-requirements.js';
import { GPU_KEYS } from '../src/domain/gpus.js';
import { BOT_ACCOUNT, DIGEST_CHANNEL, PROJECT, startTestDeployment, type TestDeployment } from './support/deployment.js';

const BOX_ACCOUNT = `gpubot-box@${PROJECT}.iam.gserviceaccount.com`;
const INDEXES = (JSON.parse(readFileSync(new URL('../firestore.indexes.json', import.meta.url), 'utf8')) as { indexes: unknown[] }).indexes.length;
/** One line per check: APIs, roles, GPU quotas and GPUS_ALL_REGIONS, the policy, the database and indexes, scopes, two channels. */
const CHECKS = REQUIRED_APIS.length + BOT_ROLES.filter((r) => r.on !== 'slack-secrets').length + BOX_ROLES.length + GPU_KEYS.length + 1 + 1 + 1 + INDEXES + SLACK_SCOPES.length + 2;

async function doctor(d: TestDeployment, env: Record<string, string> = {}): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runDoctor({ ...d.env, ...env }, (line) => lines.push(line));
  return { code, lines };
}

const checkLines = (lines: readonly string[]) => lines.filter((l) => /^(ok {2}|FAIL|skip) {2}/.test(l));
const failures = (lines: readonly string[]) => lines.filter((l) => l.startsWith('FAIL'));

test('with a deployment set up as the guide says, every check passes and the doctor exits 0', async () => {
  const d = await startTestDeployment();
  try {
    const { code, lines } = await doctor(d);
    const checks = checkLines(lines);
    assert.equal(checks.length, CHECKS, lines.join('\n'));
    assert.deepEqual(
      checks.filter((l) => !l.startsWith('ok')),
      [],
    );
    assert.equal(code, 0);
    assert.match(lines.join('\n'), /All \d+ checks passed\./);
    // The A3 (H100) shapes are Spot or Flex-start only: their preemptible quota is what counts.
    assert.ok(checks.some((l) => /quota NVIDIA_H100_GPUS in us-central1: not listed; Spot and Flex-start use PREEMPTIBLE_NVIDIA_H100_GPUS/.test(l)));
  } finally {
    await d.close();
  }
});

interface Fault {
  what: string;
  apply: (d: TestDeployment) => void;
  /** Each expected FAIL line; together they are all the failures. */
  expect: RegExp[];
}

const FAULTS: Fault[] = [
  {
    what: 'an API disabled',
    apply: (d) => d.serviceUsage.disable('aiplatform.googleapis.com'),
    expect: [/^FAIL {2}API aiplatform\.googleapis\.com: disabled; needed for training jobs.* Fix: gcloud services enable aiplatform\.googleapis\.com --project=gpubot-doctor$/],
  },
  {
    what: "a role of the bot's missing",
    apply: (d) => d.iam.revoke(`serviceAccount:${BOT_ACCOUNT}`, 'roles/datastore.user'),
    expect: [
      new RegExp(
        `^FAIL {2}role roles/datastore\\.user for ${BOT_ACCOUNT.replace(/\./g, '\\.')}: missing; needed to read and write Firestore\\. Fix: gcloud projects add-iam-policy-binding gpubot-doctor --member=serviceAccount:${BOT_ACCOUNT.replace(/\./g, '\\.')} --role=roles/datastore\\.user$`,
      ),
    ],
  },
  {
    what: "the bot may not act as the boxes' account",
    apply: (d) => d.iam.revoke(`serviceAccount:${BOT_ACCOUNT}`, 'roles/iam.serviceAccountUser', BOX_ACCOUNT),
    expect: [new RegExp(`^FAIL {2}role roles/iam\\.serviceAccountUser .* Fix: gcloud iam service-accounts add-iam-policy-binding ${BOX_ACCOUNT} --project=gpubot-doctor --member=serviceAccount:${BOT_ACCOUNT.replace(/\./g, '\\.')} --role=roles/iam\\.serviceAccountUser$`)],
  },
  {
    what: "a role of the boxes' missing",
    apply: (d) => d.iam.revoke(`serviceAccount:${BOX_ACCOUNT}`, 'roles/monitoring.metricWriter'),
    expect: [new RegExp(`^FAIL {2}role roles/monitoring\\.metricWriter for ${BOX_ACCOUNT}: missing.* Fix: gcloud projects add-iam-policy-binding gpubot-doctor --member=serviceAccount:${BOX_ACCOUNT} --role=roles/monitoring\\.metricWriter$`)],
  },
  {
    what: 'a GPU quota of 0 in the region',
    apply: (d) => d.compute.quota('NVIDIA_T4_GPUS', 'us-central1', 0),
    expect: [
      /^FAIL {2}quota NVIDIA_T4_GPUS in us-central1: limit 0: no on-demand box with this GPU can start.* Fix: gcloud beta quotas preferences create --service=compute\.googleapis\.com --quota-id=NVIDIA-T4-GPUS-per-project-region --preferred-value=1 --dimensions=region=us-central1 --project=gpubot-doctor$/,
    ],
  },
  {
    what: 'GPUS_ALL_REGIONS of 0',
    apply: (d) => d.compute.quota('GPUS_ALL_REGIONS', 'global', 0),
    expect: [/^FAIL {2}quota GPUS_ALL_REGIONS: limit 0: no GPU can start in any region\. Fix: gcloud beta quotas preferences create --service=compute\.googleapis\.com --quota-id=GPUS-ALL-REGIONS-per-project --preferred-value=4 --project=gpubot-doctor$/],
  },
  {
    what: 'an organization policy forbidding external IPs',
    apply: (d) => d.orgPolicy.forbidExternalIps(),
    expect: [/^FAIL {2}policy constraints\/compute\.vmExternalIpAccess: forbids external IPs, and boxes get one: every box would be refused\. Fix: .*gcloud org-policies reset constraints\/compute\.vmExternalIpAccess --project=gpubot-doctor/],
  },
  {
    what: 'external IPs allowed only on listed VMs',
    apply: (d) => d.orgPolicy.allowExternalIpsOnly([`projects/${PROJECT}/zones/us-central1-a/instances/bastion`]),
    expect: [/^FAIL {2}policy constraints\/compute\.vmExternalIpAccess: allows external IPs only on 1 listed VMs/],
  },
  {
    what: 'a composite index missing',
    apply: (d) => d.firestore.dropIndex('jobs', ['owner', 'endedAt']),
    expect: [
      /^FAIL {2}index jobs \(owner, endedAt\): missing; the query that needs it fails\. Fix: gcloud firestore indexes composite create --project=gpubot-doctor --collection-group=jobs --field-config=field-path=owner,order=ascending --field-config=field-path=endedAt,order=ascending$/,
    ],
  },
  {
    what: 'an index still building',
    apply: (d) => d.firestore.setIndexState('notices', ['event.type', 'createdAt'], 'CREATING'),
    expect: [/^FAIL {2}index notices \(event\.type, createdAt\): creating, not ready yet/],
  },
  {
    what: 'no Firestore database',
    apply: (d) => d.firestore.dropDatabase(),
    expect: [/^FAIL {2}Firestore database \(default\): missing\. Fix: gcloud firestore databases create --project=gpubot-doctor --database=\(default\) --location=us-central1 --type=firestore-native$/],
  },
  {
    what: 'a Firestore database in Datastore mode',
    apply: (d) => d.firestore.useDatastoreMode(),
    expect: [/^FAIL {2}Firestore database \(default\): in DATASTORE_MODE, not Native mode\. Fix: use a Native mode database: gcloud firestore databases create/],
  },
  {
    what: 'a Slack scope missing',
    apply: (d) => d.slack.scopes?.revoke('files:write'),
    expect: [/^FAIL {2}Slack scope files:write: missing; needed for upload \/gpu cost's chart.* Fix: add `- files:write` under oauth_config\.scopes\.bot in manifest\.yml, then reinstall the app to the workspace$/],
  },
  {
    what: 'the bot not in the digest channel',
    apply: (d) => d.slack.setBotMembership(DIGEST_CHANNEL, false),
    expect: [/^FAIL {2}digest channel C0DIGEST: the bot is not a member, so its posts there fail\. Fix: in that channel, type: \/invite @gpubot$/],
  },
  {
    what: 'no scope to read channels: said as the result, not a crash',
    apply: (d) => d.slack.scopes?.revoke('channels:read'),
    expect: [
      /^FAIL {2}Slack scope channels:read: missing/,
      /^FAIL {2}digest channel C0DIGEST: cannot tell whether the bot is in it \(missing_scope: the token lacks channels:read\)\. Fix: add `- channels:read`/,
      /^FAIL {2}admin channel C0ADMIN: cannot tell whether the bot is in it/,
    ],
  },
];

/** Every gcloud line the fault runs gave as a fix; the last test has gcloud's own parser read them. */
const FIXES = new Set<string>();

for (const fault of FAULTS) {
  test(`with ${fault.what}, the doctor names it and its fix and exits 1`, async () => {
    const d = await startTestDeployment();
    try {
      fault.apply(d);
      const { code, lines } = await doctor(d);
      const failed = failures(lines);
      assert.equal(failed.length, fault.expect.length, `expected ${fault.expect.length} failure(s), got:\n${failed.join('\n')}`);
      for (const pattern of fault.expect) assert.ok(failed.some((l) => pattern.test(l)), `no line matches ${String(pattern)} in:\n${failed.join('\n')}`);
      assert.equal(checkLines(lines).length, CHECKS, 'every other check still reports its line');
      assert.equal(code, 1);
      for (const line of failed) for (const m of line.matchAll(/gcloud [^;]*?(?=; | \(and |, then |$)/g)) FIXES.add(m[0]);
    } finally {
      await d.close();
    }
  });
}

test('with external IPs forbidden and GPUBOT_EXTERNAL_IP=false, the policy check passes: boxes ask for none', async () => {
  const d = await startTestDeployment();
  try {
    d.orgPolicy.forbidExternalIps();
    const { code, lines } = await doctor(d, { GPUBOT_EXTERNAL_IP: 'false' });
    assert.deepEqual(failures(lines), []);
    assert.ok(lines.some((l) => /^ok {4}policy constraints\/compute\.vmExternalIpAccess: forbids external IPs; boxes get none\.$/.test(l)), lines.join('\n'));
    assert.equal(code, 0);
  } finally {
    await d.close();
  }
});

test('settings that do not load are said with exit code 2', async () => {
  const lines: string[] = [];
  const code = await runDoctor({ GPUBOT_REGION: 'the moon' }, (l) => lines.push(l));
  assert.equal(code, 2);
  assert.match(lines.join('\n'), /GPUBOT_REGION is "the moon"/);
});

test('with no Google and no Slack settings the doctor says there is nothing to check, and exits 0', async () => {
  const lines: string[] = [];
  const code = await runDoctor({}, (l) => lines.push(l));
  assert.equal(code, 0, lines.join('\n'));
  assert.deepEqual(
    checkLines(lines).map((l) => l.slice(0, 4)),
    ['skip', 'skip'],
  );
  assert.match(lines.join('\n'), /Nothing to check: run it with the deployment's settings/);
});

test('the doctor command itself exits non-zero on a fault and zero without one', async () => {
  const d = await startTestDeployment();
  const run = () =>
    new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/doctor-cli.ts'], { env: { PATH: process.env.PATH ?? '', ...d.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, out }));
    });
  try {
    const clean = await run();
    assert.equal(clean.code, 0, clean.out);
    d.serviceUsage.disable('compute.googleapis.com');
    const broken = await run();
    assert.equal(broken.code, 1, broken.out);
    assert.match(broken.out, /FAIL {2}API compute\.googleapis\.com: disabled/);
  } finally {
    await d.close();
  }
});

test("every gcloud line the doctor gives as a fix is one gcloud's own parser accepts", async (t) => {
  const found = await new Promise<boolean>((resolve) => execFile('gcloud', ['version'], (error) => resolve(error === null)));
  if (!found) {
    t.skip('the Google Cloud CLI (gcloud) is not installed here, so its parser cannot read the fixes');
    return;
  }
  assert.ok(FIXES.size >= 8, `the fault runs gave only ${FIXES.size} gcloud fixes`);
  // A throwaway configuration, any token, and every API pointed at a local server that refuses
  // everything: a line gcloud parses fails on that refusal (exit 1); one it cannot parse fails on its
  // arguments (exit 2). (A closed port instead costs half a minute of gcloud's retries per line.)
  const config = mkdtempSync(join(tmpdir(), 'gcloud-doctor-'));
  const tokenFile = join(config, 'token');
  writeFileSync(tokenFile, 'any-token');
  const refuser = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 403, message: 'this stand-in refuses every call', status: 'PERMISSION_DENIED' } }));
  });
  await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
  const dead = `http://127.0.0.1:${(refuser.address() as AddressInfo).port}/`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    CLOUDSDK_CONFIG: config,
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile,
    CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
  };
  for (const api of ['SERVICEUSAGE', 'CLOUDRESOURCEMANAGER', 'IAM', 'ORGPOLICY', 'FIRESTORE', 'CLOUDQUOTAS', 'COMPUTE']) env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`] = dead;
  try {
    const refused: string[] = [];
    const parse = async (line: string) => {
      // The fixes quote nothing, so splitting on spaces gives the arguments a shell would.
      const [, ...args] = line.split(' ');
      const { code, out } = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile('gcloud', args, { env, timeout: 120_000 }, (error, stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, out: stdout + stderr })),
      );
      if (code !== 1 || !/this stand-in refuses every call/.test(out)) refused.push(`${line}\n  -> exit ${code}: ${out.trim().split('\n')[0] ?? ''}`);
    };
    const lines = [...FIXES];
    // Three at a time: each gcloud start takes a few seconds of a loaded machine.
    await Promise.all([0, 1, 2].map(async (lane) => {
      for (let i = lane; i < lines.length; i += 3) await parse(lines[i] ?? '');
    }));
    assert.deepEqual(refused, []);
  } finally {
    refuser.close();
    rmSync(config, { recursive: true, force: true });
  }
});
