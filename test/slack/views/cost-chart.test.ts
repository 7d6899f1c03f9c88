/**
 * The `/gpu cost` chart: what it shows (days, dollars, a stacked breakdown, the period and total in
 * the title), worked out from real reports; and the picture Chart.js draws, held against a reference
 * image with a tolerance (GPUBOT_UPDATE_CHART_REFERENCE=1 rewrites the reference after a deliberate change).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { buildCostReport, periodOf, type CostReport, type DailyLine } from '../../../src/domain/cost-report.js';
import { formatUsd } from '../../../src/domain/money.js';
import { CHART_HEIGHT, CHART_SCALE, CHART_WIDTH, dailySpendPng, spendChartData } from '../../../src/slack/views/cost-chart.js';
import { MIN, makeBox } from '../../support/boxes.js';
import { makeJob } from '../../support/jobs.js';
import { prices } from '../../support/prices.js';

const H = 60 * MIN;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 11, 2, 14, 0);
const REFERENCE = 'test/fixtures/charts/spend-chart.png';

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Two people, two boxes and a training job over the last 7 days, priced from the bundled table. */
function realReport(): CostReport {
  const boxes = [
    makeBox({ id: 'b1', name: 'exp42', owner: 'UALICE', createdAt: NOW - 6 * DAY, history: [
      { status: 'requested', at: NOW - 6 * DAY },
      { status: 'ready', at: NOW - 6 * DAY + 10 * MIN },
      { status: 'stopped', at: NOW - 4 * DAY },
    ] }),
    makeBox({ id: 'b2', name: 'llama-ft', owner: 'UBOB', spec: { gpu: 'a100', machineType: 'a2-highgpu-1g' }, createdAt: NOW - 3 * DAY, history: [
      { status: 'requested', at: NOW - 3 * DAY },
      { status: 'ready', at: NOW - 3 * DAY + 10 * MIN },
    ] }),
  ];
  const jobs = [makeJob({ id: 'j1', name: 'resnet-sweep', owner: 'UALICE', startedAt: NOW - 2 * DAY, endedAt: NOW - 2 * DAY + 9 * H })];
  return buildCostReport({ boxes, jobs }, () => prices(), periodOf({ kind: 'days', days: 7 }, NOW), NOW);
}

test('the chart stacks each day by box and training job, and each stack of a day adds up to that day', () => {
  const report = realReport();
  assert.ok(report.total > 0);
  const chart = spendChartData(report, { whose: 'Your', byPerson: false });
  assert.deepEqual(chart.stacks.map((s) => s.label).sort(), ['exp42', 'llama-ft', 'resnet-sweep (job)']);
  assert.equal(chart.days.length, 7);
  report.byDay.forEach((day, i) => {
    assert.ok(Math.abs(sum(chart.stacks.map((s) => s.values[i] ?? 0)) - day.total) < 1e-9, `day ${i}`);
  });
  assert.ok(Math.abs(sum(chart.stacks.flatMap((s) => s.values)) - report.total) < 1e-9);
});

test('the days are named by date, oldest first, and the title has the period and its total', () => {
  const chart = spendChartData(realReport(), { whose: 'Your', byPerson: false });
  assert.deepEqual(chart.days, ['Thu Nov 26', 'Fri Nov 27', 'Sat Nov 28', 'Sun Nov 29', 'Mon Nov 30', 'Tue Dec 1', 'Wed Dec 2']);
  assert.equal(chart.title, `Your GPU spend, the last 7 days: ${formatUsd(realReport().total)}`);
  assert.match(chart.subtitle, /^Nov 26 – Dec 2, 2026, UTC days, list prices; the last day so far$/);
});

test('for the team the stacks are people, named as the caller names them', () => {
  const report = realReport();
  const chart = spendChartData(report, { whose: 'The team’s', byPerson: true, personName: (id) => id.slice(1).toLowerCase() });
  assert.deepEqual(chart.stacks.map((s) => s.label).sort(), ['alice', 'bob']);
  const alice = chart.stacks.find((s) => s.label === 'alice');
  const aliceLines = report.dailyLines.filter((l) => l.owner === 'UALICE');
  assert.ok(alice);
  assert.ok(Math.abs(sum(alice.values) - sum(aliceLines.flatMap((l) => l.days))) < 1e-9);
});

