/**
 * The Cloud Monitoring adapter: every box's idle signals in one paged `timeSeries.list` per metric,
 * never one call per box, through googleapis' generated Monitoring v3 client (that API's module only,
 * loaded on the first read, which the worker makes after /healthz answers).
 *
 * What it reads, for all boxes at once:
 * - GPU utilization (Ops Agent, percent 0-100) and CPU utilization (Compute, fraction 0-1): ALIGN_MAX
 *   per period, then REDUCE_MAX across series grouped by instance id (a box with 8 GPUs is as busy as
 *   its busiest one). The maximum of each period is what "stayed under the threshold for the whole
 *   window" needs: a mean would hide a 2-minute burst, a maximum cannot.
 * - Notebook activity (custom metrics the box writes every minute, see notebook-activity-script.ts):
 *   the raw points of the last few minutes, so the latest report and its exact age are known.
 */
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import type { monitoring_v3 } from 'googleapis/build/src/apis/monitoring/v3.js';
import { DEFAULT_REST_POLICY, googleapisCall, lazily } from './call-policy.js';
import type { IdleSignals, UtilizationPeriod } from '../domain/idle.js';
import { BUSY_KERNELS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC } from '../domain/notebook-activity-script.js';
import { IdleSignalsUnavailableError, type IdleSignalsPort } from '../app/ports/idle.js';
import { classifyThrown } from './google-errors.js';

export const GPU_UTILIZATION_METRIC = 'agent.googleapis.com/gpu/utilization';
export const CPU_UTILIZATION_METRIC = 'compute.googleapis.com/instance/cpu/utilization';

/** Monitoring's own label filter for the VMs the bot made (labels are copied into the resource metadata). */
const MANAGED_FILTER = 'metadata.user_labels."managed-by" = "gpubot"';
/** Agent data reaches Monitoring a few minutes late: data this recent still counts as current. */
const FRESH_LAG_MS = 5 * 60_000;
/** A hole shorter than this in per-minute data is sampling jitter, not missing data. */
const JITTER_MS = 2 * 60_000;
/** Boxes report notebook activity every minute; a report older than this is stale. */
const NOTEBOOK_LOOKBACK_MS = 5 * 60_000;

type ListParams = monitoring_v3.Params$Resource$Projects$Timeseries$List;
type TimeSeries = monitoring_v3.Schema$TimeSeries;

export interface MonitoringAdapterOptions {
  project: string;
  authClient: AuthClient;
  /** A root URL such as http://127.0.0.1:8089 replaces Google's (GCP_ENDPOINT); null: Google's own. */
  rootUrl: string | null;
  /** Points per page (the API counts points in FULL view); unset: the API's default and ceiling, 100,000. */
  pageSize?: number;
}

/**
 * The alignment period for a read window: about 12 periods per window in whole minutes, at least the
 * API's 60 s and at most 5 minutes, so a box with a shorter idle window than the read one is still
 * judged to within a few minutes and an 8-hour read of 1,000 boxes still fits in one page.
 */
export function alignmentPeriodMs(windowMs: number): number {
  const minutes = Math.round(windowMs / 12 / 60_000);
  return Math.min(5, Math.max(1, minutes)) * 60_000;
}

export class MonitoringAdapter implements IdleSignalsPort {
  private readonly api: () => Promise<monitoring_v3.Monitoring>;
  /** Google API calls made (one per page), by method: the benchmarks read it. */
  readonly callCounts = new Map<string, number>();

  constructor(private readonly options: MonitoringAdapterOptions) {
    const auth = new GoogleAuth({ authClient: options.authClient });
    // The API object's own rootUrl: `google.options({ rootUrl })` would not move its methods' URLs.
    this.api = lazily(async () => {
      const { monitoring_v3 } = await import('googleapis/build/src/apis/monitoring/v3.js');
      return new monitoring_v3.Monitoring({ auth, rootUrl: options.rootUrl ?? 'https://monitoring.googleapis.com/' });
    });
  }

  private count(method: string): void {
    this.callCounts.set(method, (this.callCounts.get(method) ?? 0) + 1);
  }

  async idleSignals(windowMs: number, nowMs: number): Promise<Map<string, IdleSignals>> {
    const periodMs = alignmentPeriodMs(windowMs);
    const readStart = nowMs - Math.max(1, Math.ceil(windowMs / periodMs)) * periodMs;
    const [gpu, cpu, kernels, idle] = await Promise.all([
      this.utilization(GPU_UTILIZATION_METRIC, readStart, nowMs, periodMs),
      this.utilization(CPU_UTILIZATION_METRIC, readStart, nowMs, periodMs),
      this.latest(BUSY_KERNELS_METRIC, nowMs),
      this.latest(NOTEBOOK_IDLE_SECONDS_METRIC, nowMs),
    ]);
    const signals = new Map<string, IdleSignals>();
    for (const id of new Set([...gpu.keys(), ...cpu.keys(), ...kernels.keys(), ...idle.keys()])) {
      const gpuPeriods = gpu.get(id) ?? [];
      const cpuPeriods = cpu.get(id) ?? [];
      const kernelReport = kernels.get(id);
      const idleReport = idle.get(id);
      signals.set(id, {
        gpuMaxPercent: highest(gpuPeriods),
        cpuMaxFraction: highest(cpuPeriods),
        busyKernels: kernelReport === undefined ? null : kernelReport.value,
        // The report said how idle it was then; it has been idle (at least) that much longer since.
        notebookIdleSeconds: idleReport === undefined ? null : idleReport.value + Math.max(0, nowMs - idleReport.at) / 1000,
        gpuDataSince: dataSince(gpuPeriods, nowMs, periodMs),
        cpuDataSince: dataSince(cpuPeriods, nowMs, periodMs),
        gpuPeriods,
        cpuPeriods,
      });
    }
    return signals;
  }

