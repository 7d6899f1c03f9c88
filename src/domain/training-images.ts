/**
 * How ML Engine's words for what a job runs on (scale tiers, runtime versions, Python versions,
 * accelerator names) map to a Vertex AI custom job's (machine types, accelerators, prebuilt training
 * images), and which GPU fits which machine. Every refusal lists what would work.
 */
import type { Parsed, UserError } from './gpu-command.js';
import {
  GPUS,
  GPU_KEYS,
  KNOWN_MACHINE_TYPES,
  familyLabel,
  gpuForMachine,
  isSharedCore,
  machineShape,
  machinesWithGpus,
  n1Limit,
  parseGpuKey,
  type GpuKey,
} from './gpus.js';
import { closestWord, quoteUserText as q } from './shell-words.js';

/** Stable codes the functions of this file answer with. */
export const TRAINING_IMAGE_ERROR_CODES = [
  'UNKNOWN_SCALE_TIER',
  'TPU_NOT_SUPPORTED',
  'UNKNOWN_RUNTIME',
  'BAD_PYTHON',
  'UNKNOWN_GPU',
  'UNKNOWN_MACHINE',
  'UNSUPPORTED_MACHINE',
  'GPU_MACHINE_MISMATCH',
  'BAD_GPU_COUNT',
  'MACHINE_TOO_BIG',
] as const;
export type TrainingImageErrorCode = (typeof TRAINING_IMAGE_ERROR_CODES)[number];

function fail(code: TrainingImageErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function listOf(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).map((i) => `\`${i}\``);
  const more = items.length > max ? ` and ${items.length - max} more` : '';
  if (shown.length <= 1) return `${shown.join('')}${more}`;
  return more === '' ? `${shown.slice(0, -1).join(', ')} or ${shown.at(-1) ?? ''}` : `${shown.join(', ')}${more}`;
}

function countsText(counts: readonly number[]): string {
  const head = counts.slice(0, -1);
  const last = counts[counts.length - 1];
  return head.length === 0 ? String(last) : `${head.join(', ')} or ${last}`;
}

// ---------------------------------------------------------------------------------------------
// Accelerators

/** A GPU as a training job asks for it. */
export interface TrainingGpu {
  gpu: GpuKey;
  count: number;
}

/** A Vertex AI accelerator, as `machineSpec` writes it. */
export interface VertexAccelerator {
  /** `NVIDIA_TESLA_T4`, `NVIDIA_L4`, ... */
  type: string;
  count: number;
}

/** Vertex AI's accelerator names for the GPUs the bot offers, in the order GPU_KEYS lists them. */
export const VERTEX_ACCELERATOR_TYPES: readonly string[] = GPU_KEYS.map((k) => GPUS[k].vertexAcceleratorType);

/**
 * The K80 (ML Engine's BASIC_GPU and many old `--master-accelerator` lines) is no longer offered by
 * Vertex AI; the T4 is the closest current GPU on the same N1 machines, and the cheapest.
 */
export const RETIRED_GPU_REPLACEMENT: Readonly<Record<string, GpuKey>> = { k80: 't4' };

export type AcceleratorReading = { gpu: GpuKey; replaced: string | null } | { error: UserError };

/**
 * Reads an accelerator as gcloud (`nvidia-tesla-t4`) or Vertex AI (`NVIDIA_TESLA_T4`) writes it, or by
 * the bot's short keys (`t4`). A retired K80 reads as a T4, with `replaced` saying so.
 */
export function readAccelerator(text: string): AcceleratorReading {
  const t = typeof text === 'string' ? text.trim() : '';
  const key = parseGpuKey(t);
  if (key !== null) return { gpu: key, replaced: null };
  const bare = t.toLowerCase().replace(/[_\s]+/g, '-').replace(/^nvidia-/, '').replace(/^tesla-/, '');
  const replacement = Object.hasOwn(RETIRED_GPU_REPLACEMENT, bare) ? RETIRED_GPU_REPLACEMENT[bare] : undefined;
  if (replacement !== undefined) return { gpu: replacement, replaced: t };
  if (/^(tpu|tpu-v\d.*|v\d-?pod|cloud-tpu)/.test(bare)) {
    return {
      error: {
        code: 'TPU_NOT_SUPPORTED',
        message: `${q(t)} is a TPU; /train runs GPU and CPU jobs only. GPUs: ${VERTEX_ACCELERATOR_TYPES.join(', ')}.`,
      },
    };
  }
  const near = GPU_KEYS.find((k) => k === closestWord(bare, GPU_KEYS));
  const hint = near ? ` Did you mean \`${GPUS[near].vertexAcceleratorType}\`?` : '';
  return {
    error: {
      code: 'UNKNOWN_GPU',
      message: `I don't know the accelerator ${q(t)}.${hint} Accelerators: ${VERTEX_ACCELERATOR_TYPES.join(', ')} (or gcloud's \`nvidia-tesla-t4\` style).`,
    },
  };
}