test('past eight stacks the smallest are summed into one, so no dollar is lost from a day', () => {
  const lines: DailyLine[] = Array.from({ length: 11 }, (_, i) => ({ key: `b${i}`, kind: 'box', name: `box${i}`, owner: 'UALICE', days: [i + 1, 2 * (i + 1)] }));
  const byDay = [0, 1].map((d) => ({ dayStartMs: NOW - (1 - d) * DAY, total: sum(lines.map((l) => l.days[d] ?? 0)) }));
  const report: CostReport = { ...realReport(), byDay, dailyLines: lines, total: sum(byDay.map((d) => d.total)) };
  const chart = spendChartData(report, { whose: 'Your', byPerson: false });
  assert.equal(chart.stacks.length, 8);
  assert.equal(chart.stacks.at(-1)?.label, '4 others');
  assert.equal(chart.stacks[0]?.label, 'box10');
  assert.deepEqual([0, 1].map((d) => sum(chart.stacks.map((s) => s.values[d] ?? 0))), byDay.map((d) => d.total));
});

/** A fixed report, so the picture depends only on the drawing. */
function fixedReport(change = 0): CostReport {
  const FROM = Date.UTC(2026, 10, 26);
  const dailyLines: DailyLine[] = [
    { key: 'b1', kind: 'box', name: 'exp42', owner: 'UALICE', days: [8.4, 8.4, 3.1, 0, 0, 12.6, 5.2] },
    { key: 'b2', kind: 'box', name: 'llama-ft', owner: 'UBOB', days: [0, 23.45, 23.45, 23.45, 11.2 + change, 0, 0] },
    { key: 'j1', kind: 'job', name: 'resnet-sweep', owner: 'UALICE', days: [0, 0, 41.1, 17.3, 0, 0, 0] },
    { key: 'b3', kind: 'box', name: 'scratch', owner: 'UCAROL', days: [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.4] },
  ];
  const byDay = Array.from({ length: 7 }, (_, i) => ({ dayStartMs: FROM + i * DAY, total: sum(dailyLines.map((l) => l.days[i] ?? 0)) }));
  return { ...realReport(), period: { fromMs: FROM, toMs: FROM + 6 * DAY + 14 * H, label: 'the last 7 days' }, byDay, dailyLines, total: sum(byDay.map((d) => d.total)) };
}

async function rgba(png: Buffer): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

/** The share of pixels whose colour differs by more than a faint anti-aliasing shade in any channel. */
async function differingShare(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = [await rgba(a), await rgba(b)];
  assert.deepEqual([x.width, x.height], [y.width, y.height], 'same size');
  let differing = 0;
  for (let i = 0; i < x.data.length; i += 4) {
    const d = Math.max(Math.abs((x.data[i] ?? 0) - (y.data[i] ?? 0)), Math.abs((x.data[i + 1] ?? 0) - (y.data[i + 1] ?? 0)), Math.abs((x.data[i + 2] ?? 0) - (y.data[i + 2] ?? 0)));
    if (d > 48) differing++;
  }
  return differing / (x.data.length / 4);
}

/** Font hinting and anti-aliasing may move a few edge pixels between Skia builds; a changed bar moves thousands. */
const TOLERANCE = 0.002;

test('the chart Chart.js draws matches the reference picture', async () => {
  const png = await dailySpendPng(fixedReport(), { whose: 'Your', byPerson: false });
  const { width, height } = await rgba(png);
  assert.deepEqual([width, height], [CHART_WIDTH * CHART_SCALE, CHART_HEIGHT * CHART_SCALE]);
  if (process.env.GPUBOT_UPDATE_CHART_REFERENCE === '1' || !existsSync(REFERENCE)) {
    if (process.env.GPUBOT_UPDATE_CHART_REFERENCE !== '1') assert.fail(`${REFERENCE} is missing; run with GPUBOT_UPDATE_CHART_REFERENCE=1 and look at it before committing`);
    mkdirSync('test/fixtures/charts', { recursive: true });
    writeFileSync(REFERENCE, png);
  }
  const share = await differingShare(png, readFileSync(REFERENCE));
  assert.ok(share <= TOLERANCE, `${(share * 100).toFixed(3)} % of the pixels differ from ${REFERENCE}`);
});

test('the comparison notices one bar drawn $5 taller', async () => {
  const png = await dailySpendPng(fixedReport(5), { whose: 'Your', byPerson: false });
  const share = await differingShare(png, readFileSync(REFERENCE));
  assert.ok(share > TOLERANCE, `only ${(share * 100).toFixed(3)} % differ`);
});
