/**
 * The Google Cloud CLI as a witness for hyperparameter tuning jobs: gcloud (Google's own client) creates
 * a HyperparameterTuningJob in the Vertex AI sandbox from a Vertex AI config written by hand, describes
 * it with its trials, lists it and cancels another; the body gcloud sends is compared with the one /train
 * builds from the same study written as ML Engine's hptuning.yaml, field by field where both set one.
 * Skipped, with the reason printed, where gcloud is not installed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { parseTrainCommand } from '../../src/domain/train-command.js';
import { planJob } from '../../src/domain/job-plan.js';
import { hyperparameterTuningJobBody } from '../../src/gcp/vertex-bodies.js';
import { VertexAdapter } from '../../src/gcp/vertex.js';
import { startGoogleSandbox, type SandboxHandler } from '../../src/sandbox/google/server.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';

const PROJECT = 'ml-lab';
const REGION = 'us-central1';
const DAY = '2026-03-02';
const IMAGE = 'us-docker.pkg.dev/ml-lab/trainers/census:1';

/** The study in Vertex AI's own config format, as `gcloud ai hp-tuning-jobs create --help` shows it. */
const VERTEX_CONFIG = `studySpec:
  metrics:
  - metricId: accuracy
    goal: MAXIMIZE
  parameters:
  - parameterId: learning_rate
    doubleValueSpec:
      minValue: 0.001
      maxValue: 0.1
    scaleType: UNIT_LOG_SCALE
  - parameterId: units
    integerValueSpec:
      minValue: 16
      maxValue: 256
  - parameterId: optimizer
    categoricalValueSpec:
      values: [adam, sgd]
trialJobSpec:
  workerPoolSpecs:
  - machineSpec:
      machineType: n1-standard-8
      acceleratorType: NVIDIA_TESLA_T4
      acceleratorCount: 1
    replicaCount: 1
    containerSpec:
      imageUri: ${IMAGE}
`;

/** The same study as ML Engine's hptuning.yaml, pasted in the /train form. */
const ML_ENGINE_CONFIG = `trainingInput:
  scaleTier: BASIC_GPU
  masterConfig:
    imageUri: ${IMAGE}
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: accuracy
    maxTrials: 6
    maxParallelTrials: 2
    algorithm: RANDOM_SEARCH
    params:
    - parameterName: learning_rate
      type: DOUBLE
      minValue: 0.001
      maxValue: 0.1
      scaleType: UNIT_LOG_SCALE
    - parameterName: units
      type: INTEGER
      minValue: 16
      maxValue: 256
    - parameterName: optimizer
      type: CATEGORICAL
      categoricalValues: [adam, sgd]
`;

