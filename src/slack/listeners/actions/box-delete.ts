import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { ACTIONS } from '../../views/box-card.js';
import { runBoxAction } from './box-action.js';

/**
 * The button carries Slack's confirm dialog, so a click here has already been confirmed. On a box still
 * waiting for an admin it is [Withdraw request], which loses nothing and so asks nothing.
 */
export function registerBoxDelete(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.delete, (args) =>
    runBoxAction(args, deps, 'Delete', (asker, id) => deps.boxes.delete(asker, { id }), ({ box, changed }) =>
      !changed
        ? `\`${box.name}\` is already being deleted.`
        : box.approval?.state === 'withdrawn'
          ? `Withdrew the request for \`${box.name}\`; no VM was created, and the name is free again.`
          : `Deleting \`${box.name}\` and its disk.`,
    ),
  );
}
