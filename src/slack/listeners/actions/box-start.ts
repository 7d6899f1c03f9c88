import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { ACTIONS } from '../../views/box-card.js';
import { runBoxAction } from './box-action.js';

export function registerBoxStart(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.start, (args) =>
    runBoxAction(args, deps, 'Start', (asker, id) => deps.boxes.start(asker, { id }), ({ box, changed }) =>
      changed ? `Starting \`${box.name}\`; its card shows when Jupyter is ready.` : `\`${box.name}\` is already starting or running.`,
    ),
  );
}
