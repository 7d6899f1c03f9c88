/** [Keep 30 days] on the weekly stopped-box reminder: owner or admin; the box is left out of the reminders for 30 days. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { StoppedReminders } from '../../../app/stopped-reminders.js';
import type { ListenerDeps } from '../../context.js';
import { keptStoppedText, STOPPED_KEEP_ACTION } from '../../views/stopped-reminder.js';
import { runBoxAction } from './box-action.js';

export function registerBoxKeepStopped(app: App, deps: ListenerDeps, reminders: StoppedReminders): void {
  app.action<BlockAction<ButtonAction>>(STOPPED_KEEP_ACTION, (args) =>
    runBoxAction(args, deps, 'Keep 30 days', (asker, id) => reminders.keep(asker, id), ({ box, until }) => keptStoppedText(box, until)),
  );
}