/** The sentence that tells a person their K80 became a T4. */
export function k80Note(said: string): string {
  return `${q(said)} is retired on Vertex AI; this job gets an NVIDIA T4 instead (same N1 machine, newer and cheaper).`;
}

export interface MachinePlan {
  machineType: string;
  accelerator: VertexAccelerator | null;
  /** Something the person should know about how their machine was read, or null. */
  note: string | null;
}

/**
 * Checks that `machineType` can carry `gpu` (or none), as Vertex AI allows: T4, V100 and P100 attach
 * to N1 machines in the counts and sizes Compute Engine allows; L4, A100, A100 80GB and H100 come
 * with their machine (G2, A2, A2 Ultra, A3) in exactly the machine's number. A machine that comes
 * with GPUs and is named without an accelerator gets its own GPUs, since Vertex AI requires them.
 * `said` is how the person wrote the machine's flag, for messages.
 */
export function planMachine(machineType: string, gpu: TrainingGpu | null, said: string): Parsed<MachinePlan> {
  const name = machineType.trim().toLowerCase();
  const shape = machineShape(name);
  if (shape === null) {
    const near = closestWord(name, KNOWN_MACHINE_TYPES);
    const hint = near ? ` Did you mean \`${near}\`?` : ' For example `n1-standard-8`, `g2-standard-8` or `a2-highgpu-1g`.';
    return fail('UNKNOWN_MACHINE', `${said}: I don't know the machine type ${q(machineType)}.${hint}`);
  }
  if (isSharedCore(name)) {
    return fail(
      'UNSUPPORTED_MACHINE',
      `${said}: ${q(name)} shares a CPU core, and Vertex AI training doesn't run on shared-core machines. Try \`n1-standard-4\`.`,
    );
  }
  const builtIn = gpuForMachine(name);
  if (gpu === null) {
    if (builtIn === null) return ok({ machineType: name, accelerator: null, note: null });
    const model = GPUS[builtIn];
    return ok({
      machineType: name,
      accelerator: { type: model.vertexAcceleratorType, count: shape.gpus },
      note: `\`${name}\` comes with ${shape.gpus} ${model.label}; the job asks Vertex AI for them as \`${model.vertexAcceleratorType}\` x${shape.gpus}.`,
    });
  }
  const model = GPUS[gpu.gpu];
  const accelerator = { type: model.vertexAcceleratorType, count: gpu.count };
  const countWord = (n: number) => `${n} ${model.label}${n === 1 ? '' : 's'}`;
  if (!model.counts.includes(gpu.count)) {
    return fail(
      'BAD_GPU_COUNT',
      `${said}: ${model.label} GPUs come ${countsText(model.counts)} to a machine, not ${gpu.count}.`,
    );
  }
  if (model.attached) {
    if (shape.family !== 'n1') {
      const own = builtIn === null ? '' : ` and comes with its own ${GPUS[builtIn].label} GPUs`;
      return fail(
        'GPU_MACHINE_MISMATCH',
        `${said}: \`${model.vertexAcceleratorType}\` attaches to N1 machines; \`${name}\` is ${familyLabel(shape)}${own}. ` +
          `Use \`${model.defaultMachine(gpu.count)}\` for ${countWord(gpu.count)}${builtIn === null ? '' : ', or drop the accelerator'}.`,
      );
    }
    const limit = n1Limit(gpu.gpu, gpu.count);
    if (limit !== null && (shape.vcpus > limit.maxVcpus || shape.memoryGb > limit.maxMemoryGb)) {
      return fail(
        'MACHINE_TOO_BIG',
        `${said}: with ${countWord(gpu.count)} an N1 machine has at most ${limit.maxVcpus} vCPUs and ${limit.maxMemoryGb} GB; ` +
          `\`${name}\` has ${shape.vcpus} and ${shape.memoryGb} GB. Use \`${model.defaultMachine(gpu.count)}\` or more GPUs.`,
      );
    }
    return ok({ machineType: name, accelerator, note: null });
  }
  if (shape.family !== model.family) {
    const fits = machinesWithGpus(gpu.gpu, gpu.count);
    return fail(
      'GPU_MACHINE_MISMATCH',
      `${said}: \`${model.vertexAcceleratorType}\` comes built into ${familyLabel({ name: fits[0] ?? '', family: model.family })} machines; ` +
        `\`${name}\` is ${familyLabel(shape)}. For ${countWord(gpu.count)} use ${listOf(fits.length > 0 ? fits : [model.defaultMachine(gpu.count)], 3)}.`,
    );
  }
  if (shape.gpus !== gpu.count) {
    const fits = machinesWithGpus(gpu.gpu, gpu.count);
    const use = fits.length > 0 ? ` For ${countWord(gpu.count)} use ${listOf(fits, 3)}.` : '';
    return fail(
      'BAD_GPU_COUNT',
      `${said}: \`${name}\` comes with exactly ${countWord(shape.gpus)}, not ${gpu.count}.${use}`,
    );
  }
  return ok({ machineType: name, accelerator, note: null });
}

