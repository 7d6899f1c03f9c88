import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boxTrainPlan, containerForFamily, type BoxTrainContext, type BoxTrainRequest } from '../../src/domain/box-train.js';
import { planJob } from '../../src/domain/job-plan.js';
import { asksFromBox, parseFromBox } from '../../src/domain/train-from-box-flags.js';
import { BOX_CODE_RUNNER, customJobBody, gcsFusePath } from '../../src/gcp/vertex-bodies.js';
import { Discovery } from '../support/discovery.js';

const aiplatform = Discovery.load('aiplatform.v1.json');

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

function parsed(text: string): BoxTrainRequest {
  const result = parseFromBox('submit', words(text));
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

const BOX: BoxTrainContext['box'] = { gpu: 't4', gpuCount: 1, imageFamily: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570', region: 'us-central1' };

test('--from-box reads the job, the box, what to run and the machines in /gpu up’s words', () => {
  assert.ok(asksFromBox(words('census --from-box exp42 --entry train.py')));
  assert.ok(!asksFromBox(words('census --module-name t.task -- --from-box x')), 'after -- it is the trainer’s argument');
  assert.deepEqual(parsed('census --from-box exp42 --dir projects/census --entry train.py --gpu a100 --count 2 --replicas 3 -- --epochs 5'), {
    name: 'census',
    box: 'exp42',
    dir: 'projects/census',
    entry: { kind: 'script', path: 'train.py' },
    gpu: { gpu: 'a100', count: 2 },
    machine: null,
    replicas: 3,
    args: ['--epochs', '5'],
  });
  assert.deepEqual(parsed('nb1 --from-box=exp42 --notebook=train.ipynb').entry, { kind: 'notebook', path: 'train.ipynb' });
  assert.equal(parsed('nb1 --from-box exp42 --notebook train.ipynb').dir, '.', 'the whole home directory unless --dir says');
});

test('--from-box refusals say what would work', () => {
  const cases: [string, string, RegExp][] = [
    ['census --from-box exp42', 'MISSING_ENTRY', /--entry train\.py/],
    ['census --from-box exp42 --entry a.py --notebook b.ipynb', 'CONFLICTING_FLAGS', /Keep one/],
    ['census --from-box exp42 --entry ../etc/passwd', 'BAD_PATH', /without `\.\.`/],
    ['census --from-box exp42 --dir /home/jupyter --entry a.py', 'BAD_PATH', /relative to the notebook's home/],
    ['census --from-box exp42 --notebook train.ipynb -- --lr 1', 'CONFLICTING_FLAGS', /notebook takes no arguments/],
    ['census --from-box exp42 --notebook train.py', 'BAD_VALUE', /--entry train\.py/],
    ['census --from-box exp42 --entry a.py --spot', 'UNSUPPORTED_FLAG', /--spot/],
    ['census --from-box exp42 --entry a.py --count 2', 'MISSING_VALUE', /--gpu a100 --count 2/],
    ['census --from-box exp42 --entry a.py --scale-tier BASIC', 'UNKNOWN_FLAG', /--from-box/],
    ['--from-box exp42 --entry a.py', 'MISSING_NAME', /Name the job/],
    ['census --from-box Exp_42! --entry a.py', 'BAD_NAME', /box name/],
  ];
  for (const [text, code, says] of cases) {
    const result = parseFromBox('submit', words(text));
    assert.ok(!result.ok, text);
    assert.equal(result.error.code, code, text);
    assert.match(result.error.message, says, text);
  }
});

test('a box’s code becomes a CustomJob in the container matching the box’s image, outputs under gs://BUCKET/jobs/ID/, valid for Vertex AI', () => {
  const req = parsed('census --from-box exp42 --dir projects/census --entry train.py --replicas 3 -- --epochs 5');
  const out = boxTrainPlan(req, { box: BOX, bucket: 'ml-lab-staging', jobId: 'j0c0ffee1' });
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  assert.equal(out.value.container, 'us-docker.pkg.dev/deeplearning-platform-release/gcr.io/pytorch-cu128.2-7.py310');
  const { region, plan } = planJob(out.value.request, { owner: 'U0ALICE', jobId: 'j0c0ffee1', defaultRegion: 'europe-west4' });
  assert.equal(region, 'us-central1', 'the job runs where the box is, next to its data');
  const body = customJobBody(plan);
  assert.deepEqual(aiplatform.validate('GoogleCloudAiplatformV1CustomJob', body, { request: true }), []);
  assert.deepEqual(body.jobSpec.baseOutputDirectory, { outputUriPrefix: 'gs://ml-lab-staging/jobs/j0c0ffee1/' });
  const [chief, workers] = body.jobSpec.workerPoolSpecs;
  assert.ok(chief !== undefined && 'machineSpec' in chief && workers !== undefined && 'machineSpec' in workers);
  assert.deepEqual(chief.machineSpec, { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 }, 'the box’s own GPU unless --gpu says');
  assert.equal(workers.replicaCount, '2');
  assert.deepEqual(chief.containerSpec, {
    imageUri: out.value.container,
    command: ['bash', '-c', BOX_CODE_RUNNER, 'gpubot-run'],
    args: ['/gcs/ml-lab-staging/jobs/j0c0ffee1/code/code.tar.gz', 'script', 'train.py', '/gcs/ml-lab-staging/jobs/j0c0ffee1', '--epochs', '5'],
  });
});

test('a box whose image has no matching container is refused before anything is packaged', () => {
  const req = parsed('census --from-box exp42 --entry train.py');
  const out = boxTrainPlan(req, { box: { ...BOX, imageFamily: 'tf-2-11-cu113-notebooks' }, bucket: 'b', jobId: 'j1' });
  assert.ok(!out.ok && out.error.code === 'NO_MATCHING_CONTAINER', out.ok ? '' : out.error.message);
  assert.match(out.error.message, /tf-2-11-cu113-notebooks/);
  assert.ok(containerForFamily('common-cu128-ubuntu-2204-nvidia-570').ok);
});

test('the runner unpacks the box’s archive and runs the entry script with its arguments and AIP_MODEL_DIR', (t) => {
  if (spawnSync('python3', ['--version']).status !== 0 || spawnSync('tar', ['--version']).status !== 0) {
    t.skip('python3 or tar is not installed here; the runner runs in the training container');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gpubot-runner-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'lib'), { recursive: true });
    writeFileSync(join(src, 'lib', 'helper.py'), 'NAME = "helper"\n');
    writeFileSync(
      join(src, 'train.py'),
      'import os, sys\nsys.path.insert(0, "lib")\nimport helper\nout = os.environ["AIP_MODEL_DIR"]\nos.makedirs(out, exist_ok=True)\nopen(os.path.join(out, "result.txt"), "w").write(helper.NAME + " " + " ".join(sys.argv[1:]))\n',
    );
    const archive = join(dir, 'code.tar.gz');
    assert.equal(spawnSync('tar', ['-czf', archive, '-C', src, '.']).status, 0);
    const model = join(dir, 'outputs', 'model');
    const ran = spawnSync('bash', ['-c', BOX_CODE_RUNNER, 'gpubot-run', archive, 'script', 'train.py', join(dir, 'outputs'), '--epochs', '5'], {
      env: { PATH: process.env.PATH ?? '', AIP_MODEL_DIR: model },
    });
    assert.equal(ran.status, 0, ran.stderr.toString());
    assert.equal(readFileSync(join(model, 'result.txt'), 'utf8'), 'helper --epochs 5');
    assert.equal(gcsFusePath('gs://b/jobs/j1/'), '/gcs/b/jobs/j1/');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
