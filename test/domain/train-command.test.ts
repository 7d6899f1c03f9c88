import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TRAIN_COMMAND_LENGTH, TRAIN_COMMAND_ERROR_CODES, jobConsoleUrl, jobLogsUrl, parseTrainCommand, type TrainCommand, type TrainRequest } from '../../src/domain/train-command.js';
import { type CustomJobBody, type WorkerPoolSpecBody } from '../../src/gcp/vertex-bodies.js';
import { customJobFor as toCustomJob } from '../support/jobs.js';
import {
  RUNTIME_VERSIONS,
  TRAINING_IMAGES,
  imageByName,
  runtimeImages,
  runtimeImagesOn,
} from '../../src/domain/training-images.js';
import { VERTEX_TRAINING_MACHINES, planMachine } from '../../src/domain/training-machines.js';
import { TIER_POOLS } from '../../src/domain/training-tiers.js';

const CTX = { project: 'ml-lab', owner: 'U0ALICE', jobId: 'job-0001', defaultRegion: 'us-central1' };
const OURS = { 'managed-by': 'gpubot', 'gpubot-owner': 'u0alice', 'gpubot-id': 'job-0001' };
const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';
/** A day when runtime 2.11's own images still ran (they ended 2024-11-15): these tests read flags, not dates. */
const ON = { today: '2024-06-01' };
const img = (name: string) => `us-docker.pkg.dev/vertex-ai/training/${name}:latest`;

function parsed(text: string): TrainCommand {
  const result = parseTrainCommand(text, ON);
  assert.ok(result.ok, `${JSON.stringify(text.slice(0, 120))} should parse: ${result.ok ? '' : `${result.error.code} ${result.error.message}`}`);
  return result.value;
}

function request(text: string): TrainRequest {
  const command = parsed(text);
  assert.equal(command.kind, 'submit', text);
  assert.ok(command.kind === 'submit' && command.request !== null, `${text} should be a whole submit`);
  return command.request;
}

/** The region, parent and CustomJob body a submit becomes (its plan, written as Vertex AI's body). */
function job(text: string): { region: string; parent: string; body: CustomJobBody } {
  const { region, parent, body } = toCustomJob(request(text), CTX);
  return { region, parent, body };
}

/** A pool as the body must carry it; only what differs is given. */
function python(
  machineType: string,
  image: string,
  options: { accelerator?: [string, number]; replicas?: number; args?: string[]; packages?: string[]; module?: string } = {},
): WorkerPoolSpecBody {
  return {
    machineSpec: {
      machineType,
      ...(options.accelerator ? { acceleratorType: options.accelerator[0], acceleratorCount: options.accelerator[1] } : {}),
    },
    replicaCount: String(options.replicas ?? 1),
    pythonPackageSpec: {
      executorImageUri: image,
      packageUris: options.packages ?? [PKG],
      pythonModule: options.module ?? 'trainer.task',
      args: options.args ?? [],
    },
  };
}

function container(
  machineType: string,
  imageUri: string,
  options: { accelerator?: [string, number]; replicas?: number; args?: string[]; command?: string[]; disk?: WorkerPoolSpecBody['diskSpec'] } = {},
): WorkerPoolSpecBody {
  return {
    machineSpec: {
      machineType,
      ...(options.accelerator ? { acceleratorType: options.accelerator[0], acceleratorCount: options.accelerator[1] } : {}),
    },
    replicaCount: String(options.replicas ?? 1),
    ...(options.disk ? { diskSpec: options.disk } : {}),
    containerSpec: { imageUri, ...(options.command ? { command: options.command } : {}), args: options.args ?? [] },
  };
}

interface BodyCase {
  why: string;
  text: string;
  region: string;
  body: CustomJobBody;
}

test('no text opens the form; `submit` alone opens it too; a shell prompt is not a word', () => {
  assert.deepEqual(parsed(''), { kind: 'form' });
  assert.deepEqual(parsed('  \n\t '), { kind: 'form' });
  assert.deepEqual(parsed('submit'), { kind: 'submit', request: null });
  assert.deepEqual(parsed('RUN'), { kind: 'submit', request: null });
  assert.deepEqual(parsed('$'), { kind: 'form' });
});

