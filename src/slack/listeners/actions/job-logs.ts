/** [Logs] on a job card is a link; Slack still sends the click, which only needs its ack. */
import type { App } from '@slack/bolt';
import { JOB_ACTIONS } from '../../views/job-card.js';

export function registerJobLogs(app: App): void {
  app.action(JOB_ACTIONS.logs, async ({ ack }) => {
    await ack();
  });
}