function gcloudMissing(): string | null {
  const probe = spawnSync('gcloud', ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' } });
  return probe.status === 0 ? null : 'the Google Cloud CLI (gcloud) is not installed here';
}

/** gcloud pointed at the sandbox offline: a throwaway config, any token, no metadata server, no prompts. */
function gcloudAt(url: string, dir: string) {
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
  return (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile('gcloud', [...args, '--format=json'], { env, timeout: 120_000 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      });
    });
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

test('gcloud ai hp-tuning-jobs create, describe, list and cancel work against the Vertex AI sandbox, and its job agrees with the one /train builds from hptuning.yaml', async (t: TestContext) => {
  const missing = gcloudMissing();
  if (missing !== null) {
    t.skip(missing);
    return;
  }
  const vertex = new VertexSandbox({ project: PROJECT, now: () => Date.parse(`${DAY}T09:00:00Z`) });
  const bodies: unknown[] = [];
  const recorder: SandboxHandler = {
    handle: (req) => {
      if (req.method === 'POST' && /\/hyperparameterTuningJobs$/.test(req.path)) bodies.push(req.body);
      return vertex.handle(req);
    },
  };
  const sandbox = await startGoogleSandbox({ handlers: [recorder] });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpubot-hptune-gcloud-'));
  const gcloud = gcloudAt(sandbox.url, dir);
  try {
    const config = path.join(dir, 'study.yaml');
    writeFileSync(config, VERTEX_CONFIG);
    vertex.script('census_hp', { succeedAfterPolls: 1, bestTrial: 2 });
    const created = await gcloud([
      'ai', 'hp-tuning-jobs', 'create', `--region=${REGION}`, `--config=${config}`, '--display-name=census_hp',
      '--max-trial-count=6', '--parallel-trial-count=2', '--algorithm=random-search', '--labels=team=vision',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const job = vertex.tuningJob('census_hp');
    assert.ok(job, 'gcloud created one tuning job');
    const id = job.name.split('/').pop() ?? '';

    // gcloud reads the job back with its trials, and lists it.
    const described = await gcloud(['ai', 'hp-tuning-jobs', 'describe', id, `--region=${REGION}`]);
    assert.equal(described.code, 0, described.stderr);
    const seen = JSON.parse(described.stdout) as { state?: string; trials?: { id?: string; finalMeasurement?: { metrics?: { value?: number }[] } }[] };
    assert.equal(seen.state, 'JOB_STATE_SUCCEEDED');
    assert.equal(seen.trials?.length, 6);
    const listed = await gcloud(['ai', 'hp-tuning-jobs', 'list', `--region=${REGION}`]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { name?: string }[]).map((j) => j.name), [job.name]);

    // The same study through /train (ML Engine's config in the form): every field both bodies set agrees.
    const parsed = parseTrainCommand(`submit census_hp --region ${REGION} --labels team=vision`, { today: DAY, configText: ML_ENGINE_CONFIG });
    assert.ok(parsed.ok && parsed.value.kind === 'submit' && parsed.value.request !== null, parsed.ok ? 'not a submit' : parsed.error.message);
    const { plan } = planJob(parsed.value.request, { owner: 'U0ALICE', jobId: 'rec-1', defaultRegion: REGION });
    assert.ok(plan.tuning);
    const ours = leaves(hyperparameterTuningJobBody(plan, plan.tuning));
    const theirs = leaves(bodies[0]);
    const shared = [...ours.keys()].filter((k) => theirs.has(k));
    for (const key of shared) assert.deepEqual(ours.get(key), theirs.get(key), `${key}: /train sends ${JSON.stringify(ours.get(key))}, gcloud ${JSON.stringify(theirs.get(key))}`);
    for (const key of [
      'displayName',
      'labels.team',
      'maxTrialCount',
      'parallelTrialCount',
      'studySpec.algorithm',
      'studySpec.metrics.0.metricId',
      'studySpec.metrics.0.goal',
      'studySpec.parameters.0.parameterId',
      'studySpec.parameters.0.doubleValueSpec.minValue',
      'studySpec.parameters.0.scaleType',
      'studySpec.parameters.1.integerValueSpec.minValue',
      'studySpec.parameters.1.integerValueSpec.maxValue',
      'studySpec.parameters.2.categoricalValueSpec.values.1',
      'trialJobSpec.workerPoolSpecs.0.machineSpec.machineType',
      'trialJobSpec.workerPoolSpecs.0.machineSpec.acceleratorType',
      'trialJobSpec.workerPoolSpecs.0.machineSpec.acceleratorCount',
      'trialJobSpec.workerPoolSpecs.0.replicaCount',
      'trialJobSpec.workerPoolSpecs.0.containerSpec.imageUri',
    ]) {
      assert.ok(shared.includes(key), `${key} is set by both (gcloud: ${JSON.stringify([...theirs.keys()])})`);
    }

    // A job /train created, cancelled by gcloud.
    vertex.script('census_hp', { stayQueued: true });
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'sandbox' });
    const adapter = new VertexAdapter({ project: PROJECT, authClient: auth, rootUrl: sandbox.url });
    const ourJob = await adapter.createJob(REGION, plan, 'rec-1');
    assert.ok(ourJob.ok, ourJob.ok ? '' : ourJob.failure.message);
    const cancelled = await gcloud(['ai', 'hp-tuning-jobs', 'cancel', ourJob.value.id, `--region=${REGION}`]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const after = await adapter.getJob(REGION, ourJob.value.id, 'tuning');
    assert.ok(after.ok && /CANCELL/.test(after.value?.state ?? ''), JSON.stringify(after));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sandbox.close();
  }
});
