import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BOX_AGENT,
  BOX_AGENT_NAMESPACE,
  BOX_AGENT_REQUEST_KEY,
  BOX_AGENT_SCRIPT,
  codeObject,
  readAgentAnswer,
  type BoxAgentAnswer,
  type BoxAgentRequest,
} from '../../src/domain/box-agent-script.js';
import { STARTUP_SCRIPT, instancePlan } from '../../src/domain/instance-plan.js';
import { MetadataServerSandbox } from '../../src/sandbox/google/metadata-server.js';
import { StorageSandbox } from '../../src/sandbox/google/storage.js';
import { makeBox } from '../support/boxes.js';

const BUCKET = 'ml-lab-gpubot-staging';

function hasPython(): boolean {
  return spawnSync('python3', ['--version']).status === 0;
}

interface Box {
  home: string;
  metadata: MetadataServerSandbox;
  storage: StorageSandbox;
  ask: (request: BoxAgentRequest) => Promise<BoxAgentAnswer>;
  stop: () => Promise<void>;
}

/** The real agent, run as the box runs it, against a metadata server and Cloud Storage of our own. */
async function startBox(): Promise<Box> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubot-agent-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const script = join(dir, 'agent.py');
  writeFileSync(script, BOX_AGENT);
  const metadata = new MetadataServerSandbox({ project: 'ml-lab', attributes: { 'enable-guest-attributes': 'TRUE' } });
  const storage = new StorageSandbox({ buckets: [BUCKET] });
  const md = await metadata.listen();
  const gcs = await storage.listen();
  const agent: ChildProcess = spawn('python3', [script], {
    env: {
      PATH: process.env.PATH ?? '',
      GPUBOT_METADATA_URL: md.url,
      GPUBOT_STORAGE_URL: gcs.url,
      GPUBOT_AGENT_HOME: home,
      GPUBOT_AGENT_STATE: join(dir, 'state', 'last'),
      GPUBOT_AGENT_WAIT_SECONDS: '20',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  agent.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const ask = async (request: BoxAgentRequest): Promise<BoxAgentAnswer> => {
    metadata.setAttribute(BOX_AGENT_REQUEST_KEY, JSON.stringify(request));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const text = metadata.guestAttribute(BOX_AGENT_NAMESPACE, `answer-${request.id}`);
      if (text !== null) return JSON.parse(text) as BoxAgentAnswer;
      if (agent.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the agent did not answer ${request.id}; its stderr: ${stderr}`);
  };
  return {
    home,
    metadata,
    storage,
    ask,
    stop: async () => {
      agent.kill('SIGTERM');
      await md.close();
      await gcs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
}

function tarNames(bytes: Buffer): string[] {
  const listed = spawnSync('tar', ['-tzf', '-'], { input: bytes });
  assert.equal(listed.status, 0, listed.stderr.toString());
  return listed.stdout.toString().split('\n').filter((l) => l !== '').sort();
}

test('the box agent packages a directory without what .gitignore skips and virtual environments, uploads it, and says what it left out', async (t) => {
  if (!hasPython()) {
    t.skip('python3 is not installed here; the agent runs on the box');
    return;
  }
  const box = await startBox();
  try {
    writeTree(join(box.home, 'census'), {
      'train.py': 'print("training")\n',
      'model/net.py': 'LAYERS = 3\n',
      '.gitignore': '# local things\n*.log\ndata/\n/scratch.txt\n',
      'run.log': 'old run\n',
      'data/big.csv': 'x'.repeat(10_000),
      'scratch.txt': 'notes\n',
      'model/scratch.txt': 'kept: the pattern is rooted\n',
      '.venv/pyvenv.cfg': 'home = /usr/bin\n',
      '.venv/lib/site.py': 'x = 1\n',
      '__pycache__/train.cpython-311.pyc': 'bytecode',
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    const object = codeObject('j0001');
    const answer = await box.ask({ id: 'r1', action: 'package', dir: 'census', entry: 'train.py', bucket: BUCKET, object, maxBytes: 1_000_000 });
    assert.ok(answer.ok, JSON.stringify(answer));
    const written = box.metadata.guestAttribute(BOX_AGENT_NAMESPACE, 'answer-r1');
    assert.deepEqual(written === null ? null : readAgentAnswer(written, 'r1'), answer, 'the bot reads back what the agent wrote');
    assert.equal(answer.files, 4);
    assert.deepEqual([...answer.skipped].sort(), ['.git/', '.venv/', '__pycache__/', 'data/', 'run.log', 'scratch.txt']);
    assert.equal(answer.skippedCount, 6);
    const uploaded = box.storage.get(BUCKET, object);
    assert.ok(uploaded, 'the archive is in the staging bucket under the job prefix');
    assert.deepEqual(tarNames(uploaded.bytes), ['.gitignore', 'model/net.py', 'model/scratch.txt', 'train.py']);
    assert.equal(box.metadata.refusedWithoutFlavor, 0, 'every metadata request carries Metadata-Flavor: Google');
  } finally {
    await box.stop();
  }
});

test('the box agent refuses a missing entry, a directory over the limit and a path out of home, and uploads nothing', async (t) => {
  if (!hasPython()) {
    t.skip('python3 is not installed here; the agent runs on the box');
    return;
  }
  const box = await startBox();
  try {
    writeTree(join(box.home, 'proj'), { 'train.py': 'pass\n', 'weights/a.bin': Buffer.alloc(3000), 'weights/b.bin': Buffer.alloc(3000), 'small.txt': 'x' });
    const base = { action: 'package' as const, bucket: BUCKET, object: codeObject('j0002') };
    const missing = await box.ask({ ...base, id: 'r1', dir: 'proj', entry: 'nope.py', maxBytes: 1_000_000 });
    assert.ok(!missing.ok && missing.code === 'NO_ENTRY', JSON.stringify(missing));
    assert.match(missing.message, /nope\.py is not in proj/);

    const nodir = await box.ask({ ...base, id: 'r2', dir: 'elsewhere', entry: 'train.py', maxBytes: 1_000_000 });
    assert.ok(!nodir.ok && nodir.code === 'NO_DIRECTORY', JSON.stringify(nodir));

    const big = await box.ask({ ...base, id: 'r3', dir: 'proj', entry: 'train.py', maxBytes: 5000 });
    assert.ok(!big.ok && big.code === 'TOO_BIG', JSON.stringify(big));
    assert.equal(big.bytes, 6006);
    assert.deepEqual(big.largest?.[0], ['weights', 6000], 'the largest entry is named, so the person knows what to leave out');

    const out = await box.ask({ ...base, id: 'r4', dir: '../../etc', entry: 'passwd', maxBytes: 1_000_000 });
    assert.ok(!out.ok && out.code === 'BAD_PATH', JSON.stringify(out));

    assert.deepEqual(box.storage.list(BUCKET), [], 'nothing is left in the bucket');
    assert.equal(box.storage.calls.filter((c) => c.method === 'objects.insert').length, 0);
  } finally {
    await box.stop();
  }
});

test('the box agent brings a job’s outputs next to the code, keeping their paths, and answers each request once', async (t) => {
  if (!hasPython()) {
    t.skip('python3 is not installed here; the agent runs on the box');
    return;
  }
  const box = await startBox();
  try {
    box.storage.put(BUCKET, 'jobs/j0003/model/saved_model.pb', 'weights');
    box.storage.put(BUCKET, 'jobs/j0003/model/variables/v.index', 'index');
    box.storage.put(BUCKET, 'jobs/j0003/train.executed.ipynb', '{"cells": []}');
    box.storage.put(BUCKET, 'jobs/j0004/model/other.pb', 'not this job');
    const answer = await box.ask({ id: 'c1', action: 'copy', bucket: BUCKET, prefix: 'jobs/j0003/', to: 'census/gpubot-jobs/j0003' });
    assert.ok(answer.ok, JSON.stringify(answer));
    assert.equal(answer.files, 3);
    const target = join(box.home, 'census', 'gpubot-jobs', 'j0003');
    assert.equal(readFileSync(join(target, 'model', 'saved_model.pb'), 'utf8'), 'weights');
    assert.equal(readFileSync(join(target, 'model', 'variables', 'v.index'), 'utf8'), 'index');
    assert.equal(readFileSync(join(target, 'train.executed.ipynb'), 'utf8'), '{"cells": []}');

    // The same request again (a bot retrying its setMetadata) is not done twice: one answer, one listing.
    const listings = box.storage.calls.filter((c) => c.method === 'objects.list').length;
    box.metadata.setAttribute(BOX_AGENT_REQUEST_KEY, JSON.stringify({ id: 'c1', action: 'copy', bucket: BUCKET, prefix: 'jobs/j0003/', to: 'x', pad: 1 }));
    const next = await box.ask({ id: 'c2', action: 'copy', bucket: BUCKET, prefix: 'jobs/none/', to: 'census/empty' });
    assert.ok(next.ok && next.files === 0);
    assert.equal(box.storage.calls.filter((c) => c.method === 'objects.list').length, listings + 1, 'only c2 listed the bucket');
  } finally {
    await box.stop();
  }
});

test('every box gets the agent: its installer is in the startup script, parses as bash, and guest attributes are on', (t) => {
  assert.ok(STARTUP_SCRIPT.includes(BOX_AGENT_SCRIPT), 'the startup script installs the agent');
  assert.ok(BOX_AGENT_SCRIPT.includes(BOX_AGENT.trimEnd()));
  if (spawnSync('bash', ['--version']).status !== 0) {
    t.skip('bash is not installed here');
    return;
  }
  const check = spawnSync('bash', ['-n'], { input: STARTUP_SCRIPT });
  assert.equal(check.status, 0, check.stderr.toString());
  const plan = instancePlan(makeBox(), 'us-central1-a', { network: 'default', subnetwork: null, serviceAccount: null });
  assert.equal(plan.metadata['enable-guest-attributes'], 'TRUE', 'without it the metadata server refuses the agent’s answers');
});

test('the bot reads an answer field by field: another request’s answer, junk and unknown codes are not answers', () => {
  assert.equal(readAgentAnswer('{"id":"r2","ok":true,"bytes":1,"files":1,"skipped":[],"skippedCount":0}', 'r1'), null);
  assert.equal(readAgentAnswer('not json', 'r1'), null);
  assert.equal(readAgentAnswer('{"id":"r1","ok":false,"code":"ALL_GOOD","message":"x"}', 'r1'), null);
  assert.equal(readAgentAnswer('{"id":"r1","ok":true,"bytes":-5,"files":1,"skipped":[],"skippedCount":0}', 'r1'), null);
  const big = readAgentAnswer(JSON.stringify({ id: 'r1', ok: false, code: 'TOO_BIG', message: 'm'.repeat(2000), bytes: 9, largest: [['data', 9], ['x'], 'y'] }), 'r1');
  assert.deepEqual(big, { id: 'r1', ok: false, code: 'TOO_BIG', message: 'm'.repeat(500), bytes: 9, largest: [['data', 9]] });
});
