/** [Cancel job] on a job card: owner or admin (the button asks for confirmation first). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { JobCommands } from '../../../app/job-commands.js';
import type { ListenerDeps } from '../../context.js';
import { JOB_ACTIONS } from '../../views/job-card.js';
import { runJobAction } from './job-action.js';

export function registerJobCancel(app: App, deps: ListenerDeps, jobs: JobCommands): void {
  app.action<BlockAction<ButtonAction>>(JOB_ACTIONS.cancel, (args) =>
    runJobAction(args, deps, 'Cancel job', (asker, id) => jobs.cancel(asker, { id }), ({ job, changed }) =>
      !changed
        ? `\`${job.name}\` is already being cancelled.`
        : job.approval?.state === 'withdrawn'
          ? `Withdrew the request for \`${job.name}\`; nothing was submitted.`
          : `Cancelling \`${job.name}\`; its card shows when Vertex AI has stopped it.`,
    ),
  );
}
