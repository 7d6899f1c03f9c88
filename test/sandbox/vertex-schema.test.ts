import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { aiplatform_v1 } from 'googleapis/build/src/apis/aiplatform/v1.js';
import { VertexAdapter } from '../../src/gcp/vertex.js';
import { parseTrainCommand } from '../../src/domain/train-command.js';
import { type CustomJobBody } from '../../src/gcp/vertex-bodies.js';
import type { JobPlan } from '../../src/domain/job-plan.js';
import { customJobFor as toCustomJob } from '../support/jobs.js';
import { startGoogleSandbox, type SandboxRequest, type SandboxResponse } from '../../src/sandbox/google/server.js';
import { VertexSandbox, vertexError } from '../../src/sandbox/google/vertex.js';
import { Discovery } from '../support/discovery.js';

const aiplatform = Discovery.load('aiplatform.v1.json');
const logging = Discovery.load('logging.v2.json');
const PROJECT = 'ml-lab';
const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';

/** Commands whose bodies cover every shape customJobBody writes. */
const COMMANDS = [
  `submit census --scale-tier BASIC_GPU --module-name trainer.task --packages ${PKG} --runtime-version 2.11 --job-dir gs://ml-lab-out/c -- --epochs 3`,
  `submit big --scale-tier STANDARD_1 --module-name trainer.task --packages ${PKG} --runtime-version 1.15 --labels team=vision`,
  `submit ps --master-machine-type a2-highgpu-1g --parameter-server-machine-type n1-highmem-4 --parameter-server-count 2 --module-name t.task --packages ${PKG} --runtime-version 2.17`,
  'submit boxed --worker-pool-spec=machine-type=g2-standard-24,accelerator-type=NVIDIA_L4,accelerator-count=2,container-image-uri=us-docker.pkg.dev/ml-lab/t/i:1,disk-type=pd-standard,disk-size=500 --worker-pool-spec=machine-type=n1-standard-8,replica-count=3,container-image-uri=us-docker.pkg.dev/ml-lab/t/i:1 --command=python,train.py --args=--steps=10',
  `submit h100 --master-machine-type a3-highgpu-8g --module-name t.task --packages ${PKG} --runtime-version 2.16 --region us-east4`,
];

function bodies(): { region: string; plan: JobPlan; body: CustomJobBody }[] {
  return COMMANDS.map((text, i) => {
    const parsed = parseTrainCommand(text, { today: '2026-03-02' });
    assert.ok(parsed.ok && parsed.value.kind === 'submit' && parsed.value.request !== null, text);
    return toCustomJob(parsed.value.request, { project: PROJECT, owner: 'U0ALICE', jobId: `rec-${i}`, defaultRegion: 'us-central1' });
  });
}

function authClient(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'sandbox' });
  return client;
}

