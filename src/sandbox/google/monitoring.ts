/**
 * A simulated Cloud Monitoring (REST, `v3`) for one project, good enough for the real `googleapis`
 * client: `projects.timeSeries.list` (filter, interval, alignment, cross-series reduction, group-by,
 * paging, views) over Compute Engine instances whose utilization the tests script, and
 * `projects.timeSeries.create` for the custom metrics a box writes about its notebook.
 *
 * Data comes from three places, per (instance, metric): series written by `timeSeries.create`, series
 * set with `setSeries`, and otherwise a sampler function asked once per sample time. Instances (their
 * name, zone and user labels, so `metadata.user_labels` filters work) come from `setInstance` and from
 * an optional `instances` source, such as the Compute sandbox.
 *
 * Choices where Monitoring's behaviour is not pinned down by its reference (documented where they live):
 * - Read intervals are half-open, (startTime, endTime], as the reference says; startTime defaults to
 *   endTime. Samplers are asked every `sampleEveryMs` (60 s, as the Ops Agent and Compute write) on
 *   multiples of it, never after the sandbox's now.
 * - Alignment periods end at endTime, endTime - period, ... while they end after startTime; a period
 *   with no points has no aligned point. Aligned and raw GAUGE points carry startTime == endTime.
 * - Pages: in FULL view `pageSize` counts points (the reference says so) and a page holds whole series,
 *   at least one; in HEADERS view it counts series. Default and ceiling: 100,000. Page tokens are bound
 *   to the query they came from.
 * - Output series are sorted by their labels; points newest first, as the reference says.
 * - Aligners ALIGN_NONE/MEAN/MAX/MIN/SUM/COUNT and reducers REDUCE_NONE/MEAN/MAX/MIN/SUM/COUNT are
 *   simulated; the other valid ones answer 501, unknown ones 400 as Monitoring does.
 * - Filters: comparisons (`=`, `!=`, `:`) on metric.type, metric.label(s).K, resource.type,
 *   resource.label(s).K, metadata.user_labels.K, metadata.system_labels.K and project, with
 *   starts_with / ends_with / has_substring / one_of / monitoring.regex.full_match, combined with AND
 *   (or juxtaposition), OR, NOT and parentheses. Exactly one `metric.type = "..."` must be among the
 *   top-level conjuncts, else 400 INVALID_ARGUMENT, as the real API refuses a filter without a single
 *   metric type.
 * - Requests without a bearer token get 401; unknown query parameters get 400, as Google's front end
 *   refuses them.
 */
import { createHash } from 'node:crypto';
import { googleError, type SandboxHandler, type SandboxRequest, type SandboxResponse } from './server.js';

export const GPU_UTILIZATION_METRIC = 'agent.googleapis.com/gpu/utilization';
export const CPU_UTILIZATION_METRIC = 'compute.googleapis.com/instance/cpu/utilization';
/**
 * The custom metrics a box's notebook reporter writes (a wire contract between the box's script and
 * whoever reads Monitoring). The sandbox names them itself; a test checks they match the bot's.
 */
export const BUSY_KERNELS_METRIC = 'custom.googleapis.com/gpubot/notebook/busy_kernels';
export const NOTEBOOK_IDLE_SECONDS_METRIC = 'custom.googleapis.com/gpubot/notebook/idle_seconds';

export type MetricKind = 'GAUGE' | 'DELTA' | 'CUMULATIVE';
export type ValueType = 'DOUBLE' | 'INT64';

export interface MetricDescriptor {
  kind: MetricKind;
  valueType: ValueType;
  unit: string;
}

/** The metrics the bot reads, as Monitoring describes them: GPU in percent (0-100), CPU as a fraction (0-1). */
export const KNOWN_METRICS: Readonly<Record<string, MetricDescriptor>> = Object.freeze({
  [GPU_UTILIZATION_METRIC]: { kind: 'GAUGE', valueType: 'DOUBLE', unit: '%' },
  [CPU_UTILIZATION_METRIC]: { kind: 'GAUGE', valueType: 'DOUBLE', unit: '10^2.%' },
  [BUSY_KERNELS_METRIC]: { kind: 'GAUGE', valueType: 'INT64', unit: '1' },
  [NOTEBOOK_IDLE_SECONDS_METRIC]: { kind: 'GAUGE', valueType: 'DOUBLE', unit: 's' },
});

const DEFAULT_DESCRIPTOR: MetricDescriptor = { kind: 'GAUGE', valueType: 'DOUBLE', unit: '' };

export type MonitoringMethod = 'timeSeries.list' | 'timeSeries.create';

export interface MonitoringCall {
  method: MonitoringMethod;
  query: URLSearchParams;
  body: unknown;
  /** Sandbox clock when the call arrived. */
  at: number;
}

/** A Compute Engine instance as Monitoring's metadata knows it. */
export interface MonitoredInstance {
  id: string;
  name: string;
  zone: string;
  /** User labels, e.g. `managed-by: gpubot`. */
  labels: Readonly<Record<string, string>>;
}

export interface ScriptedPoint {
  at: number;
  value: number;
}

/** Asked for one value of one metric of one instance at one sample time; null: no data then. */
export type Sampler = (instanceId: string, metricType: string, atMs: number) => number | null;

export interface MonitoringSandboxOptions {
  project: string;
  now?: () => number;
  /** Instances known elsewhere (the Compute sandbox), read at every request. */
  instances?: () => Iterable<MonitoredInstance>;
  sampler?: Sampler;
  /** Time between sampled points; default 60 s. */
  sampleEveryMs?: number;
}

interface StoredSeries {
  metricType: string;
  instanceId: string;
  zone: string | null;
  metricLabels: Record<string, string>;
  /** Oldest first. */
  points: ScriptedPoint[];
}