test('list, status, cancel, logs and help read their words', () => {
  const cases: [string, TrainCommand][] = [
    ['list', { kind: 'list', all: false }],
    ['ls --all', { kind: 'list', all: true }],
    ['list -a', { kind: 'list', all: true }],
    ['list --all --all=false', { kind: 'list', all: false }],
    ['status census_1', { kind: 'status', job: 'census_1' }],
    ['describe 4000000000000000001', { kind: 'status', job: '4000000000000000001' }],
    ['cancel census_1', { kind: 'cancel', job: 'census_1' }],
    ['kill census_1', { kind: 'cancel', job: 'census_1' }],
    ['logs census_1', { kind: 'logs', job: 'census_1' }],
    ['help', { kind: 'help' }],
    ['--help', { kind: 'help' }],
    ['help submit', { kind: 'help', topic: 'submit' }],
    ['help tiers', { kind: 'help', topic: 'scale-tiers' }],
    ['help runtime', { kind: 'help', topic: 'runtimes' }],
    ['submit --help', { kind: 'help', topic: 'submit' }],
    ['cancel -h', { kind: 'help', topic: 'cancel' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), expected, text);
});

test('ML Engine flags become the CustomJob the mapping table promises', () => {
  const cases: BodyCase[] = [
    {
      why: 'BASIC: one n1-standard-4 on the CPU image; --job-dir is the output directory and, as on ML Engine, a trainer argument',
      text: `submit census_1 --region europe-west4 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11 --python-version 3.10 --job-dir gs://ml-lab-out/census -- --epochs 5`,
      region: 'europe-west4',
      body: {
        displayName: 'census_1',
        labels: OURS,
        jobSpec: {
          workerPoolSpecs: [python('n1-standard-4', img('tf-cpu.2-11.py310'), { args: ['--epochs', '5', '--job-dir', 'gs://ml-lab-out/census'] })],
          baseOutputDirectory: { outputUriPrefix: 'gs://ml-lab-out/census' },
        },
      },
    },
    {
      why: "BASIC_GPU: ML Engine's K80 becomes a T4 on an n1-standard-8, GPU image; runtime 2.11 keeps ML Engine's Python 3.7",
      text: `submit census_gpu --scale-tier basic-gpu --module-name trainer.task --packages ${PKG} --runtime-version 2.11`,
      region: 'us-central1',
      body: {
        displayName: 'census_gpu',
        labels: OURS,
        jobSpec: { workerPoolSpecs: [python('n1-standard-8', img('tf-gpu.2-11'), { accelerator: ['NVIDIA_TESLA_T4', 1] })] },
      },
    },
    {
      why: 'STANDARD_1: chief, 4 workers and 3 parameter servers',
      text: `submit big --scale-tier STANDARD_1 --module-name trainer.task --packages ${PKG} --runtime-version 1.15`,
      region: 'us-central1',
      body: {
        displayName: 'big',
        labels: OURS,
        jobSpec: {
          workerPoolSpecs: [
            python('n1-highcpu-16', img('tf-cpu.1-15')),
            python('n1-highcpu-16', img('tf-cpu.1-15'), { replicas: 4 }),
            python('n1-standard-4', img('tf-cpu.1-15'), { replicas: 3 }),
          ],
        },
      },
    },
    {
      why: 'PREMIUM_1 with labels of the person, beside the bot’s',
      text: `submit huge --scale-tier PREMIUM_1 --module-name trainer.task --packages ${PKG} --runtime-version 2.8 --labels team=vision,exp=42 --labels cost-center=`,
      region: 'us-central1',
      body: {
        displayName: 'huge',
        labels: { team: 'vision', exp: '42', 'cost-center': '', ...OURS },
        jobSpec: {
          workerPoolSpecs: [
            python('n1-highcpu-16', img('tf-cpu.2-8')),
            python('n1-highcpu-16', img('tf-cpu.2-8'), { replicas: 19 }),
            python('n1-highmem-8', img('tf-cpu.2-8'), { replicas: 11 }),
          ],
        },
      },
    },
    {
      why: 'CUSTOM: V100s on the chief and the workers, GPU image per pool',
      text:
        `submit v100s --scale-tier CUSTOM --master-machine-type n1-highmem-8 --master-accelerator count=2,type=nvidia-tesla-v100 ` +
        `--worker-machine-type n1-standard-8 --worker-count 2 --worker-accelerator type=NVIDIA_TESLA_V100,count=1 ` +
        `--module-name trainer.task --packages ${PKG},gs://ml-lab-trainers/deps-1.0.tar.gz --runtime-version 2.8 --python-version 3.7`,
      region: 'us-central1',
      body: {
        displayName: 'v100s',
        labels: OURS,
        jobSpec: {
          workerPoolSpecs: [
            python('n1-highmem-8', img('tf-gpu.2-8'), { accelerator: ['NVIDIA_TESLA_V100', 2], packages: [PKG, 'gs://ml-lab-trainers/deps-1.0.tar.gz'] }),
            python('n1-standard-8', img('tf-gpu.2-8'), {
              accelerator: ['NVIDIA_TESLA_V100', 1],
              replicas: 2,
              packages: [PKG, 'gs://ml-lab-trainers/deps-1.0.tar.gz'],
            }),
          ],
        },
      },
    },
    {
      why: 'CUSTOM with parameter servers and no workers leaves the workers’ position empty',
      text:
        `submit ps_only --master-machine-type n1-standard-8 --parameter-server-machine-type n1-highmem-4 --parameter-server-count 2 ` +
        `--module-name trainer.task --packages ${PKG} --runtime-version 2.9 --python-version 3.10`,
      region: 'us-central1',
      body: {
        displayName: 'ps_only',
        labels: OURS,
        jobSpec: {
          workerPoolSpecs: [python('n1-standard-8', img('tf-cpu.2-9.py310')), {}, python('n1-highmem-4', img('tf-cpu.2-9.py310'), { replicas: 2 })],
        },
      },
    },
    {
      why: 'a machine with built-in GPUs implies CUSTOM and brings its own accelerator',
      text: `submit a100 --master-machine-type a2-highgpu-2g --module-name trainer.task --packages ${PKG} --runtime-version 2.17`,
      region: 'us-central1',
      body: {
        displayName: 'a100',
        labels: OURS,
        jobSpec: { workerPoolSpecs: [python('a2-highgpu-2g', img('tf-gpu.2-17.py310'), { accelerator: ['NVIDIA_TESLA_A100', 2] })] },
      },
    },
    {
      why: 'an accelerator alone gets the machine a box would get for it',
      text: `submit l4 --master-accelerator type=nvidia-l4,count=1 --module-name trainer.task --packages ${PKG} --runtime-version 2.15`,
      region: 'us-central1',
      body: {
        displayName: 'l4',
        labels: OURS,
        jobSpec: { workerPoolSpecs: [python('g2-standard-8', img('tf-gpu.2-15.py310'), { accelerator: ['NVIDIA_L4', 1] })] },
      },
    },
    {
      why: 'an explicit K80 becomes a T4',
      text: `submit k80 --master-machine-type n1-standard-4 --master-accelerator count=1,type=nvidia-tesla-k80 --module-name trainer.task --packages ${PKG} --runtime-version 2.3`,
      region: 'us-central1',
      body: {
        displayName: 'k80',
        labels: OURS,
        jobSpec: { workerPoolSpecs: [python('n1-standard-4', img('tf-gpu.2-3'), { accelerator: ['NVIDIA_TESLA_T4', 1] })] },
      },
    },
    {
      why: '--master-image-uri runs a container on every pool of the tier; trainer arguments follow',
      text: 'submit boxed --scale-tier STANDARD_1 --master-image-uri us-docker.pkg.dev/ml-lab/trainers/census:v3 -- --epochs=3',
      region: 'us-central1',
      body: {
        displayName: 'boxed',
        labels: OURS,
        jobSpec: {
          workerPoolSpecs: [
            container('n1-highcpu-16', 'us-docker.pkg.dev/ml-lab/trainers/census:v3', { args: ['--epochs=3'] }),
            container('n1-highcpu-16', 'us-docker.pkg.dev/ml-lab/trainers/census:v3', { args: ['--epochs=3'], replicas: 4 }),
            container('n1-standard-4', 'us-docker.pkg.dev/ml-lab/trainers/census:v3', { args: ['--epochs=3'], replicas: 3 }),
          ],
        },
      },
    },
  ];
  for (const c of cases) {
    const out = job(c.text);
    assert.equal(out.region, c.region, c.why);
    assert.equal(out.parent, `projects/ml-lab/locations/${c.region}`, c.why);
    assert.deepEqual(out.body, c.body, c.why);
  }
});

test('Vertex AI flags become the same kind of CustomJob, pools in the order given', () => {
  const cases: BodyCase[] = [
    {
      why: 'one pool, a prebuilt image named short, comma-split --args',
      text:
        `submit --display-name=bert-ft --region=us-east4 --python-package-uris=${PKG} ` +
        '--worker-pool-spec=machine-type=a2-highgpu-1g,accelerator-type=NVIDIA_TESLA_A100,accelerator-count=1,executor-image-uri=pytorch-gpu.2-4.py310,python-module=trainer.task ' +
        '--args=--epochs=3,--lr=0.1 --labels=team=nlp',
      region: 'us-east4',
      body: {
        displayName: 'bert-ft',
        labels: { team: 'nlp', ...OURS },
        jobSpec: {
          workerPoolSpecs: [
            python('a2-highgpu-1g', img('pytorch-gpu.2-4.py310'), { accelerator: ['NVIDIA_TESLA_A100', 1], args: ['--epochs=3', '--lr=0.1'] }),
          ],
        },
      },
    },
    {
      why: 'two pools of containers with disks and a command; gcloud’s lowercase accelerator names',
      text:
        'submit mixed ' +
        '--worker-pool-spec=machine-type=a2-highgpu-1g,container-image-uri=us-docker.pkg.dev/ml-lab/t/img:1,disk-type=pd-standard,disk-size=200 ' +
        '--worker-pool-spec=machine-type=g2-standard-24,replica-count=3,accelerator-type=nvidia-l4,accelerator-count=2,container-image-uri=us-docker.pkg.dev/ml-lab/t/img:1 ' +
        '--command=python,train.py --args=--steps=100 --job-dir gs://ml-lab-out/mixed',
      region: 'us-central1',
      body: {
        displayName: 'mixed',
        labels: OURS,
        jobSpec: {
          workerPoolSpecs: [
            container('a2-highgpu-1g', 'us-docker.pkg.dev/ml-lab/t/img:1', {
              accelerator: ['NVIDIA_TESLA_A100', 1],
              command: ['python', 'train.py'],
              args: ['--steps=100'],
              disk: { bootDiskType: 'pd-standard', bootDiskSizeGb: 200 },
            }),
            container('g2-standard-24', 'us-docker.pkg.dev/ml-lab/t/img:1', {
              accelerator: ['NVIDIA_L4', 2],
              replicas: 3,
              command: ['python', 'train.py'],
              args: ['--steps=100'],
            }),
          ],
          baseOutputDirectory: { outputUriPrefix: 'gs://ml-lab-out/mixed' },
        },
      },
    },
    {
      why: 'a prebuilt image given in full but without a tag gets :latest, the only tag Vertex AI serves',
      text: 'submit tagless --worker-pool-spec=machine-type=n1-standard-4,container-image-uri=us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-17.py310',
      region: 'us-central1',
      body: {
        displayName: 'tagless',
        labels: OURS,
        jobSpec: { workerPoolSpecs: [container('n1-standard-4', img('tf-cpu.2-17.py310'))] },
      },
    },
  ];
  for (const c of cases) {
    const out = job(c.text);
    assert.equal(out.region, c.region, c.why);
    assert.deepEqual(out.body, c.body, c.why);
  }
  assert.equal(request(cases[0]?.text ?? '').from, 'vertex');
});

test('a whole pasted gcloud line, with quoting and backslash-newline continuations, becomes its CustomJob', () => {
  const mlEngine = [
    '$ gcloud ai-platform jobs submit training census_20260301 \\',
    '    --region=us-central1 \\',
    "    --scale-tier='CUSTOM' \\",
    '    --master-machine-type n1-standard-8 \\',
    '    --master-accelerator=count=1,type=nvidia-tesla-t4 \\',
    `    --packages "${PKG}" \\`,
    '    --module-name=trainer.task \\',
    '    --job-dir=gs://ml-lab-out/census_20260301 \\',
    '    --runtime-version 2.11 --python-version 3.7 \\',
    '    --stream-logs \\',
    '    -- \\',
    '    --train-files "gs://ml-lab-data/adult data.csv" \\',
    "    --name 'wide & deep' --note \u201Cit's fine\u201D --amp &amp;",
  ].join('\n');
  const vertex = [
    'gcloud beta ai custom-jobs create \\',
    '  --region=europe-west4 \\',
    '  --display-name="tuned_run" \\',
    `  --python-package-uris=${PKG} \\`,
    '  --worker-pool-spec=machine-type=n1-standard-8,replica-count=1,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,executor-image-uri=us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-12.py310:latest,python-module=trainer.task \\',
    '  --worker-pool-spec=machine-type=n1-standard-8,replica-count=2,executor-image-uri=us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-12.py310:latest,python-module=trainer.task \\',
    '  --labels=team=vision \\',
    '  --args="--lr=0.01,--name=my model"',
  ].join('\r\n');
  const oldName = `gcloud ml-engine jobs submit training legacy_job --module-name trainer.task --packages ${PKG} --runtime-version 1.15`;

  assert.deepEqual(job(mlEngine), {
    region: 'us-central1',
    parent: 'projects/ml-lab/locations/us-central1',
    body: {
      displayName: 'census_20260301',
      labels: OURS,
      jobSpec: {
        workerPoolSpecs: [
          python('n1-standard-8', img('tf-gpu.2-11'), {
            accelerator: ['NVIDIA_TESLA_T4', 1],
            args: [
              '--train-files',
              'gs://ml-lab-data/adult data.csv',
              '--name',
              'wide & deep',
              '--note',
              "it's fine",
              '--amp',
              '&',
              '--job-dir',
              'gs://ml-lab-out/census_20260301',
            ],
          }),
        ],
        baseOutputDirectory: { outputUriPrefix: 'gs://ml-lab-out/census_20260301' },
      },
    },
  });
  assert.deepEqual(job(vertex), {
    region: 'europe-west4',
    parent: 'projects/ml-lab/locations/europe-west4',
    body: {
      displayName: 'tuned_run',
      labels: { team: 'vision', ...OURS },
      jobSpec: {
        workerPoolSpecs: [
          python('n1-standard-8', img('tf-gpu.2-12.py310'), { accelerator: ['NVIDIA_TESLA_T4', 1], args: ['--lr=0.01', '--name=my model'] }),
          python('n1-standard-8', img('tf-cpu.2-12.py310'), { replicas: 2, args: ['--lr=0.01', '--name=my model'] }),
        ],
      },
    },
  });
  assert.deepEqual(job(oldName).body.jobSpec.workerPoolSpecs, [python('n1-standard-4', img('tf-cpu.1-15'))]);
  // Pasting after `/train submit` reads the same.
  assert.deepEqual(job(`submit ${oldName}`), job(oldName));
});

test('notes tell the person what the mapping changed', () => {
  const basicGpu = request(`submit g --scale-tier BASIC_GPU --module-name trainer.task --packages ${PKG} --runtime-version 2.11 --project other-proj`);
  assert.ok(basicGpu.notes.some((n) => /K80/.test(n) && /T4/.test(n)), basicGpu.notes.join('\n'));
  assert.ok(basicGpu.notes.some((n) => /--python-version 3\.10/.test(n)), 'says how to get the newer Python');
  assert.ok(basicGpu.notes.some((n) => /stopped patching/.test(n) && /until 2024-11-15/.test(n)), 'says the images are past their end of patch and when they stop');
  assert.ok(basicGpu.notes.some((n) => /--project other-proj/.test(n) && /ignored/.test(n)));
  const k80 = request('submit k --worker-pool-spec=machine-type=n1-standard-8,accelerator-type=NVIDIA_TESLA_K80,container-image-uri=gcr.io/ml-lab/t');
  assert.deepEqual(k80.pools[0]?.accelerator, { type: 'NVIDIA_TESLA_T4', count: 1 });
  assert.ok(k80.notes.some((n) => /NVIDIA_TESLA_K80/.test(n)));
  for (const note of [...basicGpu.notes, ...k80.notes]) assert.ok(!note.includes('<') && note.length < 300, note);
});

test('every error code is reachable, and each message says what would work', () => {
  const many = Array.from({ length: 62 }, (_, i) => `k${i}=v`).join(',');
  const py = `--module-name trainer.task --packages ${PKG} --runtime-version 2.11`;
  const cases: { text: string; code: string; says: RegExp; today?: string }[] = [
    { text: `submit ${'x'.repeat(MAX_TRAIN_COMMAND_LENGTH + 1)}`, code: 'TOO_LONG', says: /at most 4000/ },
    { text: 'submit j --labels "team=vision', code: 'UNBALANCED_QUOTE', says: /never closed/ },
    { text: 'sumbit j', code: 'UNKNOWN_SUBCOMMAND', says: /Did you mean `\/train submit`/ },
    { text: 'help nonsense', code: 'UNKNOWN_TOPIC', says: /Topics: submit/ },
    { text: `submit j --regoin us-central1 ${py}`, code: 'UNKNOWN_FLAG', says: /Did you mean `--region`/ },
    { text: `submit j --service-account sa@ml-lab.iam.gserviceaccount.com ${py}`, code: 'UNSUPPORTED_FLAG', says: /Drop the flag/ },
    { text: `submit j --config config.yaml`, code: 'CONFIG_FILE_UNREADABLE', says: /can't read from Slack.*\*Tuning config\*/ },
    { text: 'submit j --region', code: 'MISSING_VALUE', says: /like `--region us-central1`/ },
    { text: 'submit j --args', code: 'MISSING_VALUE', says: /`--args=--epochs=10,--lr=0.01`/ },
    { text: `submit j --module-name trainer/task.py --packages ${PKG} --runtime-version 2.11`, code: 'BAD_VALUE', says: /like `trainer.task`/ },
    { text: `submit j --master-accelerator nvidia-tesla-t4 ${py}`, code: 'BAD_VALUE', says: /count=1,type=nvidia-tesla-t4/ },
    { text: `submit j --master-machine-type n1-standard-4 --worker-machine-type n1-standard-4 --worker-count two ${py}`, code: 'BAD_NUMBER', says: /whole number/ },
    { text: `submit j --master-accelerator type=nvidia-tesla-t4,count=0 ${py}`, code: 'BAD_NUMBER', says: /count=2/ },
    { text: `submit --scale-tier BASIC ${py}`, code: 'MISSING_NAME', says: /--display-name my_job/ },
    { text: 'status', code: 'MISSING_NAME', says: /\/train list/ },
    { text: `submit 9lives ${py}`, code: 'BAD_NAME', says: /Try `lives`/ },
    { text: 'logs <@U123>', code: 'BAD_NAME', says: /\/train list/ },
    { text: `submit a b ${py}`, code: 'EXTRA_ARGUMENT', says: /after `--`/ },
    { text: 'cancel a b', code: 'EXTRA_ARGUMENT', says: /One job at a time/ },
    { text: `submit j --scale-tier BASIC --worker-pool-spec=machine-type=n1-standard-4,container-image-uri=gcr.io/a/b`, code: 'CONFLICTING_FLAGS', says: /Use one style/ },
    { text: `submit j --scale-tier BASIC_GPU --master-machine-type n1-standard-8 ${py}`, code: 'CONFLICTING_FLAGS', says: /--scale-tier CUSTOM/ },
    { text: `submit j --display-name k ${py}`, code: 'CONFLICTING_FLAGS', says: /Keep one/ },
    { text: `submit j --region us-central1 --region europe-west4 ${py}`, code: 'CONFLICTING_FLAGS', says: /Keep one/ },
    { text: `submit j --master-image-uri gcr.io/ml-lab/t:1 ${py}`, code: 'CONFLICTING_FLAGS', says: /Keep one way/ },
    { text: 'gcloud compute instances list', code: 'NOT_A_TRAINING_COMMAND', says: /gcloud ai custom-jobs create/ },
    { text: 'gcloud ai-platform jobs submit prediction j', code: 'NOT_A_TRAINING_COMMAND', says: /submit training JOB/ },
    { text: `gcloud ai-platform jobs submit training $JOB_NAME --region=$REGION ${py}`, code: 'UNEXPANDED_VARIABLE', says: /values written out/ },
    { text: `submit j --packages \${BUCKET}/t.tgz`, code: 'UNEXPANDED_VARIABLE', says: /BUCKET/ },
    { text: `submit j --region us-central1-a ${py}`, code: 'BAD_REGION', says: /like `us-central1`/ },
    { text: `submit j --labels Team=vision ${py}`, code: 'BAD_LABEL', says: /Try `team`/ },
    { text: `submit j --labels team=Vision! ${py}`, code: 'BAD_LABEL', says: /lowercase/ },
    { text: `submit j --labels managed-by=me ${py}`, code: 'RESERVED_LABEL', says: /pick another key/ },
    { text: `submit j --labels gpubot-id=x ${py}`, code: 'RESERVED_LABEL', says: /bot's own/ },
    { text: `submit j --labels ${many} ${py}`, code: 'TOO_MANY_LABELS', says: /at most 61/ },
    { text: 'submit j --packages gs://ML/t.tgz --module-name t.m --runtime-version 2.11', code: 'BAD_URI', says: /3 to 63 lowercase/ },
    { text: 'submit j --worker-pool-spec=machine-type=n1-standard-4,container-image-uri=tf-gpu.2-11.py31', code: 'BAD_URI', says: /Did you mean `tf-gpu.2-11.py310`/ },
    { text: 'submit j --master-image-uri "gcr.io/ml lab/Trainer"', code: 'BAD_URI', says: /PROJECT\/REPO\/IMAGE/ },
    { text: 'submit j --package-path ./trainer --module-name trainer.task', code: 'LOCAL_PATH', says: /--packages gs:\/\// },
    { text: 'submit j --packages ./dist/trainer-0.1.tar.gz --module-name trainer.task', code: 'LOCAL_PATH', says: /Upload it to Cloud Storage/ },
    { text: 'submit j --worker-pool-spec=machine-type=n1-standard-4,local-package-path=.,python-module=t.m', code: 'LOCAL_PATH', says: /--python-package-uris/ },
    { text: `submit j --scale-tier CUSTOM ${py}`, code: 'MISSING_MACHINE', says: /--master-machine-type n1-standard-8/ },
    { text: 'submit j --worker-pool-spec=replica-count=1,container-image-uri=gcr.io/a/b', code: 'MISSING_MACHINE', says: /machine-type=/ },
    { text: `submit j --master-machine-type n1-standard-4 --worker-count 2 ${py}`, code: 'MISSING_MACHINE', says: /--worker-machine-type/ },
    { text: `submit j --packages ${PKG} --runtime-version 2.11`, code: 'MISSING_MODULE', says: /--module-name trainer.task/ },
    { text: `submit j --python-package-uris=${PKG} --worker-pool-spec=machine-type=n1-standard-4,executor-image-uri=tf-cpu.2-17.py310`, code: 'MISSING_MODULE', says: /python-module=trainer.task/ },
    { text: 'submit j --module-name trainer.task --runtime-version 2.11', code: 'MISSING_PACKAGE', says: /--packages gs:\/\// },
    { text: `submit j --module-name trainer.task --packages ${PKG}`, code: 'MISSING_RUNTIME', says: /--runtime-version 2.11/ },
    { text: `submit j --python-package-uris=${PKG} --worker-pool-spec=machine-type=n1-standard-4,python-module=t.m`, code: 'MISSING_IMAGE', says: /executor-image-uri=tf-gpu/ },
    { text: 'submit j --worker-pool-spec=machine=n1-standard-4', code: 'BAD_WORKER_POOL', says: /Did you mean `machine-type`/ },
    { text: 'submit j ' + '--worker-pool-spec=machine-type=n1-standard-4,container-image-uri=gcr.io/a/b '.repeat(5), code: 'BAD_WORKER_POOL', says: /at most 4/ },
    { text: 'submit j --worker-pool-spec=machine-type=n1-standard-4,replica-count=3,container-image-uri=gcr.io/a/b', code: 'BAD_REPLICAS', says: /second `--worker-pool-spec`/ },
    { text: 'submit j --worker-pool-spec=machine-type=n1-standard-4,replica-count=0,container-image-uri=gcr.io/a/b', code: 'BAD_REPLICAS', says: /1 or more/ },
    { text: 'submit j --worker-pool-spec=machine-type=n1-standard-4,disk-size=50,container-image-uri=gcr.io/a/b', code: 'BAD_DISK', says: /100 to 64000/ },
    { text: `submit j --scale-tier STANDARD_2 ${py}`, code: 'UNKNOWN_SCALE_TIER', says: /Did you mean `STANDARD_1`/ },
    { text: `submit j --scale-tier BASIC_TPU ${py}`, code: 'TPU_NOT_SUPPORTED', says: /BASIC_GPU/ },
    { text: 'submit j --worker-pool-spec=machine-type=n1-standard-4,accelerator-type=TPU_V3,container-image-uri=gcr.io/a/b', code: 'TPU_NOT_SUPPORTED', says: /NVIDIA_TESLA_T4/ },
    { text: `submit j --module-name trainer.task --packages ${PKG} --runtime-version latest`, code: 'UNKNOWN_RUNTIME', says: /like `2\.11`/ },
    { text: `submit j --module-name trainer.task --packages ${PKG} --runtime-version 2.11`, code: 'RETIRED_RUNTIME', says: /--master-image-uri/, today: '2026-11-27' },
    { text: `submit j --worker-pool-spec=machine-type=n1-standard-8,executor-image-uri=tf-cpu.2-11.py310,python-module=t.task --python-package-uris ${PKG}`, code: 'RETIRED_IMAGE', says: /2024-11-15.*tf-cpu\.2-16\.py310/, today: '2026-03-02' },
    { text: `submit j --master-machine-type n1-highcpu-8 ${py}`, code: 'UNSUPPORTED_MACHINE', says: /`n1-highcpu-16`/ },
    { text: `submit j --master-machine-type n1-standard-32 --master-accelerator type=nvidia-tesla-t4,count=1 ${py}`, code: 'BAD_GPU_COUNT', says: /2 or 4 NVIDIA T4 GPUs, not 1.*`n1-standard-8`/ },
    { text: `submit j --module-name trainer.task --packages ${PKG} --runtime-version 2.11 --python-version 2.7`, code: 'BAD_PYTHON', says: /3\.10 or 3\.7/ },
    { text: `submit j --master-accelerator type=nvidia-tesla-t5,count=1 ${py}`, code: 'UNKNOWN_GPU', says: /Did you mean `NVIDIA_TESLA_T4`/ },
    { text: `submit j --master-machine-type n1-standrad-8 ${py}`, code: 'UNKNOWN_MACHINE', says: /Did you mean `n1-standard-8`/ },
    { text: `submit j --master-machine-type f1-micro ${py}`, code: 'UNSUPPORTED_MACHINE', says: /n1-standard-4/ },
    { text: `submit j --master-machine-type n1-standard-8 --master-accelerator type=nvidia-tesla-a100,count=1 ${py}`, code: 'GPU_MACHINE_MISMATCH', says: /use `a2-highgpu-1g`/ },
    { text: 'submit j --worker-pool-spec=machine-type=a2-highgpu-1g,accelerator-type=NVIDIA_TESLA_T4,container-image-uri=gcr.io/a/b', code: 'GPU_MACHINE_MISMATCH', says: /`n1-standard-8`.*drop the accelerator/ },
    { text: 'submit j --worker-pool-spec=machine-type=n1-standard-8,accelerator-type=nvidia-tesla-t4,accelerator-count=3,container-image-uri=gcr.io/a/b', code: 'BAD_GPU_COUNT', says: /1, 2 or 4/ },
    { text: 'submit j --worker-pool-spec=machine-type=a2-highgpu-1g,accelerator-type=NVIDIA_TESLA_A100,accelerator-count=2,container-image-uri=gcr.io/a/b', code: 'BAD_GPU_COUNT', says: /use `a2-highgpu-2g`/ },
    { text: `submit j --master-machine-type n1-standard-16 --master-accelerator type=nvidia-tesla-v100,count=1 ${py}`, code: 'MACHINE_TOO_BIG', says: /at most 12 vCPUs.*`n1-standard-8`/ },
  ];
  const seen = new Set<string>();
  for (const c of cases) {
    const result = parseTrainCommand(c.text, c.today === undefined ? ON : { today: c.today });
    const at = JSON.stringify(c.text.slice(0, 100));
    assert.ok(!result.ok, `${at} should be refused with ${c.code}`);
    assert.equal(result.error.code, c.code, `${at}: ${result.error.message}`);
    assert.match(result.error.message, c.says, `${at}: ${result.error.message}`);
    assert.ok(!result.error.message.includes('<'), `${at}: ${result.error.message}`);
    seen.add(c.code);
  }
  const missing = TRAIN_COMMAND_ERROR_CODES.filter((code) => !seen.has(code));
  assert.deepEqual(missing, [], 'every error code has a case');
});

test('the scale tiers map to the machines ML Engine documented, BASIC_GPU to a T4', () => {
  const shape = (tier: keyof typeof TIER_POOLS) =>
    TIER_POOLS[tier].map((p) => `${p.role}:${p.replicaCount}x${p.machineType}${p.gpu ? `+${p.gpu.count}${p.gpu.gpu}` : ''}`);
  assert.deepEqual(shape('BASIC'), ['chief:1xn1-standard-4']);
  assert.deepEqual(shape('BASIC_GPU'), ['chief:1xn1-standard-8+1t4']);
  // ML Engine ran STANDARD_1 on n1-highcpu-8, which Vertex AI does not train on: the smallest high-CPU N1 it does.
  assert.deepEqual(shape('STANDARD_1'), ['chief:1xn1-highcpu-16', 'workers:4xn1-highcpu-16', 'parameter-servers:3xn1-standard-4']);
  for (const pools of Object.values(TIER_POOLS)) for (const p of pools) assert.ok(VERTEX_TRAINING_MACHINES.has(p.machineType), p.machineType);
  assert.deepEqual(shape('PREMIUM_1'), ['chief:1xn1-highcpu-16', 'workers:19xn1-highcpu-16', 'parameter-servers:11xn1-highmem-8']);
});

test('runtime versions map to prebuilt TensorFlow images, CPU or GPU, with the Python asked for', () => {
  const cases: [string, string | null, string, string][] = [
    ['1.15', null, 'tf-cpu.1-15', 'tf-gpu.1-15'],
    ['2.1', '3.7', 'tf-cpu.2-1', 'tf-gpu.2-1'],
    ['2.8', null, 'tf-cpu.2-8', 'tf-gpu.2-8'],
    ['2.8', '3.10', 'tf-cpu.2-8.py310', 'tf-gpu.2-8.py310'],
    ['2.11', '3.7', 'tf-cpu.2-11', 'tf-gpu.2-11'],
    ['2.11', 'python3.10', 'tf-cpu.2-11.py310', 'tf-gpu.2-11.py310'],
    ['2.12', null, 'tf-cpu.2-12.py310', 'tf-gpu.2-12.py310'],
    ['v2.17', null, 'tf-cpu.2-17.py310', 'tf-gpu.2-17.py310'],
    ['2.9.0', '310', 'tf-cpu.2-9.py310', 'tf-gpu.2-9.py310'],
  ];
  for (const [runtime, python, cpu, gpu] of cases) {
    const images = runtimeImages(runtime, python);
    assert.ok(images.ok, `${runtime}/${python}: ${images.ok ? '' : images.error.message}`);
    assert.equal(images.value.cpu, img(cpu), `${runtime}/${python}`);
    assert.equal(images.value.gpu, img(gpu), `${runtime}/${python}`);
  }
  for (const runtime of RUNTIME_VERSIONS) assert.ok(runtimeImages(runtime, null).ok, runtime);
  const unknown = runtimeImages('2.10', null);
  assert.ok(!unknown.ok && unknown.error.code === 'UNKNOWN_RUNTIME' && unknown.error.message.includes('2.11'));
  // On a day, a runtime without images of its own maps to the nearest newer one still offered.
  const mapped = runtimeImagesOn('2.10', null, '2024-06-01');
  assert.ok(mapped.ok && mapped.value.runtime === '2.11', mapped.ok ? mapped.value.runtime : mapped.error.message);
  const python = runtimeImages('2.12', '3.7');
  assert.ok(!python.ok && python.error.code === 'BAD_PYTHON' && python.error.message.includes('3.10'));
});

test('the image table names every image once, as Vertex AI spells them', () => {
  const names = TRAINING_IMAGES.map((i) => i.name);
  assert.equal(new Set(names).size, names.length);
  for (const image of TRAINING_IMAGES) {
    assert.match(image.uri, /^us-docker\.pkg\.dev\/vertex-ai\/training\/[a-z-]+\.\d+-\d+(\.py310)?:latest$/, image.uri);
    assert.ok(image.endOfPatch < image.endOfAvailability, image.name);
    assert.equal(imageByName(image.name), image);
    assert.equal(imageByName(`${image.name}:latest`), image);
  }
  for (const name of ['tf-cpu.2-11.py310', 'tf-gpu.2-11.py310', 'pytorch-gpu.1-13.py310', 'scikit-learn-cpu.0-23', 'sklearn-cpu.1-6', 'xgboost-cpu.1-1']) {
    assert.ok(imageByName(name), name);
  }
  assert.equal(imageByName('tf-gpu.2-10.py310'), null, 'Vertex AI never had a TensorFlow 2.10 image');
});

test('planMachine allows the GPU/machine pairs Vertex AI allows, and lists what works otherwise', () => {
  const good: [string, [Parameters<typeof planMachine>[1]], string | null][] = [
    ['n1-standard-8', [{ gpu: 't4', count: 1 }], 'NVIDIA_TESLA_T4'],
    ['n1-standard-32', [{ gpu: 't4', count: 4 }], 'NVIDIA_TESLA_T4'],
    ['g2-standard-8', [{ gpu: 'l4', count: 1 }], 'NVIDIA_L4'],
    ['a2-ultragpu-1g', [{ gpu: 'a100-80gb', count: 1 }], 'NVIDIA_A100_80GB'],
    ['a3-highgpu-8g', [{ gpu: 'h100', count: 8 }], 'NVIDIA_H100_80GB'],
    ['n1-standard-4', [null], null],
    ['e2-standard-8', [null], null],
  ];
  for (const [machine, [gpu], type] of good) {
    const plan = planMachine(machine, gpu, `\`${machine}\``);
    assert.ok(plan.ok, `${machine}: ${plan.ok ? '' : plan.error.message}`);
    assert.equal(plan.value.accelerator?.type ?? null, type, machine);
  }
  const bad = planMachine('g2-standard-8', { gpu: 'h100', count: 1 }, '`g2-standard-8`');
  assert.ok(!bad.ok && bad.error.code === 'GPU_MACHINE_MISMATCH' && bad.error.message.includes('a3-highgpu-1g'), bad.ok ? '' : bad.error.message);
});

test('planJob puts the bot’s labels on every job, lowercased and label-safe, and uses the default region', () => {
  const req = request(`submit j --module-name trainer.task --packages ${PKG} --runtime-version 2.11 --labels team=x`);
  const out = toCustomJob(req, { project: 'p', owner: 'U0BOB', jobId: 'Rec_1.A', defaultRegion: 'asia-northeast1' });
  assert.equal(out.region, 'asia-northeast1');
  assert.deepEqual(out.body.labels, { team: 'x', 'managed-by': 'gpubot', 'gpubot-owner': 'u0bob', 'gpubot-id': 'rec_1-a' });
});

test('console and log links name the job, region and project', () => {
  assert.equal(
    jobConsoleUrl('ml-lab', 'us-central1', '4000000000000000001'),
    'https://console.cloud.google.com/vertex-ai/locations/us-central1/training/4000000000000000001?project=ml-lab',
  );
  const logs = jobLogsUrl('ml-lab', '4000000000000000001');
  assert.ok(logs.startsWith('https://console.cloud.google.com/logs/query;query='));
  assert.ok(decodeURIComponent(logs).includes('resource.labels.job_id="4000000000000000001"'));
});

test('an ML Engine runtime gets the nearest TensorFlow Vertex AI still runs on the day, and never a retired image', () => {
  const submit = `submit old --scale-tier BASIC_GPU --module-name trainer.task --packages ${PKG} --runtime-version 2.11`;
  // 2026-03-02: runtime 2.11's images ended 2024-11-15; 2.16 (until 2026-06-28) is the nearest still running.
  const march = parseTrainCommand(submit, { today: '2026-03-02' });
  assert.ok(march.ok && march.value.kind === 'submit' && march.value.request !== null, march.ok ? '' : march.error.message);
  const uris = march.value.request.pools.map((p) => (p.task.kind === 'python' ? p.task.executorImageUri : ''));
  assert.deepEqual(uris, [img('tf-gpu.2-16.py310')]);
  assert.ok(march.value.request.notes.some((n) => /2024-11-15/.test(n) && /TensorFlow 2\.16/.test(n) && /--runtime-version/.test(n)), march.value.request.notes.join('\n'));
  // 2026-06-28 is 2.16's end of availability: that day it is 2.17.
  const june = request(submit.replace('submit old', 'submit old2'));
  assert.ok(june.pools.length > 0);
  const late = parseTrainCommand(submit, { today: '2026-06-28' });
  assert.ok(late.ok && late.value.kind === 'submit' && late.value.request !== null);
  assert.equal(late.value.request.pools[0]?.task.kind === 'python' ? late.value.request.pools[0].task.executorImageUri : '', img('tf-gpu.2-17.py310'));
  // TensorFlow 1 code is told what moving to 2 takes.
  const tf1 = parseTrainCommand(submit.replace('2.11', '1.15'), { today: '2026-03-02' });
  assert.ok(tf1.ok && tf1.value.kind === 'submit' && tf1.value.request !== null && tf1.value.request.notes.some((n) => /tf\.compat\.v1/.test(n)));
  // After the newest TensorFlow image's end of availability, nothing is chosen: a refusal that names the way out.
  for (const today of ['2026-07-11', '2026-11-27']) {
    const refused = parseTrainCommand(submit, { today });
    assert.ok(!refused.ok && refused.error.code === 'RETIRED_RUNTIME', today);
    assert.match(refused.error.message, /2026-07-11/);
    assert.match(refused.error.message, /--master-image-uri/);
  }
  // On every day of the table's span, no image a job gets is past its end of availability that day.
  for (let t = Date.parse('2024-01-01'); t <= Date.parse('2027-01-01'); t += 7 * 86_400_000) {
    const today = new Date(t).toISOString().slice(0, 10);
    for (const runtime of RUNTIME_VERSIONS) {
      const got = runtimeImagesOn(runtime, null, today);
      if (!got.ok) continue;
      for (const uri of [got.value.cpu, got.value.gpu]) {
        const image = imageByName(uri);
        assert.ok(image !== null && today < image.endOfAvailability, `${runtime} on ${today} got ${uri}`);
      }
    }
  }
});

test('a retired prebuilt image named outright is refused, by short name or by any registry copy', () => {
  for (const name of ['tf-gpu.2-11', 'europe-docker.pkg.dev/vertex-ai/training/tf-gpu.2-11:latest', 'us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.1-13.py310:latest']) {
    const text = `submit r --worker-pool-spec=machine-type=n1-standard-8,accelerator-type=NVIDIA_TESLA_T4,executor-image-uri=${name},python-module=t.task --python-package-uris ${PKG}`;
    const refused = parseTrainCommand(text, { today: '2026-03-02' });
    assert.ok(!refused.ok && refused.error.code === 'RETIRED_IMAGE', `${name}: ${refused.ok ? 'accepted' : refused.error.code}`);
  }
  const asContainer = parseTrainCommand('submit c --master-machine-type n1-standard-4 --master-image-uri us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-11.py310:latest', { today: '2026-03-02' });
  assert.ok(!asContainer.ok && asContainer.error.code === 'RETIRED_IMAGE');
  const live = parseTrainCommand(`submit ok --worker-pool-spec=machine-type=n1-standard-8,executor-image-uri=tf-cpu.2-17.py310,python-module=t.task --python-package-uris ${PKG}`, { today: '2026-03-02' });
  assert.ok(live.ok, live.ok ? '' : live.error.message);
});

test('BASIC_TPU is refused with what to use instead; every other tier runs on machines Vertex AI trains on', () => {
  const tpu = parseTrainCommand(`submit t --scale-tier BASIC_TPU --module-name t.task --packages ${PKG} --runtime-version 2.11`, ON);
  assert.ok(!tpu.ok && tpu.error.code === 'TPU_NOT_SUPPORTED');
  assert.match(tpu.error.message, /BASIC_GPU/);
  const standard = request(`submit s --scale-tier STANDARD_1 --module-name t.task --packages ${PKG} --runtime-version 2.11`);
  assert.ok(standard.notes.some((n) => /n1-highcpu-8/.test(n) && /n1-highcpu-16/.test(n)), standard.notes.join('\n'));
});
