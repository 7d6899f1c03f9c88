/**
 * How a box's VM is bought: standard (on demand), Spot, or Flex-start, and which machine types Compute
 * Engine sells which way. Some shapes cannot be standard at all, so the choice is made here, once, and
 * said plainly to the person who asked.
 *
 * Sources (read December 2026):
 * - cloud.google.com/compute/docs/gpus (GPU machine types): A3 High with 1, 2 or 4 GPUs
 *   (`a3-highgpu-1g`, `-2g`, `-4g`) is available only as Spot or Flex-start VMs; `a3-highgpu-8g` also
 *   on demand and reserved.
 * - cloud.google.com/compute/docs/instances/about-flex-start-vms: Flex-start supports the
 *   accelerator-optimized machine types (A2, A3, G2 among them; not N1 with attached GPUs), runs for
 *   at most seven days, then Compute stops or deletes the VM (its termination action).
 * - cloud.google.com/compute/docs/instances/create-flex-start-vm (REST tab): `maxRunDuration` is
 *   between 10 minutes and seven days; `instanceTerminationAction` STOP or DELETE;
 *   `onHostMaintenance: TERMINATE`; `reservationAffinity: NO_RESERVATION`.
 */
import { formatDuration } from './duration.js';
import { machineShape } from './gpus.js';

export type Provisioning = 'standard' | 'spot' | 'flex-start';

export const PROVISIONINGS: readonly Provisioning[] = ['standard', 'spot', 'flex-start'];

/** Flex-start's bounds on `maxRunDuration` (create-flex-start-vm, REST: "between 10 minutes and seven days"). */
export const FLEX_START_MIN_RUN_MS = 10 * 60_000;
export const FLEX_START_MAX_RUN_MS = 7 * 86_400_000;
/** A working day: long enough for a session at a notebook, short enough not to leave H100s running all night. */
export const DEFAULT_FLEX_START_RUN_MS = 8 * 3_600_000;

/** A3 High shapes Compute sells only as Spot or Flex-start (GPU machine types page). */
export const SPOT_OR_FLEX_ONLY: readonly string[] = ['a3-highgpu-1g', 'a3-highgpu-2g', 'a3-highgpu-4g'];

/** The ways Compute sells this machine type, in the order the bot prefers them. */
export function provisioningsFor(machineType: string): readonly Provisioning[] {
  if (SPOT_OR_FLEX_ONLY.includes(machineType)) return ['spot', 'flex-start'];
  const shape = machineShape(machineType);
  // Flex-start is for accelerator-optimized machines; N1 (GPUs attached) and the rest are not.
  const accelerated = shape !== null && (shape.family === 'a2' || shape.family === 'a2-ultra' || shape.family === 'a3' || shape.family === 'g2');
  return accelerated ? PROVISIONINGS : ['standard', 'spot'];
}

/**
 * What a box gets when its owner does not say: standard where it is sold, else Spot. Spot starts at
 * once when there is capacity, is the cheapest, and a preempted box keeps its disk and can be started
 * again; Flex-start waits for capacity and then ends at a fixed time, which suits a planned run better
 * than a notebook. Both are offered; this is only the default.
 */
export function defaultProvisioning(machineType: string): Provisioning {
  const offered = provisioningsFor(machineType);
  return offered.includes('standard') ? 'standard' : 'spot';
}

/** A box's provisioning; records from before Flex-start have only `spot`. */
export function provisioningOf(spec: { spot: boolean; provisioning?: Provisioning }): Provisioning {
  return spec.provisioning ?? (spec.spot ? 'spot' : 'standard');
}

/** How people call it in a sentence. */
export function provisioningLabel(p: Provisioning): string {
  return p === 'spot' ? 'Spot' : p === 'flex-start' ? 'Flex-start' : 'standard (on demand)';
}

/**
 * One sentence saying how this box is bought and why, for the quote and the card: plain about the
 * trade-off, and about a choice made for the owner when the shape cannot be standard.
 */
export function provisioningSentence(machineType: string, p: Provisioning, flexMaxRunMs: number | null): string {
  const forced = !provisioningsFor(machineType).includes('standard');
  const why = forced ? `\`${machineType}\` is sold only as Spot or Flex-start VMs, so this box is ${provisioningLabel(p)}` : `This box is ${provisioningLabel(p)}`;
  if (p === 'spot') {
    const other = forced ? ' For an uninterrupted run, ask for `--flex-start --max-run 8h` instead.' : '';
    return `${why}: cheaper, but Google Cloud may stop it at any time (the disk is kept; Start brings it back).${other}`;
  }
  if (p === 'flex-start') {
    const run = formatDuration(flexMaxRunMs ?? DEFAULT_FLEX_START_RUN_MS);
    return `${why}: it starts when Google Cloud has capacity, then runs uninterrupted for at most ${run} and is stopped (the disk is kept; Start gives it another ${run}).`;
  }
  return `${why}.`;
}
