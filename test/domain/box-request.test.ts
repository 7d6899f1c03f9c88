import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BOX_REQUEST_ERROR_CODES,
  checkBoxName,
  isValidBoxName,
  resolveBoxSpec,
  suggestBoxName,
  type BoxContext,
} from '../../src/domain/box-request.js';
import type { BoxSpec } from '../../src/domain/box.js';
import type { BoxRequest } from '../../src/domain/box-request.js';
import { makeRequest, makeSpec } from '../support/boxes.js';

const request = makeRequest;

const OFFERS: Readonly<Record<string, readonly string[]>> = {
  'nvidia-tesla-t4': ['us-central1-a', 'us-central1-b', 'us-central1-f', 'europe-west4-a', 'asia-east1-c'],
  'nvidia-l4': ['us-central1-a', 'us-central1-c', 'europe-west4-b'],
  'nvidia-tesla-a100': ['us-central1-a', 'us-central1-b', 'us-central1-c', 'europe-west4-a'],
  'nvidia-h100-80gb': ['us-central1-a', 'us-east4-b', 'europe-west4-c'],
};

const ctx: BoxContext = {
  defaultRegion: 'us-central1',
  zonesOffering: (type) => OFFERS[type] ?? null,
};

const spec = makeSpec;

test('a plain request gets the default machine, the default region and the default Deep Learning VM image', () => {
  assert.deepEqual(resolveBoxSpec(request(), ctx), { ok: true, value: spec() });
});

test('valid requests resolve to the spec the controller needs', () => {
  const cases: [Partial<BoxRequest>, Partial<BoxSpec>][] = [
    [{ gpu: 'a100' }, { gpu: 'a100', machineType: 'a2-highgpu-1g' }],
    [{ gpu: 'a100', gpuCount: 16 }, { gpu: 'a100', gpuCount: 16, machineType: 'a2-megagpu-16g' }],
    [{ gpu: 'l4', gpuCount: 2 }, { gpu: 'l4', gpuCount: 2, machineType: 'g2-standard-24' }],
    [{ gpu: 'l4', machineType: 'g2-standard-32' }, { gpu: 'l4', machineType: 'g2-standard-32' }],
    [{ gpu: 'h100', gpuCount: 8 }, { gpu: 'h100', gpuCount: 8, machineType: 'a3-highgpu-8g' }],
    [{ gpu: 't4', gpuCount: 4, machineType: 'n1-standard-96' }, { gpuCount: 4, machineType: 'n1-standard-96' }],
    [{ machineType: 'N1-HIGHMEM-8' }, { machineType: 'n1-highmem-8' }],
    [{ machineType: 'custom-12-46080' }, { machineType: 'custom-12-46080' }],
    [{ zone: 'us-central1-b' }, { zone: 'us-central1-b', region: 'us-central1' }],
    [{ zone: 'EUROPE-WEST4-A' }, { zone: 'europe-west4-a', region: 'europe-west4' }],
    [{ zone: 'europe-west4-a', region: 'europe-west4' }, { zone: 'europe-west4-a', region: 'europe-west4' }],
    [{ region: 'asia-east1' }, { region: 'asia-east1' }],
    [{ zone: '', region: '' }, {}],
    [{ diskGb: 50 }, { diskGb: 50 }],
    [{ diskGb: 4000 }, { diskGb: 4000 }],
    [{ imageFamily: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570' }, { imageFamily: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570' }],
    [{ imageFamily: '' }, {}],
    [{ spot: true }, { spot: true }],
  ];
  for (const [req, expected] of cases) {
    assert.deepEqual(resolveBoxSpec(request(req), ctx), { ok: true, value: spec(expected) }, JSON.stringify(req));
  }
});

