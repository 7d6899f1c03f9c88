import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { ListenerDeps } from '../../context.js';
import type { KnownBlock } from '../../views/block-kit.js';
import { ACTIONS } from '../../views/box-card.js';
import { connectMessage } from '../../views/connect.js';
import { apologyMessage, errorMessage } from '../../views/messages.js';
import { replyTo } from './button.js';

export function registerBoxConnect(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.connect, async (args) => {
    await args.ack();
    let reply: { text: string; blocks?: KnownBlock[] };
    try {
      const found = await deps.boxes.connect({ userId: args.body.user.id }, { id: args.action.value ?? '' });
      reply = found.ok ? connectMessage(found.value, { project: deps.project, viewer: args.body.user.id }) : errorMessage(found.error.message);
    } catch (error) {
      const errorId = randomUUID().slice(0, 8);
      deps.log.error('Connect button failed', { errorId, error });
      reply = apologyMessage(errorId);
    }
    await replyTo(args, reply).catch((error: unknown) => deps.log.warn('could not answer a button', { error }));
  });
}