// ---------------------------------------------------------------------------------------------
// Scale tiers

export type ScaleTier = 'BASIC' | 'BASIC_GPU' | 'BASIC_TPU' | 'STANDARD_1' | 'PREMIUM_1' | 'CUSTOM';

export const SCALE_TIERS: readonly ScaleTier[] = ['BASIC', 'BASIC_GPU', 'BASIC_TPU', 'STANDARD_1', 'PREMIUM_1', 'CUSTOM'];

/** What a Vertex AI worker pool is for; its place in `workerPoolSpecs` follows from it. */
export type PoolRole = 'chief' | 'workers' | 'parameter-servers' | 'evaluators';

/** Vertex AI reads the pools by position: chief, workers, parameter servers (or reduction server), evaluators. */
export const POOL_ROLES: readonly PoolRole[] = ['chief', 'workers', 'parameter-servers', 'evaluators'];

export interface TierPool {
  role: PoolRole;
  machineType: string;
  gpu: TrainingGpu | null;
  replicaCount: number;
}

/**
 * ML Engine's predefined tiers as Compute Engine machines (its "Compute Engine machine types" table):
 * BASIC one n1-standard-4; STANDARD_1 an n1-highcpu-8 chief, 4 n1-highcpu-8 workers and 3
 * n1-standard-4 parameter servers; PREMIUM_1 an n1-highcpu-16 chief, 19 n1-highcpu-16 workers and 11
 * n1-highmem-8 parameter servers; BASIC_GPU one n1-standard-8 with one K80, which Vertex AI no longer
 * has, so a T4 (see tierNote). BASIC_TPU and CUSTOM are not here: one is refused, the other is the
 * person's own machines.
 */
export const TIER_POOLS: Readonly<Record<'BASIC' | 'BASIC_GPU' | 'STANDARD_1' | 'PREMIUM_1', readonly TierPool[]>> = {
  BASIC: [{ role: 'chief', machineType: 'n1-standard-4', gpu: null, replicaCount: 1 }],
  BASIC_GPU: [{ role: 'chief', machineType: 'n1-standard-8', gpu: { gpu: 't4', count: 1 }, replicaCount: 1 }],
  STANDARD_1: [
    { role: 'chief', machineType: 'n1-highcpu-8', gpu: null, replicaCount: 1 },
    { role: 'workers', machineType: 'n1-highcpu-8', gpu: null, replicaCount: 4 },
    { role: 'parameter-servers', machineType: 'n1-standard-4', gpu: null, replicaCount: 3 },
  ],
  PREMIUM_1: [
    { role: 'chief', machineType: 'n1-highcpu-16', gpu: null, replicaCount: 1 },
    { role: 'workers', machineType: 'n1-highcpu-16', gpu: null, replicaCount: 19 },
    { role: 'parameter-servers', machineType: 'n1-highmem-8', gpu: null, replicaCount: 11 },
  ],
};

/** What a person should be told about how their tier was mapped, or null. */
export function tierNote(tier: ScaleTier): string | null {
  if (tier === 'BASIC_GPU') {
    return 'ML Engine ran `BASIC_GPU` on an NVIDIA K80, which Vertex AI retired; this job gets an n1-standard-8 with one NVIDIA T4.';
  }
  if (tier === 'PREMIUM_1') return '`PREMIUM_1` is 31 machines (1 chief, 19 workers, 11 parameter servers), billed as such on Vertex AI.';
  return null;
}