/** One input series as filters and group-by see it. */
interface SeriesView {
  metricType: string;
  metricLabels: Record<string, string>;
  resourceType: string;
  resourceLabels: Record<string, string>;
  userLabels: Record<string, string>;
  systemLabels: Record<string, string>;
  points: ScriptedPoint[];
}

interface OutputPoint {
  at: number;
  value: number;
}

interface OutputSeries {
  metricType: string;
  metricLabels: Record<string, string>;
  resourceType: string;
  resourceLabels: Record<string, string>;
  userLabels: Record<string, string> | null;
  systemLabels: Record<string, string> | null;
  valueType: ValueType;
  /** Newest first. */
  points: OutputPoint[];
}

const ALIGNERS = [
  'ALIGN_NONE', 'ALIGN_DELTA', 'ALIGN_RATE', 'ALIGN_INTERPOLATE', 'ALIGN_NEXT_OLDER', 'ALIGN_MIN', 'ALIGN_MAX', 'ALIGN_MEAN',
  'ALIGN_COUNT', 'ALIGN_SUM', 'ALIGN_STDDEV', 'ALIGN_COUNT_TRUE', 'ALIGN_COUNT_FALSE', 'ALIGN_FRACTION_TRUE', 'ALIGN_PERCENTILE_99',
  'ALIGN_PERCENTILE_95', 'ALIGN_PERCENTILE_50', 'ALIGN_PERCENTILE_05', 'ALIGN_PERCENT_CHANGE',
] as const;
const REDUCERS = [
  'REDUCE_NONE', 'REDUCE_MEAN', 'REDUCE_MIN', 'REDUCE_MAX', 'REDUCE_SUM', 'REDUCE_STDDEV', 'REDUCE_COUNT', 'REDUCE_COUNT_TRUE',
  'REDUCE_COUNT_FALSE', 'REDUCE_FRACTION_TRUE', 'REDUCE_PERCENTILE_99', 'REDUCE_PERCENTILE_95', 'REDUCE_PERCENTILE_50', 'REDUCE_PERCENTILE_05',
] as const;
type Aligner = 'ALIGN_NONE' | 'ALIGN_MEAN' | 'ALIGN_MAX' | 'ALIGN_MIN' | 'ALIGN_SUM' | 'ALIGN_COUNT';
type Reducer = 'REDUCE_NONE' | 'REDUCE_MEAN' | 'REDUCE_MAX' | 'REDUCE_MIN' | 'REDUCE_SUM' | 'REDUCE_COUNT';
const SIMULATED_ALIGNERS: readonly string[] = ['ALIGN_NONE', 'ALIGN_MEAN', 'ALIGN_MAX', 'ALIGN_MIN', 'ALIGN_SUM', 'ALIGN_COUNT'];
const SIMULATED_REDUCERS: readonly string[] = ['REDUCE_NONE', 'REDUCE_MEAN', 'REDUCE_MAX', 'REDUCE_MIN', 'REDUCE_SUM', 'REDUCE_COUNT'];

const LIST_PARAMETERS = new Set([
  'aggregation.alignmentPeriod', 'aggregation.crossSeriesReducer', 'aggregation.groupByFields', 'aggregation.perSeriesAligner',
  'filter', 'interval.endTime', 'interval.startTime', 'orderBy', 'pageSize', 'pageToken',
  'secondaryAggregation.alignmentPeriod', 'secondaryAggregation.crossSeriesReducer', 'secondaryAggregation.groupByFields',
  'secondaryAggregation.perSeriesAligner', 'view',
]);
// Parameters every Google API takes (the discovery document's top-level `parameters`).
const STANDARD_PARAMETERS = new Set(['$.xgafv', 'access_token', 'alt', 'callback', 'fields', 'key', 'oauth_token', 'prettyPrint', 'quotaUser', 'uploadType', 'upload_protocol']);

const MAX_PAGE_SIZE = 100_000;
const MIN_ALIGNMENT_MS = 60_000;
const MAX_SERIES_PER_WRITE = 200;
const WRITE_PAST_LIMIT_MS = 25 * 3600_000;
const WRITE_FUTURE_LIMIT_MS = 5 * 60_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^(\d+)(\.\d{1,9})?s$/;
const USER_METRIC_PREFIXES = ['custom.googleapis.com/', 'external.googleapis.com/', 'workload.googleapis.com/'];
const GCE_INSTANCE_LABELS = ['instance_id', 'project_id', 'zone'];

class BadRequest extends Error {
  constructor(readonly response: SandboxResponse) {
    super('bad request');
  }
}

function invalid(message: string): never {
  throw new BadRequest(googleError(400, 'INVALID_ARGUMENT', message));
}

