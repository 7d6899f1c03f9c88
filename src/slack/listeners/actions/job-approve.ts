/** [Approve] on a training job request (admins only); job-approval.ts has the body it shares with [Deny]. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { JobApprovals } from '../../../app/job-approvals.js';
import type { ListenerDeps } from '../../context.js';
import { JOB_APPROVAL_ACTIONS } from '../../views/job-approval.js';
import { decide } from './job-approval.js';

export function registerJobApprove(app: App, deps: ListenerDeps, approvals: JobApprovals): void {
  app.action<BlockAction<ButtonAction>>(JOB_APPROVAL_ACTIONS.approve, (args) => decide(args, deps, approvals, 'approve'));
}
