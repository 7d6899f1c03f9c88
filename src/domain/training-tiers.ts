/** ML Engine's scale tiers and the Vertex AI pools each predefined tier stands for. */
import type { Parsed } from './result.js';
import { closestWord, quoteUserText as q } from './shell-words.js';
import type { TrainingGpu } from './training-machines.js';
import { fail, ok, type PoolRole } from './training-images.js';


export type ScaleTier = 'BASIC' | 'BASIC_GPU' | 'BASIC_TPU' | 'STANDARD_1' | 'PREMIUM_1' | 'CUSTOM';

export const SCALE_TIERS: readonly ScaleTier[] = ['BASIC', 'BASIC_GPU', 'BASIC_TPU', 'STANDARD_1', 'PREMIUM_1', 'CUSTOM'];

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

