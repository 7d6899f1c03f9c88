import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobCost } from '../../src/domain/cost.js';
import { DAY_MS, costInPeriod, jobCostByDay, jobCostInPeriod, jobRanInPeriod } from '../../src/domain/cost-period.js';
import { buildCostReport } from '../../src/domain/cost-report.js';
import { jobPools, type Job } from '../../src/domain/job.js';
import { makeBox } from '../support/boxes.js';
import { makeJob, type PoolShape } from '../support/jobs.js';
import { near, prices } from '../support/prices.js';

const S = 1_000;
const MIN = 60 * S;
const H = 60 * MIN;
/** Midnight UTC, so day boundaries are easy to read. */
const D0 = Date.UTC(2026, 10, 2);
const D1 = D0 + DAY_MS;
const D2 = D1 + DAY_MS;

// Vertex AI training rates in us-central1 (Compute list price plus 15%, see cost.test.ts):
// n1-standard-8 (8 vCPU, 30 GB) with one T4: 8 x 0.036353 + 30 x 0.004873 + 0.4025
//   = 0.290824 + 0.14619 + 0.4025 = 0.839514 per hour.
const T4_JOB_PER_H = 0.839514;
// n1-standard-4 (4 vCPU, 15 GB), no GPU: 4 x 0.036353 + 15 x 0.004873 = 0.145412 + 0.073095 = 0.218507.
const N1_4_PER_H = 0.218507;

/** A chief with one T4, and two CPU workers: 0.839514 + 2 x 0.218507 = 1.276528 per hour. */
const TWO_POOLS: PoolShape[] = [
  { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1, replicaCount: 1 },
  { machineType: 'n1-standard-4', replicaCount: 2 },
];

// 22:00 on day 0 to 02:00 on day 1: four hours across midnight.
const overnight = makeJob({ id: 'jover', name: 'overnight', startedAt: D0 + 22 * H, endedAt: D1 + 2 * H });
// Still running since 20:00 on day 0.
const running = makeJob({ id: 'jrun', name: 'running', status: 'running', startedAt: D0 + 20 * H, endedAt: null });
// Cancelled while queued: it never ran.
const neverRan = makeJob({ id: 'jq', name: 'queued', status: 'cancelled', startedAt: null, endedAt: D0 + 10 * H });
// 30 seconds at 10:00 on day 1.
const short = makeJob({ id: 'jshort', name: 'short', startedAt: D1 + 10 * H, endedAt: D1 + 10 * H + 30 * S });
const pooled = makeJob({ id: 'jpool', name: 'pooled', pools: TWO_POOLS, startedAt: D1 + 4 * H, endedAt: D1 + 6 * H });

