/** Shared body of every button: who clicked is the asker, the intent is recorded before the ack, the answer is ephemeral. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { raceAckDeadline } from '../../ack-deadline.js';
import type { Asker } from '../../../app/box-commands.js';
import type { Parsed } from '../../../domain/result.js';
import type { ListenerDeps } from '../../context.js';
import type { KnownBlock } from '../../views/block-kit.js';
import { apologyMessage, errorMessage, okMessage } from '../../views/messages.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type Reply = { text: string; blocks?: KnownBlock[] };

export function askerOf(body: BlockAction): Asker {
  // Each click has its own trigger_id; a double click is two requests, made harmless by the
  // level-triggered intent (asking to stop a box already stopping changes nothing).
  return { userId: body.user.id, channelId: body.channel?.id ?? body.user.id, requestKey: `act:${body.trigger_id}` };
}

/** Answers the clicker only: ephemerally where the button was, or by DM from the App Home. */
export async function replyTo(args: ButtonArgs, reply: Reply): Promise<void> {
  const { body, client, respond } = args;
  const blocks = reply.blocks ? { blocks: reply.blocks } : {};
  if (body.response_url !== undefined && body.container?.type !== 'view') {
    await respond({ response_type: 'ephemeral', replace_original: false, text: reply.text, ...blocks });
  } else if (body.channel?.id !== undefined) {
    await client.chat.postEphemeral({ channel: body.channel.id, user: body.user.id, text: reply.text, ...blocks });
  } else {
    await client.chat.postMessage({ channel: body.user.id, text: reply.text, ...blocks });
  }
}

/**
 * Runs a button's use case on the button's value (the id of the box or job it sits on) and answers
 * with what it said or refused; `what` names the button in the log when the use case throws.
 */
export async function runButton<T>(
  args: ButtonArgs,
  deps: ListenerDeps,
  what: string,
  act: (asker: Asker, id: string) => Promise<Parsed<T>>,
  said: (value: T) => string,
): Promise<void> {
  const work = act(askerOf(args.body), args.action.value ?? '').then(
    (result): Reply => (result.ok ? okMessage(said(result.value)) : errorMessage(result.error.message)),
    (error: unknown): Reply => {
      const errorId = randomUUID().slice(0, 8);
      deps.log.error(`${what} button failed`, { errorId, error, user: args.body.user.id });
      return apologyMessage(errorId);
    },
  );
  // The intent is recorded before the ack, so a click Slack saw acknowledged is never lost.
  await raceAckDeadline(work);
  await args.ack();
  await replyTo(args, await work).catch((error: unknown) => deps.log.warn('could not answer a button', { error }));
}