function unimplemented(message: string): never {
  throw new BadRequest(googleError(501, 'UNIMPLEMENTED', message));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) invalid('labels must be a map of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') invalid(`label ${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

function parseTime(field: string, text: string): number {
  const ms = Date.parse(text);
  if (!RFC3339.test(text) || Number.isNaN(ms)) invalid(`Invalid value at '${field}' (type.googleapis.com/google.protobuf.Timestamp), Field '${field}', Invalid time format: ${text}`);
  return ms;
}

function seriesKey(metricType: string, instanceId: string, labels: Record<string, string>): string {
  return JSON.stringify([metricType, instanceId, Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))]);
}

// ---------------------------------------------------------------- filters

type Matcher = (actual: string | undefined) => boolean;
type FilterNode =
  | { kind: 'cmp'; field: string[]; op: '=' | '!=' | ':'; test: Matcher; literal: string | null }
  | { kind: 'and' | 'or'; parts: FilterNode[] }
  | { kind: 'not'; inner: FilterNode };

class FilterParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): FilterNode {
    const node = this.or();
    this.space();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.text.slice(this.pos)}'`);
    return node;
  }

  private fail(message: string): never {
    return invalid(`Field filter had an invalid value of "${this.text}": ${message}`);
  }

  private space(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private word(word: string): boolean {
    this.space();
    if (this.text.startsWith(word, this.pos) && !/[\w.]/.test(this.text[this.pos + word.length] ?? '')) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  private or(): FilterNode {
    const parts = [this.and()];
    while (this.word('OR')) parts.push(this.and());
    return parts.length === 1 && parts[0] ? parts[0] : { kind: 'or', parts };
  }

  private and(): FilterNode {
    const parts = [this.unary()];
    for (;;) {
      if (this.word('AND')) {
        parts.push(this.unary());
        continue;
      }
      this.space();
      const next = this.text[this.pos];
      // Juxtaposition is an implicit AND, as in Monitoring's filter language.
      if (next !== undefined && next !== ')' && !this.peekWord('OR')) {
        parts.push(this.unary());
        continue;
      }
      break;
    }
    return parts.length === 1 && parts[0] ? parts[0] : { kind: 'and', parts };
  }

  private peekWord(word: string): boolean {
    const at = this.pos;
    const found = this.word(word);
    this.pos = at;
    return found;
  }

  private unary(): FilterNode {
    if (this.word('NOT')) return { kind: 'not', inner: this.unary() };
    this.space();
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.or();
      this.space();
      if (this.text[this.pos] !== ')') this.fail('missing )');
      this.pos++;
      return inner;
    }
    return this.comparison();
  }

  private quoted(): string {
    const quote = this.text[this.pos];
    let out = '';
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === '\\') this.pos++;
      out += this.text[this.pos] ?? '';
      this.pos++;
    }
    if (this.text[this.pos] !== quote) this.fail('unterminated string');
    this.pos++;
    return out;
  }

  private field(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.space();
      const c = this.text[this.pos];
      if (c === '"' || c === "'") parts.push(this.quoted());
      else {
        const m = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.pos));
        if (!m) this.fail(`expected a field name at '${this.text.slice(this.pos)}'`);
        parts.push(m[0]);
        this.pos += m[0].length;
      }
      if (this.text[this.pos] !== '.') return parts;
      this.pos++;
    }
  }

  private comparison(): FilterNode {
    const field = this.field();
    if (!knownField(field)) invalid(`The filter field '${field.join('.')}' is not supported.`);
    this.space();
    const op = this.text.startsWith('!=', this.pos) ? '!=' : this.text[this.pos] === '=' ? '=' : this.text[this.pos] === ':' ? ':' : null;
    if (op === null) this.fail(`expected =, != or : after ${field.join('.')}`);
    this.pos += op.length;
    this.space();
    const c = this.text[this.pos];
    if (c === '"' || c === "'") {
      const literal = this.quoted();
      return { kind: 'cmp', field, op, literal, test: op === ':' ? (a) => a !== undefined && a.includes(literal) : (a) => a === literal };
    }
    const m = /^[\w.-]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected a value after ${field.join('.')} ${op}`);
    this.pos += m[0].length;
    this.space();
    if (this.text[this.pos] !== '(') {
      const literal = m[0];
      return { kind: 'cmp', field, op, literal, test: op === ':' ? (a) => a !== undefined && a.includes(literal) : (a) => a === literal };
    }
    this.pos++;
    const args: string[] = [];
    for (;;) {
      this.space();
      if (this.text[this.pos] === ')') break;
      const q = this.text[this.pos];
      if (q !== '"' && q !== "'") this.fail(`${m[0]} takes quoted strings`);
      args.push(this.quoted());
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
    }
    this.pos++;
    return { kind: 'cmp', field, op, literal: null, test: this.function(m[0], args) };
  }

  private function(name: string, args: string[]): Matcher {
    const [first = ''] = args;
    switch (name) {
      case 'starts_with':
        return (a) => a !== undefined && a.startsWith(first);
      case 'ends_with':
        return (a) => a !== undefined && a.endsWith(first);
      case 'has_substring':
        return (a) => a !== undefined && a.includes(first);
      case 'one_of':
        return (a) => a !== undefined && args.includes(a);
      case 'monitoring.regex.full_match': {
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${first})$`);
        } catch {
          return this.fail(`invalid regular expression ${first}`);
        }
        return (a) => a !== undefined && re.test(a);
      }
      default:
        return this.fail(`unknown function ${name}`);
    }
  }
}

function knownField(field: string[]): boolean {
  const [head, second, ...rest] = field;
  if (head === 'project') return second === undefined;
  if (head === 'metric' || head === 'resource') return (second === 'type' && rest.length === 0) || ((second === 'label' || second === 'labels') && rest.length > 0);
  return head === 'metadata' && (second === 'user_labels' || second === 'system_labels') && rest.length > 0;
}

function fieldValue(view: SeriesView, field: string[], project: string): string | undefined {
  const [head, second, ...rest] = field;
  const key = rest.join('.');
  if (head === 'project' && second === undefined) return project;
  if (head === 'metric' && second === 'type' && rest.length === 0) return view.metricType;
  if (head === 'metric' && (second === 'label' || second === 'labels') && key !== '') return view.metricLabels[key];
  if (head === 'resource' && second === 'type' && rest.length === 0) return view.resourceType;
  if (head === 'resource' && (second === 'label' || second === 'labels') && key !== '') return view.resourceLabels[key];
  if (head === 'metadata' && second === 'user_labels' && key !== '') return view.userLabels[key];
  if (head === 'metadata' && second === 'system_labels' && key !== '') return view.systemLabels[key];
  return invalid(`The filter field '${field.join('.')}' is not supported.`);
}

