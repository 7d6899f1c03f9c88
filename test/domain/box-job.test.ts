import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentSilent, boxWorkPending, copyDestination, copyRequest, formatBytes, packageRefusal, packageRequest, type BoxJobSource } from '../../src/domain/box-job.js';

const source: BoxJobSource = {
  boxId: 'b1',
  box: 'exp42',
  zone: 'us-central1-a',
  dir: 'census',
  entry: { kind: 'script', path: 'train.py' },
  bucket: 'ml-lab-staging',
  state: 'packaging',
  requestId: 'package-j1',
  askedAt: null,
  packaged: null,
  copy: null,
  asked: { name: 'census', box: 'exp42', dir: 'census', entry: { kind: 'script', path: 'train.py' }, gpu: null, machine: null, replicas: 1, args: [] },
};

test('the agent is asked to package the job’s code into its own object, and to copy the job’s prefix next to the code', () => {
  assert.deepEqual(packageRequest(source, 'j1', 1000), { id: 'package-j1', action: 'package', dir: 'census', entry: 'train.py', bucket: 'ml-lab-staging', object: 'jobs/j1/code/code.tar.gz', maxBytes: 1000 });
  assert.equal(copyDestination(source, 'census_gpu'), 'census/gpubot-outputs/census_gpu');
  assert.equal(copyDestination({ dir: '.' }, 'census_gpu'), 'gpubot-outputs/census_gpu');
  assert.deepEqual(copyRequest({ requestId: 'copy-j1-1', to: 'census/gpubot-outputs/x' }, 'ml-lab-staging', 'j1'), { id: 'copy-j1-1', action: 'copy', bucket: 'ml-lab-staging', prefix: 'jobs/j1/', to: 'census/gpubot-outputs/x' });
});

test('a job waits on its box while it packages (not once it is over, nor while it waits for an admin) and while a copy is on its way', () => {
  const copy = { requestId: 'c', by: 'U1', state: 'asked' as const, requestedAt: 0, askedAt: 1, to: 'x', files: null, bytes: null, message: null };
  const cases: [BoxJobSource | null | undefined, boolean, boolean][] = [
    [undefined, false, false],
    [null, false, false],
    [source, false, true],
    [source, true, false],
    [{ ...source, state: 'packaged' }, false, false],
    [{ ...source, state: 'packaged', copy }, true, true],
    [{ ...source, state: 'packaged', copy: { ...copy, state: 'requested' } }, true, true],
    [{ ...source, state: 'packaged', copy: { ...copy, state: 'done' } }, true, false],
    [{ ...source, state: 'packaged', copy: { ...copy, state: 'failed' } }, true, false],
  ];
  for (const [s, over, pending] of cases) assert.equal(boxWorkPending(s, over, false), pending, JSON.stringify({ state: s?.state, copy: s?.copy?.state, over }));
  // Waiting for an admin: the box is asked nothing until the job is approved.
  assert.equal(boxWorkPending(source, false, true), false);
});

test('each refusal of the agent says what was wrong and what would work', () => {
  const big = packageRefusal({ id: 'p', ok: false, code: 'TOO_BIG', message: 'm', bytes: 600 * 1024 * 1024, largest: [['data', 590 * 1024 * 1024], ['train.py', 10]] }, source, 500 * 1024 * 1024);
  assert.equal(big.code, 'TOO_BIG');
  assert.match(big.message, /`census` on `exp42` holds 600 MiB, over the 500 MiB/);
  assert.match(big.message, /`data` \(590 MiB\)/);
  assert.match(big.message, /\.gitignore/);
  assert.match(packageRefusal({ id: 'p', ok: false, code: 'NO_ENTRY', message: 'm' }, source, 1).message, /`train\.py` is not in `census` on `exp42`.*--entry/);
  assert.match(packageRefusal({ id: 'p', ok: false, code: 'NO_ENTRY', message: 'm' }, { ...source, entry: { kind: 'notebook', path: 'a.ipynb' } }, 1).message, /--notebook/);
  assert.match(packageRefusal({ id: 'p', ok: false, code: 'NO_DIRECTORY', message: 'm' }, source, 1).message, /not a folder/);
  assert.match(packageRefusal({ id: 'p', ok: false, code: 'UPLOAD_FAILED', message: 'm' }, source, 1).message, /roles\/storage\.objectAdmin/);
  assert.match(agentSilent('exp42', 10 * 60_000).message, /`exp42` did not answer within 10 min/);
});

test('sizes read in binary units', () => {
  assert.deepEqual([0, 1023, 1024, 1536, 500 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '500 MiB', '3.0 GiB']);
});
