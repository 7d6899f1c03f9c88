/** The `/train` modal's submission: parse the command line, answer errors beside it, or record the job. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { parseTrainCommand, trainDay } from '../../../domain/train-command.js';
import { TUNING_ERROR_CODES } from '../../../domain/train-tuning.js';
import type { JobCommands } from '../../../app/job-commands.js';
import type { ListenerDeps } from '../../context.js';
import { readTrainForm, TRAIN_FORM } from '../../views/job-form.js';
import { submittedMessage } from '../../views/job-card.js';
import { errorMessage } from '../../views/messages.js';
import { ACK_DEADLINE_MS, raceAckDeadline } from '../../ack-deadline.js';
import { formRequestKey } from './gpu-up-form.js';
import { fromBoxCommand } from '../../../domain/train-from-box-text.js';
import { packagingMessage } from '../../views/box-job.js';

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
  const errors = (message: string, block: string = TRAIN_FORM.blocks.command) => ack({ response_action: 'errors', errors: { [block]: message.slice(0, 1500) } });
  const fromBox = fromBoxCommand(line);
  if (fromBox !== null) {
    // [Train] on a box's card opens this form with --from-box written in.
    if (!fromBox.ok) return errors(fromBox.error.message);
    if (deps.boxJobs === undefined) return errors('Training from a box is not set up here.');
    const boxWork = deps.boxJobs.submit({ userId: body.user.id, channelId: channel, requestKey: formRequestKey(view, form) }, fromBox.value).catch((error: unknown) => {
      const errorId = randomUUID().slice(0, 8);
      deps.log.error('/train form failed', { errorId, error, user: body.user.id });
      return { ok: false as const, error: { code: 'INTERNAL', message: `Sorry, something went wrong on my side; quote error id ${errorId}.` } };
    });
    // As below: past the ack deadline the form closes and the outcome follows as a message.
    const answered = await raceAckDeadline(boxWork, deadlineMs);
    if (answered !== 'late' && !answered.ok) return errors(answered.error.message);
    await ack();
    const result = answered === 'late' ? await boxWork : answered;
    const reply = result.ok ? packagingMessage(result.value.job, result.value.job.request.notes) : errorMessage(result.error.message);
    await client.chat.postEphemeral({ channel, user: body.user.id, text: reply.text, blocks: reply.blocks }).catch((error: unknown) => deps.log.warn('could not answer the /train form', { error }));
    return;
  }
  const parsed = parseTrainCommand(line, { today: trainDay(deps.clock.now()), ...(form.config !== null ? { configText: form.config } : {}) });
  if (!parsed.ok) {
    // A mistake in the tuning config is shown under the config, where it is to be fixed.
    const inConfig = (TUNING_ERROR_CODES as readonly string[]).includes(parsed.error.code);
    return errors(parsed.error.message, inConfig ? TRAIN_FORM.blocks.config : TRAIN_FORM.blocks.command);
  }
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
