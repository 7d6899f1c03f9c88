/**
 * Vertex AI's way of describing the machines: `--worker-pool-spec` (gcloud ai custom-jobs create), one
 * per pool in Vertex AI's order (chief, workers, parameter servers, evaluators).
 */
import type { Parsed } from './result.js';
import type { TrainDisk, TrainPool } from './job-plan.js';
import { closestWord, quoteUserText as q } from './shell-words.js';
import type { SubmitSettings } from './train-gcloud-line.js';
import { EXAMPLES, PYTHON_MODULE, fail, ok, parseImage, parseWhole, planPools, pool, type PoolDraft } from './train-values.js';
import { POOL_ROLES } from './training-images.js';
import { k80Note, readAccelerator, type TrainingGpu } from './training-machines.js';

const POOL_KEYS = [
  'machine-type',
  'replica-count',
  'accelerator-type',
  'accelerator-count',
  'executor-image-uri',
  'container-image-uri',
  'python-module',
  'disk-type',
  'disk-size',
] as const;
type PoolKey = (typeof POOL_KEYS)[number];
const LOCAL_POOL_KEYS = new Set(['local-package-path', 'script', 'requirements', 'extra-packages', 'extra-dirs', 'output-image-uri']);

interface PoolSpecDraft {
  draft: PoolDraft;
  executorImage: string | null;
  containerImage: string | null;
  module: string | null;
  disk: TrainDisk | null;
}

function parsePoolSpec(value: string, index: number, notes: string[]): Parsed<PoolSpecDraft> {
  const which = `\`--worker-pool-spec\` #${index + 1}`;
  const keys: Partial<Record<PoolKey, string>> = {};
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase().replace(/_/g, '-');
    const v = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (LOCAL_POOL_KEYS.has(key)) {
      return fail(
        'LOCAL_PATH',
        `${which}: \`${key}\` builds from files on your machine, which the bot can't see. Upload the package to Cloud Storage and use \`--python-package-uris gs://...\` with \`executor-image-uri=\`.`,
      );
    }
    const known = POOL_KEYS.find((k) => k === key);
    if (known === undefined) {
      const near = closestWord(key, POOL_KEYS);
      const hint = near ? ` Did you mean \`${near}\`?` : '';
      return fail('BAD_WORKER_POOL', `${which}: I don't know ${q(key)}.${hint} Keys: ${POOL_KEYS.join(', ')}.`);
    }
    if (v === '') return fail('BAD_WORKER_POOL', `${which}: \`${known}=\` needs a value, like \`${known}=${poolExample(known)}\`.`);
    if (keys[known] !== undefined) return fail('BAD_WORKER_POOL', `${which} gives \`${known}\` twice. Keep one.`);
    keys[known] = v;
  }
  const machine = keys['machine-type'];
  if (machine === undefined) {
    return fail('MISSING_MACHINE', `${which} needs \`machine-type=\`, like \`--worker-pool-spec=${EXAMPLES.workerPoolSpec}\`.`);
  }
  let replicas = 1;
  const replicaText = keys['replica-count'];
  if (replicaText !== undefined) {
    const n = parseWhole(replicaText);
    if (n === null || n < 1) {
      return fail('BAD_REPLICAS', `${which}: \`replica-count\` is a whole number, 1 or more, not ${q(replicaText)}.`);
    }
    replicas = n;
  }
  let gpu: TrainingGpu | null = null;
  const type = keys['accelerator-type'];
  const countText = keys['accelerator-count'];
  if (type !== undefined) {
    const reading = readAccelerator(type);
    if ('error' in reading) return { ok: false, error: reading.error };
    if (reading.replaced !== null) notes.push(k80Note(reading.replaced));
    const n = countText === undefined ? 1 : parseWhole(countText);
    if (n === null || n < 1) return fail('BAD_NUMBER', `${which}: \`accelerator-count\` is a whole number of GPUs, like \`accelerator-count=2\`; ${q(countText ?? '')} isn't one.`);
    gpu = { gpu: reading.gpu, count: n };
  } else if (countText !== undefined) {
    return fail('BAD_WORKER_POOL', `${which}: \`accelerator-count\` needs \`accelerator-type\`, like \`accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1\`.`);
  }
  let disk: TrainDisk | null = null;
  const diskType = keys['disk-type'];
  const diskSize = keys['disk-size'];
  if (diskType !== undefined || diskSize !== undefined) {
    let typeValue: TrainDisk['type'] = null;
    if (diskType !== undefined) {
      const t = diskType.toLowerCase();
      if (t !== 'pd-ssd' && t !== 'pd-standard') {
        return fail('BAD_DISK', `${which}: \`disk-type\` is \`pd-ssd\` or \`pd-standard\`, not ${q(diskType)}.`);
      }
      typeValue = t;
    }
    let sizeValue: number | null = null;
    if (diskSize !== undefined) {
      const n = parseWhole(diskSize.replace(/\s*(gb|g|gib)$/i, ''));
      if (n === null || n < 100 || n > 64000) {
        return fail('BAD_DISK', `${which}: \`disk-size\` is a boot disk size in GB from 100 to 64000, not ${q(diskSize)}.`);
      }
      sizeValue = n;
    }
    disk = { type: typeValue, sizeGb: sizeValue };
  }
  const role = POOL_ROLES[index] ?? 'evaluators';
  return ok({
    draft: { role, machine, gpu, replicas, said: `${which} ${q(`machine-type=${machine}`, 60)}`, image: null },
    executorImage: keys['executor-image-uri'] ?? null,
    containerImage: keys['container-image-uri'] ?? null,
    module: keys['python-module'] ?? null,
    disk,
  });
}

