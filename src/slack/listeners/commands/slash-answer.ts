/**
 * How both slash commands (`/gpu`, `/train`) answer: inside the ack when the answer is ready within
 * the ack deadline, else a "working on it" ack and the answer through response_url; 'form' opens the
 * command's modal right after the ack, while the trigger_id is still good.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock, Modal } from '../../views/block-kit.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../app/ports.js';
import { raceAckDeadline } from '../../ack-deadline.js';
import { apologyMessage, errorMessage } from '../../views/messages.js';

/** An answer: a message, or 'form' to open the command's modal. */
export interface PlainReply {
  text: string;
  blocks?: KnownBlock[];
}

export interface SlashAnswer<R extends PlainReply> {
  /** `/gpu`, `/train`: how logs name the command. */
  name: string;
  log: Logger;
  /** Parses, authorizes, records the intent and says what to answer. */
  work: () => Promise<R | 'form'>;
  /** The modal for 'form'. */
  form: () => Modal;
  /** After the answer went out, once (the `/gpu cost` chart upload); an apology is a plain reply. */
  after?: (reply: R | PlainReply) => Promise<void>;
}

export async function answerSlashCommand<R extends PlainReply>(
  { command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
  answer: SlashAnswer<R>,
): Promise<void> {
  const work = answer.work().catch((error: unknown): PlainReply => {
    const errorId = randomUUID().slice(0, 8);
    answer.log.error(`${answer.name} failed`, { errorId, error, user: command.user_id });
    return apologyMessage(errorId);
  });
  const first = await raceAckDeadline(work);
  if (first === 'late') {
    // Slack gives up after 3 s, so the ack goes now and the answer follows through response_url. The
    // ack promises nothing: the intent may not be recorded yet, Slack never resends a slash command, and
    // a process that dies before the write loses it (a chaos run found one). So the person is told how
    // to tell, and to look before asking again (a second /train would be a second job).
    await ack({ response_type: 'ephemeral', text: lateAck(answer.name) });
    const reply = await work;
    const late = reply === 'form' ? errorMessage('That took too long to open the form; run the command again.') : reply;
    await respond({ response_type: 'ephemeral', replace_original: true, text: late.text, ...(late.blocks ? { blocks: late.blocks } : {}) }).catch(
      (error: unknown) => answer.log.warn(`could not send a late ${answer.name} answer`, { error }),
    );
    if (reply !== 'form') await answer.after?.(reply);
    return;
  }
  if (first !== 'form') {
    await ack({ response_type: 'ephemeral', text: first.text, ...(first.blocks ? { blocks: first.blocks } : {}) });
    await answer.after?.(first);
    return;
  }
  // trigger_id lives 3 seconds: open the modal right after the ack, before anything slow.
  await ack();
  try {
    await client.views.open({ trigger_id: command.trigger_id, view: answer.form() });
  } catch (error) {
    answer.log.warn(`could not open the ${answer.name} form`, { error });
  }
}

/** The ack of an answer not ready in time: what to do if nothing follows it. */
export function lateAck(command: string): string {
  return `:hourglass_flowing_sand: Working on it; the answer will replace this message. If none comes within a minute, what you asked for may not have been recorded: check \`${command} list\` before you run it again.`;
}
