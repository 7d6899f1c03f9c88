/** The App Home tab: the person's own boxes, refreshed whenever they open it. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { homeView } from '../../views/home.js';

export function registerAppHomeOpened(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const boxes = await deps.boxes.list({ userId: event.user }, false);
      await client.views.publish({ user_id: event.user, view: homeView(boxes, { now: deps.clock.now(), project: deps.project, viewer: event.user }) });
    } catch (error) {
      deps.log.error('App Home update failed', { error, user: event.user });
    }
  });
}