function matches(node: FilterNode, view: SeriesView, project: string): boolean {
  switch (node.kind) {
    case 'cmp': {
      const hit = node.test(fieldValue(view, node.field, project));
      return node.op === '!=' ? !hit : hit;
    }
    case 'and':
      return node.parts.every((p) => matches(p, view, project));
    case 'or':
      return node.parts.some((p) => matches(p, view, project));
    case 'not':
      return !matches(node.inner, view, project);
  }
}

function isMetricType(node: FilterNode): boolean {
  return node.kind === 'cmp' && node.field.length === 2 && node.field[0] === 'metric' && node.field[1] === 'type';
}

function countMetricTypes(node: FilterNode): number {
  if (node.kind === 'cmp') return isMetricType(node) ? 1 : 0;
  if (node.kind === 'not') return countMetricTypes(node.inner);
  return node.parts.reduce((n, p) => n + countMetricTypes(p), 0);
}

/** The single metric type a list filter must name among its top-level conjuncts. */
function compileFilter(text: string): { node: FilterNode; metricType: string } {
  if (text.trim() === '') invalid('Field filter had an invalid value of "": A filter must specify a metric type: metric.type = "...".');
  const node = new FilterParser(text).parse();
  const conjuncts = node.kind === 'and' ? node.parts : [node];
  const direct = conjuncts.filter((c) => isMetricType(c));
  const first = direct[0];
  if (countMetricTypes(node) !== 1 || direct.length !== 1 || first?.kind !== 'cmp' || first.op !== '=' || first.literal === null) {
    invalid(`Field filter had an invalid value of "${text}": The filter must specify exactly one metric type, as metric.type = "...", combined with the rest by AND.`);
  }
  return { node, metricType: first.literal };
}

// ---------------------------------------------------------------- aggregation

function aggregate(values: number[], how: 'MEAN' | 'MAX' | 'MIN' | 'SUM' | 'COUNT'): number {
  switch (how) {
    case 'MEAN':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'MAX':
      return Math.max(...values);
    case 'MIN':
      return Math.min(...values);
    case 'SUM':
      return values.reduce((a, b) => a + b, 0);
    case 'COUNT':
      return values.length;
  }
}

function outputType(input: ValueType, how: 'MEAN' | 'MAX' | 'MIN' | 'SUM' | 'COUNT' | 'NONE'): ValueType {
  if (how === 'MEAN') return 'DOUBLE';
  if (how === 'COUNT') return 'INT64';
  return input;
}

function typedValue(valueType: ValueType, value: number): { doubleValue: number } | { int64Value: string } {
  return valueType === 'INT64' ? { int64Value: String(Math.round(value)) } : { doubleValue: value };
}

interface GroupField {
  place: 'metric' | 'resource' | 'user' | 'system' | 'resource.type';
  key: string;
}

/** `resource.label.instance_id`, `resource.labels.instance_id`, `metric.label.gpu_number`, `metadata.user_labels."managed-by"`, ... */
function parseGroupField(field: string): GroupField {
  if (field === 'resource.type') return { place: 'resource.type', key: '' };
  const m = /^(metric|resource)\.labels?\.(.+)$/.exec(field) ?? /^metadata\.(user|system)_labels\.(.+)$/.exec(field);
  const kind = m?.[1];
  const key = (m?.[2] ?? '').replace(/^"(.*)"$/, '$1');
  if (kind === undefined || key === '') {
    return invalid(`Field aggregation.groupByFields had an invalid value of "${field}": not a label of the metric, the resource or its metadata.`);
  }
  return { place: kind === 'user' || kind === 'system' || kind === 'metric' ? kind : 'resource', key };
}

function groupValue(view: SeriesView, field: GroupField): string | undefined {
  switch (field.place) {
    case 'resource.type':
      return view.resourceType;
    case 'metric':
      return view.metricLabels[field.key];
    case 'resource':
      return view.resourceLabels[field.key];
    case 'user':
      return view.userLabels[field.key];
    case 'system':
      return view.systemLabels[field.key];
  }
}

interface ListQuery {
  filter: string;
  metricType: string;
  node: FilterNode;
  startMs: number;
  endMs: number;
  aligner: Aligner;
  periodMs: number | null;
  reducer: Reducer;
  groupBy: GroupField[];
  view: 'FULL' | 'HEADERS';
  pageSize: number;
  offset: number;
  fingerprint: string;
}

// ---------------------------------------------------------------- the handler

export class MonitoringSandbox implements SandboxHandler {
  readonly project: string;
  /** Every API call that reached a known route, in order; refused and injected-failure calls included. */
  readonly calls: MonitoringCall[] = [];

  private readonly now: () => number;
  private readonly source: (() => Iterable<MonitoredInstance>) | null;
  private readonly known = new Map<string, MonitoredInstance>();
  private readonly stored = new Map<string, StoredSeries>();
  private readonly descriptors = new Map<string, MetricDescriptor>(Object.entries(KNOWN_METRICS));
  private readonly failures = new Map<MonitoringMethod, SandboxResponse[]>();
  private sampler: Sampler | null;
  private sampleEveryMs: number;

  constructor(options: MonitoringSandboxOptions) {
    this.project = options.project;
    this.now = options.now ?? Date.now;
    this.source = options.instances ?? null;
    this.sampler = options.sampler ?? null;
    this.sampleEveryMs = options.sampleEveryMs ?? 60_000;
  }

  // ---------------------------------------------------------------- control surface

  /** Makes an instance known to Monitoring's metadata (name, zone, user labels). */
  setInstance(id: string, instance: { name: string; zone: string; labels?: Readonly<Record<string, string>> }): void {
    this.known.set(id, { id, name: instance.name, zone: instance.zone, labels: { ...instance.labels } });
  }

  removeInstance(id: string): void {
    this.known.delete(id);
  }