/** [request, code, phrases the message must contain] */
const ERRORS: [Partial<BoxRequest>, BoxContext | null, string, string[]][] = [
  [{ name: '' }, null, 'BAD_NAME', ['Give the box a name']],
  [{ name: 'Exp42' }, null, 'BAD_NAME', ['lowercase', '`exp42`', '`Exp42`']],
  [{ name: 'my_box' }, null, 'BAD_NAME', ['`_`', '`my-box`']],
  [{ gpu: 'k80' as BoxRequest['gpu'] }, null, 'UNKNOWN_GPU', ['t4, l4, v100, p100, a100, a100-80gb, h100']],
  [{ gpu: 'a100', gpuCount: 3 }, null, 'BAD_GPU_COUNT', ['1, 2, 4, 8 or 16', 'not 3', '`--count 4`']],
  [{ gpu: 't4', gpuCount: 8 }, null, 'BAD_GPU_COUNT', ['1, 2 or 4', 'not 8']],
  [{ gpuCount: Number.NaN }, null, 'BAD_GPU_COUNT', ['not that']],
  [{ zone: 'us-central1' }, null, 'BAD_ZONE', ['is a region', '`--region us-central1`', '`us-central1-a`']],
  [{ zone: 'central' }, null, 'BAD_ZONE', ['zones look like `us-central1-a`']],
  [{ region: 'us-central1-a' }, null, 'BAD_REGION', ['is a zone', '`--zone us-central1-a`', '`--region us-central1`']],
  [{ region: 'mars' }, null, 'BAD_REGION', ['regions look like `us-central1`']],
  [{ zone: 'europe-west4-a', region: 'us-central1' }, null, 'CONFLICTING_FLAGS', ['is in europe-west4, not us-central1']],
  [{ region: 'asia-east1' }, { ...ctx, allowedRegions: ['us-central1', 'europe-west4'] }, 'REGION_NOT_ALLOWED', ['only in us-central1, europe-west4', '`--region us-central1`']],
  [{ machineType: 'n1-standrad-8' }, null, 'UNKNOWN_MACHINE', ['`n1-standrad-8`', 'Did you mean `n1-standard-8`?', '`n1-standard-8`']],
  [{ gpu: 'a100', machineType: 'n1-standard-8' }, null, 'MACHINE_MISMATCH', ["GPU `a100` needs an A2 machine; `n1-standard-8` is N1. Drop `--machine` or pick `a2-highgpu-1g`."]],
  [{ gpu: 'l4', machineType: 'n1-standard-8' }, null, 'MACHINE_MISMATCH', ['needs a G2 machine', '`g2-standard-8`']],
  [{ gpu: 'h100', gpuCount: 8, machineType: 'a2-highgpu-8g' }, null, 'MACHINE_MISMATCH', ['needs an A3 machine', '`a3-highgpu-8g`', 'use `--gpu a100`']],
  [{ gpu: 'a100', machineType: 'a2-ultragpu-1g' }, null, 'MACHINE_MISMATCH', ['A2 Ultra', '`--gpu a100-80gb`']],
  [{ gpu: 't4', machineType: 'e2-standard-8' }, null, 'MACHINE_MISMATCH', ['needs an N1 machine; `e2-standard-8` is E2']],
  [{ gpu: 't4', machineType: 'f1-micro' }, null, 'MACHINE_MISMATCH', ['shared-core', "can't have a GPU"]],
  [{ gpu: 'v100', machineType: 'g1-small' }, null, 'MACHINE_MISMATCH', ['shared-core']],
  [{ gpu: 'a100', gpuCount: 2, machineType: 'a2-highgpu-1g' }, null, 'COUNT_MISMATCH', ['comes with 1', 'not 2', '`a2-highgpu-2g`']],
  [{ gpu: 'l4', gpuCount: 1, machineType: 'g2-standard-24' }, null, 'COUNT_MISMATCH', ['comes with 2', '`g2-standard-8` for 1']],
  [{ gpu: 'v100', machineType: 'n1-standard-16' }, null, 'MACHINE_TOO_BIG', ['16 vCPUs', 'at most 12', '`n1-standard-8`', '`--count 2`']],
  [{ gpu: 'p100', machineType: 'n1-highcpu-32' }, null, 'MACHINE_TOO_BIG', ['at most 16', '`n1-highcpu-16`', '`--count 2`']],
  [{ gpu: 't4', machineType: 'n1-standard-64' }, null, 'MACHINE_TOO_BIG', ['at most 48', '`n1-standard-32`', '`--count 4`']],
  [{ gpu: 'v100', gpuCount: 8, machineType: 'custom-96-655360-ext' }, null, 'MACHINE_TOO_BIG', ['640 GB of memory', 'at most 624 GB']],
  [{ zone: 'us-central1-c' }, null, 'GPU_NOT_IN_ZONE', ['`us-central1-c`', '`t4` (NVIDIA T4)', 'us-central1-a, us-central1-b, us-central1-f', "drop `--zone` and I'll pick"]],
  [{ gpu: 'h100', zone: 'asia-east1-a' }, null, 'GPU_NOT_IN_ZONE', ['No zone in `asia-east1` does', 'europe-west4-c, us-central1-a, us-east4-b']],
  [{ gpu: 'h100', region: 'asia-east1' }, null, 'GPU_NOT_IN_REGION', ['No zone in `asia-east1`', 'europe-west4, us-central1, us-east4', '`--region europe-west4`']],
  [{ gpu: 'l4' }, { ...ctx, defaultRegion: 'asia-east1' }, 'GPU_NOT_IN_REGION', ['the default region `asia-east1`', '`--region europe-west4`']],
  [{ gpu: 'l4' }, { ...ctx, zonesOffering: () => [] }, 'GPU_NOT_IN_REGION', ['No region I can use offers it']],
  [{ gpu: 'a100', region: 'europe-west4' }, { ...ctx, allowedRegions: ['europe-west4'], zonesOffering: () => ['us-central1-a'] }, 'GPU_NOT_IN_REGION', ['No region I can use']],
  [{ diskGb: 10 }, null, 'BAD_DISK', ['too small', '`--disk 50`']],
  [{ diskGb: 5000 }, null, 'BAD_DISK', ['more than the 4000 GB', '`--disk 4000`']],
  [{ diskGb: 150.5 }, null, 'BAD_DISK', ['whole number of GB']],
  [{ diskGb: Number.POSITIVE_INFINITY }, null, 'BAD_DISK', ['whole number of GB']],
  [{ diskGb: 300 }, { ...ctx, maxDiskGb: 250 }, 'BAD_DISK', ['more than the 250 GB']],
  [{ diskGb: 60 }, { ...ctx, minDiskGb: 100 }, 'BAD_DISK', ['`--disk 100`']],
  [{ imageFamily: 'pytorch_2.7' }, null, 'BAD_IMAGE', ['lowercase letters, digits and hyphens', '`pytorch-2-7`']],
  [{ imageFamily: 'projects/x/global/images/family/y' }, null, 'BAD_IMAGE', ['just an image family', 'is a path']],
  [{ gpu: 't4', flexStart: true }, null, 'PROVISIONING_NOT_OFFERED', ['`n1-standard-8`', 'standard (on demand) or Spot', 'not Flex-start', '`--gpu h100`']],
  [{ gpu: 'h100', spot: true, flexStart: true }, null, 'CONFLICTING_FLAGS', ['`--spot` or `--flex-start`']],
  [{ gpu: 'h100', flexMaxRunMs: 3_600_000, flexStart: false }, null, 'CONFLICTING_FLAGS', ['`--max-run`', '`--flex-start`', '`--hours`']],
  [{ gpu: 'h100', flexStart: true, flexMaxRunMs: 5 * 60_000 }, null, 'BAD_MAX_RUN', ['10m to 7d', '5m']],
  [{ gpu: 'h100', flexStart: true, flexMaxRunMs: 8 * 86_400_000 }, null, 'BAD_MAX_RUN', ['10m to 7d', '8d']],
];

