/**
 * The cost model: what a box has cost so far and what a training job cost, at list prices (no
 * sustained-use or committed-use discounts), from the box's observed history and a region's prices.
 *
 * Which statuses bill the VM. Compute Engine bills a VM from RUNNING until it is TERMINATED (stopped)
 * or gone, per second with a one-minute minimum each time it starts. In a box's history that is:
 * - a running span opens at `booting` (the controller records it once Compute reports the VM RUNNING)
 *   or `ready`;
 * - it stays open through `stopping` and `deleting` (the VM still runs until Compute finishes the
 *   stop or delete), which never open one;
 * - it closes at any other status: `stopped` (by the bot, from the console, or a Spot preemption:
 *   the controller records all three), `deleted`, `failed`, and `requested`, `creating`, `starting`
 *   (no VM running yet: PROVISIONING and STAGING are not billed).
 * Each span is billed for max(60, its seconds rounded up). A span still open is measured to `nowMs`
 * and already carries the minimum, as Google's bill will.
 *
 * The disk is billed per second from the insert that produced the VM (the last `creating` before the
 * first running span; the first running span itself when history does not reach back that far) until
 * the box is `deleted` or `failed`, whether the VM runs or not.
 *
 * Times are Google's where Compute gives them (the box controller dates a change by its operation's
 * insertTime or endTime, or by the VM's lastStartTimestamp and lastStopTimestamp), and otherwise when
 * a tick saw the change (at most one tick interval off). History keeps the last 200 changes; for an
 * older box the first kept change is where counting starts.
 */
import type { Box, BoxEvent, BoxStatus } from './box.js';
import { hourlyPrice, trainingHourlyPrice, type HourlyPrice, type PricePart, type PriceSource, type PriceTable } from './prices.js';

/** Statuses that start billing the VM. */
export const BILLED_FROM: readonly BoxStatus[] = ['booting', 'ready'];
/** Statuses that keep billing a VM that was already billed, and never start it. */
export const BILLED_UNTIL_DONE: readonly BoxStatus[] = ['stopping', 'deleting'];
/** Compute Engine's minimum per start of a VM. */
export const MIN_BILLED_SECONDS = 60;

const DISK_GONE: readonly BoxStatus[] = ['deleted', 'failed'];

export interface RunningSpan {
  startMs: number;
  endMs: number;
  /** Still running at `nowMs`. */
  open: boolean;
  seconds: number;
  billedSeconds: number;
}

export interface BoxCost {
  /** running + disk. */
  total: number;
  /** GPU, vCPU and memory over the billed seconds. */
  running: number;
  disk: number;
  runningSeconds: number;
  billedSeconds: number;
  diskSeconds: number;
  spans: RunningSpan[];
  /** The hourly prices used. */
  rates: HourlyPrice;
  /** What had no price (counted as 0), from `rates`. */
  missing: string[];
  source: PriceSource;
}

/** History in time order; events after `nowMs` have not happened yet as far as this reckoning goes. */
function ordered(history: readonly BoxEvent[], nowMs: number): BoxEvent[] {
  return history
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => event.at <= nowMs)
    .sort((a, b) => a.event.at - b.event.at || a.index - b.index)
    .map(({ event }) => event);
}

function span(startMs: number, endMs: number, open: boolean): RunningSpan {
  const seconds = Math.max(0, endMs - startMs) / 1000;
  return { startMs, endMs, open, seconds, billedSeconds: Math.max(MIN_BILLED_SECONDS, Math.ceil(seconds)) };
}

/** The periods the VM was billed for, from the box's history (see the top of this file). */
export function runningSpans(history: readonly BoxEvent[], nowMs: number): RunningSpan[] {
  const spans: RunningSpan[] = [];
  let openedAt: number | null = null;
  for (const event of ordered(history, nowMs)) {
    if (openedAt === null) {
      if (BILLED_FROM.includes(event.status)) openedAt = event.at;
    } else if (!BILLED_FROM.includes(event.status) && !BILLED_UNTIL_DONE.includes(event.status)) {
      spans.push(span(openedAt, event.at, false));
      openedAt = null;
    }
  }
  if (openedAt !== null) spans.push(span(openedAt, nowMs, true));
  return spans;
}

