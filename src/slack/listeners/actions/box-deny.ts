/** [Deny] on a request past a budget (admins only); box-approval.ts has the body it shares with [Approve]. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { APPROVAL_ACTIONS } from '../../views/approval.js';
import { decide } from './box-approval.js';

export function registerBoxDeny(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(APPROVAL_ACTIONS.deny, (args) => decide(args, deps, 'deny'));
}