test('an H100 box with 1, 2 or 4 GPUs is never standard: Spot by default, Flex-start when asked (GPU machine types page)', () => {
  for (const count of [1, 2, 4]) {
    const spot = resolveBoxSpec(request({ gpu: 'h100', gpuCount: count }), ctx);
    assert.ok(spot.ok, JSON.stringify(spot));
    assert.equal(spot.value.machineType, `a3-highgpu-${count}g`);
    assert.equal(spot.value.spot, true, 'a shape Compute sells only as Spot or Flex-start defaults to Spot');
    assert.equal(spot.value.provisioning, undefined);
    const flex = resolveBoxSpec(request({ gpu: 'h100', gpuCount: count, flexStart: true }), ctx);
    assert.ok(flex.ok, JSON.stringify(flex));
    assert.equal(flex.value.spot, false);
    assert.equal(flex.value.provisioning, 'flex-start');
    assert.equal(flex.value.flexMaxRunMs, 8 * 3_600_000, 'the default run is a working day');
  }
  // Eight H100s are also sold on demand, so nothing is chosen for the owner there.
  const eight = resolveBoxSpec(request({ gpu: 'h100', gpuCount: 8 }), ctx);
  assert.ok(eight.ok);
  assert.equal(eight.value.spot, false);
  // --max-run alone means Flex-start.
  const run = resolveBoxSpec(request({ gpu: 'a100', flexMaxRunMs: 2 * 3_600_000 }), ctx);
  assert.ok(run.ok);
  assert.equal(run.value.provisioning, 'flex-start');
  assert.equal(run.value.flexMaxRunMs, 2 * 3_600_000);
});

test('each refusal has a stable code and says what would be accepted', () => {
  for (const [req, context, code, phrases] of ERRORS) {
    const result = resolveBoxSpec(request(req), context ?? ctx);
    assert.equal(result.ok, false, JSON.stringify(req));
    if (result.ok) continue;
    assert.equal(result.error.code, code, `${JSON.stringify(req)}: ${result.error.message}`);
    for (const phrase of phrases) {
      assert.ok(result.error.message.includes(phrase), `${JSON.stringify(req)}: ${JSON.stringify(result.error.message)} lacks ${phrase}`);
    }
  }
});

