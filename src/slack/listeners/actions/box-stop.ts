import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { ACTIONS } from '../../views/box-card.js';
import { runBoxAction } from './box-action.js';

export function registerBoxStop(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.stop, (args) =>
    runBoxAction(args, deps, 'Stop', (asker, id) => deps.boxes.stop(asker, { id }), ({ box, changed }) =>
      changed ? `Stopping \`${box.name}\`. The disk and its files are kept.` : `\`${box.name}\` is already stopping or stopped.`,
    ),
  );
}
