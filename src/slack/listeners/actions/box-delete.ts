import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { ACTIONS } from '../../views/box-card.js';
import { runBoxAction } from './box-action.js';

/** The button carries Slack's confirm dialog, so a click here has already been confirmed. */
export function registerBoxDelete(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.delete, (args) =>
    runBoxAction(args, deps, 'Delete', (asker, id) => deps.boxes.delete(asker, { id }), ({ box, changed }) =>
      changed ? `Deleting \`${box.name}\` and its disk.` : `\`${box.name}\` is already being deleted.`,
    ),
  );
}
