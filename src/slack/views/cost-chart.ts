/**
 * The daily-spend chart `/gpu cost` uploads: days along the bottom, dollars up the side, each day's bar
 * stacked by box and training job (by person for the team), titled with the period and its total.
 * What to draw is worked out here from the report; the drawing is Chart.js on a Skia canvas
 * (chart-render.ts), loaded on the first chart so that neither is loaded at start-up.
 */
import type { CostReport, DailyLine } from '../../domain/cost-report.js';
import { formatUsd } from '../../domain/money.js';
import { utcAt } from '../../domain/time.js';
// A type-only import: erased, so the drawing code still loads on the first chart only.
import type { SpendChart } from './chart-render.js';

export type { SpendChart };

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 420;
/** Drawn at twice the size, so text stays sharp on high-density screens when Slack scales it. */
export const CHART_SCALE = 2;

/** Stacks beyond this many are summed into one "N others" part, so colours stay tellable apart. */
const MAX_STACKS = 8;

export interface SpendChartOptions {
  /** `Your`, `The team’s`, `<@U123>’s`: whose spend, as the answer says it. */
  whose: string;
  /** Stack by person (the team's view) rather than by box and job. */
  byPerson: boolean;
  /** How a person is named in the legend; the Slack user id when it has no name. */
  personName?: (userId: string) => string;
}

/** What the chart shows, from the report: pure, so it is tested without drawing. */
export function spendChartData(report: CostReport, options: SpendChartOptions): SpendChart {
  const n = report.byDay.length;
  const groups = options.byPerson ? byOwner(report.dailyLines, options.personName ?? ((id) => id)) : report.dailyLines.map((l) => ({ label: lineLabel(l), values: l.days }));
  const ranked = [...groups].sort((a, b) => sum(b.values) - sum(a.values) || a.label.localeCompare(b.label));
  const shown = ranked.length > MAX_STACKS ? ranked.slice(0, MAX_STACKS - 1) : ranked;
  const rest = ranked.slice(shown.length);
  const stacks = shown.map((g) => ({ label: g.label, values: padded(g.values, n) }));
  if (rest.length > 0) {
    stacks.push({ label: `${rest.length} others`, values: Array.from({ length: n }, (_, i) => sum(rest.map((g) => g.values[i] ?? 0))) });
  }
  const first = report.byDay[0]?.dayStartMs ?? report.period.fromMs;
  const last = report.byDay.at(-1)?.dayStartMs ?? report.period.toMs;
  const span = first === last ? utcAt(first).format('MMM D') : `${utcAt(first).format('MMM D')} – ${utcAt(last).format('MMM D, YYYY')}`;
  const whose = options.whose.replace(/<@([A-Z0-9]+)>/g, (_, id: string) => (options.personName ?? ((x: string) => x))(id));
  return {
    title: `${whose} GPU spend, ${report.period.label}: ${formatUsd(report.total)}`,
    subtitle: `${span}, UTC days, list prices${report.period.toMs < last + 86_400_000 ? '; the last day so far' : ''}`,
    days: report.byDay.map((d) => utcAt(d.dayStartMs).format('ddd MMM D')),
    stacks,
  };
}

/** The chart as a PNG. Loads the charting library on the first call. */
export async function dailySpendPng(report: CostReport, options: SpendChartOptions): Promise<Buffer> {
  const { renderStackedBars } = await import('./chart-render.js');
  return renderStackedBars(spendChartData(report, options), { width: CHART_WIDTH, height: CHART_HEIGHT, scale: CHART_SCALE });
}

function lineLabel(line: DailyLine): string {
  return line.kind === 'job' ? `${line.name} (job)` : line.name;
}

function byOwner(lines: readonly DailyLine[], name: (userId: string) => string): { label: string; values: number[] }[] {
  const owners = new Map<string, number[]>();
  for (const line of lines) {
    const values = owners.get(line.owner) ?? [];
    line.days.forEach((v, i) => (values[i] = (values[i] ?? 0) + v));
    owners.set(line.owner, values);
  }
  return [...owners].map(([owner, values]) => ({ label: name(owner), values }));
}

function padded(values: readonly number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => values[i] ?? 0);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
