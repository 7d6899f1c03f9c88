import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BoxEvent, BoxStatus } from '../../src/domain/box.js';
import { boxCost } from '../../src/domain/cost.js';
import { DAY_MS, costByDay, costInPeriod, utcDayStart } from '../../src/domain/cost-period.js';
import { buildCostReport, idleStopSaving, periodOf, thresholdsReached } from '../../src/domain/cost-report.js';
import { makeBox } from '../support/boxes.js';
import { near, prices } from '../support/prices.js';

const S = 1_000;
const MIN = 60 * S;
const H = 60 * MIN;
/** Midnight UTC, so day boundaries are easy to read. */
const D0 = Date.UTC(2026, 10, 2);

// n1-standard-8 + one T4, 200 GB balanced disk, us-central1 bundled list prices (see cost.test.ts).
const VM_PER_H = 0.35 + 8 * 0.031611 + 30 * 0.004237;
const DISK_PER_H = (200 * 0.1) / 744;

function box(...events: [BoxStatus, number][]) {
  const history: BoxEvent[] = events.map(([status, at]) => ({ status, at }));
  return makeBox({ history, createdAt: events[0]?.[1] ?? D0 });
}

// One box, created 22:00 on day 0, running 22:00 to 02:00 (across midnight), stopped, deleted at 12:00 on day 1.
const overnight = box(['creating', D0 + 22 * H], ['booting', D0 + 22 * H], ['stopped', D0 + DAY_MS + 2 * H], ['deleted', D0 + DAY_MS + 12 * H]);
// A 30 s run at 10:00 on day 1: billed the one-minute minimum.
const short = box(['creating', D0 + DAY_MS + 10 * H], ['booting', D0 + DAY_MS + 10 * H], ['stopped', D0 + DAY_MS + 10 * H + 30 * S], ['deleted', D0 + DAY_MS + 11 * H]);

const cases: { name: string; b: ReturnType<typeof box>; from: number; to: number; now?: number; vmSeconds: number; diskSeconds: number }[] = [
  { name: 'a period before the box existed costs nothing', b: overnight, from: D0, to: D0 + 20 * H, vmSeconds: 0, diskSeconds: 0 },
  { name: 'day 0 holds the two hours before midnight', b: overnight, from: D0, to: D0 + DAY_MS, vmSeconds: 2 * 3600, diskSeconds: 2 * 3600 },
  { name: 'day 1 holds two running hours and twelve disk hours', b: overnight, from: D0 + DAY_MS, to: D0 + 2 * DAY_MS, vmSeconds: 2 * 3600, diskSeconds: 12 * 3600 },
  { name: 'a period inside a running span is clipped at both ends', b: overnight, from: D0 + 23 * H, to: D0 + 23 * H + 30 * MIN, vmSeconds: 1800, diskSeconds: 1800 },
  { name: 'after deletion nothing is billed', b: overnight, from: D0 + 2 * DAY_MS, to: D0 + 3 * DAY_MS, vmSeconds: 0, diskSeconds: 0 },
  { name: 'a 30 s run is billed 60 s in the period where it starts', b: short, from: D0 + DAY_MS, to: D0 + 2 * DAY_MS, vmSeconds: 60, diskSeconds: 3600 },
  { name: 'the minimum stays with the start, not a later slice of the span', b: short, from: D0 + DAY_MS + 10 * H + 10 * S, to: D0 + 2 * DAY_MS, vmSeconds: 20, diskSeconds: 3600 - 10 },
  {
    name: 'a box still running is measured to now, not to the end of the period',
    b: box(['creating', D0 + 8 * H], ['booting', D0 + 8 * H], ['ready', D0 + 8 * H + 5 * MIN]),
    from: D0,
    to: D0 + DAY_MS,
    now: D0 + 11 * H,
    vmSeconds: 3 * 3600,
    diskSeconds: 3 * 3600,
  },
];