test('every documented refusal code is produced by some request', () => {
  assert.deepEqual([...new Set(ERRORS.map(([, , code]) => code))].sort(), [...BOX_REQUEST_ERROR_CODES].sort());
});

test('four P100s allow 96 vCPUs, except in the zones that allow only 64', () => {
  const offers: BoxContext = { defaultRegion: 'us-central1', zonesOffering: () => null };
  const big = request({ gpu: 'p100', gpuCount: 4, machineType: 'n1-standard-96' });
  assert.equal(resolveBoxSpec({ ...big, zone: 'us-central1-c' }, offers).ok, true);
  const small = resolveBoxSpec({ ...big, zone: 'us-east1-c' }, offers);
  assert.equal(small.ok ? null : small.error.code, 'MACHINE_TOO_BIG');
});

test('when nobody knows which zones offer a GPU, the zone check is skipped', () => {
  const unknown: BoxContext = { defaultRegion: 'us-central1', zonesOffering: () => null };
  assert.equal(resolveBoxSpec(request({ gpu: 'h100', zone: 'asia-east1-a' }), unknown).ok, true);
  assert.equal(resolveBoxSpec(request({ gpu: 'h100', zone: 'asia-east1-a' }), { defaultRegion: 'us-central1' }).ok, true);
  const broken: BoxContext = {
    defaultRegion: 'us-central1',
    zonesOffering: () => {
      throw new Error('catalogue unavailable');
    },
  };
  assert.equal(resolveBoxSpec(request({ gpu: 'h100' }), broken).ok, true);
});

test('an empty list of allowed regions means no restriction', () => {
  assert.equal(resolveBoxSpec(request({ region: 'asia-east1' }), { ...ctx, allowedRegions: [] }).ok, true);
});

test('zone lists in messages stay short when many zones offer the GPU', () => {
  const zones = Array.from({ length: 60 }, (_, i) => `europe-west${i + 1}-a`);
  const result = resolveBoxSpec(request({ zone: 'asia-east1-a' }), { defaultRegion: 'us-central1', zonesOffering: () => zones });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.match(result.error.message, /and \d+ more/);
  assert.ok(result.error.message.length < 500);
});

test('untrusted zone names from the catalogue are not echoed into messages', () => {
  const result = resolveBoxSpec(request({ zone: 'us-central1-c' }), {
    defaultRegion: 'us-central1',
    zonesOffering: () => ['<!channel>', 'us-central1-a'],
  });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.doesNotMatch(result.error.message, /</);
  assert.match(result.error.message, /us-central1-a/);
});

test('isValidBoxName accepts RFC 1035 names and nothing else', () => {
  const cases: [string, boolean][] = [
    ['a', true],
    ['exp42', true],
    ['exp-42', true],
    ['a--b', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['', false],
    ['42', false],
    ['-a', false],
    ['a-', false],
    ['Exp42', false],
    ['my_box', false],
    ['exp.42', false],
    ['ex p', false],
    ['exp42\n', false],
    ['café', false],
  ];
  for (const [name, valid] of cases) assert.equal(isValidBoxName(name), valid, JSON.stringify(name));
});

test('suggestBoxName turns what people type into a valid name, or gives up', () => {
  const cases: [string, string | null][] = [
    ['exp42', 'exp42'],
    ['Exp42', 'exp42'],
    ['my_box', 'my-box'],
    ['My Big  Box!', 'my-big-box'],
    ['42', 'box-42'],
    ['-exp-', 'exp'],
    ['café', 'cafe'],
    ['exp.42', 'exp-42'],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'a'.repeat(62)}-b`, 'a'.repeat(62)],
    ['🚀🚀', null],
    ['', null],
    ['___', null],
  ];
  for (const [name, expected] of cases) {
    const suggestion = suggestBoxName(name);
    assert.equal(suggestion, expected, JSON.stringify(name));
    if (suggestion !== null) assert.ok(isValidBoxName(suggestion), suggestion);
  }
});

test('checkBoxName passes valid names and suggests a valid one for invalid names', () => {
  assert.equal(checkBoxName('exp42'), null);
  for (const name of ['Exp42', 'my_box', '42', 'exp-', 'a b', 'x'.repeat(80), '<@U1>', '🚀']) {
    const error = checkBoxName(name);
    assert.equal(error?.code, 'BAD_NAME', name);
    const suggested = [...(error?.message ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    assert.ok(suggested.some((s) => isValidBoxName(s)), `${name}: ${error?.message ?? ''}`);
  }
});
