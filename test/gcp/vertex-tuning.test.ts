import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { VertexAdapter } from '../../src/gcp/vertex.js';
import { hyperparameterTuningJobBody } from '../../src/gcp/vertex-bodies.js';
import { parseTrainCommand } from '../../src/domain/train-command.js';
import { planJob, type JobPlan } from '../../src/domain/job-plan.js';
import { tuningOutcome } from '../../src/domain/tuning-plan.js';
import { startGoogleSandbox, type SandboxRequest, type SandboxResponse } from '../../src/sandbox/google/server.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { Discovery } from '../support/discovery.js';

const aiplatform = Discovery.load('aiplatform.v1.json');
const PROJECT = 'ml-lab';
const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';
const TODAY = '2026-03-02';
const LINE = `gcloud ai-platform jobs submit training census_hp --region us-central1 --module-name trainer.task --packages ${PKG} --runtime-version 2.17 --config hptuning.yaml`;

const STUDY = (extra: string, params: string) => `trainingInput:
  scaleTier: BASIC_GPU
  hyperparameters:
    hyperparameterMetricTag: accuracy
    maxTrials: 6
    maxParallelTrials: 2
${extra}    params:
${params}`;
const ALL_KINDS = `    - parameterName: lr
      type: DOUBLE
      minValue: 0.0001
      maxValue: 0.1
      scaleType: UNIT_REVERSE_LOG_SCALE
    - parameterName: units
      type: INTEGER
      minValue: 16
      maxValue: 256
      scaleType: UNIT_LOG_SCALE
    - parameterName: layers
      type: DISCRETE
      discreteValues: [3, 1, 2]
    - parameterName: optimizer
      type: CATEGORICAL
      categoricalValues: [adam, sgd]
`;
const GRID = `    - parameterName: units
      type: INTEGER
      minValue: 16
      maxValue: 64
    - parameterName: optimizer
      type: CATEGORICAL
      categoricalValues: [adam, sgd]
`;

/** Configs whose bodies cover every shape hyperparameterTuningJobBody writes. */
const CONFIGS = [
  STUDY('    goal: MAXIMIZE\n    maxFailedTrials: 2\n', ALL_KINDS),
  STUDY('    goal: MINIMIZE\n    algorithm: GRID_SEARCH\n', GRID),
  STUDY('    algorithm: RANDOM_SEARCH\n', ALL_KINDS),
];

function plan(config: string, jobId: string): { region: string; plan: JobPlan } {
  const parsed = parseTrainCommand(LINE, { today: TODAY, configText: config });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  assert.ok(parsed.value.kind === 'submit' && parsed.value.request !== null);
  return planJob(parsed.value.request, { owner: 'U0ALICE', jobId, defaultRegion: 'us-central1' });
}

function authClient(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'sandbox' });
  return client;
}

test('every HyperparameterTuningJob body the bot writes fits the discovery document as a request, the study carried field by field', () => {
  for (const [i, config] of CONFIGS.entries()) {
    const { plan: p } = plan(config, `rec-${i}`);
    assert.ok(p.tuning);
    const body = hyperparameterTuningJobBody(p, p.tuning);
    assert.deepEqual(aiplatform.validate('GoogleCloudAiplatformV1HyperparameterTuningJob', body, { request: true }), [], config);
    assert.equal(body.maxTrialCount, 6);
    assert.equal(body.parallelTrialCount, 2);
    assert.equal(body.studySpec.metrics[0]?.metricId, 'accuracy');
    assert.equal(body.labels['gpubot-id'], `rec-${i}`);
  }
  const { plan: first } = plan(CONFIGS[0] ?? '', 'rec-0');
  assert.ok(first.tuning);
  const body = hyperparameterTuningJobBody(first, first.tuning);
  assert.equal(body.maxFailedTrialCount, 2);
  assert.equal('algorithm' in body.studySpec, false, 'the default search is left out, never ALGORITHM_UNSPECIFIED');
  assert.deepEqual(body.studySpec.parameters, [
    { parameterId: 'lr', doubleValueSpec: { minValue: 0.0001, maxValue: 0.1 }, scaleType: 'UNIT_REVERSE_LOG_SCALE' },
    { parameterId: 'units', integerValueSpec: { minValue: '16', maxValue: '256' }, scaleType: 'UNIT_LOG_SCALE' },
    { parameterId: 'layers', discreteValueSpec: { values: [1, 2, 3] } },
    { parameterId: 'optimizer', categoricalValueSpec: { values: ['adam', 'sgd'] } },
  ]);
  // The trials run the job's machines: BASIC_GPU's chief.
  assert.equal(body.trialJobSpec.workerPoolSpecs.length, 1);
  const grid = plan(CONFIGS[1] ?? '', 'rec-1').plan;
  assert.ok(grid.tuning);
  const gridBody = hyperparameterTuningJobBody(grid, grid.tuning);
  assert.equal(gridBody.studySpec.algorithm, 'GRID_SEARCH');
  assert.equal(gridBody.studySpec.metrics[0]?.goal, 'MINIMIZE');
});

