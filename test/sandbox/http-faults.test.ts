import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpFaults } from '../../src/sandbox/http-faults.js';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { googleError, startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { vertexListingLag } from '../../src/sandbox/google/vertex-faults.js';
import { SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';

const PROJECT = 'fault-lab';
const ZONE = 'us-central1-a';
const REGION = 'us-central1';
const JOB = {
  displayName: 'census',
  labels: { 'managed-by': 'gpubot', 'gpubot-id': 'rec-1' },
  jobSpec: {
    workerPoolSpecs: [
      {
        machineSpec: { machineType: 'n1-standard-4' },
        replicaCount: '1',
        containerSpec: { imageUri: 'us-central1-docker.pkg.dev/p/trainers/census:1' },
      },
    ],
  },
};

async function google(now: () => number) {
  const compute = new ComputeSandbox({ project: PROJECT, now });
  const vertex = new VertexSandbox({ project: PROJECT, now });
  const faults = new HttpFaults();
  const server = await startGoogleSandbox({ handlers: [compute, vertex], faults });
  return { compute, vertex, faults, server };
}

test('a 5xx rule answers for Compute and the request has no effect; removing the rule restores it', async () => {
  const g = await google(Date.now);
  try {
    g.compute.consoleCreate({ zone: ZONE, name: 'exp1' });
    const remove = g.faults.add({ name: 'compute-5xx', path: /^\/compute\/v1\//, fault: { kind: 'answer', answer: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') } });
    const stop = `${g.server.url}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/exp1/stop`;
    const refused = await fetch(stop, { method: 'POST' });
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { status: string } }).error.status, 'UNAVAILABLE');
    assert.equal(g.compute.instance('exp1')?.status, 'RUNNING', 'a refused stop stops nothing');
    assert.equal(g.faults.hits.get('compute-5xx'), 1);
    remove();
    const done = await fetch(stop, { method: 'POST' });
    assert.equal(done.status, 200);
    assert.equal(g.compute.instance('exp1')?.status, 'STOPPING');
  } finally {
    await g.server.close();
  }
});

test('a lost answer does the work and drops the connection; a hang drops it without the work', async () => {
  const g = await google(Date.now);
  try {
    g.compute.consoleCreate({ zone: ZONE, name: 'exp2' });
    g.compute.consoleCreate({ zone: ZONE, name: 'exp3' });
    g.faults.add({ name: 'lost', path: /exp2\/stop/, fault: { kind: 'lose-answer', ms: 50 } });
    g.faults.add({ name: 'hang', path: /exp3\/stop/, fault: { kind: 'hang', ms: 60_000 } });
    const base = `${g.server.url}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances`;
    await assert.rejects(fetch(`${base}/exp2/stop`, { method: 'POST' }));
    assert.equal(g.compute.instance('exp2')?.status, 'STOPPING', 'the stop went through though nobody heard');
    const hung = fetch(`${base}/exp3/stop`, { method: 'POST' });
    // The hang holds the request until released (its time, or clear()), then drops it.
    await new Promise((r) => setTimeout(r, 100));
    g.faults.clear();
    await assert.rejects(hung);
    assert.equal(g.compute.instance('exp3')?.status, 'RUNNING');
  } finally {
    await g.server.close();
  }
});

test('a rule with a probability hits as often as the injected random source says', async () => {
  const g = await google(Date.now);
  try {
    const draws = [0.9, 0.1, 0.6, 0.2];
    g.faults.useRandom(() => draws.shift() ?? 1);
    g.faults.add({ name: 'flaky', path: /zones$/, probability: 0.5, fault: { kind: 'answer', answer: googleError(429, 'rateLimitExceeded', 'Rate Limit Exceeded') } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${g.server.url}/compute/v1/projects/${PROJECT}/zones`)).status);
    assert.deepEqual(statuses, [200, 429, 200, 429]);
  } finally {
    await g.server.close();
  }
});

test('a lagging Vertex AI listing leaves out a new job that a get finds, and shows it once the lag has passed', async () => {
  let now = Date.parse('2026-12-01T10:00:00Z');
  const g = await google(() => now);
  try {
    g.faults.add(vertexListingLag(20_000, () => now));
    const job = g.vertex.seed(REGION, JOB);
    const id = job.name.split('/').pop() ?? '';
    const list = `${g.server.url}/v1/projects/${PROJECT}/locations/${REGION}/customJobs?filter=${encodeURIComponent('labels.gpubot-id="rec-1"')}`;
    const early = (await (await fetch(list)).json()) as { customJobs?: unknown[] };
    assert.equal(early.customJobs, undefined, 'not listed yet');
    const got = await fetch(`${g.server.url}/v1/projects/${PROJECT}/locations/${REGION}/customJobs/${id}`);
    assert.equal(got.status, 200, 'a get finds it at once');
    now += 21_000;
    const later = (await (await fetch(list)).json()) as { customJobs?: { name: string }[] };
    assert.deepEqual(later.customJobs?.map((j) => j.name), [job.name]);
  } finally {
    await g.server.close();
  }
});

test('the Slack simulator answers 429 with Retry-After, and a lost answer still posts the message', async () => {
  const slack = new SlackSimulator({ botToken: 'xoxb-f', channels: { C1: 'general' } });
  await slack.start();
  try {
    const post = (text: string) =>
      fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: 'Bearer xoxb-f', 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ channel: 'C1', text }) });
    const remove = slack.faults.add({ name: 'rl', path: /^\/api\/chat\.postMessage$/, times: 1, fault: { kind: 'answer', answer: { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '3' } } } });
    const limited = await post('one');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.deepEqual(slack.messages('C1'), [], 'a rate-limited post posts nothing');
    remove();
    slack.faults.add({ name: 'lost', path: /^\/api\/chat\.postMessage$/, times: 1, fault: { kind: 'lose-answer', ms: 10 } });
    await assert.rejects(post('two'));
    assert.deepEqual(slack.messages('C1').map((m) => m.text), ['two']);
    assert.equal((await post('three')).status, 200, 'the rule was used up');
  } finally {
    await slack.close();
  }
});
