/** The job buttons: Cancel job (owner or admin, confirmed), Resubmit, and Logs (a link, only acked). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { JobCommands } from '../../../app/job-commands.js';
import type { ListenerDeps } from '../../context.js';
import { JOB_ACTIONS } from '../../views/job-card.js';
import { runBoxAction } from './box-action.js';

export function registerJobActions(app: App, deps: ListenerDeps, jobs: JobCommands): void {
  app.action<BlockAction<ButtonAction>>(JOB_ACTIONS.cancel, (args) =>
    runBoxAction(args, deps, 'Cancel job', (asker, id) => jobs.cancel(asker, { id }), ({ job, changed }) =>
      !changed
        ? `\`${job.name}\` is already being cancelled.`
        : job.approval?.state === 'withdrawn'
          ? `Withdrew the request for \`${job.name}\`; nothing was submitted.`
          : `Cancelling \`${job.name}\`; its card shows when Vertex AI has stopped it.`,
    ),
  );
  app.action<BlockAction<ButtonAction>>(JOB_ACTIONS.resubmit, (args) =>
    runBoxAction(args, deps, 'Resubmit', (asker, id) => jobs.resubmit(asker, id), ({ job }) => `Submitted \`${job.name}\` again; a new card shows its progress.`),
  );
  app.action(JOB_ACTIONS.logs, async ({ ack }) => {
    await ack();
  });
}
