import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { logging_v2 } from 'googleapis/build/src/apis/logging/v2.js';
import { aiplatform_v1 } from 'googleapis/build/src/apis/aiplatform/v1.js';
import { VertexAdapter } from '../../src/gcp/vertex.js';
import { isTrainingUnavailable, type ObservedJob } from '../../src/app/ports/training.js';
import { parseTrainCommand } from '../../src/domain/train-command.js';
import { type CustomJobBody, type WorkerPoolSpecBody } from '../../src/gcp/vertex-bodies.js';
import { customJobFor as toCustomJob } from '../support/jobs.js';
import { startGoogleSandbox, type SandboxHandler } from '../../src/sandbox/google/server.js';
import { VertexSandbox, vertexError, type VertexSandboxOptions } from '../../src/sandbox/google/vertex.js';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in vertex adapter test: ${String(reason)}\n`);
});

const PROJECT = 'ml-lab';
const REGION = 'us-central1';
const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';

class ManualClock {
  constructor(public time = Date.parse('2026-03-02T09:00:00Z')) {}
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

// One server for the file; each test gets a fresh sandbox and clock behind it.
let current: VertexSandbox = new VertexSandbox({ project: PROJECT });
const forward: SandboxHandler = { handle: (req) => current.handle(req) };
const server = startGoogleSandbox({ handlers: [forward] });
after(async () => (await server).close());

function authClient(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'sandbox' });
  return client;
}

async function setup(options: Partial<VertexSandboxOptions> = {}, pageSize?: number) {
  const clock = new ManualClock();
  current = new VertexSandbox({ project: PROJECT, now: clock.now, ...options });
  const { url } = await server;
  const adapter = new VertexAdapter({ project: PROJECT, authClient: authClient(), rootUrl: url, ...(pageSize !== undefined ? { pageSize } : {}) });
  return { clock, sandbox: current, adapter, url };
}

/** The body `/train submit` produces for `flags`, for record `recordId`. */
function bodyFor(flags: string, recordId = 'rec-1', owner = 'U0ALICE'): CustomJobBody {
  const parsed = parseTrainCommand(`submit ${flags}`, { today: '2026-03-02' });
  assert.ok(parsed.ok && parsed.value.kind === 'submit' && parsed.value.request !== null, parsed.ok ? 'not a submit' : parsed.error.message);
  return toCustomJob(parsed.value.request, { project: PROJECT, owner, jobId: recordId, defaultRegion: REGION }).body;
}

const T4_JOB = `census --master-machine-type n1-standard-8 --master-accelerator count=1,type=nvidia-tesla-t4 --module-name trainer.task --packages ${PKG} --runtime-version 2.11`;
const L4_JOB = `l4run --master-machine-type g2-standard-8 --module-name trainer.task --packages ${PKG} --runtime-version 2.15`;

function isPool(pool: CustomJobBody['jobSpec']['workerPoolSpecs'][number]): pool is WorkerPoolSpecBody {
  return 'machineSpec' in pool;
}

async function created(adapter: VertexAdapter, body: CustomJobBody, region = REGION): Promise<ObservedJob> {
  const result = await adapter.createBody(region, body);
  assert.ok(result.ok, result.ok ? '' : `${result.failure.kind}: ${result.failure.message}`);
  return result.value;
}

async function state(adapter: VertexAdapter, id: string, region = REGION): Promise<ObservedJob> {
  const result = await adapter.getJob(region, id);
  assert.ok(result.ok && result.value !== null, result.ok ? 'job is gone' : result.failure.message);
  return result.value;
}

test('createJob sends the body /train produced and gets the QUEUED job back, with its labels and region', async () => {
  const { adapter, sandbox, clock } = await setup();
  const body = bodyFor(T4_JOB);
  const job = await created(adapter, body);
  assert.equal(job.state, 'JOB_STATE_QUEUED');
  assert.equal(job.displayName, 'census');
  assert.equal(job.region, REGION);
  assert.match(job.id, /^\d{19}$/);
  assert.equal(job.name, `projects/123456789012/locations/${REGION}/customJobs/${job.id}`);
  assert.deepEqual(job.labels, { 'managed-by': 'gpubot', 'gpubot-owner': 'u0alice', 'gpubot-id': 'rec-1' });
  assert.equal(job.recordId, 'rec-1');
  assert.equal(job.ownerLabel, 'u0alice');
  assert.equal(job.createTime, clock.time);
  assert.equal(job.startTime, null);
  assert.equal(job.error, null);
  // What arrived is what was sent, with the disk Vertex AI fills in when none is named.
  const stored = sandbox.job(job.id);
  const pool = body.jobSpec.workerPoolSpecs[0];
  assert.deepEqual(stored?.jobSpec, { workerPoolSpecs: [{ ...pool, diskSpec: { bootDiskType: 'pd-ssd', bootDiskSizeGb: 100 } }] });
  assert.deepEqual(sandbox.calls.map((c) => [c.method, c.region]), [['customJobs.create', REGION]]);
  assert.deepEqual(Object.fromEntries(adapter.callCounts), { 'customJobs.create': 1 });
});

test('a retried create with the same record id returns the first job instead of making a second', async () => {
  const { adapter, sandbox } = await setup();
  const body = bodyFor(T4_JOB, 'rec-7');
  const first = await adapter.createBody(REGION, body, 'rec-7');
  const again = await adapter.createBody(REGION, body, 'rec-7');
  assert.ok(first.ok && again.ok);
  assert.equal(again.value.id, first.value.id);
  assert.equal(sandbox.count('customJobs.create'), 1);
  assert.equal(sandbox.jobs().length, 1);
  const other = await adapter.createBody(REGION, bodyFor(T4_JOB, 'rec-8'), 'rec-8');
  assert.ok(other.ok && other.value.id !== first.value.id);
});

test('listManagedJobs makes one call per page, never one per job, and skips jobs without our label', async () => {
  const { adapter, sandbox } = await setup({ maxPageSize: 100 });
  const body = bodyFor(T4_JOB);
  for (let i = 0; i < 250; i++) sandbox.seed(REGION, { ...body, labels: { ...body.labels, 'gpubot-id': `rec-${i}` } });
  for (let i = 0; i < 5; i++) sandbox.seed(REGION, { ...body, displayName: `someone-elses-${i}`, labels: { team: 'other' } });
  for (let i = 0; i < 10; i++) sandbox.seed('europe-west4', body);

  const jobs = await adapter.listManagedJobs(REGION);
  assert.equal(jobs.length, 250);
  assert.equal(new Set(jobs.map((j) => j.recordId)).size, 250);
  assert.ok(jobs.every((j) => j.labels['managed-by'] === 'gpubot' && j.region === REGION));
  assert.equal(adapter.callCounts.get('customJobs.list'), 3, '250 jobs at 100 a page');
  assert.equal(sandbox.count('customJobs.list'), 3);

  assert.equal((await adapter.listManagedJobs('europe-west4')).length, 10);
  assert.equal(adapter.callCounts.get('customJobs.list'), 4);

  const small = new VertexAdapter({ project: PROJECT, authClient: authClient(), rootUrl: (await server).url, pageSize: 50 });
  assert.equal((await small.listManagedJobs(REGION)).length, 250);
  assert.equal(small.callCounts.get('customJobs.list'), 5);
  assert.equal(small.googleCalls, 5);
});

test('a job goes QUEUED -> PENDING -> RUNNING -> SUCCEEDED, one step per poll, with its times', async () => {
  const { adapter, clock } = await setup();
  const job = await created(adapter, bodyFor(T4_JOB));
  const seen: string[] = [job.state];
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    clock.advance(60_000);
    times.push(clock.time);
    const [listed] = await adapter.listManagedJobs(REGION);
    assert.ok(listed);
    seen.push(listed.state);
  }
  assert.deepEqual(seen, ['JOB_STATE_QUEUED', 'JOB_STATE_PENDING', 'JOB_STATE_RUNNING', 'JOB_STATE_SUCCEEDED', 'JOB_STATE_SUCCEEDED']);
  const done = await state(adapter, job.id);
  assert.equal(done.startTime, times[1]);
  assert.equal(done.endTime, times[2]);
  assert.equal(done.error, null);
});

test('scripts: fail with a message, stay queued, end at once; or move with the clock alone', async () => {
  const { adapter, sandbox, clock } = await setup();
  sandbox.script('broken', { failWith: 'ValueError: learning rate must be positive', succeedAfterPolls: 2 });
  const broken = await created(adapter, { ...bodyFor(T4_JOB), displayName: 'broken' });
  const stuck = await created(adapter, bodyFor(T4_JOB));
  sandbox.script(stuck.id, { stayQueued: true });
  sandbox.setDefaultScript({ succeedAfterPolls: 1 });
  const quick = await created(adapter, bodyFor(T4_JOB));

  clock.advance(1000);
  assert.equal((await state(adapter, broken.id)).state, 'JOB_STATE_PENDING');
  const failed = await state(adapter, broken.id);
  assert.equal(failed.state, 'JOB_STATE_FAILED');
  assert.deepEqual(failed.error, { code: 3, message: 'ValueError: learning rate must be positive' });
  for (let i = 0; i < 5; i++) assert.equal((await state(adapter, stuck.id)).state, 'JOB_STATE_QUEUED');
  const instant = await state(adapter, quick.id);
  assert.equal(instant.state, 'JOB_STATE_SUCCEEDED');
  assert.equal(instant.startTime, instant.endTime);

  const timed = await setup({ stepMs: 60_000 });
  const t0 = timed.clock.time;
  const slow = await created(timed.adapter, bodyFor(T4_JOB));
  timed.clock.advance(150_000);
  const mid = await state(timed.adapter, slow.id);
  assert.equal(mid.state, 'JOB_STATE_RUNNING');
  assert.equal(mid.startTime, t0 + 120_000, 'RUNNING from the second step of the clock');
  timed.clock.advance(60_000);
  const end = await state(timed.adapter, slow.id);
  assert.equal(end.state, 'JOB_STATE_SUCCEEDED');
  assert.equal(end.endTime, t0 + 180_000);
});

test('cancelJob: the job shows CANCELLING, then CANCELLED; cancelling a finished job is refused', async () => {
  const { adapter, clock } = await setup();
  const job = await created(adapter, bodyFor(T4_JOB));
  await state(adapter, job.id);
  const running = await state(adapter, job.id);
  assert.equal(running.state, 'JOB_STATE_RUNNING');
  clock.advance(5000);
  const cancel = await adapter.cancelJob(REGION, job.id);
  assert.deepEqual(cancel, { ok: true, value: undefined });
  assert.equal((await state(adapter, job.id)).state, 'JOB_STATE_CANCELLING');
  clock.advance(5000);
  const cancelled = await state(adapter, job.id);
  assert.equal(cancelled.state, 'JOB_STATE_CANCELLED');
  assert.equal(cancelled.endTime, clock.time);
  assert.equal(cancelled.startTime, running.startTime);
  assert.deepEqual(cancelled.error, { code: 1, message: 'CANCELED' });

  const again = await adapter.cancelJob(REGION, job.id);
  assert.ok(!again.ok);
  assert.equal(again.failure.kind, 'invalid');
  assert.equal(again.failure.code, 'FAILED_PRECONDITION');

  // A job cancelled before it ran never gets a start time.
  const queued = await created(adapter, bodyFor(T4_JOB));
  assert.ok((await adapter.cancelJob(REGION, queued.id)).ok);
  await state(adapter, queued.id);
  const never = await state(adapter, queued.id);
  assert.equal(never.state, 'JOB_STATE_CANCELLED');
  assert.equal(never.startTime, null);
});

test('quota: a create past the region’s GPU limit is a 429 naming the quota; it frees when jobs end', async () => {
  const { adapter, sandbox } = await setup();
  sandbox.quota(REGION, 'NVIDIA_L4', 1);
  const first = await created(adapter, bodyFor(L4_JOB));
  const refused = await adapter.createBody(REGION, bodyFor(L4_JOB, 'rec-2'));
  assert.ok(!refused.ok);
  assert.equal(refused.failure.kind, 'quota');
  assert.equal(refused.failure.quota, 'custom_model_training_nvidia_l4_gpus');
  assert.equal(refused.failure.code, 'RESOURCE_EXHAUSTED');
  assert.match(refused.failure.message, /The following quota metrics exceed quota limits: aiplatform\.googleapis\.com\/custom_model_training_nvidia_l4_gpus/);
  // Other regions and other GPUs are not limited.
  assert.ok((await adapter.createBody('us-east4', bodyFor(L4_JOB, 'rec-3'))).ok);
  assert.ok((await adapter.createBody(REGION, bodyFor(T4_JOB, 'rec-4'))).ok);
  for (let i = 0; i < 3; i++) await state(adapter, first.id);
  assert.equal((await state(adapter, first.id)).state, 'JOB_STATE_SUCCEEDED');
  assert.ok((await adapter.createBody(REGION, bodyFor(L4_JOB, 'rec-5'))).ok, 'the first job ended and gave its GPU back');

  sandbox.quota('europe-west4', 'CPUS', 16);
  const cpus = await adapter.createBody('europe-west4', bodyFor(`big --scale-tier STANDARD_1 --module-name t.task --packages ${PKG} --runtime-version 2.11`, 'rec-6'));
  assert.ok(!cpus.ok && cpus.failure.kind === 'quota' && cpus.failure.quota === 'custom_model_training_cpus');
});

test('invalid combinations are a 400 the adapter calls invalid, and create nothing', async () => {
  const { adapter, sandbox } = await setup();
  const base = bodyFor(T4_JOB);
  const pool = base.jobSpec.workerPoolSpecs[0];
  assert.ok(pool !== undefined && isPool(pool));
  const cases: { why: string; body: CustomJobBody; says: RegExp }[] = [
    {
      why: 'a T4 on an A2 machine',
      body: { ...base, jobSpec: { workerPoolSpecs: [{ ...pool, machineSpec: { machineType: 'a2-highgpu-1g', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 } }] } },
      says: /Accelerator "NVIDIA_TESLA_T4" is not supported for machine type "a2-highgpu-1g"/,
    },
    {
      why: 'an A100 on an N1 machine',
      body: { ...base, jobSpec: { workerPoolSpecs: [{ ...pool, machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_A100', acceleratorCount: 1 } }] } },
      says: /not supported for machine type "n1-standard-8"/,
    },
    {
      why: 'three T4s',
      body: { ...base, jobSpec: { workerPoolSpecs: [{ ...pool, machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 3 } }] } },
      says: /Accelerator count 3/,
    },
    { why: 'replicaCount 0', body: { ...base, jobSpec: { workerPoolSpecs: [{ ...pool, replicaCount: '0' }] } }, says: /replica_count; Message: Replica count must be greater than 0/ },
    {
      why: 'no image',
      body: { ...base, jobSpec: { workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-4' }, replicaCount: '1' }] } },
      says: /Either container_spec or python_package_spec must be set/,
    },
    {
      why: 'an A2 machine with no accelerator named',
      body: { ...base, jobSpec: { workerPoolSpecs: [{ ...pool, machineSpec: { machineType: 'a2-highgpu-1g' } }] } },
      says: /requires accelerator "NVIDIA_TESLA_A100"/,
    },
    { why: 'no display name', body: { ...base, displayName: '' }, says: /display_name; Message: Required field is not set/ },
  ];
  for (const c of cases) {
    const result = await adapter.createBody(REGION, c.body);
    assert.ok(!result.ok, c.why);
    assert.equal(result.failure.kind, 'invalid', c.why);
    assert.equal(result.failure.code, 'INVALID_ARGUMENT', c.why);
    assert.match(result.failure.message, c.says, c.why);
  }
  const unknown = await adapter.createBody(REGION, { ...base, colour: 'blue' } as CustomJobBody);
  assert.ok(!unknown.ok && unknown.failure.kind === 'invalid' && /Unknown name "colour"/.test(unknown.failure.message));
  assert.equal(sandbox.jobs().length, 0);
});

test('failureLog returns the last error lines of a failed job, oldest first, paging through Cloud Logging', async () => {
  const { adapter, sandbox } = await setup({ maxPageSize: 50 });
  const lines = Array.from({ length: 120 }, (_, i) => `stderr line ${i}`);
  sandbox.script('failing', { failWith: 'RuntimeError: CUDA out of memory', errorLines: lines, succeedAfterPolls: 1 });
  const failing = await created(adapter, { ...bodyFor(T4_JOB), displayName: 'failing' });
  const fine = await created(adapter, bodyFor(T4_JOB, 'rec-2'));
  sandbox.script(fine.id, { succeedAfterPolls: 1 });
  await adapter.listManagedJobs(REGION);

  const short = await adapter.failureLog(failing.id, REGION, 3);
  assert.deepEqual(short, { ok: true, value: ['stderr line 118', 'stderr line 119', 'The replica workerpool0-0 exited with a non-zero status of 1.'] });
  const before = adapter.callCounts.get('entries.list') ?? 0;
  const long = await adapter.failureLog(failing.id, REGION, 100);
  assert.ok(long.ok);
  assert.equal(long.value.length, 100);
  assert.equal(long.value[0], 'stderr line 21');
  assert.equal(long.value.at(-1), 'The replica workerpool0-0 exited with a non-zero status of 1.');
  assert.equal((adapter.callCounts.get('entries.list') ?? 0) - before, 2, '100 lines at 50 a page');
  assert.deepEqual(await adapter.failureLog(fine.id, REGION, 10), { ok: true, value: [] });
  assert.deepEqual(await adapter.failureLog(failing.id, REGION, 0), { ok: true, value: [] });
});

test('Cloud Logging entries.list pages with tokens through the real client', async () => {
  const { sandbox, adapter, url } = await setup();
  sandbox.script('failing', { failWith: 'boom', errorLines: ['a', 'b', 'c', 'd', 'e'], succeedAfterPolls: 1 });
  const job = await created(adapter, { ...bodyFor(T4_JOB), displayName: 'failing' });
  await state(adapter, job.id);
  const logging = new logging_v2.Logging({ auth: authClient(), rootUrl: url });
  const filter = `resource.type="ml_job" AND resource.labels.job_id="${job.id}" AND severity>=ERROR`;
  const text: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const res = await logging.entries.list({ requestBody: { resourceNames: [`projects/${PROJECT}`], filter, pageSize: 2, ...(pageToken ? { pageToken } : {}) } });
    pages++;
    for (const e of res.data.entries ?? []) {
      assert.equal(e.resource?.type, 'ml_job');
      assert.equal(e.resource?.labels?.job_id, job.id);
      assert.equal(e.severity, 'ERROR');
      text.push(e.textPayload ?? '');
    }
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  assert.deepEqual(text, ['a', 'b', 'c', 'd', 'e', 'The replica workerpool0-0 exited with a non-zero status of 1.']);
  assert.equal(pages, 3);
  assert.equal(sandbox.count('entries.list'), 3);
  const all = await logging.entries.list({ requestBody: { resourceNames: [`projects/${PROJECT}`], filter: `resource.labels.job_id="${job.id}"` } });
  assert.ok((all.data.entries ?? []).some((e) => e.severity === 'INFO'), 'without the severity filter INFO lines come too');
  await assert.rejects(logging.entries.list({ requestBody: { resourceNames: [`projects/${PROJECT}`], filter: 'severity>=' } }), /Invalid filter/);
});

test('list filters on labels and state work through the real client; bad filters and tokens are a 400', async () => {
  // Queued for good, so that listing them (which counts as polling) does not move them on.
  const { sandbox, url } = await setup({ defaultScript: { stayQueued: true } });
  const body = bodyFor(T4_JOB);
  sandbox.seed(REGION, { ...body, labels: { ...body.labels, team: 'nlp' } });
  sandbox.seed(REGION, body);
  const vertex = new aiplatform_v1.Aiplatform({ auth: authClient(), rootUrl: url });
  const parent = `projects/${PROJECT}/locations/${REGION}`;
  const list = (filter: string) => vertex.projects.locations.customJobs.list({ parent, filter });
  assert.equal((await list('labels.team="nlp"')).data.customJobs?.length, 1);
  assert.equal((await list('labels.team:*')).data.customJobs?.length, 1);
  assert.equal((await list('labels.managed-by="gpubot" AND NOT labels.team="nlp"')).data.customJobs?.length, 1);
  assert.equal((await list('state="JOB_STATE_QUEUED"')).data.customJobs?.length, 2);
  assert.equal((await list('state="JOB_STATE_RUNNING"')).data.customJobs, undefined, 'an empty page has no customJobs field');
  assert.equal((await list('display_name:"cen*"')).data.customJobs?.length, 2);
  await assert.rejects(list('labels.team="nlp" AND'), /Provided filter is not valid/);
  await assert.rejects(list('owner="bob"'), /unsupported field/);
  await assert.rejects(vertex.projects.locations.customJobs.list({ parent, pageToken: 'bogus' }), /Invalid page token/);
  // Vertex AI names the project by number; requests may use either.
  const byNumber = await vertex.projects.locations.customJobs.list({ parent: `projects/123456789012/locations/${REGION}` });
  assert.equal(byNumber.data.customJobs?.length, 2);
  await assert.rejects(vertex.projects.locations.customJobs.list({ parent: `projects/not-ours/locations/${REGION}` }), /denied/);
});

test('errors: a missing job is null, an unreadable region throws TrainingUnavailableError, a bad region makes no call', async () => {
  const { adapter, sandbox } = await setup();
  assert.deepEqual(await adapter.getJob(REGION, '4999999999999999999'), { ok: true, value: null });
  sandbox.failNext('customJobs.list', vertexError(403, 'PERMISSION_DENIED', "Permission 'aiplatform.customJobs.list' denied"));
  await assert.rejects(adapter.listManagedJobs(REGION), (error: unknown) => {
    assert.ok(isTrainingUnavailable(error));
    assert.equal(error.region, REGION);
    assert.equal(error.failure.kind, 'permission');
    return true;
  });
  const calls = sandbox.calls.length;
  const bad = await adapter.getJob('us-central1.evil.example', '1');
  assert.ok(!bad.ok && bad.failure.kind === 'invalid');
  await assert.rejects(adapter.listManagedJobs('../x'), (error: unknown) => isTrainingUnavailable(error));
  assert.equal(sandbox.calls.length, calls);
  sandbox.failNext('customJobs.create', vertexError(503, 'UNAVAILABLE', 'The service is currently unavailable.'));
  const unavailable = await adapter.createBody(REGION, bodyFor(T4_JOB));
  assert.ok(!unavailable.ok && unavailable.failure.kind === 'transient');
});

test('against Google, each region is asked at its own host: {region}-aiplatform.googleapis.com', async () => {
  // Nothing leaves this machine: the connection is refused before it is made, and the error names the host.
  const adapter = new VertexAdapter({ project: PROJECT, authClient: authClient(), rootUrl: null });
  for (const region of ['europe-west4', 'us-central1']) {
    const result = await adapter.cancelJob(region, '4000000000000000000');
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'transient');
    assert.match(result.failure.message, new RegExp(`${region}-aiplatform\\.googleapis\\.com`), result.failure.message);
  }
});