const cases: { name: string; job: Job; from: number; to: number; now?: number; seconds: number; total: number }[] = [
  { name: 'day 0 holds the two hours before midnight', job: overnight, from: D0, to: D1, seconds: 2 * 3600, total: 2 * T4_JOB_PER_H },
  { name: 'day 1 holds the two hours after midnight', job: overnight, from: D1, to: D2, seconds: 2 * 3600, total: 2 * T4_JOB_PER_H },
  // 4 h x 0.839514 = 3.358056.
  { name: 'a period holding the whole job costs all four hours', job: overnight, from: D0, to: D2, seconds: 4 * 3600, total: 3.358056 },
  // 0.5 h x 0.839514 = 0.419757.
  { name: 'a period inside the run is clipped at both ends', job: overnight, from: D0 + 23 * H, to: D0 + 23 * H + 30 * MIN, seconds: 1800, total: 0.419757 },
  { name: 'a period before the start costs nothing', job: overnight, from: D0, to: D0 + 22 * H, seconds: 0, total: 0 },
  { name: 'a period after the end costs nothing', job: overnight, from: D1 + 2 * H, to: D2, seconds: 0, total: 0 },
  { name: 'a running job is measured to now, not to the end of the period', job: running, from: D1, to: D2, now: D1 + 1 * H, seconds: 3600, total: T4_JOB_PER_H },
  // 20:00 to midnight: 4 h x 0.839514 = 3.358056.
  { name: 'a running job fills a past day to its end', job: running, from: D0, to: D1, now: D1 + 1 * H, seconds: 4 * 3600, total: 3.358056 },
  { name: 'a job that never started costs nothing', job: neverRan, from: D0, to: D2, seconds: 0, total: 0 },
  // No minimum: 30 s x 0.839514 / 3600 = 0.00699595.
  { name: 'a 30 s job costs 30 s: training has no one-minute minimum', job: short, from: D1, to: D2, seconds: 30, total: 0.00699595 },
  // Split at 10:00:10: 10 s before, 20 s after.
  { name: 'a slice of a short job costs its share, nothing more', job: short, from: D1 + 10 * H + 10 * S, to: D2, seconds: 20, total: (20 * T4_JOB_PER_H) / 3600 },
  // 2 h x 1.276528 = 2.553056.
  { name: 'a job with two pools costs the sum of its pools, replicas included', job: pooled, from: D1, to: D2, seconds: 2 * 3600, total: 2.553056 },
  // An end Vertex AI reported after `now` has not happened yet as far as this reckoning goes.
  { name: 'an end after now counts as running until now', job: overnight, from: D0, to: D2, now: D1, seconds: 2 * 3600, total: 2 * T4_JOB_PER_H },
];

for (const c of cases) {
  test(`job period cost: ${c.name}`, () => {
    const cost = jobCostInPeriod(c.job, prices(), c.from, c.to, c.now ?? c.to);
    near(cost.seconds, c.seconds, 'seconds');
    near(cost.total, c.total, 'total');
    assert.deepEqual(cost.missing, []);
    assert.equal(jobRanInPeriod(c.job, c.from, c.to, c.now ?? c.to), c.seconds > 0, 'ran in the period');
  });
}

test('the hand-worked rates are the bundled Vertex training rates', () => {
  near(jobCostInPeriod(makeJob({ startedAt: D0, endedAt: D0 + H }), prices(), D0, D1).perHour, T4_JOB_PER_H, 'one T4 job per hour');
  near(jobCostInPeriod(makeJob({ pools: TWO_POOLS, startedAt: D0, endedAt: D0 + H }), prices(), D0, D1).perHour, T4_JOB_PER_H + 2 * N1_4_PER_H, 'two pools per hour');
});

test('a whole job inside the period costs exactly what its end notice sums (pool by pool, start to end)', () => {
  for (const job of [overnight, short, pooled]) {
    assert.ok(job.startedAt !== null && job.endedAt !== null);
    // As the end notice computes it (jobCostText): each pool from start to end, added in pool order.
    let notice = 0;
    for (const pool of jobPools(job.plan)) notice += jobCost({ ...pool, startMs: job.startedAt, endMs: job.endedAt }, prices()).total;
    assert.equal(jobCostInPeriod(job, prices(), D0 - DAY_MS, D2 + DAY_MS, D2 + DAY_MS).total, notice, job.name);
  }
});

test('the days of a period add up to the period, and there is one per UTC day', () => {
  for (const job of [overnight, running, short, pooled]) {
    const now = D2 + 3 * H;
    const days = jobCostByDay(job, prices(), D0 + 12 * H, now, now);
    assert.equal(days.length, 3, job.name);
    assert.deepEqual(
      days.map((d) => d.dayStartMs),
      [D0, D1, D2],
    );
    near(
      days.reduce((s, d) => s + d.total, 0),
      jobCostInPeriod(job, prices(), D0 + 12 * H, now, now).total,
      `${job.name}: sum of days`,
    );
  }
  // The running job: 20:00 to midnight on day 0, all of day 1, and three hours of day 2.
  const days = jobCostByDay(running, prices(), D0, D2 + 3 * H, D2 + 3 * H);
  near(days[0]?.total ?? NaN, 4 * T4_JOB_PER_H, 'day 0');
  near(days[1]?.total ?? NaN, 24 * T4_JOB_PER_H, 'day 1');
  near(days[2]?.total ?? NaN, 3 * T4_JOB_PER_H, 'day 2');
});