for (const c of cases) {
  test(`period cost: ${c.name}`, () => {
    const cost = costInPeriod(c.b, prices(), c.from, c.to, c.now ?? c.to);
    near(cost.billedSeconds, c.vmSeconds, 'VM seconds');
    near(cost.diskSeconds, c.diskSeconds, 'disk seconds');
    near(cost.total, (c.vmSeconds * VM_PER_H + c.diskSeconds * DISK_PER_H) / 3600, 'total');
  });
}

test('days that cover a box’s life add up to its boxCost', () => {
  for (const b of [overnight, short]) {
    const now = D0 + 5 * DAY_MS;
    const days = costByDay(b, prices(), D0, now, now);
    const sum = days.reduce((s, d) => s + d.total, 0);
    near(sum, boxCost(b, prices(), now).total, 'sum of days');
    near(sum, costInPeriod(b, prices(), D0, now, now).total, 'the whole period');
    assert.equal(days.length, 5);
  }
});

test('a report sums by person, box and day, and its total is the sum of the records', () => {
  const now = D0 + 2 * DAY_MS;
  const a = { ...overnight, id: 'ba', name: 'a', owner: 'UA' };
  const b = { ...short, id: 'bb', name: 'b', owner: 'UB' };
  const period = { fromMs: D0, toMs: now, label: 'two days' };
  const report = buildCostReport({ boxes: [a, b], jobs: [] }, () => prices(), period, now);
  const expected = costInPeriod(a, prices(), D0, now).total + costInPeriod(b, prices(), D0, now).total;
  near(report.total, expected, 'total');
  near(report.byPerson.reduce((s, p) => s + p.total, 0), expected, 'by person');
  near(report.byDay.reduce((s, d) => s + d.total, 0), expected, 'by day');
  assert.deepEqual(report.byBox.map((x) => x.name), ['a', 'b']);
  assert.equal(report.byDay.length, 2);
  assert.deepEqual(report.byJob, []);
});

test('a region without prices is counted as unpriced, not as free', () => {
  const report = buildCostReport({ boxes: [overnight], jobs: [] }, () => undefined, { fromMs: D0, toMs: D0 + DAY_MS, label: 'x' }, D0 + DAY_MS);
  assert.equal(report.unpriced, 1);
  assert.equal(report.total, 0);
});

test('periods: --days N counts today as one of the N UTC days; --month starts on the 1st', () => {
  const now = Date.UTC(2026, 10, 27, 9);
  assert.equal(periodOf({ kind: 'days', days: 7 }, now).fromMs, Date.UTC(2026, 10, 21));
  assert.equal(periodOf({ kind: 'days', days: 1 }, now).fromMs, utcDayStart(now));
  assert.equal(periodOf({ kind: 'month' }, now).fromMs, Date.UTC(2026, 10, 1));
  assert.equal(periodOf({ kind: 'month' }, now).toMs, now);
});

test('an idle stop saves the VM price until the next start, or until now', () => {
  const stoppedAt = D0 + 10 * H;
  const restarted = box(['booting', D0], ['stopped', stoppedAt], ['starting', stoppedAt + 3 * H], ['ready', stoppedAt + 3 * H + MIN]);
  near(idleStopSaving(restarted, prices(), stoppedAt, D0 + DAY_MS), 3 * VM_PER_H, 'until the next start');
  const still = box(['booting', D0], ['stopped', stoppedAt]);
  near(idleStopSaving(still, prices(), stoppedAt, stoppedAt + 5 * H), 5 * VM_PER_H, 'until now');
});

test('budget thresholds: 50, 90 and 100 percent', () => {
  const table: [number, number, number[]][] = [
    [0, 100, []],
    [49.99, 100, []],
    [50, 100, [50]],
    [95, 100, [50, 90]],
    [100, 100, [50, 90, 100]],
    [250, 100, [50, 90, 100]],
    [10, 0, []],
  ];
  for (const [spent, budget, expected] of table) assert.deepEqual(thresholdsReached(spent, budget), expected, `${spent} of ${budget}`);
});