  /**
   * Sets (replaces) one series of `metricType` for an instance; the sampler is not asked for that
   * instance and metric any more. `labels` are the metric's labels (a GPU series: `gpu_number`, ...).
   */
  setSeries(instanceId: string, metricType: string, points: readonly ScriptedPoint[], labels: Readonly<Record<string, string>> = {}): void {
    const metricLabels = { ...labels };
    this.stored.set(seriesKey(metricType, instanceId, metricLabels), {
      metricType,
      instanceId,
      zone: null,
      metricLabels,
      points: [...points].sort((a, b) => a.at - b.at),
    });
  }

  /** Removes every scripted or written series of an instance (all metrics, or one). */
  clearSeries(instanceId: string, metricType?: string): void {
    for (const [key, s] of this.stored) {
      if (s.instanceId === instanceId && (metricType === undefined || s.metricType === metricType)) this.stored.delete(key);
    }
  }

  /** Replaces the sampler asked for instances and metrics without scripted series. */
  setSampler(sampler: Sampler | null, everyMs = this.sampleEveryMs): void {
    this.sampler = sampler;
    this.sampleEveryMs = everyMs;
  }

  /** The next `times` calls of `method` fail with `response` (build it with `googleError`). Still logged. */
  failNext(method: MonitoringMethod, response: SandboxResponse, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(response);
    this.failures.set(method, queue);
  }

  /** How many calls the log holds, of one method or all. */
  count(method?: MonitoringMethod): number {
    return method === undefined ? this.calls.length : this.calls.filter((c) => c.method === method).length;
  }

  /** Points written for a series through `timeSeries.create`, or scripted, oldest first. */
  points(instanceId: string, metricType: string, labels: Readonly<Record<string, string>> = {}): ScriptedPoint[] {
    return [...(this.stored.get(seriesKey(metricType, instanceId, { ...labels }))?.points ?? [])];
  }

  // ---------------------------------------------------------------- HTTP surface

