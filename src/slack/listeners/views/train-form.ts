/** The `/train` modal's submission: parse the command line, answer errors beside it, or record the job. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { parseTrainCommand, trainDay } from '../../../domain/train-command.js';
import type { JobCommands } from '../../../app/job-commands.js';
import type { ListenerDeps } from '../../context.js';
import { readTrainForm, TRAIN_FORM } from '../../views/job-form.js';
import { submittedMessage } from '../../views/job-card.js';
import { errorMessage } from '../../views/messages.js';
import { ACK_DEADLINE_MS, raceAckDeadline } from '../../ack-deadline.js';
import { formRequestKey } from './gpu-up-form.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function registerTrainForm(app: App, deps: ListenerDeps, jobs: JobCommands): void {
  app.view<ViewSubmitAction>(TRAIN_FORM.callbackId, (args) => handleTrainForm(args, deps, jobs));
}

export async function handleTrainForm({ ack, body, view, client }: Args, deps: ListenerDeps, jobs: JobCommands, deadlineMs = ACK_DEADLINE_MS): Promise<void> {
  const form = readTrainForm(view.state.values);
  let channel = body.user.id;
  try {
    const meta = JSON.parse(view.private_metadata || '{}') as { channel?: unknown };
    if (typeof meta.channel === 'string' && /^[CDG][A-Z0-9]+$/.test(meta.channel)) channel = meta.channel;
  } catch {
    // A form without its channel answers in the DM.
  }
  const text = form.command.trim();
  // The form is for submitting; a line starting with flags or a name means `submit`.
  const line = /^(\$\s*)?(gcloud|ai-platform|ml-engine|ai|submit)\b/i.test(text) ? text : `submit ${text}`;
  const parsed = parseTrainCommand(line, { today: trainDay(deps.clock.now()) });
  const errors = (message: string) => ack({ response_action: 'errors', errors: { [TRAIN_FORM.blocks.command]: message.slice(0, 1500) } });
  if (!parsed.ok) return errors(parsed.error.message);
  if (parsed.value.kind !== 'submit' || parsed.value.request === null) return errors('Write the flags of `/train submit`, or paste a gcloud line.');
  const request = parsed.value.request.region === null && form.region !== null ? { ...parsed.value.request, region: form.region } : parsed.value.request;
  const work = jobs.submit({ userId: body.user.id, channelId: channel, requestKey: formRequestKey(view, form) }, request).catch((error: unknown) => {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error('/train form failed', { errorId, error, user: body.user.id });
    return { ok: false as const, error: { code: 'INTERNAL', message: `Sorry, something went wrong on my side; quote error id ${errorId}.` } };
  });
  // As the /gpu up form: past the ack deadline the form closes and the outcome follows as a message.
  const first = await raceAckDeadline(work, deadlineMs);
  if (first === 'late') {
    await ack();
    const result = await work;
    const reply = result.ok ? submittedMessage(result.value.job, request.notes) : errorMessage(result.error.message);
    await client.chat.postEphemeral({ channel, user: body.user.id, text: reply.text, blocks: reply.blocks }).catch((error: unknown) => deps.log.warn('could not answer the /train form', { error }));
    return;
  }
  if (!first.ok) return errors(first.error.message);
  await ack();
  const reply = submittedMessage(first.value.job, request.notes);
  await client.chat.postEphemeral({ channel, user: body.user.id, text: reply.text, blocks: reply.blocks }).catch((error: unknown) => deps.log.warn('could not answer the /train form', { error }));
}
