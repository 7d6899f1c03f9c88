import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxStatus } from '../../../src/domain/box.js';
import { boxCost } from '../../../src/domain/cost.js';
import { formatUsd } from '../../../src/domain/money.js';
import type { Job, JobStatus } from '../../../src/domain/job.js';
import { homeView } from '../../../src/slack/views/home.js';
import { makeJob } from '../../support/jobs.js';
import { ALL_STATUSES, HOSTILE, MIN, OWNER, PRICES, PROJECT, T0, assertBlockKit, assertNoRawMarkup, buttonsIn, makeBox, makeBoxIn, textOf } from './fixtures.js';

const ctx = { now: T0 + 60 * 60_000, project: PROJECT, viewer: OWNER };

describe('homeView', () => {
  it('is a Home tab listing the viewer’s boxes with the card’s buttons and a how-to', () => {
    const view = homeView([makeBox(), makeBoxIn('stopped', { id: 'b2', name: 'exp43' })], ctx);
    assert.equal(view.type, 'home');
    assertBlockKit('home', view);
    const text = textOf(view.blocks);
    assert.ok(text.includes('Your GPU boxes'));
    assert.ok(text.includes('*exp42*') && text.includes('*exp43*'));
    assert.ok(text.includes('How to'));
    assert.deepEqual(
      buttonsIn(view.blocks).map((b) => `${b.action_id}:${b.value}`),
      ['box_open:bx7k2m9q', 'box_connect:bx7k2m9q', 'box_stop:bx7k2m9q', 'box_delete:bx7k2m9q', 'box_start:b2', 'box_delete:b2'],
    );
    assert.ok(buttonsIn(view.blocks).filter((b) => b.action_id === 'box_delete').every((b) => b.confirm !== undefined));
  });

  it('shows only the viewer’s own boxes', () => {
    const view = homeView([makeBox(), makeBox({ id: 'b9', name: 'not-mine', owner: 'U0999ZZZZ' })], ctx);
    assert.ok(!textOf(view.blocks).includes('not-mine'));
  });

  it('says how to make a box when there is none', () => {
    const view = homeView([], ctx);
    assert.ok(textOf(view.blocks).includes('`/gpu up exp42 --gpu t4`'));
    assertBlockKit('home', view);
  });

  it('keeps 200 boxes within 100 blocks and says how many more there are', () => {
    const boxes = Array.from({ length: 200 }, (_, i) =>
      makeBoxIn(ALL_STATUSES[i % ALL_STATUSES.length] as BoxStatus, { id: `b${i}`, name: `exp-${i}` }),
    );
    const view = homeView(boxes, ctx);
    assertBlockKit('home', view, 'home(200)');
    assert.ok(view.blocks.length <= 100);
    const shown = view.blocks.filter((b) => b.type === 'section' && textOf([b]).startsWith('*exp-')).length;
    assert.ok(textOf(view.blocks).includes(`and ${200 - shown} more`));
    assert.ok(textOf(view.blocks).includes('How to'), 'the how-to survives a long list');
  });

  it('with prices, says what the viewer’s running boxes cost per hour and what each has cost so far', () => {
    const box = makeBox();
    const view = homeView([box, makeBox({ id: 'b9', name: 'not-mine', owner: 'U0999ZZZZ' })], { ...ctx, prices: () => PRICES });
    const text = textOf(view.blocks);
    assert.ok(text.includes('Running now: 1 box, ≈ $0.76/h'), text);
    assert.ok(text.includes(`${formatUsd(boxCost(box, PRICES, ctx.now).total)} so far`), text);
    assertBlockKit('home', view);
  });

  it('keeps 200 priced boxes within 100 blocks, how-to included', () => {
    const boxes = Array.from({ length: 200 }, (_, i) => makeBoxIn(ALL_STATUSES[i % ALL_STATUSES.length] as BoxStatus, { id: `b${i}`, name: `exp-${i}` }));
    const view = homeView(boxes, { ...ctx, prices: () => PRICES });
    assertBlockKit('home', view, 'home(200) with prices');
    assert.ok(textOf(view.blocks).includes('How to'));
  });

  it('escapes hostile boxes in every status', () => {
    const view = homeView(ALL_STATUSES.map((s, i) => makeBoxIn(s, { id: `b${i}`, name: HOSTILE })), ctx);
    assertBlockKit('home', view);
    assertNoRawMarkup(view);
  });
});

