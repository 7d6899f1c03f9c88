/**
 * How ML Engine's words for what a job runs on (scale tiers, runtime versions, Python versions,
 * accelerator names) map to a Vertex AI custom job's (machine types, accelerators, prebuilt training
 * images), and which GPU fits which machine. Every refusal lists what would work.
 */
import type { Parsed, UserError } from './result.js';
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
  'RETIRED_RUNTIME',
  'RETIRED_IMAGE',
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

/**
 * The machine types Vertex AI trains on, from its "Configure compute resources for custom training"
 * page (https://cloud.google.com/vertex-ai/docs/training/configure-compute#machine-types, now also
 * docs.cloud.google.com/gemini-enterprise-agent-platform/machine-learning/training/configure-compute,
 * read 2026-12-02; G4 and TPU machines left out, /train offers neither): no shared-core or custom
 * machine, and no N1 smaller than n1-standard-4, n1-highmem-2 or n1-highcpu-16.
 */
export const VERTEX_TRAINING_MACHINES: ReadonlySet<string> = new Set([
  ...[4, 8, 16, 32].map((n) => `e2-standard-${n}`),
  ...[2, 4, 8, 16].map((n) => `e2-highmem-${n}`),
  ...[16, 32].map((n) => `e2-highcpu-${n}`),
  ...[4, 8, 16, 32, 48, 64, 80].map((n) => `n2-standard-${n}`),
  ...[2, 4, 8, 16, 32, 48, 64, 80].map((n) => `n2-highmem-${n}`),
  ...[16, 32, 48, 64, 80, 96].map((n) => `n2-highcpu-${n}`),
  ...[4, 8, 16, 32, 64, 96].map((n) => `n1-standard-${n}`),
  ...[2, 4, 8, 16, 32, 64, 96].map((n) => `n1-highmem-${n}`),
  ...[16, 32, 64, 96].map((n) => `n1-highcpu-${n}`),
  ...[4, 8, 16, 30, 60].map((n) => `c2-standard-${n}`),
  ...['standard', 'highmem', 'highcpu'].flatMap((kind) => [2, 4, 8, 16, 32, 48, 64, 80].map((n) => `n4-${kind}-${n}`)),
  'm1-ultramem-40',
  'm1-ultramem-80',
  'm1-ultramem-160',
  'm1-megamem-96',
  ...[1, 2, 4, 8].map((n) => `a2-highgpu-${n}g`),
  'a2-megagpu-16g',
  ...[1, 2, 4, 8].map((n) => `a2-ultragpu-${n}g`),
  ...[1, 2, 4, 8].map((n) => `a3-highgpu-${n}g`),
  'a3-megagpu-8g',
  'a3-ultragpu-8g',
  'a4-highgpu-8g',
  'a4x-highgpu-4g',
  ...[4, 8, 12, 16, 24, 32, 48, 96].map((n) => `g2-standard-${n}`),
]);

/**
 * The GPUs that attach to N1 (T4, P100, V100): the counts Vertex AI accepts on each N1 machine, from the
 * same page's "Valid numbers of GPUs for each machine type" table (read 2026-12-02).
 */
export const VERTEX_N1_GPU_COUNTS: ReadonlyMap<string, Partial<Record<GpuKey, readonly number[]>>> = (() => {
  const table = new Map<string, Partial<Record<GpuKey, readonly number[]>>>();
  const small = { p100: [1, 2, 4], t4: [1, 2, 4], v100: [1, 2, 4, 8] };
  const sixteen = { p100: [1, 2, 4], t4: [1, 2, 4], v100: [2, 4, 8] };
  const thirtyTwo = { p100: [2, 4], t4: [2, 4], v100: [4, 8] };
  const big = { t4: [4], v100: [8] };
  for (const m of ['n1-standard-4', 'n1-standard-8', 'n1-highmem-2', 'n1-highmem-4', 'n1-highmem-8']) table.set(m, small);
  for (const m of ['n1-standard-16', 'n1-highmem-16', 'n1-highcpu-16']) table.set(m, sixteen);
  for (const m of ['n1-standard-32', 'n1-highmem-32', 'n1-highcpu-32']) table.set(m, thirtyTwo);
  for (const m of ['n1-standard-64', 'n1-standard-96', 'n1-highmem-64', 'n1-highmem-96', 'n1-highcpu-96']) table.set(m, big);
  table.set('n1-highcpu-64', { ...big, p100: [4] });
  return table;
})();