test('the discovery validator finds unknown fields, wrong types, bad enum values and output-only fields', () => {
  const good = {
    displayName: 'census',
    labels: { 'managed-by': 'gpubot' },
    jobSpec: { workerPoolSpecs: [{ machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 }, replicaCount: '1' }] },
  };
  assert.deepEqual(aiplatform.validate('GoogleCloudAiplatformV1CustomJob', good, { request: true }), []);
  const pool = good.jobSpec.workerPoolSpecs[0];
  const cases: { why: string; schema: Discovery; type: string; value: unknown; request?: boolean; problem: RegExp }[] = [
    { why: 'unknown field', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJob', value: { ...good, dispalyName: 'x' }, problem: /no field 'dispalyName'/ },
    { why: 'snake_case name', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJob', value: { display_name: 'x' }, problem: /no field 'display_name'/ },
    { why: 'int64 as a JSON number', schema: aiplatform, type: 'GoogleCloudAiplatformV1WorkerPoolSpec', value: { ...pool, replicaCount: 1 }, problem: /replicaCount: expected a string \(int64\)/ },
    { why: 'int64 with letters', schema: aiplatform, type: 'GoogleCloudAiplatformV1WorkerPoolSpec', value: { replicaCount: 'one' }, problem: /int64 as a decimal string/ },
    { why: 'int32 as a string', schema: aiplatform, type: 'GoogleCloudAiplatformV1MachineSpec', value: { acceleratorCount: '1' }, problem: /expected an integer/ },
    { why: 'accelerator outside the enum', schema: aiplatform, type: 'GoogleCloudAiplatformV1MachineSpec', value: { acceleratorType: 'nvidia-tesla-t4' }, problem: /"nvidia-tesla-t4" is not one of/ },
    { why: 'an _UNSPECIFIED value is never sent', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJob', value: { state: 'JOB_STATE_UNSPECIFIED' }, problem: /JOB_STATE_UNSPECIFIED is a proto default/ },
    { why: 'bad timestamp', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJob', value: { createTime: 'yesterday' }, problem: /RFC 3339/ },
    { why: 'map of non-strings', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJob', value: { labels: { a: 1 } }, problem: /labels\["a"\]: expected a string/ },
    { why: 'repeated as an object', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJobSpec', value: { workerPoolSpecs: {} }, problem: /expected an array/ },
    { why: 'output-only field in a request', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJob', value: { ...good, state: 'JOB_STATE_QUEUED' }, request: true, problem: /state: output only/ },
    { why: 'unknown field deep down', schema: aiplatform, type: 'GoogleCloudAiplatformV1CustomJob', value: { jobSpec: { workerPoolSpecs: [{ containerSpec: { image: 'x' } }] } }, problem: /containerSpec\.image: no field/ },
    { why: 'severity outside the enum', schema: logging, type: 'LogEntry', value: { severity: 'FATAL' }, problem: /"FATAL" is not one of/ },
    { why: 'an unknown schema', schema: logging, type: 'NoSuchThing', value: {}, problem: /not a schema/ },
  ];
  for (const c of cases) {
    const problems = c.schema.validate(c.type, c.value, c.request ? { request: true } : {});
    assert.ok(problems.some((p) => c.problem.test(p)), `${c.why}: expected a problem matching ${String(c.problem)}, got ${JSON.stringify(problems)}`);
  }
});

test('every CustomJob body customJobBody writes fits GoogleCloudAiplatformV1CustomJob as a request', () => {
  for (const { body } of bodies()) {
    assert.deepEqual(aiplatform.validate('GoogleCloudAiplatformV1CustomJob', body, { request: true }), [], body.displayName);
  }
});

test('every sandbox answer fits the aiplatform v1 and logging v2 discovery documents, and so does every request the clients send', async () => {
  const exchanges: { req: SandboxRequest; res: SandboxResponse }[] = [];
  let now = Date.parse('2026-03-02T09:00:00Z');
  const vertex = new VertexSandbox({ project: PROJECT, now: () => now, maxPageSize: 3 });
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
    const adapter = new VertexAdapter({ project: PROJECT, authClient: authClient(), rootUrl: server.url, pageSize: 3 });
    vertex.script('big', { failWith: 'ValueError: bad shape', succeedAfterPolls: 2 });
    vertex.script('ps', { stayQueued: true });
    const ids: { region: string; id: string }[] = [];
    // Through the port's own path: the plan, written as a body by the adapter.
    for (const { region, plan } of bodies()) {
      const created = await adapter.createJob(region, plan, plan.labels['gpubot-id']);
      assert.ok(created.ok, created.ok ? '' : created.failure.message);
      ids.push({ region, id: created.value.id });
    }
    const [first, , , boxed] = ids;
    assert.ok(first && boxed);
    // Move every job through its states, with a cancel on the way.
    for (let round = 0; round < 4; round++) {
      now += 60_000;
      if (round === 1) assert.ok((await adapter.cancelJob(boxed.region, boxed.id)).ok);
      for (const region of ['us-central1', 'us-east4']) await adapter.listManagedJobs(region);
      await adapter.getJob(first.region, first.id);
    }
    const big = ids[1];
    assert.ok(big);
    const log = await adapter.failureLog(big.id, big.region, 50);
    assert.ok(log.ok && log.value.length > 0);
    // Refusals too: quota and an invalid body.
    vertex.quota('us-central1', 'NVIDIA_L4', 0);
    const [l4] = bodies().slice(3);
    assert.ok(l4);
    assert.ok(!(await adapter.createBody('us-central1', { ...l4.body, displayName: 'again' })).ok);
    vertex.failNext('customJobs.get', vertexError(503, 'UNAVAILABLE', 'try later'));
    const client = new aiplatform_v1.Aiplatform({ auth: authClient(), rootUrl: server.url, retry: false });
    await assert.rejects(client.projects.locations.customJobs.get({ name: `projects/${PROJECT}/locations/us-central1/customJobs/${first.id}` }));

    assert.ok(exchanges.length > 20, `only ${exchanges.length} exchanges were checked`);
    const states = new Set<string>();
    for (const { req, res } of exchanges) {
      const doc = req.path.startsWith('/v2/') ? logging : aiplatform;
      const method = doc.methodFor(req.method, req.path);
      assert.ok(method, `${req.method} ${req.path} is a method of ${doc.name}`);
      if (method.request !== undefined) {
        assert.deepEqual(doc.validate(method.request.$ref, req.body ?? {}, { request: true }), [], `${method.id} request`);
      }
      if (res.status >= 400) {
        // Google's JSON error envelope: a number, a message and a google.rpc.Code name.
        const error = (res.body as { error?: { code?: unknown; message?: unknown; status?: unknown } }).error;
        assert.equal(error?.code, res.status, `${method.id} error`);
        assert.equal(typeof error?.message, 'string');
        assert.match(String(error?.status), /^(INVALID_ARGUMENT|FAILED_PRECONDITION|RESOURCE_EXHAUSTED|NOT_FOUND|PERMISSION_DENIED|UNAVAILABLE)$/);
        continue;
      }
      assert.ok(method.response, `${method.id} has a response schema`);
      assert.deepEqual(doc.validate(method.response.$ref, res.body), [], `${method.id} response`);
      const body = res.body as { state?: string; customJobs?: { state?: string }[] };
      if (body.state) states.add(body.state);
      for (const job of body.customJobs ?? []) if (job.state) states.add(job.state);
    }
    const methods = new Set(exchanges.map((e) => (e.req.path.startsWith('/v2/') ? logging : aiplatform).methodFor(e.req.method, e.req.path)?.id));
    assert.deepEqual(
      [...methods].sort(),
      ['aiplatform.projects.locations.customJobs.cancel', 'aiplatform.projects.locations.customJobs.create', 'aiplatform.projects.locations.customJobs.get', 'aiplatform.projects.locations.customJobs.list', 'logging.entries.list'],
    );
    for (const state of ['JOB_STATE_QUEUED', 'JOB_STATE_PENDING', 'JOB_STATE_RUNNING', 'JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLING', 'JOB_STATE_CANCELLED']) {
      assert.ok(states.has(state), `some answer showed ${state}; saw ${[...states].join(', ')}`);
    }
    assert.ok(exchanges.some((e) => e.res.status === 200 && typeof (e.res.body as { nextPageToken?: unknown }).nextPageToken === 'string'), 'a list answered with more than one page');
  } finally {
    await server.close();
  }
});
