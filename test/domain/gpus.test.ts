import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GPU,
  DEFAULT_IMAGE,
  GPUS,
  GPU_KEYS,
  KNOWN_IMAGE_FAMILIES,
  KNOWN_MACHINE_TYPES,
  familyLabel,
  gpuByAcceleratorType,
  gpuForMachine,
  machineShape,
  machinesWithGpus,
  n1Limit,
  parseGpuKey,
  type GpuKey,
  type MachineShape,
} from '../../src/domain/gpus.js';

test('parseGpuKey reads short keys, accelerator types, Vertex names and memory-qualified names in any case', () => {
  const cases: [string, GpuKey | null][] = [
    ['t4', 't4'],
    ['T4', 't4'],
    [' a100 ', 'a100'],
    ['A100', 'a100'],
    ['a100-40gb', 'a100'],
    ['A100-80GB', 'a100-80gb'],
    ['a100_80gb', 'a100-80gb'],
    ['h100', 'h100'],
    ['h100-80gb', 'h100'],
    ['nvidia-tesla-t4', 't4'],
    ['NVIDIA-TESLA-T4', 't4'],
    ['nvidia-l4', 'l4'],
    ['nvidia-tesla-v100', 'v100'],
    ['nvidia-tesla-p100', 'p100'],
    ['nvidia-tesla-a100', 'a100'],
    ['nvidia-a100-80gb', 'a100-80gb'],
    ['nvidia-h100-80gb', 'h100'],
    ['NVIDIA_TESLA_T4', 't4'],
    ['NVIDIA_L4', 'l4'],
    ['NVIDIA_H100_80GB', 'h100'],
    ['tesla-v100', 'v100'],
    ['a10', null],
    ['p4', null],
    ['k80', null],
    ['nvidia-h100-mega-80gb', null],
    ['', null],
    ['constructor', null],
    ['__proto__', null],
    ['t4'.repeat(100), null],
  ];
  for (const [text, expected] of cases) assert.equal(parseGpuKey(text), expected, text);
});

test('every GPU is found again by its accelerator type, and unknown types are not', () => {
  for (const key of GPU_KEYS) assert.equal(gpuByAcceleratorType(GPUS[key].acceleratorType)?.key, key);
  assert.equal(gpuByAcceleratorType('NVIDIA-L4')?.key, 'l4');
  assert.equal(gpuByAcceleratorType('nvidia-tesla-k80'), null);
  assert.equal(gpuByAcceleratorType(''), null);
});

test('the catalogue lists each GPU once, under its own key, and the default GPU is in it', () => {
  assert.deepEqual([...GPU_KEYS].sort(), Object.keys(GPUS).sort());
  for (const key of GPU_KEYS) assert.equal(GPUS[key].key, key);
  assert.ok(GPU_KEYS.includes(DEFAULT_GPU));
});

test('each GPU names its quota metrics and Vertex type the way Google spells them', () => {
  const expected: Record<GpuKey, [string, string]> = {
    t4: ['NVIDIA_T4_GPUS', 'NVIDIA_TESLA_T4'],
    l4: ['NVIDIA_L4_GPUS', 'NVIDIA_L4'],
    v100: ['NVIDIA_V100_GPUS', 'NVIDIA_TESLA_V100'],
    p100: ['NVIDIA_P100_GPUS', 'NVIDIA_TESLA_P100'],
    a100: ['NVIDIA_A100_GPUS', 'NVIDIA_TESLA_A100'],
    'a100-80gb': ['NVIDIA_A100_80GB_GPUS', 'NVIDIA_A100_80GB'],
    h100: ['NVIDIA_H100_GPUS', 'NVIDIA_H100_80GB'],
  };
  for (const key of GPU_KEYS) {
    const [quota, vertex] = expected[key];
    assert.equal(GPUS[key].quotaMetric, quota, key);
    assert.equal(GPUS[key].spotQuotaMetric, `PREEMPTIBLE_${quota}`, key);
    assert.equal(GPUS[key].vertexAcceleratorType, vertex, key);
  }
});

test('N1 GPUs are attached and every other GPU comes with its machine family', () => {
  const expected: Record<GpuKey, [string, boolean, number[]]> = {
    t4: ['n1', true, [1, 2, 4]],
    v100: ['n1', true, [1, 2, 4, 8]],
    p100: ['n1', true, [1, 2, 4]],
    l4: ['g2', false, [1, 2, 4, 8]],
    a100: ['a2', false, [1, 2, 4, 8, 16]],
    'a100-80gb': ['a2-ultra', false, [1, 2, 4, 8]],
    h100: ['a3', false, [1, 2, 4, 8]],
  };
  for (const key of GPU_KEYS) {
    const [family, attached, counts] = expected[key];
    assert.equal(GPUS[key].family, family, key);
    assert.equal(GPUS[key].attached, attached, key);
    assert.deepEqual([...GPUS[key].counts], counts, key);
  }
});