  /** Per-period maxima of one utilization metric for every managed box, oldest first. */
  private async utilization(metric: string, startMs: number, endMs: number, periodMs: number): Promise<Map<string, UtilizationPeriod[]>> {
    const series = await this.listAll(metric, {
      filter: `metric.type = "${metric}" AND resource.type = "gce_instance" AND ${MANAGED_FILTER}`,
      'interval.startTime': new Date(startMs).toISOString(),
      'interval.endTime': new Date(endMs).toISOString(),
      'aggregation.alignmentPeriod': `${periodMs / 1000}s`,
      'aggregation.perSeriesAligner': 'ALIGN_MAX',
      'aggregation.crossSeriesReducer': 'REDUCE_MAX',
      'aggregation.groupByFields': ['resource.label.instance_id'],
      view: 'FULL',
    });
    const byInstance = new Map<string, Map<number, number>>();
    for (const s of series) {
      const id = s.resource?.labels?.instance_id;
      if (id === undefined) continue;
      const periods = byInstance.get(id) ?? new Map<number, number>();
      for (const point of s.points ?? []) {
        const at = Date.parse(point.interval?.endTime ?? '');
        const value = numberOf(point.value);
        if (Number.isNaN(at) || value === null) continue;
        periods.set(at, Math.max(value, periods.get(at) ?? value));
      }
      byInstance.set(id, periods);
    }
    const out = new Map<string, UtilizationPeriod[]>();
    for (const [id, periods] of byInstance) {
      const list = [...periods.entries()].sort(([a], [b]) => a - b).map(([end, max]) => ({ startMs: end - periodMs, endMs: end, max }));
      if (list.length > 0) out.set(id, list);
    }
    return out;
  }

  /** The latest raw point of a notebook metric per box, from the last few minutes. */
  private async latest(metric: string, nowMs: number): Promise<Map<string, { at: number; value: number }>> {
    const series = await this.listAll(metric, {
      // Only the boxes' reporter writes these metrics, so the metric type alone selects gpubot boxes.
      filter: `metric.type = "${metric}" AND resource.type = "gce_instance"`,
      'interval.startTime': new Date(nowMs - NOTEBOOK_LOOKBACK_MS).toISOString(),
      'interval.endTime': new Date(nowMs).toISOString(),
      view: 'FULL',
    });
    const out = new Map<string, { at: number; value: number }>();
    for (const s of series) {
      const id = s.resource?.labels?.instance_id;
      if (id === undefined) continue;
      for (const point of s.points ?? []) {
        const at = Date.parse(point.interval?.endTime ?? '');
        const value = numberOf(point.value);
        if (Number.isNaN(at) || value === null) continue;
        const seen = out.get(id);
        if (seen === undefined || at > seen.at) out.set(id, { at, value });
      }
    }
    return out;
  }

  /** Every page of one list; a failure fails the whole read (see IdleSignalsPort). */
  private async listAll(metric: string, params: Omit<ListParams, 'name' | 'pageToken' | 'pageSize'>): Promise<TimeSeries[]> {
    const all: TimeSeries[] = [];
    let pageToken: string | undefined;
    do {
      this.count('timeSeries.list');
      try {
        const timeSeries = (await this.api()).projects.timeSeries;
        const token = pageToken;
        const res = await googleapisCall(DEFAULT_REST_POLICY, { idempotent: true }, (options) =>
          timeSeries.list(
            {
              name: `projects/${this.options.project}`,
              ...params,
              ...(this.options.pageSize !== undefined ? { pageSize: this.options.pageSize } : {}),
              ...(token !== undefined ? { pageToken: token } : {}),
            },
            options,
          ),
        );
        all.push(...(res.data.timeSeries ?? []));
        const next = res.data.nextPageToken;
        pageToken = typeof next === 'string' && next !== '' ? next : undefined;
      } catch (error) {
        throw new IdleSignalsUnavailableError(metric, classifyThrown(error));
      }
    } while (pageToken !== undefined);
    return all;
  }
}

function numberOf(value: monitoring_v3.Schema$TypedValue | undefined): number | null {
  if (typeof value?.doubleValue === 'number') return value.doubleValue;
  if (typeof value?.int64Value === 'string' && value.int64Value !== '') return Number(value.int64Value);
  return null;
}

function highest(periods: readonly UtilizationPeriod[]): number | null {
  return periods.length === 0 ? null : Math.max(...periods.map((p) => p.max));
}

/**
 * Start of the run of periods with data that reaches up to now: the newest one may lag by Monitoring's
 * ingestion delay, and holes shorter than sampling jitter do not break the run. Null when no data is
 * that recent: the signal stopped, or never came.
 */
function dataSince(periods: readonly UtilizationPeriod[], nowMs: number, periodMs: number): number | null {
  const present = new Set(periods.map((p) => Math.round((nowMs - p.endMs) / periodMs)));
  const newestAllowed = Math.ceil(FRESH_LAG_MS / periodMs);
  const holeAllowed = Math.max(0, Math.floor(JITTER_MS / periodMs) - 1);
  let k = 0;
  while (k <= newestAllowed && !present.has(k)) k++;
  if (k > newestAllowed) return null;
  for (;;) {
    let next = k + 1;
    while (!present.has(next) && next - k - 1 < holeAllowed) next++;
    if (!present.has(next)) break;
    k = next;
  }
  return nowMs - (k + 1) * periodMs;
}