const H = 60 * MIN;
const DAY = 24 * H;
const JOB_STATUSES: readonly JobStatus[] = ['requested', 'queued', 'pending', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled'];

/** A job in `status` at `ctx.now`: live ones started 10 minutes in and have not ended. */
function jobIn(status: JobStatus, overrides: Partial<Job> = {}): Job {
  const live = !['succeeded', 'failed', 'cancelled'].includes(status);
  const started = status === 'requested' || status === 'queued' ? null : T0 + 10 * MIN;
  return makeJob({ status, startedAt: started, endedAt: live ? null : T0 + 40 * MIN, vertexJobId: status === 'requested' ? null : '99', ...overrides });
}

describe('homeView: training jobs', () => {
  it('lists live and recently ended jobs newest first, with status, region, time and cost, and Cancel only on the live one', () => {
    const running = jobIn('running', { id: 'jlive', name: 'census_live', createdAt: T0 + 5 * MIN });
    const done = makeJob({ id: 'jdone', name: 'census_done', region: 'us-central1', createdAt: T0 - 2 * H, startedAt: T0 - 2 * H, endedAt: T0 - H });
    const view = homeView([], { ...ctx, prices: () => PRICES, jobs: [done, running] });
    assertBlockKit('home', view);
    const text = textOf(view.blocks);
    assert.ok(text.includes('Your training jobs'), text);
    assert.ok(text.indexOf('census_live') < text.indexOf('census_done'), 'newest first');
    // Live: ran from T0+10m to now (T0+60m): 50 minutes of one T4, $0.839514 an hour.
    assert.ok(text.includes('*census_live*  Running\nus-central1 · running for 50m · Cost so far: $0.70 at list price'), text);
    // Ended an hour before T0, so two hours before now.
    assert.ok(text.includes('*census_done*  Succeeded\nus-central1 · ran 1h, ended 2h ago · Cost: $0.84 at list price'), text);
    const buttons = buttonsIn(view.blocks);
    assert.deepEqual(buttons.map((b) => `${b.action_id}:${b.value}`), ['job_cancel:jlive']);
    assert.ok(buttons[0]?.confirm !== undefined, 'the Cancel asks first, as on the card');
  });

  it('offers Cancel on the same jobs the card does: live and not already asked to cancel', () => {
    const jobs = JOB_STATUSES.map((status, i) => jobIn(status, { id: `j${i}`, name: `job_${status}`, createdAt: T0 + i }));
    const asked = jobIn('running', { id: 'jasked', name: 'job_asked', desired: 'cancelled', createdAt: T0 + 50 });
    const view = homeView([], { ...ctx, jobs: [...jobs, asked] });
    assertBlockKit('home', view);
    const cancellable = buttonsIn(view.blocks).map((b) => b.value);
    assert.deepEqual(cancellable.sort(), ['j0', 'j1', 'j2', 'j3', 'j4']);
    assert.ok(textOf(view.blocks).includes('*job_asked*  Running (cancel asked)'));
    assert.ok(textOf(view.blocks).includes('*job_requested*  Submitting to Vertex AI\nus-central1 · waiting 1h'), textOf(view.blocks));
  });

  it('says nothing about cost without prices', () => {
    const view = homeView([], { ...ctx, jobs: [makeJob()] });
    assert.ok(!textOf(view.blocks).includes('Cost'), textOf(view.blocks));
  });

  it('leaves out jobs that ended more than 7 days ago and other people’s jobs', () => {
    const old = makeJob({ id: 'jold', name: 'ancient', createdAt: T0 - 9 * DAY, startedAt: T0 - 9 * DAY, endedAt: T0 - 8 * DAY });
    const recent = makeJob({ id: 'jnew', name: 'last_week', createdAt: T0 - 7 * DAY, startedAt: T0 - 7 * DAY, endedAt: T0 - 6 * DAY });
    const theirs = makeJob({ id: 'jbob', name: 'bobs_job', owner: 'U0999ZZZZ' });
    // A live job stays however long ago it was created.
    const longRunning = jobIn('running', { id: 'jlong', name: 'marathon', createdAt: T0 - 20 * DAY, startedAt: T0 - 20 * DAY });
    const text = textOf(homeView([], { ...ctx, jobs: [old, recent, theirs, longRunning] }).blocks);
    assert.ok(text.includes('last_week') && text.includes('marathon'), text);
    assert.ok(!text.includes('ancient') && !text.includes('bobs_job'), text);
  });

  it('says so when there are no recent jobs, and when they could not be read', () => {
    const none = textOf(homeView([], { ...ctx, jobs: [] }).blocks);
    assert.ok(none.includes('You have no training jobs running or ended in the last 7 days'), none);
    const failed = textOf(homeView([], { ...ctx, jobs: null }).blocks);
    assert.ok(failed.includes('could not read your training jobs'), failed);
  });

  it('has no training-job part when jobs are not set up', () => {
    const view = homeView([makeBox()], ctx);
    assert.ok(!textOf(view.blocks).includes('training jobs'));
  });

  it('caps many jobs with how many more there are, within 100 blocks beside 200 priced boxes', () => {
    const boxes = Array.from({ length: 200 }, (_, i) => makeBoxIn(ALL_STATUSES[i % ALL_STATUSES.length] as BoxStatus, { id: `b${i}`, name: `exp-${i}` }));
    const jobs = Array.from({ length: 50 }, (_, i) => jobIn(JOB_STATUSES[i % JOB_STATUSES.length] as JobStatus, { id: `j${i}`, name: `run_${i}`, createdAt: T0 + i }));
    const view = homeView(boxes, { ...ctx, prices: () => PRICES, jobs, month: { total: 1234.5, unpriced: 0, budget: 2000 } });
    assertBlockKit('home', view, 'home(200 boxes, 50 jobs)');
    assert.ok(view.blocks.length <= 100);
    const text = textOf(view.blocks);
    const shownJobs = view.blocks.filter((b) => b.type === 'section' && /\*run_\d+\*/.test(textOf([b]))).length;
    assert.ok(shownJobs > 0 && shownJobs < 50);
    assert.ok(text.includes(`and ${50 - shownJobs} more — \`/train list\``), text);
    // Newest first: the last created is shown, the first is not.
    assert.ok(text.includes('*run_49*') && !text.includes('*run_0*'));
    assert.ok(/and \d+ more\. Name one/.test(text), 'the boxes are still capped with their own line');
    assert.ok(text.includes('This month') && text.includes('How to'));
  });

  it('escapes hostile job names and regions in every status', () => {
    const jobs = JOB_STATUSES.map((status, i) => jobIn(status, { id: `j${i}`, name: HOSTILE, region: HOSTILE }));
    const view = homeView([], { ...ctx, prices: () => PRICES, jobs });
    assertBlockKit('home', view);
    assertNoRawMarkup(view);
  });
});

describe('homeView: this month', () => {
  it('says what the viewer spent this month and how much of their budget that is', () => {
    const view = homeView([], { ...ctx, month: { total: 25, unpriced: 0, budget: 50 } });
    assertBlockKit('home', view);
    const text = textOf(view.blocks);
    assert.ok(text.includes('*This month:* $25.00 on your boxes and training jobs, at list price · 50% of your $50.00 monthly budget'), text);
    assert.equal(textOf(view.blocks.slice(0, 1)).includes('This month'), true, 'it comes first');
  });

  it('has no budget part for someone without a budget, and says what it could not price', () => {
    const text = textOf(homeView([], { ...ctx, month: { total: 3.5, unpriced: 2, budget: null } }).blocks);
    assert.ok(text.includes('*This month:* $3.50'), text);
    assert.ok(!text.includes('budget'), text);
    assert.ok(text.includes('2 boxes or jobs not counted'), text);
  });

  it('has no month line without a cost report', () => {
    const text = textOf(homeView([makeBox()], { ...ctx, jobs: [makeJob()] }).blocks);
    assert.ok(!text.includes('This month'), text);
  });
});