test('the default machine for every GPU and allowed count exists, fits the GPU and carries that many GPUs', () => {
  for (const key of GPU_KEYS) {
    const model = GPUS[key];
    for (const count of model.counts) {
      const name = model.defaultMachine(count);
      const shape = machineShape(name);
      assert.ok(shape, `${key} x${count}: ${name} is unknown`);
      assert.equal(shape.family, model.family, `${key} x${count}: ${name}`);
      if (model.attached) {
        const limit = n1Limit(key, count);
        assert.ok(limit, `${key} x${count} has an N1 limit`);
        assert.ok(shape.vcpus <= limit.maxVcpus, `${key} x${count}: ${name} within ${limit.maxVcpus} vCPUs`);
        assert.ok(shape.memoryGb <= limit.maxMemoryGb, `${key} x${count}: ${name} within ${limit.maxMemoryGb} GB`);
      } else {
        assert.equal(shape.gpus, count, `${key} x${count}: ${name}`);
      }
    }
  }
});

test('default machines follow the documented choices per GPU and count', () => {
  const cases: [GpuKey, number, string][] = [
    ['t4', 1, 'n1-standard-8'],
    ['t4', 2, 'n1-standard-16'],
    ['t4', 4, 'n1-standard-32'],
    ['v100', 1, 'n1-standard-8'],
    ['v100', 8, 'n1-standard-64'],
    ['p100', 1, 'n1-standard-8'],
    ['l4', 1, 'g2-standard-8'],
    ['l4', 2, 'g2-standard-24'],
    ['l4', 4, 'g2-standard-48'],
    ['l4', 8, 'g2-standard-96'],
    ['a100', 1, 'a2-highgpu-1g'],
    ['a100', 8, 'a2-highgpu-8g'],
    ['a100', 16, 'a2-megagpu-16g'],
    ['a100-80gb', 4, 'a2-ultragpu-4g'],
    ['h100', 8, 'a3-highgpu-8g'],
    // Counts that are not allowed get the next allowed count's machine rather than a made-up name.
    ['a100', 3, 'a2-highgpu-4g'],
    ['h100', 99, 'a3-highgpu-8g'],
    ['t4', 3, 'n1-standard-32'],
  ];
  for (const [gpu, count, machine] of cases) assert.equal(GPUS[gpu].defaultMachine(count), machine, `${gpu} x${count}`);
});

test('machineShape knows the N1, A2, A2 Ultra, G2 and A3 shapes', () => {
  const cases: [string, Omit<MachineShape, 'name'>][] = [
    ['n1-standard-1', { family: 'n1', vcpus: 1, memoryGb: 3.75, gpus: 0 }],
    ['n1-standard-8', { family: 'n1', vcpus: 8, memoryGb: 30, gpus: 0 }],
    ['n1-standard-96', { family: 'n1', vcpus: 96, memoryGb: 360, gpus: 0 }],
    ['n1-highmem-2', { family: 'n1', vcpus: 2, memoryGb: 13, gpus: 0 }],
    ['n1-highmem-96', { family: 'n1', vcpus: 96, memoryGb: 624, gpus: 0 }],
    ['n1-highcpu-96', { family: 'n1', vcpus: 96, memoryGb: 86.4, gpus: 0 }],
    ['a2-highgpu-1g', { family: 'a2', vcpus: 12, memoryGb: 85, gpus: 1 }],
    ['a2-highgpu-8g', { family: 'a2', vcpus: 96, memoryGb: 680, gpus: 8 }],
    ['a2-megagpu-16g', { family: 'a2', vcpus: 96, memoryGb: 1360, gpus: 16 }],
    ['a2-ultragpu-1g', { family: 'a2-ultra', vcpus: 12, memoryGb: 170, gpus: 1 }],
    ['a2-ultragpu-8g', { family: 'a2-ultra', vcpus: 96, memoryGb: 1360, gpus: 8 }],
    ['g2-standard-4', { family: 'g2', vcpus: 4, memoryGb: 16, gpus: 1 }],
    ['g2-standard-24', { family: 'g2', vcpus: 24, memoryGb: 96, gpus: 2 }],
    ['g2-standard-32', { family: 'g2', vcpus: 32, memoryGb: 128, gpus: 1 }],
    ['g2-standard-48', { family: 'g2', vcpus: 48, memoryGb: 192, gpus: 4 }],
    ['g2-standard-96', { family: 'g2', vcpus: 96, memoryGb: 384, gpus: 8 }],
    ['a3-highgpu-1g', { family: 'a3', vcpus: 26, memoryGb: 234, gpus: 1 }],
    ['a3-highgpu-8g', { family: 'a3', vcpus: 208, memoryGb: 1872, gpus: 8 }],
    ['f1-micro', { family: 'other', vcpus: 1, memoryGb: 0.6, gpus: 0 }],
    ['g1-small', { family: 'other', vcpus: 1, memoryGb: 1.7, gpus: 0 }],
    ['e2-standard-8', { family: 'other', vcpus: 8, memoryGb: 32, gpus: 0 }],
    ['n2-highmem-4', { family: 'other', vcpus: 4, memoryGb: 32, gpus: 0 }],
    ['c2-standard-30', { family: 'other', vcpus: 30, memoryGb: 120, gpus: 0 }],
    ['custom-8-30720', { family: 'n1', vcpus: 8, memoryGb: 30, gpus: 0 }],
    ['custom-2-20480-ext', { family: 'n1', vcpus: 2, memoryGb: 20, gpus: 0 }],
    ['n2-custom-4-8192', { family: 'other', vcpus: 4, memoryGb: 8, gpus: 0 }],
  ];
  for (const [name, shape] of cases) assert.deepEqual(machineShape(name), { name, ...shape }, name);
});

