/** [Resubmit] on a finished job's card: the same job submitted again, with a new card. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { JobCommands } from '../../../app/job-commands.js';
import type { ListenerDeps } from '../../context.js';
import { JOB_ACTIONS } from '../../views/job-card.js';
import { runJobAction } from './job-action.js';

export function registerJobResubmit(app: App, deps: ListenerDeps, jobs: JobCommands): void {
  app.action<BlockAction<ButtonAction>>(JOB_ACTIONS.resubmit, (args) =>
    runJobAction(args, deps, 'Resubmit', (asker, id) => jobs.resubmit(asker, id), ({ job }) => `Submitted \`${job.name}\` again; a new card shows its progress.`),
  );
}