function poolExample(key: PoolKey): string {
  switch (key) {
    case 'machine-type':
      return 'n1-standard-8';
    case 'replica-count':
      return '1';
    case 'accelerator-type':
      return 'NVIDIA_TESLA_T4';
    case 'accelerator-count':
      return '1';
    case 'executor-image-uri':
      return 'tf-gpu.2-11.py310';
    case 'container-image-uri':
      return 'us-docker.pkg.dev/my-project/repo/trainer:latest';
    case 'python-module':
      return 'trainer.task';
    case 'disk-type':
      return 'pd-ssd';
    case 'disk-size':
      return '200';
  }
}

export function vertexPools(s: SubmitSettings, userArgs: readonly string[], notes: string[], today: string): Parsed<TrainPool[]> {
  if (s.poolSpecs.length === 0) {
    return fail('MISSING_MACHINE', `Describe the machines with \`--worker-pool-spec=${EXAMPLES.workerPoolSpec}\`.`);
  }
  if (s.poolSpecs.length > POOL_ROLES.length) {
    return fail(
      'BAD_WORKER_POOL',
      `A job has at most ${POOL_ROLES.length} worker pools (chief, workers, parameter servers, evaluators); that is ${s.poolSpecs.length}.`,
    );
  }
  const specs: PoolSpecDraft[] = [];
  for (const [i, spec] of s.poolSpecs.entries()) {
    const parsed = parsePoolSpec(spec.value, i, notes);
    if (!parsed.ok) return parsed;
    specs.push(parsed.value);
  }
  const chief = specs[0];
  if (chief !== undefined && chief.draft.replicas !== 1) {
    return fail(
      'BAD_REPLICAS',
      `The first \`--worker-pool-spec\` is the chief and runs exactly one replica; put the other ${chief.draft.replicas - 1} in a second \`--worker-pool-spec\`.`,
    );
  }
  const planned = planPools(
    specs.map((p) => p.draft),
    notes,
  );
  if (!planned.ok) return planned;
  const args = [...s.args, ...userArgs];
  const pools: TrainPool[] = [];
  let pythonPools = 0;
  for (const [i, spec] of specs.entries()) {
    const entry = planned.value[i];
    if (entry === undefined) continue;
    const which = `\`--worker-pool-spec\` #${i + 1}`;
    if (spec.executorImage !== null && spec.containerImage !== null) {
      return fail('CONFLICTING_FLAGS', `${which} has both \`executor-image-uri\` (a Python package) and \`container-image-uri\` (a container). Keep one.`);
    }
    if (spec.containerImage !== null) {
      if (spec.module !== null) {
        return fail('CONFLICTING_FLAGS', `${which}: \`python-module\` goes with \`executor-image-uri\`; a \`container-image-uri\` runs its own command.`);
      }
      const uri = parseImage(spec.containerImage, `${which} \`container-image-uri\``, today);
      if (!uri.ok) return uri;
      pools.push(pool(entry.draft, entry.plan, { kind: 'container', imageUri: uri.value, command: s.command ?? [], args }, spec.disk));
      continue;
    }
    if (spec.executorImage === null) {
      return fail(
        'MISSING_IMAGE',
        `${which} needs an image: \`executor-image-uri=tf-gpu.2-11.py310\` (with \`python-module=\`) or \`container-image-uri=...\`.`,
      );
    }
    const uri = parseImage(spec.executorImage, `${which} \`executor-image-uri\``, today);
    if (!uri.ok) return uri;
    if (spec.module === null) {
      return fail('MISSING_MODULE', `${which}: \`executor-image-uri\` runs a Python module; add \`python-module=trainer.task\`.`);
    }
    if (!PYTHON_MODULE.test(spec.module)) {
      return fail('BAD_VALUE', `${which}: \`python-module\` is a Python module like \`trainer.task\`, not ${q(spec.module)}.`);
    }
    if (s.packages === null) {
      return fail('MISSING_PACKAGE', `Say where the trainer package is, like \`--python-package-uris ${EXAMPLES.packages}\`.`);
    }
    pythonPools++;
    pools.push(
      pool(entry.draft, entry.plan, { kind: 'python', executorImageUri: uri.value, packageUris: [...s.packages], pythonModule: spec.module, args }, spec.disk),
    );
  }
  if (s.command !== null && pythonPools > 0) {
    return fail('CONFLICTING_FLAGS', '`--command` is for `container-image-uri` pools; a Python package runs its `python-module`.');
  }
  if (s.packages !== null && pythonPools === 0) {
    return fail('CONFLICTING_FLAGS', '`--python-package-uris` goes with `executor-image-uri=` pools; every pool here runs a container.');
  }
  return ok(pools);
}

