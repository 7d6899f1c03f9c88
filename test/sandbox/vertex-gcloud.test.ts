/**
 * The Google Cloud CLI as a witness for training jobs: gcloud (Google's own client) drives the Vertex
 * AI sandbox through create, list, describe and cancel, and the CustomJob body gcloud sends for a job
 * is compared with the body /train builds for the same job, field by field where both set one.
 * Skipped, with the reason printed, where gcloud is not installed. Each gcloud run costs seconds, so
 * there are four.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseTrainCommand } from '../../src/domain/train-command.js';
import { customJobFor as toCustomJob } from '../support/jobs.js';
import { startGoogleSandbox, type SandboxHandler } from '../../src/sandbox/google/server.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';

const PROJECT = 'ml-lab';
const REGION = 'us-central1';
const DAY = '2026-03-02';
const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';
// A prebuilt image Vertex AI still ran on DAY (until 2026-06-28).
const IMAGE = 'us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-16.py310:latest';

function gcloudMissing(): string | null {
  const probe = spawnSync('gcloud', ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' } });
  return probe.status === 0 ? null : 'the Google Cloud CLI (gcloud) is not installed here';
}

interface Gcloud {
  run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): void;
}

/** gcloud pointed at the sandbox offline: a throwaway config, any token, no metadata server, no prompts. */
function gcloudAt(url: string): Gcloud {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpubot-gcloud-'));
  const token = path.join(dir, 'token');
  writeFileSync(token, 'sandbox-token');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CLOUDSDK_CONFIG: path.join(dir, 'config'),
    CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM: `${url}/`,
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: token,
    CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
    CLOUDSDK_CORE_PROJECT: PROJECT,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
  };
  return {
    run: (args) =>
      new Promise((resolve) => {
        execFile('gcloud', [...args, '--format=json'], { env, timeout: 120_000 }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        });
      }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every leaf (path -> value) of a JSON value; arrays by index. */
function leaves(value: unknown, at = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) for (const [p, leaf] of leaves(v, at === '' ? k : `${at}.${k}`)) out.set(p, leaf);
  } else {
    out.set(at, value);
  }
  return out;
}

test('gcloud ai custom-jobs create, list, describe and cancel work against the Vertex AI sandbox, and its CustomJob agrees with the one /train builds', async (t: TestContext) => {
  const missing = gcloudMissing();
  if (missing !== null) {
    t.skip(missing);
    return;
  }
  const vertex = new VertexSandbox({ project: PROJECT, now: () => Date.parse(`${DAY}T09:00:00Z`) });
  const bodies: unknown[] = [];
  const recorder: SandboxHandler = {
    handle: (req) => {
      if (req.method === 'POST' && /\/customJobs$/.test(req.path)) bodies.push(req.body);
      return vertex.handle(req);
    },
  };
  const sandbox = await startGoogleSandbox({ handlers: [recorder] });
  const gcloud = gcloudAt(sandbox.url);
  try {
    const pool = `machine-type=n1-standard-8,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,replica-count=1,executor-image-uri=${IMAGE},python-module=trainer.task`;
    const created = await gcloud.run([
      'ai', 'custom-jobs', 'create', `--region=${REGION}`, '--display-name=census_gcloud', `--python-package-uris=${PKG}`,
      `--worker-pool-spec=${pool}`, '--labels=team=vision', '--args=--epochs=3',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(vertex.jobs().length, 1, 'gcloud created one job');
    const [job] = vertex.jobs();
    assert.ok(job);
    const id = job.name.split('/').pop() ?? '';

    const listed = await gcloud.run(['ai', 'custom-jobs', 'list', `--region=${REGION}`]);
    assert.equal(listed.code, 0, listed.stderr);
    const names = (JSON.parse(listed.stdout) as { name?: string }[]).map((j) => j.name);
    assert.deepEqual(names, [job.name]);

    const described = await gcloud.run(['ai', 'custom-jobs', 'describe', id, `--region=${REGION}`]);
    assert.equal(described.code, 0, described.stderr);
    assert.equal((JSON.parse(described.stdout) as { displayName?: string }).displayName, 'census_gcloud');

    const cancelled = await gcloud.run(['ai', 'custom-jobs', 'cancel', id, `--region=${REGION}`]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(vertex.jobs()[0]?.state ?? '', /CANCELL/);

    // The same job through /train: every field both bodies set has the same value.
    const parsed = parseTrainCommand(
      `submit --display-name census_gcloud --region ${REGION} --worker-pool-spec=${pool} --python-package-uris ${PKG} --labels team=vision --args=--epochs=3`,
      { today: DAY },
    );
    assert.ok(parsed.ok && parsed.value.kind === 'submit' && parsed.value.request !== null, parsed.ok ? 'not a submit' : parsed.error.message);
    const ours = leaves(toCustomJob(parsed.value.request, { project: PROJECT, owner: 'U0ALICE', jobId: 'rec-1', defaultRegion: REGION }).body);
    const theirs = leaves(bodies[0]);
    const shared = [...ours.keys()].filter((k) => theirs.has(k));
    for (const key of shared) assert.deepEqual(ours.get(key), theirs.get(key), `${key}: /train sends ${JSON.stringify(ours.get(key))}, gcloud ${JSON.stringify(theirs.get(key))}`);
    // The fields that define the job are among those both set.
    for (const key of [
      'displayName',
      'labels.team',
      'jobSpec.workerPoolSpecs.0.machineSpec.machineType',
      'jobSpec.workerPoolSpecs.0.machineSpec.acceleratorType',
      'jobSpec.workerPoolSpecs.0.machineSpec.acceleratorCount',
      'jobSpec.workerPoolSpecs.0.replicaCount',
      'jobSpec.workerPoolSpecs.0.pythonPackageSpec.executorImageUri',
      'jobSpec.workerPoolSpecs.0.pythonPackageSpec.pythonModule',
      'jobSpec.workerPoolSpecs.0.pythonPackageSpec.packageUris.0',
      'jobSpec.workerPoolSpecs.0.pythonPackageSpec.args.0',
    ]) {
      assert.ok(shared.includes(key), `${key} is set by both (gcloud: ${JSON.stringify([...theirs.keys()])})`);
    }
  } finally {
    gcloud.cleanup();
    await sandbox.close();
  }
});
