/**
 * Which GPU a training job asks for (Vertex AI's and gcloud's accelerator names) and which machine
 * types Vertex AI trains on with which GPUs. Every refusal lists what would work.
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
import { countsText, fail, listOf, ok } from './training-images.js';


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

