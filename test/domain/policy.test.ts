/** The team's policy as pure rules: each rule by itself, the default's safety, and the checks on a policy written by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBox, checkJob, checkPolicy, defaultPolicy, refusalText, type BoxAsk, type TeamPolicy, type Usage } from '../../src/domain/policy.js';
import { mayDecide } from '../../src/domain/box-approval.js';

const H = 3_600_000;
const BASE = defaultPolicy({ idleOffAllowed: true, maxRunningMs: 72 * H, pastBudget: 'allow' });
const NONE: Usage = { boxes: 0, gpus: 0, usdPerHour: 0 };
const T4: BoxAsk = { channel: 'CTEAM', gpu: 't4', gpuCount: 1, idleWindowMs: H, maxRunningMs: null, usdPerHour: 0.6 };

function with_(p: Partial<TeamPolicy>): TeamPolicy {
  return { ...BASE, ...p };
}

test('the default policy sends an 8 × A100 with idle off to approval on type, count and price, capped to a day', () => {
  const v = checkBox(BASE, { ...T4, gpu: 'a100', gpuCount: 8, idleWindowMs: null, usdPerHour: 30 }, NONE);
  assert.equal(v.kind, 'approve');
  if (v.kind !== 'approve') return;
  assert.deepEqual(v.hits.map((h) => h.code), ['APPROVAL_GPU_TYPE', 'APPROVAL_GPU_COUNT', 'APPROVAL_USD_PER_HOUR']);
  assert.equal(v.value.maxRunningMs, 24 * H, 'idle off runs at most a day');
  assert.deepEqual(checkBox(BASE, T4, NONE), { kind: 'allow', value: { maxRunningMs: null } });
});

test('the default policy refuses a training job of hundreds of replicas', () => {
  const v = checkJob(BASE, { channel: 'CTEAM', gpus: ['t4'], replicas: 300, gpuCount: 300, usdPerHour: 200 }, NONE);
  assert.equal(v.kind, 'refuse');
  assert.equal(v.kind === 'refuse' ? v.hit.code : '', 'POLICY_JOB_REPLICAS');
});

test('each hard rule for boxes refuses with its code', () => {
  const cases: [string, TeamPolicy, BoxAsk, Usage, string][] = [
    ['type not allowed', with_({ allowedGpus: ['l4'] }), T4, NONE, 'POLICY_GPU_TYPE'],
    ['type not allowed in this channel', with_({ channelGpus: { CTEAM: ['l4'] } }), T4, NONE, 'POLICY_GPU_TYPE'],
    ['hours too long', BASE, { ...T4, maxRunningMs: 100 * H }, NONE, 'POLICY_MAX_RUNNING'],
    ['idle off not allowed', with_({ idleOffAllowed: false }), { ...T4, idleWindowMs: null }, NONE, 'POLICY_IDLE_OFF'],
    ['idle off for longer than allowed', BASE, { ...T4, idleWindowMs: null, maxRunningMs: 48 * H }, NONE, 'POLICY_IDLE_OFF'],
    ['too many boxes', with_({ maxBoxesPerPerson: 2 }), T4, { boxes: 2, gpus: 2, usdPerHour: 1 }, 'POLICY_MAX_BOXES'],
    ['too many GPUs', with_({ maxGpusPerPerson: 2 }), { ...T4, gpuCount: 2 }, { boxes: 1, gpus: 1, usdPerHour: 1 }, 'POLICY_MAX_GPUS'],
    ['too many dollars', with_({ maxUsdPerHourPerPerson: 5 }), { ...T4, usdPerHour: 2 }, { boxes: 1, gpus: 1, usdPerHour: 3.5 }, 'POLICY_MAX_USD_PER_HOUR'],
  ];
  for (const [what, policy, ask, usage, code] of cases) {
    const v = checkBox(policy, ask, usage);
    assert.equal(v.kind === 'refuse' ? v.hit.code : v.kind, code, what);
  }
  // Another channel keeps the general list.
  assert.equal(checkBox(with_({ channelGpus: { COTHER: ['l4'] } }), T4, NONE).kind, 'allow');
});

test('a policy default running time applies when --hours is not given', () => {
  const v = checkBox(with_({ defaultRunningMs: 12 * H }), T4, NONE);
  assert.deepEqual(v, { kind: 'allow', value: { maxRunningMs: 12 * H } });
});

test('a refusal names the rule and who can change it', () => {
  const v = checkBox(with_({ allowedGpus: ['l4'] }), T4, NONE);
  assert.equal(v.kind, 'refuse');
  if (v.kind !== 'refuse') return;
  const text = refusalText(v.hit, ['UADMIN']);
  assert.match(text, /\*GPU types allowed\*/);
  assert.match(text, /Only an admin \(<@UADMIN>\) can change this rule, with `\/gpu policy`/);
});

test('checkPolicy keeps what it is not given, and names each wrong field', () => {
  const ok = checkPolicy({ maxGpusPerPerson: 4, approval: { gpus: ['h100'] } }, BASE);
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.equal(ok.value.maxGpusPerPerson, 4);
    assert.deepEqual(ok.value.approval.gpus, ['h100']);
    assert.equal(ok.value.approval.gpusAbove, BASE.approval.gpusAbove);
    // Left out, "no default running time" stays none (it once became the one-minute minimum).
    assert.equal(BASE.defaultRunningMs, null);
    assert.equal(ok.value.defaultRunningMs, null);
    assert.deepEqual(ok.value, { ...BASE, maxGpusPerPerson: 4, approval: { ...BASE.approval, gpus: ['h100'] } });
  }
  const set = checkPolicy({ defaultRunningMs: 2 * H }, BASE);
  assert.ok(set.ok && set.value.defaultRunningMs === 2 * H);
  const cleared = checkPolicy({ defaultRunningMs: null }, with_({ defaultRunningMs: 2 * H }));
  assert.ok(cleared.ok && cleared.value.defaultRunningMs === null);
  const bad = checkPolicy({ maxGpusPerPerson: -1, allowedGpus: ['k80'], channelGpus: { general: ['t4'] }, approval: { pastBudget: 'maybe' } }, BASE);
  assert.ok(!bad.ok);
  if (!bad.ok) assert.deepEqual(bad.problems.map((p) => p.field).sort(), ['allowedGpus', 'approvalPastBudget', 'channelGpus', 'maxGpusPerPerson']);
});

test('nobody decides their own request unless they are the only admin', () => {
  assert.deepEqual(mayDecide('UA', 'UB', new Set(['UA', 'UB'])), { self: false });
  assert.equal(mayDecide('UA', 'UA', new Set(['UA', 'UB'])), null);
  assert.deepEqual(mayDecide('UA', 'UA', new Set(['UA'])), { self: true });
});
