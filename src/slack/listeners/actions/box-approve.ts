/** [Approve] on a request past a budget (admins only); box-approval.ts has the body it shares with [Deny]. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { APPROVAL_ACTIONS } from '../../views/approval.js';
import { decide } from './box-approval.js';

export function registerBoxApprove(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(APPROVAL_ACTIONS.approve, (args) => decide(args, deps, 'approve'));
}