test('a job on an accelerator without a price says so, and prices the rest', () => {
  const job = makeJob({ pools: [{ machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_K80', acceleratorCount: 1, replicaCount: 1 }], startedAt: D0, endedAt: D0 + H });
  const cost = jobCostInPeriod(job, prices(), D0, D1);
  assert.deepEqual(cost.missing, ['accelerator NVIDIA_TESLA_K80']);
  near(cost.total, N1_4_PER_H, 'the machine is still priced');
});

test('a report counts job spend in its job lines, its people, its days and its total', () => {
  const now = D2;
  const period = { fromMs: D0, toMs: now, label: 'two days' };
  // A box of UA's running 22:00 to 02:00 across midnight (see cost-period.test.ts), deleted at 12:00.
  const box = makeBox({
    id: 'ba',
    name: 'a',
    owner: 'UA',
    history: [
      { status: 'creating', at: D0 + 22 * H },
      { status: 'booting', at: D0 + 22 * H },
      { status: 'stopped', at: D1 + 2 * H },
      { status: 'deleted', at: D1 + 12 * H },
    ],
    createdAt: D0 + 22 * H,
  });
  const jobs = [
    { ...overnight, owner: 'UA' },
    { ...pooled, owner: 'UB' },
    // Ended before the period: read by a store that reads generously, never counted.
    makeJob({ id: 'jold', name: 'old', owner: 'UB', startedAt: D0 - 5 * H, endedAt: D0 - 4 * H }),
    neverRan,
  ];
  const report = buildCostReport({ boxes: [box], jobs }, () => prices(), period, now);
  const boxTotal = costInPeriod(box, prices(), D0, now).total;
  // 3.358056 (overnight) + 2.553056 (pooled).
  near(report.total, boxTotal + 3.358056 + 2.553056, 'total');
  assert.deepEqual(
    report.byJob.map((j) => [j.name, j.owner]),
    [
      ['overnight', 'UA'],
      ['pooled', 'UB'],
    ],
  );
  near(report.byJob[0]?.total ?? NaN, 3.358056, 'overnight line');
  near(report.byJob[1]?.total ?? NaN, 2.553056, 'pooled line');
  const person = new Map(report.byPerson.map((p) => [p.key, p.total]));
  near(person.get('UA') ?? NaN, boxTotal + 3.358056, 'UA: box and job');
  near(person.get('UB') ?? NaN, 2.553056, 'UB: job only');
  assert.equal(report.byDay.length, 2);
  // Day 1 holds the box's share of that day, two hours of `overnight` and all of `pooled`.
  const boxDay1 = costInPeriod(box, prices(), D1, D2).total;
  near(report.byDay[1]?.total ?? NaN, boxDay1 + 2 * T4_JOB_PER_H + 2.553056, 'day 1');
  near(
    report.byDay.reduce((s, d) => s + d.total, 0),
    report.total,
    'days add up to the total',
  );
  assert.equal(report.unpriced, 0);
});

test('a job in a region without prices is counted as unpriced, unless it did not run in the period', () => {
  const period = { fromMs: D1, toMs: D2, label: 'day 1' };
  const elsewhere = (job: Job): Job => ({ ...job, region: 'asia-south2' });
  const table = (region: string) => (region === 'us-central1' ? prices() : undefined);
  const report = buildCostReport({ boxes: [], jobs: [elsewhere(pooled), elsewhere(makeJob({ id: 'jearly', startedAt: D0, endedAt: D0 + H })), elsewhere(neverRan), short] }, table, period, D2);
  assert.equal(report.unpriced, 1, 'only the job that ran on day 1');
  assert.deepEqual(
    report.byJob.map((j) => j.name),
    ['short'],
  );
  near(report.total, 0.00699595, 'the priced job alone');
});
