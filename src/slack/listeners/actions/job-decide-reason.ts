/** [With a reason…] on a training job request: the decision form, for admins only. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { JobApprovals } from '../../../app/job-approvals.js';
import type { ListenerDeps } from '../../context.js';
import { JOB_APPROVAL_ACTIONS } from '../../views/job-approval.js';
import { openDecisionForm } from './job-approval.js';

export function registerJobDecideReason(app: App, deps: ListenerDeps, approvals: JobApprovals): void {
  app.action<BlockAction<ButtonAction>>(JOB_APPROVAL_ACTIONS.withReason, (args) => openDecisionForm(args, deps, approvals));
}