/** When the box's disk existed: from the insert that made its VM until the box was deleted (or now). */
export function diskLife(history: readonly BoxEvent[], nowMs: number): { startMs: number; endMs: number; open: boolean } | null {
  const events = ordered(history, nowMs);
  const firstRun = events.findIndex((e) => BILLED_FROM.includes(e.status));
  if (firstRun < 0) return null;
  let startMs = events[firstRun]?.at ?? nowMs;
  for (let i = firstRun - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.status === 'creating') {
      startMs = e.at;
      break;
    }
  }
  const gone = events.slice(firstRun).find((e) => DISK_GONE.includes(e.status));
  return gone === undefined ? { startMs, endMs: nowMs, open: true } : { startMs, endMs: gone.at, open: false };
}

/** What a box has cost from its creation to `nowMs` (or to its deletion), at `prices` (its region's). */
export function boxCost(box: Pick<Box, 'spec' | 'history'>, prices: PriceTable, nowMs: number): BoxCost {
  const rates = hourlyPrice(box.spec, prices);
  const spans = runningSpans(box.history, nowMs);
  const runningSeconds = spans.reduce((sum, s) => sum + s.seconds, 0);
  const billedSeconds = spans.reduce((sum, s) => sum + s.billedSeconds, 0);
  const life = diskLife(box.history, nowMs);
  const diskSeconds = life === null ? 0 : Math.max(0, life.endMs - life.startMs) / 1000;
  const running = (billedSeconds * rates.vmPerHour) / 3600;
  const disk = (diskSeconds * rates.diskPerHour) / 3600;
  return {
    total: running + disk,
    running,
    disk,
    runningSeconds,
    billedSeconds,
    diskSeconds,
    spans,
    rates,
    missing: rates.missing,
    source: prices.source,
  };
}

export interface JobCostInput {
  machineType: string;
  /** Vertex (`NVIDIA_TESLA_T4`), Compute or short names; none for the GPUs an A2, A3 or G2 machine comes with. */
  acceleratorType?: string | null;
  acceleratorCount: number;
  replicaCount: number;
  /** When the job started running (Vertex `startTime`), and ended (`endTime`, or now while it runs). */
  startMs: number;
  endMs: number;
}

export interface JobCost {
  total: number;
  /** All replicas, per hour. */
  perHour: number;
  perReplicaHour: number;
  seconds: number;
  replicas: number;
  parts: PricePart[];
  missing: string[];
  source: PriceSource;
}

/**
 * What a Vertex AI custom training job (one worker pool) costs: from its start to its end, per
 * second, at Vertex training rates for its machine and accelerators, times its replicas. A job with
 * several worker pools costs the sum of each pool's.
 */
export function jobCost(job: JobCostInput, prices: PriceTable): JobCost {
  const price = trainingHourlyPrice(
    { machineType: job.machineType, acceleratorType: job.acceleratorType ?? null, acceleratorCount: job.acceleratorCount },
    prices,
  );
  const replicas = Math.max(0, job.replicaCount);
  const seconds = Math.max(0, job.endMs - job.startMs) / 1000;
  const perHour = price.perHour * replicas;
  return {
    total: (perHour * seconds) / 3600,
    perHour,
    perReplicaHour: price.perHour,
    seconds,
    replicas,
    parts: price.parts,
    missing: price.missing,
    source: prices.source,
  };
}

/** A training job's hourly price, pool by pool (replicas included): priced once, to cost many slices of one run. */
export interface JobRates {
  /** Per hour, one entry per pool, in pool order. */
  pools: number[];
  /** All pools, per hour. */
  perHour: number;
  missing: string[];
  source: PriceSource;
}

export function jobRates(pools: readonly Omit<JobCostInput, 'startMs' | 'endMs'>[], prices: PriceTable): JobRates {
  const perPool: number[] = [];
  const missing = new Set<string>();
  for (const pool of pools) {
    const cost = jobCost({ ...pool, startMs: 0, endMs: 0 }, prices);
    perPool.push(cost.perHour);
    for (const m of cost.missing) missing.add(m);
  }
  return { pools: perPool, perHour: perPool.reduce((sum, p) => sum + p, 0), missing: [...missing], source: prices.source };
}

/**
 * What a job cost from `startMs` to `endMs` at `rates`. The arithmetic is `jobCost`'s, pool by pool and
 * added in pool order, so a whole run costs exactly what its end notice (which sums `jobCost` over
 * the pools) says, to the last bit.
 */
export function jobRatesCost(rates: JobRates, startMs: number, endMs: number): number {
  const seconds = Math.max(0, endMs - startMs) / 1000;
  let total = 0;
  for (const perHour of rates.pools) total += (perHour * seconds) / 3600;
  return total;
}
