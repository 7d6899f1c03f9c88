/**
 * The App Home listener with stand-in use cases: what it hands the view, and that a cost report that
 * fails or never answers costs the tab its month line and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { App } from '@slack/bolt';
import type { BoxCommands } from '../../../src/app/box-commands.js';
import type { CostReports, CostReportResult } from '../../../src/app/cost-reports.js';
import type { JobCommands } from '../../../src/app/job-commands.js';
import { buildCostReport, periodOf } from '../../../src/domain/cost-report.js';
import type { Job } from '../../../src/domain/job.js';
import { createLogger } from '../../../src/log.js';
import type { ListenerDeps } from '../../../src/slack/context.js';
import { registerAppHomeOpened } from '../../../src/slack/listeners/events/app-home-opened.js';
import { PRICE_WAIT_MS } from '../../../src/slack/price-lookup.js';
import { makeJob } from '../../support/jobs.js';
import { OWNER, PRICES, PROJECT, T0, assertBlockKit, buttonsIn, makeBox, textOf } from '../views/fixtures.js';

const NOW = T0 + 2 * 3_600_000;

/** A month report whose only record is `job`, priced with the bundled table. */
function reportOf(job: Job): CostReportResult {
  const report = buildCostReport({ boxes: [], jobs: [job] }, () => PRICES, periodOf({ kind: 'month' }, NOW), NOW);
  return { ok: true, value: { report, reads: 1 } };
}

interface Setup {
  jobs?: () => Promise<Job[]>;
  report?: () => Promise<CostReportResult>;
  budgets?: ListenerDeps['budgets'];
}

function depsWith(setup: Setup, asked: unknown[][]): ListenerDeps {
  // The listener only lists boxes and jobs and asks for a report; the real use cases need Firestore.
  const boxes = { list: () => Promise.resolve([makeBox()]) } as unknown as BoxCommands;
  const jobs = setup.jobs !== undefined ? ({ list: setup.jobs } as unknown as JobCommands) : undefined;
  const report = setup.report;
  const costs =
    report !== undefined
      ? ({
          report: (...args: unknown[]) => {
            asked.push(args);
            return report();
          },
        } as unknown as CostReports)
      : undefined;
  return {
    boxes,
    ...(jobs !== undefined ? { jobs } : {}),
    ...(costs !== undefined ? { costs } : {}),
    ...(setup.budgets !== undefined ? { budgets: setup.budgets } : {}),
    log: createLogger({ level: 'error', write: () => undefined }),
    clock: { now: () => NOW },
    project: PROJECT,
    region: 'us-central1',
    regions: ['us-central1'],
    prices: () => Promise.resolve(PRICES),
  };
}

type Handler = (args: unknown) => Promise<void>;

/** Registers the listener on a stand-in app and returns a function that opens the Home tab. */
function homeOpener(deps: ListenerDeps): { open: () => Promise<void>; published: unknown[] } {
  let handler: Handler | undefined;
  const app = { event: (_name: string, h: Handler) => void (handler = h) } as unknown as App;
  registerAppHomeOpened(app, deps);
  const published: unknown[] = [];
  const client = {
    views: {
      publish: (args: { view: unknown }) => {
        published.push(args.view);
        return Promise.resolve({ ok: true });
      },
    },
  };
  return {
    published,
    open: async () => {
      assert.ok(handler !== undefined, 'the listener registered');
      await handler({ event: { type: 'app_home_opened', tab: 'home', user: OWNER, channel: 'D1' }, client });
    },
  };
}

function publishedText(published: unknown[]): string {
  assert.equal(published.length, 1, 'published once');
  assertBlockKit('home', published[0]);
  return textOf((published[0] as { blocks: unknown[] }).blocks);
}

describe('App Home listener', () => {
  it('shows the viewer’s jobs with their cost and this month’s spend against their budget', async () => {
    const job = makeJob({ name: 'census_home' });
    const asked: unknown[][] = [];
    const home = homeOpener(depsWith({ jobs: () => Promise.resolve([job]), report: () => Promise.resolve(reportOf(job)), budgets: { people: new Map([[OWNER, 2]]), team: null } }, asked));
    await home.open();
    const text = publishedText(home.published);
    assert.ok(text.includes('*census_home*  Succeeded') && text.includes('Cost: $0.84 at list price'), text);
    // One hour of one T4 ($0.84) of a $2 budget.
    assert.ok(text.includes('*This month:* $0.84 on your boxes and training jobs, at list price · 42% of your $2.00 monthly budget'), text);
    assert.deepEqual(asked, [[OWNER, { kind: 'month' }, { kind: 'me' }]]);
  });

  it('publishes without the month line when the cost report fails', async () => {
    const home = homeOpener(depsWith({ jobs: () => Promise.resolve([]), report: () => Promise.reject(new Error('Firestore down')) }, []));
    await home.open();
    const text = publishedText(home.published);
    assert.ok(!text.includes('This month'), text);
    assert.ok(text.includes('*exp42*'), 'the boxes are there');
  });

  it('publishes without the month line when the cost report refuses', async () => {
    const refused: CostReportResult = { ok: false, error: { code: 'NOT_ALLOWED', message: 'no' } };
    const home = homeOpener(depsWith({ report: () => Promise.resolve(refused) }, []));
    await home.open();
    assert.ok(!publishedText(home.published).includes('This month'));
  });

  it('waits at most the price wait for a cost report that never answers', async (t: TestContext) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const home = homeOpener(depsWith({ jobs: () => Promise.resolve([makeJob()]), report: () => new Promise(() => undefined) }, []));
    const opened = home.open();
    // Let the reads settle, so only the report is still waited on.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(home.published.length, 0, 'still waiting for the report');
    t.mock.timers.tick(PRICE_WAIT_MS);
    await opened;
    const text = publishedText(home.published);
    assert.ok(!text.includes('This month') && text.includes('census_1'), text);
  });

  it('still shows the boxes when the jobs cannot be read', async () => {
    const home = homeOpener(depsWith({ jobs: () => Promise.reject(new Error('Firestore down')) }, []));
    await home.open();
    const text = publishedText(home.published);
    assert.ok(text.includes('could not read your training jobs') && text.includes('*exp42*'), text);
    assert.deepEqual(
      buttonsIn((home.published[0] as { blocks: unknown[] }).blocks).map((b) => b.action_id),
      ['box_open', 'box_connect', 'box_stop', 'box_delete'],
    );
  });
});
