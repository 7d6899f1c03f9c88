/** The `/gpu up` modal's submission: validate, answer errors beside the right input, or record the box. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { createHash, randomUUID } from 'node:crypto';
import type { Box } from '../../../domain/box.js';
import { ACK_DEADLINE_MS, raceAckDeadline } from '../../ack-deadline.js';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_MS, startLookup, within } from '../../price-lookup.js';
import { readUpForm, UP_FORM } from '../../views/up-form.js';
import { requestedMessage } from '../../views/replies.js';
import { apologyMessage, errorMessage } from '../../views/messages.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function registerGpuUpForm(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(UP_FORM.callbackId, (args) => handleGpuUpForm(args, deps));
}

/** An input error is plain text of at most 300 characters: the refusal's code quoting is dropped. */
function plainError(text: string): string {
  const plainText = text.replace(/`/g, '');
  return plainText.length <= 300 ? plainText : `${plainText.slice(0, 299)}…`;
}

/** Which input an error belongs beside, judged by its code. */
function blockFor(code: string): string {
  if (/PROVISIONING|MAX_RUN|CONFLICTING/.test(code)) return UP_FORM.blocks.spot;
  if (/DISK/.test(code)) return UP_FORM.blocks.disk;
  if (/COUNT/.test(code)) return UP_FORM.blocks.count;
  if (/ZONE|REGION/.test(code)) return UP_FORM.blocks.region;
  if (/GPU|MACHINE|ACCELERATOR/.test(code)) return UP_FORM.blocks.gpu;
  return UP_FORM.blocks.name;
}

/**
 * The request key of a form submission: the view, and what was submitted. A form answered with
 * errors keeps its view id and hash (Slack changes neither), so a key of those alone would replay the
 * first answer ("name taken") after the person fixed the name; a retry of the same submission (same
 * values) still finds the first run.
 */
export function formRequestKey(view: { id: string }, values: unknown): string {
  return `view:${view.id}:${createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32)}`;
}

type FormOutcome = { kind: 'errors'; errors: Record<string, string> } | { kind: 'recorded'; box: Box } | { kind: 'failed'; errorId: string };

export async function handleGpuUpForm({ ack, body, view, client }: Args, deps: ListenerDeps, deadlineMs = ACK_DEADLINE_MS): Promise<void> {
  const form = readUpForm(view.state.values);
  let channel = body.user.id;
  try {
    const meta = JSON.parse(view.private_metadata || '{}') as { channel?: unknown };
    if (typeof meta.channel === 'string' && /^[CDG][A-Z0-9]+$/.test(meta.channel)) channel = meta.channel;
  } catch {
    // A form without our metadata (opened from the App Home) posts its card in the owner's DM.
  }
  const work = (async (): Promise<FormOutcome> => {
    // The form is another way to ask for a box: requestBox applies the policy and budgets as to `/gpu up`.
    const result = await deps.boxes.requestBox(
      { userId: body.user.id, channelId: channel, requestKey: formRequestKey(view, form) },
      {
        name: form.name,
        gpu: form.gpu,
        gpuCount: form.count,
        machineType: null,
        zone: null,
        region: form.region,
        diskGb: form.disk,
        imageFamily: null,
        spot: form.spot,
        ...(form.flexStart ? { flexStart: true } : {}),
      },
    );
    if (!result.ok) return { kind: 'errors', errors: { [blockFor(result.error.code)]: plainError(result.error.message) } };
    return { kind: 'recorded', box: result.value.box };
  })().catch((error: unknown): FormOutcome => {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error('/gpu form failed', { errorId, error });
    return { kind: 'failed', errorId };
  });

  // Slack waits 3 seconds for the ack; a slow Firestore must not turn a recorded box into an error on
  // screen. Past the deadline the form closes, and the outcome follows as a message.
  const first = await raceAckDeadline(work, deadlineMs);
  if (first === 'late') {
    await ack();
    const outcome = await work;
    const message =
      outcome.kind === 'recorded'
        ? requestedMessage(outcome.box, await within(startLookup(deps.prices, outcome.box.spec.region, deps.log), PRICE_WAIT_MS))
        : outcome.kind === 'errors'
          ? errorMessage(Object.values(outcome.errors).join(' '))
          : apologyMessage(outcome.errorId);
    await client.chat.postEphemeral({ channel, user: body.user.id, text: message.text, blocks: message.blocks }).catch(() => undefined);
    return;
  }
  if (first.kind === 'errors') {
    await ack({ response_action: 'errors', errors: first.errors });
    return;
  }
  if (first.kind === 'failed') {
    await ack({ response_action: 'errors', errors: { [UP_FORM.blocks.name]: apologyMessage(first.errorId).text.slice(0, 300) } });
    return;
  }
  await ack();
  const box = first.box;
  const message = requestedMessage(box, await within(startLookup(deps.prices, box.spec.region, deps.log), PRICE_WAIT_MS));
  await client.chat.postEphemeral({ channel, user: body.user.id, text: message.text, blocks: message.blocks }).catch(() => undefined);
}
