import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { KEEP_ACTIONS, KEEP_LENGTHS_MS, keptText } from '../../views/idle-notices.js';
import { runBoxAction } from './box-action.js';

/** [Keep 1h] and [Keep 4h] on an idle warning: only the owner or an admin may postpone the stop. */
export function registerBoxKeep(app: App, deps: ListenerDeps): void {
  for (const actionId of Object.values(KEEP_ACTIONS)) {
    const forMs = KEEP_LENGTHS_MS[actionId] ?? 3_600_000;
    app.action<BlockAction<ButtonAction>>(actionId, (args) =>
      runBoxAction(
        args,
        deps,
        'Keep',
        (asker, id) => deps.boxes.keep(asker, { id }, forMs),
        ({ box, keepUntil, capped }) => keptText(box.name, keepUntil, capped),
      ),
    );
  }
}