/** The smallest machine of the same series and kind Vertex AI trains on, for a suggestion. */
function nearestTrainingMachine(name: string): string | null {
  const m = /^([a-z0-9]+-[a-z]+)-(\d+)$/.exec(name);
  if (!m) return null;
  const [, stem = '', size = '0'] = m;
  const sizes = [...VERTEX_TRAINING_MACHINES]
    .filter((t) => t.startsWith(`${stem}-`))
    .map((t) => Number(t.slice(stem.length + 1)))
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b);
  const bigger = sizes.find((n) => n >= Number(size));
  return bigger === undefined ? null : `${stem}-${bigger}`;
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
  if (!VERTEX_TRAINING_MACHINES.has(name)) {
    const near = nearestTrainingMachine(name);
    return fail(
      'UNSUPPORTED_MACHINE',
      `${said}: Vertex AI doesn't train on ${q(name)}.${near === null ? ' Try `n1-standard-4`, or `/train help gpus` for GPU machines.' : ` The nearest machine it trains on is \`${near}\`.`}`,
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
    // Vertex AI's own table of GPU counts per N1 machine is stricter than Compute Engine's limits.
    const allowed = VERTEX_N1_GPU_COUNTS.get(name)?.[gpu.gpu] ?? [];
    if (!allowed.includes(gpu.count)) {
      const takes = allowed.length === 0 ? `never trains \`${name}\` with ${model.label} GPUs` : `trains \`${name}\` with ${countsText(allowed)} ${model.label} GPUs, not ${gpu.count}`;
      return fail('BAD_GPU_COUNT', `${said}: Vertex AI ${takes}. Use \`${model.defaultMachine(gpu.count)}\` for ${countWord(gpu.count)}.`);
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
 * n1-standard-4 parameter servers, but Vertex AI trains on no N1 high-CPU machine smaller than
 * n1-highcpu-16 (see VERTEX_TRAINING_MACHINES), so those become n1-highcpu-16 (see tierNote); PREMIUM_1 an n1-highcpu-16 chief, 19 n1-highcpu-16 workers and 11
 * n1-highmem-8 parameter servers; BASIC_GPU one n1-standard-8 with one K80, which Vertex AI no longer
 * has, so a T4 (see tierNote). BASIC_TPU and CUSTOM are not here: one is refused, the other is the
 * person's own machines.
 */
export const TIER_POOLS: Readonly<Record<'BASIC' | 'BASIC_GPU' | 'STANDARD_1' | 'PREMIUM_1', readonly TierPool[]>> = {
  BASIC: [{ role: 'chief', machineType: 'n1-standard-4', gpu: null, replicaCount: 1 }],
  BASIC_GPU: [{ role: 'chief', machineType: 'n1-standard-8', gpu: { gpu: 't4', count: 1 }, replicaCount: 1 }],
  STANDARD_1: [
    { role: 'chief', machineType: 'n1-highcpu-16', gpu: null, replicaCount: 1 },
    { role: 'workers', machineType: 'n1-highcpu-16', gpu: null, replicaCount: 4 },
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
  if (tier === 'STANDARD_1') {
    return 'ML Engine ran `STANDARD_1` on n1-highcpu-8 machines, which Vertex AI does not train on; the chief and the 4 workers get n1-highcpu-16 (twice the vCPUs, and the price), the 3 parameter servers n1-standard-4.';
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
  /** ISO date after which Google publishes no more fixes for the image; it still runs. */
  endOfPatch: string;
  /** ISO date from which Vertex AI no longer runs the image: a job naming it is refused. */
  endOfAvailability: string;
}

/**
 * All three Artifact Registry copies (us-, europe-, asia-docker.pkg.dev) hold the same image; the bot
 * always names the us- copy so the body of a job does not depend on its region.
 */
export const TRAINING_IMAGE_REGISTRY = 'us-docker.pkg.dev/vertex-ai/training';

/** The day the table below was read from Google's page. */
export const TRAINING_IMAGES_READ_ON = '2026-12-02';

function imageUri(name: string): string {
  return `${TRAINING_IMAGE_REGISTRY}/${name}:latest`;
}

/**
 * Vertex AI's prebuilt training containers (GPU and CPU; the TPU builds are left out, /train runs no
 * TPU jobs) with the end-of-patch and end-of-availability dates of Google's "Prebuilt containers for
 * custom training" page (https://cloud.google.com/vertex-ai/docs/training/pre-built-containers, now
 * also under docs.cloud.google.com/gemini-enterprise-agent-platform/machine-learning/training/
 * pre-built-containers), read on TRAINING_IMAGES_READ_ON. The page is the authority; Google adds
 * versions and retires old ones. Rows: framework, version, Python, [accelerator, image name] pairs,
 * end of patch, end of availability. Python 3.7 builds carry no `.py` suffix.
 */
const IMAGE_ROWS: readonly (readonly [Framework, string, string, readonly (readonly ['cpu' | 'gpu', string])[], string, string])[] = [
  ['tensorflow', '2.17', '3.10', [['cpu', 'tf-cpu.2-17.py310'], ['gpu', 'tf-gpu.2-17.py310']], '2025-07-11', '2026-07-11'],
  ['tensorflow', '2.16', '3.10', [['cpu', 'tf-cpu.2-16.py310'], ['gpu', 'tf-gpu.2-16.py310']], '2025-06-28', '2026-06-28'],
  ['tensorflow', '2.15', '3.10', [['cpu', 'tf-cpu.2-15.py310'], ['gpu', 'tf-gpu.2-15.py310']], '2024-11-14', '2025-11-14'],
  ['tensorflow', '2.14', '3.10', [['cpu', 'tf-cpu.2-14.py310'], ['gpu', 'tf-gpu.2-14.py310']], '2024-09-26', '2025-09-26'],
  ['tensorflow', '2.13', '3.10', [['cpu', 'tf-cpu.2-13.py310'], ['gpu', 'tf-gpu.2-13.py310']], '2024-07-05', '2025-07-05'],
  ['tensorflow', '2.12', '3.10', [['cpu', 'tf-cpu.2-12.py310'], ['gpu', 'tf-gpu.2-12.py310']], '2024-06-30', '2025-06-30'],
  ['tensorflow', '2.11', '3.10', [['cpu', 'tf-cpu.2-11.py310'], ['gpu', 'tf-gpu.2-11.py310']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.11', '3.7', [['cpu', 'tf-cpu.2-11'], ['gpu', 'tf-gpu.2-11']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.9', '3.10', [['cpu', 'tf-cpu.2-9.py310'], ['gpu', 'tf-gpu.2-9.py310']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.9', '3.7', [['cpu', 'tf-cpu.2-9'], ['gpu', 'tf-gpu.2-9']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.8', '3.10', [['cpu', 'tf-cpu.2-8.py310'], ['gpu', 'tf-gpu.2-8.py310']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.8', '3.7', [['cpu', 'tf-cpu.2-8'], ['gpu', 'tf-gpu.2-8']], '2023-11-15', '2024-11-15'],
  ...(['2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '1.15'] as const).map(
    (v) => ['tensorflow', v, '3.7', [['cpu', `tf-cpu.${v.replace('.', '-')}`], ['gpu', `tf-gpu.${v.replace('.', '-')}`]], '2023-09-01', '2024-09-01'] as const,
  ),
  // PyTorch's CPU images are its XLA builds; 2.2's XLA build stays available longer than its GPU one.
  ['pytorch', '2.4', '3.10', [['cpu', 'pytorch-xla.2-4.py310'], ['gpu', 'pytorch-gpu.2-4.py310']], '2025-07-24', '2026-07-24'],
  ['pytorch', '2.3', '3.10', [['cpu', 'pytorch-xla.2-3.py310'], ['gpu', 'pytorch-gpu.2-3.py310']], '2025-04-24', '2026-04-24'],
  ['pytorch', '2.2', '3.10', [['cpu', 'pytorch-xla.2-2.py310']], '2025-01-30', '2026-10-23'],
  ['pytorch', '2.2', '3.10', [['gpu', 'pytorch-gpu.2-2.py310']], '2025-01-30', '2026-01-30'],
  ['pytorch', '2.1', '3.10', [['cpu', 'pytorch-xla.2-1.py310'], ['gpu', 'pytorch-gpu.2-1.py310']], '2024-10-04', '2025-10-04'],
  ['pytorch', '2.0', '3.10', [['cpu', 'pytorch-xla.2-0.py310'], ['gpu', 'pytorch-gpu.2-0.py310']], '2024-03-15', '2025-03-15'],
  ['pytorch', '1.13', '3.10', [['gpu', 'pytorch-gpu.1-13.py310']], '2024-05-15', '2025-05-15'],
  ['pytorch', '1.13', '3.7', [['gpu', 'pytorch-gpu.1-13']], '2023-12-08', '2024-12-08'],
  ['pytorch', '1.12', '3.10', [['gpu', 'pytorch-gpu.1-12.py310']], '2024-05-15', '2025-05-15'],
  ['pytorch', '1.12', '3.7', [['gpu', 'pytorch-gpu.1-12']], '2023-09-01', '2024-09-01'],
  ['scikit-learn', '1.6', '3.10', [['cpu', 'sklearn-cpu.1-6'], ['gpu', 'sklearn-gpu.1-6']], '2025-07-11', '2026-07-11'],
  ['scikit-learn', '1.0', '3.10', [['cpu', 'sklearn-cpu.1-0'], ['gpu', 'sklearn-gpu.1-0']], '2024-06-30', '2025-06-30'],
  ['scikit-learn', '0.23', '3.7', [['cpu', 'scikit-learn-cpu.0-23']], '2023-09-01', '2024-09-01'],
  ['xgboost', '2.1', '3.10', [['cpu', 'xgboost-cpu.2-1'], ['gpu', 'xgboost-gpu.2-1']], '2025-07-11', '2026-07-11'],
  ['xgboost', '1.6', '3.10', [['cpu', 'xgboost-cpu.1-6'], ['gpu', 'xgboost-gpu.1-6']], '2024-06-30', '2025-06-30'],
  ['xgboost', '1.1', '3.7', [['cpu', 'xgboost-cpu.1-1']], '2023-11-15', '2024-11-15'],
];

/** Every prebuilt training image of the table, newest version first within each framework. */
export const TRAINING_IMAGES: readonly TrainingImage[] = IMAGE_ROWS.flatMap(([framework, version, python, images, endOfPatch, endOfAvailability]) =>
  images.map(([accelerator, name]) => ({ framework, version, python, accelerator, name, uri: imageUri(name), endOfPatch, endOfAvailability })),
);

/** Whether Vertex AI still runs the image on `today` (an ISO date): the end-of-availability day itself no longer counts. */
export function imageAvailable(image: Pick<TrainingImage, 'endOfAvailability'>, today: string): boolean {
  return today < image.endOfAvailability;
}

/** ML Engine runtime versions that ever had a TensorFlow training image on Vertex AI, newest first. */
export const RUNTIME_VERSIONS: readonly string[] = [...new Set(TRAINING_IMAGES.filter((i) => i.framework === 'tensorflow').map((i) => i.version))];

/**
 * A prebuilt image by its short name (`tf-gpu.2-11.py310`, with or without `:latest`) or by any of
 * its three registry URIs, or null.
 */
export function imageByName(name: string): TrainingImage | null {
  const bare = name
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/^(?:us|europe|asia)-docker\.pkg\.dev\/vertex-ai\/training\//, '')
    .replace(/:latest$/, '');
  return TRAINING_IMAGES.find((i) => i.name === bare) ?? null;
}

/** Short names of every prebuilt image, for suggestions. */
export const TRAINING_IMAGE_NAMES: readonly string[] = TRAINING_IMAGES.map((i) => i.name);

/** Short names of the images Vertex AI still runs on `today`. */
export function availableImageNames(today: string): string[] {
  return TRAINING_IMAGES.filter((i) => imageAvailable(i, today)).map((i) => i.name);
}

export interface RuntimeImages {
  runtime: string;
  python: string;
  cpu: string;
  gpu: string;
  /** The first day Vertex AI no longer runs these images (ISO date), as the table gives it. */
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

/** `2.11` as a number that orders versions: 2011. */
function versionRank(version: string): number {
  const [major = '0', minor = '0'] = version.split('.');
  return Number(major) * 1000 + Number(minor);
}

function tensorflowPair(version: string, python: string): { cpu: TrainingImage; gpu: TrainingImage } | null {
  const find = (accelerator: 'cpu' | 'gpu') =>
    TRAINING_IMAGES.find((i) => i.framework === 'tensorflow' && i.version === version && i.python === python && i.accelerator === accelerator);
  const cpu = find('cpu');
  const gpu = find('gpu');
  return cpu && gpu ? { cpu, gpu } : null;
}

function tensorflowPythons(version: string): string[] {
  return [...new Set(TRAINING_IMAGES.filter((i) => i.framework === 'tensorflow' && i.version === version).map((i) => i.python))];
}

/**
 * The images for an ML Engine runtime version and Python version as the table lists them, whatever
 * their dates: CPU and GPU, chosen per machine by whether it has an accelerator. Without a Python
 * version, the one ML Engine ran that runtime with (3.7) when the table has it, else the newest.
 * For what a job gets today, use `runtimeImagesOn`.
 */
export function runtimeImages(runtime: string, python: string | null): Parsed<RuntimeImages> {
  const version = normalizeRuntime(runtime);
  const pythons = version === null ? [] : tensorflowPythons(version);
  if (version === null || pythons.length === 0) {
    return fail(
      'UNKNOWN_RUNTIME',
      `Runtime ${q(runtime)} has no Vertex AI training image. Runtimes that had one: ${RUNTIME_VERSIONS.join(', ')}. ` +
        'Or name an image with `--master-image-uri`.',
    );
  }
  let chosen: string;
  if (python === null) {
    chosen = pythons.includes('3.7') ? '3.7' : (pythons[0] ?? '3.10');
  } else {
    const p = normalizePython(python);
    if (p === null || !pythons.includes(p)) {
      return fail(
        'BAD_PYTHON',
        `Runtime ${version} comes with Python ${pythons.join(' or ')} on Vertex AI, not ${q(python)}. ` +
          `Use \`--python-version ${pythons[0] ?? '3.10'}\`${p === '2.7' ? ' (Python 2 is gone from Vertex AI)' : ''}.`,
      );
    }
    chosen = p;
  }
  const pair = tensorflowPair(version, chosen);
  if (pair === null) return fail('UNKNOWN_RUNTIME', `Runtime ${version} has no CPU and GPU image pair for Python ${chosen}.`);
  const newest = pythons[0] ?? chosen;
  const pythonNote =
    python === null && newest !== chosen
      ? `Runtime ${version} runs on Python ${chosen}, as on ML Engine; add \`--python-version ${newest}\` for the Python ${newest} image.`
      : null;
  return ok({ runtime: version, python: chosen, cpu: pair.cpu.uri, gpu: pair.gpu.uri, availableUntil: pair.cpu.endOfAvailability, pythonNote });
}

export interface RuntimeChoice extends RuntimeImages {
  /** What the person must be told: a runtime moved to another TensorFlow, or images past their end of patch. */
  notes: string[];
}

/**
 * The TensorFlow images a job asking for an ML Engine runtime gets on `today` (an ISO date): the
 * runtime's own when Vertex AI still runs them, else the nearest TensorFlow version Vertex AI still
 * runs (the oldest newer one, or the newest older one when none is newer), with a note that says so.
 * A retired image is never chosen; when Vertex AI runs no TensorFlow image at all, the refusal names
 * what works instead.
 */
export function runtimeImagesOn(runtime: string, python: string | null, today: string): Parsed<RuntimeChoice> {
  const version = normalizeRuntime(runtime);
  if (version === null) {
    return fail('UNKNOWN_RUNTIME', `${q(runtime)} isn't a runtime version; they look like \`2.11\` or \`1.15\`.`);
  }
  const wantedPython = python === null ? null : normalizePython(python);
  if (python !== null && wantedPython === null) {
    return fail('BAD_PYTHON', `${q(python)} isn't a Python version; write it like \`--python-version 3.10\`.`);
  }
  const live = TRAINING_IMAGES.filter((i) => i.framework === 'tensorflow' && imageAvailable(i, today));
  const liveVersions = [...new Set(live.map((i) => i.version))].filter((v) =>
    tensorflowPythons(v).some((p) => (wantedPython === null || p === wantedPython) && isLivePair(v, p, today)),
  );
  if (liveVersions.length === 0 && wantedPython !== null && live.length > 0) {
    const pythons = [...new Set(live.map((i) => i.python))];
    return fail(
      'BAD_PYTHON',
      `Vertex AI's TensorFlow training images come with Python ${pythons.join(' or ')} now, not ${q(python ?? '')}. ` +
        `Use \`--python-version ${pythons[0] ?? '3.10'}\`${wantedPython === '2.7' ? ' (Python 2 is gone from Vertex AI)' : ''}, or drop it.`,
    );
  }
  if (liveVersions.length === 0) {
    const newest = TRAINING_IMAGES.find((i) => i.framework === 'tensorflow');
    const others = availableImageNames(today);
    return fail(
      'RETIRED_RUNTIME',
      `Vertex AI runs no prebuilt TensorFlow training image on ${today}` +
        (newest ? ` (the newest, TensorFlow ${newest.version}, reached its end of availability on ${newest.endOfAvailability})` : '') +
        `, so runtime ${version} can't run on one. Run your trainer in your own container with \`--master-image-uri\`` +
        (others.length > 0 ? `, or name a prebuilt image Vertex AI still runs: ${listOf(others, 6)}.` : '.') +
        ` (Google's "Prebuilt containers for custom training" list, as read on ${TRAINING_IMAGES_READ_ON}.)`,
    );
  }
  const rank = versionRank(version);
  const sorted = [...liveVersions].sort((a, b) => versionRank(a) - versionRank(b));
  const target = sorted.find((v) => v === version) ?? sorted.find((v) => versionRank(v) > rank) ?? sorted[sorted.length - 1] ?? version;
  const pythons = tensorflowPythons(target).filter((p) => isLivePair(target, p, today));
  const chosenPython = wantedPython ?? (pythons.includes('3.7') ? '3.7' : (pythons[0] ?? '3.10'));
  const pair = tensorflowPair(target, chosenPython);
  if (pair === null) return fail('BAD_PYTHON', `TensorFlow ${target} comes with Python ${pythons.join(' or ')} on Vertex AI, not ${chosenPython}.`);
  const notes: string[] = [];
  if (target !== version) {
    const own = TRAINING_IMAGES.find((i) => i.framework === 'tensorflow' && i.version === version);
    const why = own
      ? `Vertex AI stopped running runtime ${version}'s images on ${own.endOfAvailability}`
      : `Vertex AI never had a training image for runtime ${version}`;
    const major = version.split('.')[0] !== target.split('.')[0] ? ' TensorFlow 1 code needs `tf.compat.v1` (or porting) to run on TensorFlow 2.' : '';
    notes.push(
      `${why}, so this job runs on TensorFlow ${target} (Python ${chosenPython}), the nearest version it still runs (until ${pair.cpu.endOfAvailability}). ` +
        `Check your trainer works on it, or name another with \`--runtime-version\`.${major}`,
    );
  } else if (python === null && pythons.length > 1 && chosenPython !== pythons[0]) {
    notes.push(`Runtime ${target} runs on Python ${chosenPython}, as on ML Engine; add \`--python-version ${pythons[0] ?? ''}\` for the Python ${pythons[0] ?? ''} image.`);
  }
  if (today >= pair.cpu.endOfPatch) {
    notes.push(
      `Google stopped patching the TensorFlow ${target} images on ${pair.cpu.endOfPatch}; Vertex AI runs them until ${pair.cpu.endOfAvailability}.`,
    );
  }
  return ok({
    runtime: target,
    python: chosenPython,
    cpu: pair.cpu.uri,
    gpu: pair.gpu.uri,
    availableUntil: pair.cpu.endOfAvailability,
    pythonNote: null,
    notes,
  });
}

function isLivePair(version: string, python: string, today: string): boolean {
  const pair = tensorflowPair(version, python);
  return pair !== null && imageAvailable(pair.cpu, today) && imageAvailable(pair.gpu, today);
}

/**
 * Why a prebuilt image cannot run on `today`, or null when it can (or is not a prebuilt image the
 * table knows, which may be newer than the table). The refusal names the images that still run.
 */
export function retiredImageError(uri: string, said: string, today: string): UserError | null {
  const image = imageByName(uri);
  if (image === null || imageAvailable(image, today)) return null;
  const same = TRAINING_IMAGES.filter((i) => i.framework === image.framework && i.accelerator === image.accelerator && imageAvailable(i, today)).map((i) => i.name);
  const any = availableImageNames(today);
  const instead =
    same.length > 0
      ? ` Images of the same kind it still runs: ${listOf(same, 4)}.`
      : any.length > 0
        ? ` Prebuilt images it still runs: ${listOf(any, 4)}; or run your own container.`
        : ' It runs no prebuilt training image of the table now; run your trainer in your own container.';
  return {
    code: 'RETIRED_IMAGE',
    message: `${said}: \`${image.name}\` reached its end of availability on ${image.endOfAvailability}, and Vertex AI refuses jobs that use it.${instead}`,
  };
}
