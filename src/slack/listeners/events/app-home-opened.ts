/**
 * The App Home tab: the person's own boxes and training jobs, and what they spent this month,
 * refreshed whenever they open it.
 */
import type { App } from '@slack/bolt';
import type { Job } from '../../../domain/job.js';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_MS, pricesWithin, within } from '../../price-lookup.js';
import { homeView, type MonthSpend } from '../../views/home.js';

export function registerAppHomeOpened(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      // Started first: it reads every box and job of the month, the slowest part of the tab.
      const month = monthSpend(deps, event.user);
      const [boxes, jobs] = await Promise.all([deps.boxes.list({ userId: event.user }, false), jobsOf(deps, event.user)]);
      // No ack waits on this (Bolt acks events itself), so prices may take longer than in a command.
      const regions = [...boxes.map((b) => b.spec.region), ...(jobs ?? []).map((j) => j.region)];
      const [prices, spend] = await Promise.all([pricesWithin(deps.prices, regions, PRICE_WAIT_MS, deps.log), month]);
      const view = homeView(boxes, {
        now: deps.clock.now(),
        project: deps.project,
        viewer: event.user,
        ...(deps.prices !== undefined ? { prices: (region: string) => prices.get(region) } : {}),
        ...(jobs !== undefined ? { jobs } : {}),
        ...(spend !== undefined ? { month: spend } : {}),
      });
      await client.views.publish({ user_id: event.user, view });
    } catch (error) {
      deps.log.error('App Home update failed', { error, user: event.user });
    }
  });
}

/** The viewer's jobs as `/train list` reads them; undefined without training jobs, null when the read failed. */
async function jobsOf(deps: ListenerDeps, user: string): Promise<Job[] | null | undefined> {
  if (deps.jobs === undefined) return undefined;
  try {
    return await deps.jobs.list({ userId: user }, false);
  } catch (error) {
    // The boxes are still worth showing; the tab says the jobs could not be read.
    deps.log.warn('App Home could not read training jobs', { error, user });
    return null;
  }
}

/**
 * Month-to-date spend within the price wait, or undefined: the tab is published without the line
 * rather than late or not at all. A report that comes later is dropped.
 */
async function monthSpend(deps: ListenerDeps, user: string): Promise<MonthSpend | undefined> {
  const costs = deps.costs;
  if (costs === undefined) return undefined;
  const report = Promise.resolve()
    .then(() => costs.report(user, { kind: 'month' }, { kind: 'me' }))
    .catch((error: unknown) => {
      deps.log.warn('App Home could not read this month’s spend', { error, user });
      return undefined;
    });
  const result = await within(report, PRICE_WAIT_MS);
  if (result === undefined || !result.ok) return undefined;
  return { total: result.value.report.total, unpriced: result.value.report.unpriced, budget: deps.budgets?.people.get(user) ?? null };
}
