/** The Vertex AI sandbox refuses what Vertex AI refuses, from its own catalog: machines it does not train on, retired GPUs and retired prebuilt images. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { PREBUILT_IMAGE_END_OF_AVAILABILITY, TRAINING_MACHINES } from '../../src/sandbox/google/vertex-catalog.js';
import type { SandboxResponse } from '../../src/sandbox/google/server.js';

const PROJECT = 'ml-lab';
const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';

function create(sandbox: VertexSandbox, pool: Record<string, unknown>): SandboxResponse {
  const res = sandbox.handle({
    method: 'POST',
    path: `/v1/projects/${PROJECT}/locations/us-central1/customJobs`,
    query: new URLSearchParams(),
    headers: { authorization: 'Bearer sandbox' },
    body: { displayName: 'j', jobSpec: { workerPoolSpecs: [{ replicaCount: '1', ...pool }] } },
  });
  assert.ok(res !== null && !(res instanceof Promise), 'the sandbox answers customJobs.create');
  return res as SandboxResponse;
}

function python(image: string) {
  return { pythonPackageSpec: { executorImageUri: image, packageUris: [PKG], pythonModule: 'trainer.task' } };
}

function refusal(res: SandboxResponse): string {
  assert.equal(res.status, 400);
  const error = (res.body as { error: { status: string; message: string } }).error;
  assert.equal(error.status, 'INVALID_ARGUMENT');
  return error.message;
}

test('a prebuilt image is run before its end of availability and refused from that day on', () => {
  let now = Date.parse('2026-07-10T12:00:00Z');
  const sandbox = new VertexSandbox({ project: PROJECT, now: () => now });
  const image = 'us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-17.py310:latest';
  assert.equal(PREBUILT_IMAGE_END_OF_AVAILABILITY.get('tf-cpu.2-17.py310'), '2026-07-11');
  assert.equal(create(sandbox, { machineSpec: { machineType: 'n1-standard-4' }, ...python(image) }).status, 200);
  now = Date.parse('2026-07-11T00:00:00Z');
  assert.match(refusal(create(sandbox, { machineSpec: { machineType: 'n1-standard-4' }, ...python(image) })), /tf-cpu\.2-17\.py310.*end of availability on 2026-07-11/);
  // Any registry copy, and as a container too.
  assert.match(refusal(create(sandbox, { machineSpec: { machineType: 'n1-standard-4' }, containerSpec: { imageUri: 'europe-docker.pkg.dev/vertex-ai/training/tf-gpu.2-11:latest' } })), /tf-gpu\.2-11/);
  // A container of one's own has no end date.
  assert.equal(create(sandbox, { machineSpec: { machineType: 'n1-standard-4' }, containerSpec: { imageUri: 'us-docker.pkg.dev/ml-lab/trainers/census:v3' } }).status, 200);
});

test('machines Vertex AI does not train on, and GPUs it retired or that do not fit, are refused', () => {
  const sandbox = new VertexSandbox({ project: PROJECT, now: () => Date.parse('2026-03-02T09:00:00Z') });
  const own = { containerSpec: { imageUri: 'us-docker.pkg.dev/ml-lab/trainers/census:v3' } };
  for (const machineType of ['n1-highcpu-8', 'n1-standard-2', 'e2-medium', 'custom-8-30720', 'f1-micro']) {
    assert.match(refusal(create(sandbox, { machineSpec: { machineType }, ...own })), /is not supported/, machineType);
  }
  assert.ok(TRAINING_MACHINES.has('n1-highcpu-16'));
  assert.equal(create(sandbox, { machineSpec: { machineType: 'n1-highcpu-16' }, ...own }).status, 200);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_K80', acceleratorCount: 1 }, /not supported/],
    [{ machineType: 'n1-standard-16', acceleratorType: 'NVIDIA_TESLA_V100', acceleratorCount: 1 }, /valid counts: 2, 4, 8/],
    // Stricter than Compute Engine: a T4 on n1-standard-32 comes 2 or 4 at a time for training.
    [{ machineType: 'n1-standard-32', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 }, /valid counts: 2, 4/],
    [{ machineType: 'n1-standard-64', acceleratorType: 'NVIDIA_TESLA_P100', acceleratorCount: 4 }, /not supported/],
    [{ machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 3 }, /count 3/],
    [{ machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 }, /not supported/],
    [{ machineType: 'a2-highgpu-1g' }, /requires accelerator "NVIDIA_TESLA_A100" with count 1/],
    [{ machineType: 'a3-highgpu-2g', acceleratorType: 'NVIDIA_H100_80GB', acceleratorCount: 1 }, /count 1/],
  ];
  for (const [machineSpec, says] of cases) assert.match(refusal(create(sandbox, { machineSpec, ...own })), says, JSON.stringify(machineSpec));
  for (const machineSpec of [
    { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
    { machineType: 'g2-standard-24', acceleratorType: 'NVIDIA_L4', acceleratorCount: 2 },
    { machineType: 'a2-ultragpu-1g', acceleratorType: 'NVIDIA_A100_80GB', acceleratorCount: 1 },
  ]) {
    assert.equal(create(sandbox, { machineSpec, ...own }).status, 200, JSON.stringify(machineSpec));
  }
});