  handle(req: SandboxRequest): SandboxResponse | null {
    const match = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(req.path);
    const project = match?.[1];
    if (project === undefined) return null;
    const method: MonitoringMethod | null = req.method === 'GET' ? 'timeSeries.list' : req.method === 'POST' ? 'timeSeries.create' : null;
    if (method === null) return null;
    this.calls.push({ method, query: new URLSearchParams(req.query), body: req.body, at: this.now() });
    const injected = this.failures.get(method)?.shift();
    if (injected) return injected;
    if (!/^Bearer \S+/.test(String(req.headers.authorization ?? ''))) {
      return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    if (project !== this.project) {
      const permission = method === 'timeSeries.list' ? 'monitoring.timeSeries.list' : 'monitoring.timeSeries.create';
      return googleError(403, 'PERMISSION_DENIED', `Permission ${permission} denied (or the resource may not exist).`);
    }
    try {
      return method === 'timeSeries.list' ? this.list(req.query) : this.create(req.body);
    } catch (error) {
      if (error instanceof BadRequest) return error.response;
      throw error;
    }
  }

  // ---------------------------------------------------------------- timeSeries.list

  private parseList(query: URLSearchParams): ListQuery {
    for (const key of new Set(query.keys())) {
      if (!LIST_PARAMETERS.has(key) && !STANDARD_PARAMETERS.has(key)) invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot bind query parameter. Field '${key}' could not be found in request message.`);
      if (key !== 'aggregation.groupByFields' && key !== 'secondaryAggregation.groupByFields' && query.getAll(key).length > 1) {
        invalid(`Invalid JSON payload received. Repeated values for field '${key}' that is not repeated.`);
      }
    }
    for (const key of query.keys()) {
      if (key.startsWith('secondaryAggregation.')) unimplemented('The sandbox does not simulate secondaryAggregation.');
    }
    if ((query.get('orderBy') ?? '') !== '') invalid('Field orderBy is not supported and must be left blank.');

    const filter = query.get('filter') ?? '';
    const { node, metricType } = compileFilter(filter);

    const endText = query.get('interval.endTime');
    if (endText === null) invalid('Field interval.endTime had an invalid value of "": The end time must be specified.');
    const endMs = parseTime('interval.end_time', endText);
    const startText = query.get('interval.startTime');
    const startMs = startText === null ? endMs : parseTime('interval.start_time', startText);
    if (startMs > endMs) invalid(`Field interval.start_time had an invalid value of "${startText ?? ''}": The start time must be before the end time (${endText}) or equal to it.`);

    const alignerText = query.get('aggregation.perSeriesAligner') ?? 'ALIGN_NONE';
    if (!(ALIGNERS as readonly string[]).includes(alignerText)) {
      invalid(`Invalid value at 'aggregation.per_series_aligner' (type.googleapis.com/google.monitoring.v3.Aggregation.Aligner), "${alignerText}"`);
    }
    if (!SIMULATED_ALIGNERS.includes(alignerText)) unimplemented(`The sandbox does not simulate ${alignerText}.`);
    const aligner = alignerText as Aligner;
    const reducerText = query.get('aggregation.crossSeriesReducer') ?? 'REDUCE_NONE';
    if (!(REDUCERS as readonly string[]).includes(reducerText)) {
      invalid(`Invalid value at 'aggregation.cross_series_reducer' (type.googleapis.com/google.monitoring.v3.Aggregation.Reducer), "${reducerText}"`);
    }
    if (!SIMULATED_REDUCERS.includes(reducerText)) unimplemented(`The sandbox does not simulate ${reducerText}.`);
    const reducer = reducerText as Reducer;

    const periodText = query.get('aggregation.alignmentPeriod');
    let periodMs: number | null = null;
    if (periodText !== null) {
      const m = DURATION.exec(periodText);
      if (!m) invalid(`Invalid value at 'aggregation.alignment_period' (type.googleapis.com/google.protobuf.Duration), Field 'alignmentPeriod', Illegal duration format; duration must end with 's': ${periodText}`);
      periodMs = Math.round(Number(`${m[1] ?? '0'}${m[2] ?? ''}`) * 1000);
    }
    if (aligner !== 'ALIGN_NONE') {
      if (periodMs === null) invalid(`Field aggregation.alignmentPeriod had an invalid value of "": An alignment period is required with the per-series aligner ${aligner}.`);
      if (periodMs < MIN_ALIGNMENT_MS) invalid(`Field aggregation.alignmentPeriod had an invalid value of "${periodText ?? ''}": The alignment period must be at least 60 seconds.`);
    }
    if (reducer !== 'REDUCE_NONE' && aligner === 'ALIGN_NONE') {
      invalid(`Field aggregation.perSeriesAligner had an invalid value of "ALIGN_NONE": The cross-series reducer ${reducer} needs a per-series aligner other than ALIGN_NONE.`);
    }
    const groupBy = query.getAll('aggregation.groupByFields').map(parseGroupField);

    const viewText = query.get('view') ?? 'FULL';
    if (viewText !== 'FULL' && viewText !== 'HEADERS') {
      invalid(`Invalid value at 'view' (type.googleapis.com/google.monitoring.v3.ListTimeSeriesRequest.TimeSeriesView), "${viewText}"`);
    }
    const sizeText = query.get('pageSize');
    const requested = sizeText === null ? 0 : Number(sizeText);
    if (!Number.isInteger(requested) || requested < 0) invalid(`Invalid value at 'page_size' (TYPE_INT32), "${sizeText ?? ''}"`);
    const pageSize = requested === 0 || requested > MAX_PAGE_SIZE ? MAX_PAGE_SIZE : requested;

    const fingerprint = createHash('sha256')
      .update(JSON.stringify([filter, startMs, endMs, aligner, periodMs, reducer, groupBy, viewText]))
      .digest('hex')
      .slice(0, 16);
    const offset = this.decodeToken(query.get('pageToken') ?? '', fingerprint);
    return {
      filter,
      metricType,
      node,
      startMs,
      endMs,
      aligner,
      periodMs: aligner === 'ALIGN_NONE' ? null : periodMs,
      reducer: aligner === 'ALIGN_NONE' ? 'REDUCE_NONE' : reducer,
      groupBy,
      view: viewText,
      pageSize,
      offset,
      fingerprint,
    };
  }

  private decodeToken(token: string, fingerprint: string): number {
    if (token === '') return 0;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      if (isRecord(parsed) && parsed.q === fingerprint && typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o > 0) return parsed.o;
    } catch {
      // falls through to the refusal below
    }
    return invalid(`Field page_token had an invalid value of "${token}": The page token is not valid for this request.`);
  }

  private instances(): Map<string, MonitoredInstance> {
    const all = new Map<string, MonitoredInstance>();
    if (this.source) for (const i of this.source()) all.set(i.id, i);
    for (const [id, i] of this.known) all.set(id, i);
    return all;
  }

  /** Every input series of one metric with its points in (start, end]. */
  private inputSeries(metricType: string, startMs: number, endMs: number): SeriesView[] {
    const instances = this.instances();
    const views: SeriesView[] = [];
    const scripted = new Set<string>();
    const inInterval = (at: number) => (startMs === endMs ? at === endMs : at > startMs && at <= endMs);
    const view = (instanceId: string, zone: string | null, metricLabels: Record<string, string>, points: ScriptedPoint[]): SeriesView => {
      const instance = instances.get(instanceId);
      return {
        metricType,
        metricLabels,
        resourceType: 'gce_instance',
        resourceLabels: { project_id: this.project, instance_id: instanceId, zone: instance?.zone ?? zone ?? 'us-central1-a' },
        userLabels: { ...instance?.labels },
        systemLabels: instance ? { name: instance.name } : {},
        points,
      };
    };
    for (const s of this.stored.values()) {
      if (s.metricType !== metricType) continue;
      scripted.add(s.instanceId);
      views.push(view(s.instanceId, s.zone, s.metricLabels, s.points.filter((p) => inInterval(p.at))));
    }
    const sampler = this.sampler;
    if (sampler) {
      const every = this.sampleEveryMs;
      const last = Math.min(endMs, this.now());
      const first = Math.floor(startMs / every) * every + (startMs === endMs ? 0 : every);
      for (const instance of instances.values()) {
        if (scripted.has(instance.id)) continue;
        const points: ScriptedPoint[] = [];
        for (let at = first; at <= last; at += every) {
          if (!inInterval(at)) continue;
          const value = sampler(instance.id, metricType, at);
          if (value !== null) points.push({ at, value });
        }
        if (points.length > 0) views.push(view(instance.id, instance.zone, this.sampledLabels(instance, metricType), points));
      }
    }
    return views;
  }

  private sampledLabels(instance: MonitoredInstance, metricType: string): Record<string, string> {
    if (metricType === GPU_UTILIZATION_METRIC) {
      const uuid = createHash('sha256').update(instance.id).digest('hex');
      return { gpu_number: '0', model: 'NVIDIA L4', uuid: `GPU-${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20, 32)}` };
    }
    if (metricType === CPU_UTILIZATION_METRIC) return { instance_name: instance.name };
    return {};
  }

  private list(params: URLSearchParams): SandboxResponse {
    const q = this.parseList(params);
    const descriptor = this.descriptors.get(q.metricType) ?? DEFAULT_DESCRIPTOR;
    const selected = this.inputSeries(q.metricType, q.startMs, q.endMs).filter((v) => matches(q.node, v, this.project));
    const output = this.shape(selected, q, descriptor).filter((s) => s.points.length > 0);
    output.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));

    const page: OutputSeries[] = [];
    let used = 0;
    let next = q.offset;
    while (next < output.length) {
      const s = output[next];
      if (s === undefined) break;
      const cost = q.view === 'FULL' ? s.points.length : 1;
      if (page.length > 0 && used + cost > q.pageSize) break;
      page.push(s);
      used += cost;
      next++;
    }
    const body: Record<string, unknown> = {};
    if (page.length > 0) body.timeSeries = page.map((s) => this.render(s, q.view, descriptor));
    const keepsUnit = q.aligner !== 'ALIGN_COUNT' && q.reducer !== 'REDUCE_COUNT';
    if (page.length > 0 && keepsUnit && descriptor.unit !== '') body.unit = descriptor.unit;
    if (next < output.length) body.nextPageToken = Buffer.from(JSON.stringify({ o: next, q: q.fingerprint })).toString('base64url');
    return { status: 200, body };
  }

  private shape(series: SeriesView[], q: ListQuery, descriptor: MetricDescriptor): OutputSeries[] {
    const raw = (s: SeriesView): OutputSeries => ({
      metricType: s.metricType,
      metricLabels: s.metricLabels,
      resourceType: s.resourceType,
      resourceLabels: s.resourceLabels,
      userLabels: null,
      systemLabels: null,
      valueType: descriptor.valueType,
      points: [...s.points].sort((a, b) => b.at - a.at),
    });
    if (q.aligner === 'ALIGN_NONE' || q.periodMs === null) return series.map(raw);

    const period = q.periodMs;
    const how = q.aligner.slice('ALIGN_'.length) as 'MEAN' | 'MAX' | 'MIN' | 'SUM' | 'COUNT';
    const alignedType = outputType(descriptor.valueType, how);
    const aligned = series.map((s): OutputSeries => {
      const buckets = new Map<number, number[]>();
      for (const p of s.points) {
        // The period (end - (k+1)P, end - kP] that holds the point.
        const k = Math.floor((q.endMs - p.at) / period);
        const end = q.endMs - k * period;
        const bucket = buckets.get(end) ?? [];
        bucket.push(p.value);
        buckets.set(end, bucket);
      }
      const points = [...buckets.entries()].map(([at, values]) => ({ at, value: aggregate(values, how) })).sort((a, b) => b.at - a.at);
      return { ...raw(s), valueType: alignedType, points };
    });
    if (q.reducer === 'REDUCE_NONE') return aligned;

    const reduceHow = q.reducer.slice('REDUCE_'.length) as 'MEAN' | 'MAX' | 'MIN' | 'SUM' | 'COUNT';
    const groups = new Map<string, { template: OutputSeries; members: OutputSeries[] }>();
    series.forEach((input, i) => {
      const member = aligned[i];
      if (member === undefined) return;
      const kept = q.groupBy.map((field) => ({ ...field, value: groupValue(input, field) }));
      const template: OutputSeries = {
        metricType: input.metricType,
        metricLabels: {},
        resourceType: input.resourceType,
        resourceLabels: {},
        userLabels: null,
        systemLabels: null,
        valueType: outputType(alignedType, reduceHow),
        points: [],
      };
      for (const g of kept) {
        // resource.type is kept anyway: series of different resource types are never reduced together.
        if (g.value === undefined || g.place === 'resource.type') continue;
        if (g.place === 'metric') template.metricLabels[g.key] = g.value;
        else if (g.place === 'resource') template.resourceLabels[g.key] = g.value;
        else if (g.place === 'user') template.userLabels = { ...template.userLabels, [g.key]: g.value };
        else template.systemLabels = { ...template.systemLabels, [g.key]: g.value };
      }
      const key = JSON.stringify([input.resourceType, kept.map((g) => [g.place, g.key, g.value ?? null])]);
      const group = groups.get(key) ?? { template, members: [] };
      group.members.push(member);
      groups.set(key, group);
    });
    return [...groups.values()].map(({ template, members }) => {
      const byEnd = new Map<number, number[]>();
      for (const m of members) for (const p of m.points) byEnd.set(p.at, [...(byEnd.get(p.at) ?? []), p.value]);
      const points = [...byEnd.entries()].map(([at, values]) => ({ at, value: aggregate(values, reduceHow) })).sort((a, b) => b.at - a.at);
      return { ...template, points };
    });
  }

  private render(s: OutputSeries, view: 'FULL' | 'HEADERS', descriptor: MetricDescriptor): Record<string, unknown> {
    const out: Record<string, unknown> = {
      metric: Object.keys(s.metricLabels).length > 0 ? { type: s.metricType, labels: s.metricLabels } : { type: s.metricType },
      resource: { type: s.resourceType, labels: s.resourceLabels },
      metricKind: descriptor.kind,
      valueType: s.valueType,
    };
    if (s.userLabels !== null || s.systemLabels !== null) {
      out.metadata = { ...(s.userLabels ? { userLabels: s.userLabels } : {}), ...(s.systemLabels ? { systemLabels: s.systemLabels } : {}) };
    }
    if (view === 'FULL') {
      out.points = s.points.map((p) => ({ interval: { startTime: rfc3339(p.at), endTime: rfc3339(p.at) }, value: typedValue(s.valueType, p.value) }));
    }
    return out;
  }

  // ---------------------------------------------------------------- timeSeries.create

  private create(body: unknown): SandboxResponse {
    if (!isRecord(body) || !Array.isArray(body.timeSeries) || body.timeSeries.length === 0) {
      invalid('Field timeSeries had an invalid value: At least one TimeSeries must be given.');
    }
    const list: unknown[] = body.timeSeries;
    if (list.length > MAX_SERIES_PER_WRITE) invalid(`Field timeSeries had an invalid value: At most ${MAX_SERIES_PER_WRITE} TimeSeries can be written in one request.`);
    for (const key of Object.keys(body)) if (key !== 'timeSeries') invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot find field.`);
    const now = this.now();
    const writes: { key: string; series: StoredSeries; point: ScriptedPoint; descriptor: MetricDescriptor }[] = [];
    list.forEach((item, i) => {
      const at = `timeSeries[${i}]`;
      if (!isRecord(item)) invalid(`Field ${at} had an invalid value: expected a TimeSeries.`);
      const metric = item.metric;
      if (!isRecord(metric) || typeof metric.type !== 'string' || metric.type === '') invalid(`Field ${at}.metric.type must be specified.`);
      const metricType = metric.type;
      if (!USER_METRIC_PREFIXES.some((p) => metricType.startsWith(p))) {
        invalid(`Field ${at}.metric.type had an invalid value of "${metricType}": only user-defined metric types (custom.googleapis.com/...) can be written.`);
      }
      const metricLabels = stringRecord(metric.labels);
      const resource = item.resource;
      if (!isRecord(resource) || resource.type !== 'gce_instance') invalid(`Field ${at}.resource.type had an invalid value: the sandbox accepts gce_instance resources.`);
      const resourceLabels = stringRecord(resource.labels);
      const labelNames = Object.keys(resourceLabels).sort();
      if (labelNames.join(',') !== GCE_INSTANCE_LABELS.join(',')) {
        invalid(`Field ${at}.resource.labels had an invalid value: gce_instance needs exactly the labels ${GCE_INSTANCE_LABELS.join(', ')}.`);
      }
      if (resourceLabels.project_id !== this.project) invalid(`Field ${at}.resource.labels.project_id had an invalid value of "${resourceLabels.project_id ?? ''}": not this project.`);
      const kind = item.metricKind ?? 'GAUGE';
      if (kind !== 'GAUGE') unimplemented(`The sandbox simulates GAUGE metrics only, not ${String(kind)}.`);
      const points = item.points;
      if (!Array.isArray(points) || points.length !== 1) invalid(`Field ${at}.points had an invalid value: Only one point can be written per TimeSeries per request.`);
      const point: unknown = points[0];
      if (!isRecord(point) || !isRecord(point.interval) || !isRecord(point.value)) invalid(`Field ${at}.points[0] needs an interval and a value.`);
      const endText = point.interval.endTime;
      if (typeof endText !== 'string') invalid(`Field ${at}.points[0].interval.endTime must be specified.`);
      const endMs = parseTime(`${at}.points[0].interval.end_time`, endText);
      const startText = point.interval.startTime;
      if (startText !== undefined && (typeof startText !== 'string' || parseTime(`${at}.points[0].interval.start_time`, startText) !== endMs)) {
        invalid(`Field ${at}.points[0].interval.start_time had an invalid value: for a GAUGE metric the start time must equal the end time.`);
      }
      if (endMs > now + WRITE_FUTURE_LIMIT_MS || endMs < now - WRITE_PAST_LIMIT_MS) {
        invalid(`Field ${at}.points[0].interval.end_time had an invalid value of "${endText}": Data points cannot be written more than 25h in the past or more than 5m in the future.`);
      }
      const { doubleValue, int64Value } = point.value;
      let valueType: ValueType;
      let value: number;
      if (typeof doubleValue === 'number' && int64Value === undefined) {
        valueType = 'DOUBLE';
        value = doubleValue;
      } else if ((typeof int64Value === 'string' && /^-?\d+$/.test(int64Value)) || (typeof int64Value === 'number' && Number.isInteger(int64Value))) {
        valueType = 'INT64';
        value = Number(int64Value);
      } else {
        return invalid(`Field ${at}.points[0].value had an invalid value: the sandbox accepts doubleValue or int64Value.`);
      }
      if (item.valueType !== undefined && item.valueType !== valueType) {
        invalid(`Field ${at}.valueType had an invalid value of "${String(item.valueType)}": the point holds a ${valueType} value.`);
      }
      const existing = this.descriptors.get(metricType) ?? writes.find((w) => w.series.metricType === metricType)?.descriptor;
      if (existing && existing.valueType !== valueType) {
        invalid(`Field ${at}.points[0].value had an invalid value: Value type for metric ${metricType} must be ${existing.valueType}, but is ${valueType}.`);
      }
      const instanceId = resourceLabels.instance_id ?? '';
      const key = seriesKey(metricType, instanceId, metricLabels);
      if (writes.some((w) => w.key === key)) {
        invalid(`Field ${at} had an invalid value: Duplicate TimeSeries encountered. Only one point can be written per TimeSeries per request.`);
      }
      const latest = this.stored.get(key)?.points.at(-1);
      if (latest !== undefined && endMs <= latest.at) {
        invalid(`Field ${at}.points[0].interval.end_time had an invalid value: Points must be written in order. One or more of the points specified had an older start time than the most recent point.`);
      }
      writes.push({
        key,
        series: { metricType, instanceId, zone: resourceLabels.zone ?? null, metricLabels, points: [] },
        point: { at: endMs, value },
        descriptor: existing ?? { kind: 'GAUGE', valueType, unit: '' },
      });
    });
    // All or nothing: a request with one bad series writes none.
    for (const w of writes) {
      const series = this.stored.get(w.key) ?? w.series;
      series.points.push(w.point);
      this.stored.set(w.key, series);
      if (!this.descriptors.has(w.series.metricType)) this.descriptors.set(w.series.metricType, w.descriptor);
    }
    return { status: 200, body: {} };
  }
}

function sortKey(s: OutputSeries): string {
  const labels = (r: Record<string, string>) => Object.entries(r).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([labels(s.resourceLabels), labels(s.metricLabels), labels(s.userLabels ?? {}), labels(s.systemLabels ?? {})]);
}