test('the adapter creates, lists, reads and cancels tuning jobs in the stand-in; every request and answer fits the discovery document', async () => {
  const exchanges: { req: SandboxRequest; res: SandboxResponse }[] = [];
  let now = Date.parse('2026-03-02T09:00:00Z');
  const vertex = new VertexSandbox({ project: PROJECT, now: () => now });
  const server = await startGoogleSandbox({
    handlers: [
      {
        handle(req) {
          const res = vertex.handle(req);
          if (res) exchanges.push({ req, res });
          return res;
        },
      },
    ],
  });
  try {
    const adapter = new VertexAdapter({ project: PROJECT, authClient: authClient(), rootUrl: server.url });
    const a = plan(CONFIGS[0] ?? '', 'rec-a');
    const b = plan(CONFIGS[1] ?? '', 'rec-b');
    vertex.script('census_hp', { succeedAfterPolls: 3, bestTrial: 4 });
    const created = await adapter.createJob(a.region, a.plan, 'rec-a');
    assert.ok(created.ok, created.ok ? '' : created.failure.message);
    assert.equal(created.value.kind, 'tuning');
    assert.match(created.value.name, /\/hyperparameterTuningJobs\/\d+$/);
    // A retried create finds the first job by its label: one job.
    const again = await adapter.createJob(a.region, a.plan, 'rec-a');
    assert.ok(again.ok && again.value.id === created.value.id);
    assert.equal(vertex.count('hyperparameterTuningJobs.create'), 1);
    // Tuning jobs are their own resource: not among custom jobs, not found as one.
    assert.deepEqual(await adapter.listManagedJobs('us-central1'), []);
    const asCustom = await adapter.getJob('us-central1', created.value.id);
    assert.ok(asCustom.ok && asCustom.value === null);

    const listed = await adapter.listManagedJobs('us-central1', { kinds: ['custom', 'tuning'], activeOnly: true });
    assert.deepEqual(listed.map((j) => [j.id, j.kind, j.trials]), [[created.value.id, 'tuning', undefined]]);
    let got = await adapter.getJob('us-central1', created.value.id, 'tuning');
    for (let i = 0; i < 3 && got.ok && got.value?.state !== 'JOB_STATE_SUCCEEDED'; i++) got = await adapter.getJob('us-central1', created.value.id, 'tuning');
    assert.ok(got.ok && got.value !== null);
    assert.equal(got.value.state, 'JOB_STATE_SUCCEEDED');
    const trials = got.value.trials ?? [];
    assert.equal(trials.length, 6);
    assert.ok(trials.every((t) => t.parameters.map((p) => p.name).join() === 'lr,units,layers,optimizer'));
    const outcome = tuningOutcome({ metric: 'accuracy', goal: 'MAXIMIZE' }, trials);
    assert.equal(outcome.best?.id, '4');
    assert.equal(outcome.succeeded, 6);
    // The finished job leaves an active-only listing.
    assert.deepEqual(await adapter.listManagedJobs('us-central1', { kinds: ['tuning'], activeOnly: true }), []);

    vertex.script('census_hp', { stayQueued: true });
    const second = await adapter.createJob(b.region, b.plan, 'rec-b');
    assert.ok(second.ok);
    assert.ok((await adapter.cancelJob('us-central1', second.value.id, 'tuning')).ok);
    now += 60_000;
    let seen = await adapter.getJob('us-central1', second.value.id, 'tuning');
    seen = await adapter.getJob('us-central1', second.value.id, 'tuning');
    assert.ok(seen.ok && seen.value?.state === 'JOB_STATE_CANCELLED', JSON.stringify(seen));
    assert.deepEqual(seen.value.trials, undefined, 'a cancelled job played no trials');

    const methods = new Set<string>();
    for (const { req, res } of exchanges) {
      const method = aiplatform.methodFor(req.method, req.path);
      assert.ok(method, `${req.method} ${req.path} is a method of aiplatform v1`);
      methods.add(method.id);
      assert.deepEqual(aiplatform.validateRequest(method.id, { method: req.method, path: req.path, query: req.query, ...(method.request ? { body: req.body ?? {} } : {}) }), [], `${method.id} request`);
      if (res.status >= 400) {
        // Only the look for a tuning job among custom jobs is refused, as Vertex AI answers an unknown name.
        assert.equal(`${method.id} ${res.status}`, 'aiplatform.projects.locations.customJobs.get 404', JSON.stringify(res.body));
        continue;
      }
      assert.deepEqual(aiplatform.validateResponse(method.id, res.body), [], `${method.id} response`);
    }
    for (const m of ['create', 'get', 'list', 'cancel']) assert.ok(methods.has(`aiplatform.projects.locations.hyperparameterTuningJobs.${m}`), m);
  } finally {
    await server.close();
  }
});