/** Reads `--scale-tier` (any case, `-` or `_`). BASIC_TPU is refused: the bot runs GPU and CPU jobs. */
export function parseScaleTier(text: string): Parsed<ScaleTier> {
  const t = text.trim().toUpperCase().replace(/-/g, '_');
  const tier = SCALE_TIERS.find((s) => s === t);
  if (tier === 'BASIC_TPU') {
    return fail(
      'TPU_NOT_SUPPORTED',
      '`BASIC_TPU` runs on a Cloud TPU; /train runs GPU and CPU jobs only. Try `--scale-tier BASIC_GPU`, or `--scale-tier CUSTOM` with `--master-accelerator`.',
    );
  }
  if (tier !== undefined) return ok(tier);
  const near = closestWord(t, SCALE_TIERS.filter((s) => s !== 'BASIC_TPU'));
  const hint = near ? ` Did you mean \`${near}\`?` : '';
  return fail(
    'UNKNOWN_SCALE_TIER',
    `I don't know the scale tier ${q(text)}.${hint} Tiers: BASIC, BASIC_GPU, STANDARD_1, PREMIUM_1, CUSTOM.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Prebuilt training images

export type Framework = 'tensorflow' | 'pytorch' | 'scikit-learn' | 'xgboost';

export interface TrainingImage {
  framework: Framework;
  /** Framework version, `2.11`. */
  version: string;
  /** Python version, `3.10`. */
  python: string;
  accelerator: 'cpu' | 'gpu';
  /** Image name without registry and tag: `tf-gpu.2-11.py310`. */
  name: string;
  uri: string;
}

/**
 * All three Artifact Registry copies (us-, europe-, asia-docker.pkg.dev) hold the same image; the bot
 * always names the us- copy so the body of a job does not depend on its region.
 */
export const TRAINING_IMAGE_REGISTRY = 'us-docker.pkg.dev/vertex-ai/training';

function imageUri(name: string): string {
  return `${TRAINING_IMAGE_REGISTRY}/${name}:latest`;
}

// TensorFlow versions with Vertex AI training images, the Pythons each comes with (first is the
// newest) and the "end of availability" date the page gave. Vertex AI never published a TensorFlow
// 2.10 training image.
const TENSORFLOW: readonly (readonly [string, readonly string[], string])[] = [
  ['2.17', ['3.10'], '2026-07-11'],
  ['2.16', ['3.10'], '2026-06-28'],
  ['2.15', ['3.10'], '2025-11-14'],
  ['2.14', ['3.10'], '2025-09-26'],
  ['2.13', ['3.10'], '2025-07-05'],
  ['2.12', ['3.10'], '2025-06-30'],
  ['2.11', ['3.10', '3.7'], '2024-11-15'],
  ['2.9', ['3.10', '3.7'], '2024-11-15'],
  ['2.8', ['3.10', '3.7'], '2024-11-15'],
  ['2.7', ['3.7'], '2024-09-01'],
  ['2.6', ['3.7'], '2024-09-01'],
  ['2.5', ['3.7'], '2024-09-01'],
  ['2.4', ['3.7'], '2024-09-01'],
  ['2.3', ['3.7'], '2024-09-01'],
  ['2.2', ['3.7'], '2024-09-01'],
  ['2.1', ['3.7'], '2024-09-01'],
  ['1.15', ['3.7'], '2024-09-01'],
];

function dashed(version: string): string {
  return version.replace('.', '-');
}

/**
 * Vertex AI's prebuilt training images, as its "Prebuilt containers for custom training" page listed
 * them. This is a snapshot: Google adds versions and retires old ones (most here are past their end
 * of support), and that page is the authority. Python 3.7 images carry no `.py` suffix.
 */
export const TRAINING_IMAGES: readonly TrainingImage[] = (() => {
  const images: TrainingImage[] = [];
  for (const [version, pythons] of TENSORFLOW) {
    for (const python of pythons) {
      for (const accelerator of ['cpu', 'gpu'] as const) {
        const suffix = python === '3.7' ? '' : `.py${python.replace('.', '')}`;
        const name = `tf-${accelerator}.${dashed(version)}${suffix}`;
        images.push({ framework: 'tensorflow', version, python, accelerator, name, uri: imageUri(name) });
      }
    }
  }
  // PyTorch's CPU images are its XLA builds.
  for (const version of ['2.4', '2.3', '2.2', '2.1']) {
    for (const [accelerator, kind] of [['cpu', 'xla'], ['gpu', 'gpu']] as const) {
      const name = `pytorch-${kind}.${dashed(version)}.py310`;
      images.push({ framework: 'pytorch', version, python: '3.10', accelerator, name, uri: imageUri(name) });
    }
  }
  images.push({ framework: 'pytorch', version: '1.13', python: '3.10', accelerator: 'gpu', name: 'pytorch-gpu.1-13.py310', uri: imageUri('pytorch-gpu.1-13.py310') });
  for (const version of ['1.0', '0.23']) {
    const name = `scikit-learn-cpu.${dashed(version)}`;
    images.push({ framework: 'scikit-learn', version, python: '3.7', accelerator: 'cpu', name, uri: imageUri(name) });
  }
  for (const version of ['1.6', '1.1']) {
    const name = `xgboost-cpu.${dashed(version)}`;
    images.push({ framework: 'xgboost', version, python: '3.7', accelerator: 'cpu', name, uri: imageUri(name) });
  }
  return images;
})();

/** ML Engine runtime versions that have a TensorFlow training image on Vertex AI, newest first. */
export const RUNTIME_VERSIONS: readonly string[] = TENSORFLOW.map(([v]) => v);

/** A prebuilt image by its short name (`tf-gpu.2-11.py310`, with or without `:latest`), or null. */
export function imageByName(name: string): TrainingImage | null {
  const bare = name.trim().replace(/:latest$/, '');
  return TRAINING_IMAGES.find((i) => i.name === bare) ?? null;
}

/** Short names of every prebuilt image, for suggestions. */
export const TRAINING_IMAGE_NAMES: readonly string[] = TRAINING_IMAGES.map((i) => i.name);

export interface RuntimeImages {
  runtime: string;
  python: string;
  cpu: string;
  gpu: string;
  /** The last day Vertex AI said it would run these images (ISO date), when the snapshot was taken. */
  availableUntil: string;
  /** The Python was not named and others exist: how to get the newest. */
  pythonNote: string | null;
}

function normalizePython(text: string): string | null {
  const m = /^(?:python|py)?\s*(\d)\.?(\d{1,2})(?:\.\d+)?$/i.exec(text.trim());
  return m ? `${m[1]}.${m[2]}` : null;
}

function normalizeRuntime(text: string): string | null {
  const m = /^v?(\d{1,2})\.(\d{1,2})(?:\.0)?$/i.exec(text.trim());
  return m ? `${Number(m[1])}.${Number(m[2])}` : null;
}

/**
 * The images for an ML Engine runtime version and Python version: CPU and GPU, chosen per machine by
 * whether it has an accelerator. Without a Python version, the one ML Engine ran that runtime with
 * (3.7) when Vertex AI still has it, else the newest: a pasted command keeps the Python its code knew.
 */
export function runtimeImages(runtime: string, python: string | null): Parsed<RuntimeImages> {
  const version = normalizeRuntime(runtime);
  const row = TENSORFLOW.find(([v]) => v === version);
  if (row === undefined) {
    return fail(
      'UNKNOWN_RUNTIME',
      `Runtime ${q(runtime)} has no Vertex AI training image. Runtimes that do: ${RUNTIME_VERSIONS.join(', ')}. ` +
        'Or name an image with `--master-image-uri`.',
    );
  }
  const [v, pythons, availableUntil] = row;
  let chosen: string;
  if (python === null) {
    chosen = pythons.includes('3.7') ? '3.7' : (pythons[0] ?? '3.10');
  } else {
    const p = normalizePython(python);
    if (p === null || !pythons.includes(p)) {
      return fail(
        'BAD_PYTHON',
        `Runtime ${v} comes with Python ${pythons.join(' or ')} on Vertex AI, not ${q(python)}. ` +
          `Use \`--python-version ${pythons[0] ?? '3.10'}\`${p === '2.7' ? ' (Python 2 is gone from Vertex AI)' : ''}.`,
      );
    }
    chosen = p;
  }
  const pick = (accelerator: 'cpu' | 'gpu') =>
    TRAINING_IMAGES.find((i) => i.framework === 'tensorflow' && i.version === v && i.python === chosen && i.accelerator === accelerator)?.uri ?? '';
  const newest = pythons[0] ?? chosen;
  const pythonNote =
    python === null && newest !== chosen
      ? `Runtime ${v} runs on Python ${chosen}, as on ML Engine; add \`--python-version ${newest}\` for the Python ${newest} image.`
      : null;
  return ok({ runtime: v, python: chosen, cpu: pick('cpu'), gpu: pick('gpu'), availableUntil, pythonNote });
}
