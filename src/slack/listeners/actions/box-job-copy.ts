/** [Copy to BOX] on a job trained from a box: its outputs go back next to the code on the box. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { BoxJobs } from '../../../app/box-jobs.js';
import type { ListenerDeps } from '../../context.js';
import { BOX_JOB_ACTIONS, copyAskedText } from '../../views/box-job.js';
import { runJobAction } from './job-action.js';

export function registerBoxJobCopy(app: App, deps: ListenerDeps, boxJobs: BoxJobs): void {
  // Owner or admin only (BoxJobs.copyOutputs); the worker asks the box, the card says how it went.
  app.action<BlockAction<ButtonAction>>(BOX_JOB_ACTIONS.copy, (args) =>
    runJobAction(args, deps, 'Copy to box', (asker, jobId) => boxJobs.copyOutputs(asker, jobId), ({ job, changed }) => copyAskedText(job, changed)),
  );
}