test('the stand-in refuses tuning bodies Vertex AI would refuse, saying which field', async () => {
  let now = Date.parse('2026-03-02T09:00:00Z');
  const vertex = new VertexSandbox({ project: PROJECT, now: () => now });
  const server = await startGoogleSandbox({ handlers: [vertex] });
  try {
    const adapter = new VertexAdapter({ project: PROJECT, authClient: authClient(), rootUrl: server.url });
    const { plan: p } = plan(CONFIGS[0] ?? '', 'rec-bad');
    assert.ok(p.tuning);
    const good = hyperparameterTuningJobBody(p, p.tuning);
    const spec = good.studySpec;
    const cases: { why: string; body: unknown; says: RegExp }[] = [
      { why: 'no study', body: { ...good, studySpec: undefined }, says: /study_spec.*Required/ },
      { why: 'no trial count', body: { ...good, maxTrialCount: 0 }, says: /max_trial_count/ },
      { why: 'a metric id with a space', body: { ...good, studySpec: { ...spec, metrics: [{ metricId: 'my metric', goal: 'MAXIMIZE' }] } }, says: /metric_id.*whitespaces/ },
      { why: 'grid search over a double', body: { ...good, studySpec: { ...spec, algorithm: 'GRID_SEARCH' } }, says: /grid search.*INTEGER, CATEGORICAL, or DISCRETE/ },
      { why: 'two value specs', body: { ...good, studySpec: { ...spec, parameters: [{ parameterId: 'x', doubleValueSpec: { minValue: 0, maxValue: 1 }, discreteValueSpec: { values: [1] } }] } }, says: /Exactly one of/ },
      { why: 'a log scale reaching 0', body: { ...good, studySpec: { ...spec, parameters: [{ parameterId: 'x', doubleValueSpec: { minValue: 0, maxValue: 1 }, scaleType: 'UNIT_LOG_SCALE' }] } }, says: /strictly positive/ },
      { why: 'unknown field', body: { ...good, studySpec: { ...spec, metric: 'x' } }, says: /Unknown name "metric"/ },
      { why: 'a trial machine Vertex AI does not train on', body: { ...good, trialJobSpec: { workerPoolSpecs: [{ machineSpec: { machineType: 'f1-micro' }, replicaCount: '1', containerSpec: { imageUri: 'gcr.io/a/b' } }] } }, says: /f1-micro/ },
    ];
    for (const c of cases) {
      const res = await adapter.createBody('us-central1', c.body as typeof good, undefined, 'tuning');
      assert.ok(!res.ok, c.why);
      assert.equal(res.failure.kind, 'invalid', c.why);
      assert.match(res.failure.message, c.says, `${c.why}: ${res.failure.message}`);
    }
    // Quota is held for every parallel trial: 2 trials of one T4 each do not fit a quota of 1.
    vertex.quota('us-central1', 'NVIDIA_TESLA_T4', 1);
    const quota = await adapter.createJob('us-central1', p);
    assert.ok(!quota.ok && quota.failure.kind === 'quota', JSON.stringify(quota));
    now += 1;
  } finally {
    await server.close();
  }
});