test('machineShape refuses names that are not machine types', () => {
  const cases = [
    'n1-standard-3',
    'n1-highmem-1',
    'a2-highgpu-3g',
    'a2-ultragpu-16g',
    'g2-standard-6',
    'a3-megagpu-8g',
    'N1-STANDARD-8',
    'custom-3-3072', // odd vCPU counts are not allowed above one
    'custom-2-1000', // memory comes in 256 MB steps
    'custom-2-20480', // 10 GB per vCPU needs -ext
    '',
    'constructor',
    '__proto__',
    'n1-standard-8'.repeat(10),
  ];
  for (const name of cases) assert.equal(machineShape(name), null, name);
});

test('every known machine type has a shape', () => {
  for (const name of KNOWN_MACHINE_TYPES) assert.equal(machineShape(name)?.name, name);
});

test('N1 vCPU and memory limits per GPU count follow the GPU platforms table', () => {
  const cases: [GpuKey, number, string | null, [number, number] | null][] = [
    ['t4', 1, null, [48, 312]],
    ['t4', 2, null, [48, 312]],
    ['t4', 4, null, [96, 624]],
    ['v100', 1, null, [12, 78]],
    ['v100', 2, null, [24, 156]],
    ['v100', 4, null, [48, 312]],
    ['v100', 8, null, [96, 624]],
    ['p100', 1, null, [16, 104]],
    ['p100', 2, null, [32, 208]],
    ['p100', 4, null, [96, 624]],
    ['p100', 4, 'us-central1-c', [96, 624]],
    ['p100', 4, 'us-east1-c', [64, 208]],
    ['p100', 4, 'europe-west1-b', [64, 208]],
    ['t4', 8, null, null],
    ['l4', 1, null, null],
    ['a100', 1, null, null],
  ];
  for (const [gpu, count, zone, expected] of cases) {
    const limit = n1Limit(gpu, count, zone);
    assert.deepEqual(limit === null ? null : [limit.maxVcpus, limit.maxMemoryGb], expected, `${gpu} x${count} ${zone ?? ''}`);
  }
});

test('a machine type with built-in GPUs says which GPU; N1 and others say none', () => {
  const cases: [string, GpuKey | null][] = [
    ['a2-highgpu-2g', 'a100'],
    ['a2-megagpu-16g', 'a100'],
    ['a2-ultragpu-1g', 'a100-80gb'],
    ['g2-standard-12', 'l4'],
    ['a3-highgpu-4g', 'h100'],
    ['n1-standard-8', null],
    ['e2-standard-4', null],
    ['nonsense', null],
  ];
  for (const [name, gpu] of cases) assert.equal(gpuForMachine(name), gpu, name);
});

test('machinesWithGpus lists the family members with exactly that many GPUs', () => {
  assert.deepEqual(machinesWithGpus('l4', 1).sort(), [
    'g2-standard-12',
    'g2-standard-16',
    'g2-standard-32',
    'g2-standard-4',
    'g2-standard-8',
  ]);
  assert.deepEqual(machinesWithGpus('a100', 16), ['a2-megagpu-16g']);
  assert.deepEqual(machinesWithGpus('t4', 1), []);
});

test('family labels read the way people say them', () => {
  const cases: [string, string][] = [
    ['n1-standard-8', 'N1'],
    ['a2-ultragpu-1g', 'A2 Ultra'],
    ['a2-highgpu-1g', 'A2'],
    ['g2-standard-8', 'G2'],
    ['a3-highgpu-8g', 'A3'],
    ['e2-standard-8', 'E2'],
    ['n2d-standard-8', 'N2D'],
    ['f1-micro', 'shared-core'],
  ];
  for (const [name, label] of cases) {
    const shape = machineShape(name);
    assert.ok(shape, name);
    assert.equal(familyLabel(shape), label, name);
  }
});

test('the default image is a Deep Learning VM family and the known families are well-formed names', () => {
  assert.equal(DEFAULT_IMAGE.project, 'deeplearning-platform-release');
  assert.ok(KNOWN_IMAGE_FAMILIES.includes(DEFAULT_IMAGE.family));
  for (const family of KNOWN_IMAGE_FAMILIES) assert.match(family, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
});
