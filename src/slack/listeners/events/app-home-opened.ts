/** The App Home tab: the person's own boxes, refreshed whenever they open it. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_MS, pricesWithin } from '../../price-lookup.js';
import { homeView } from '../../views/home.js';

export function registerAppHomeOpened(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const boxes = await deps.boxes.list({ userId: event.user }, false);
      // No ack waits on this (Bolt acks events itself), so prices may take longer than in a command.
      const prices = await pricesWithin(deps.prices, boxes.map((b) => b.spec.region), PRICE_WAIT_MS, deps.log);
      const view = homeView(boxes, {
        now: deps.clock.now(),
        project: deps.project,
        viewer: event.user,
        ...(deps.prices !== undefined ? { prices: (region: string) => prices.get(region) } : {}),
      });
      await client.views.publish({ user_id: event.user, view });
    } catch (error) {
      deps.log.error('App Home update failed', { error, user: event.user });
    }
  });
}
