/** The `/gpu up` modal's submission: validate, answer errors beside the right input, or record the box. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_MS, startLookup, within } from '../../price-lookup.js';
import { readUpForm, UP_FORM } from '../../views/up-form.js';
import { requestedMessage } from '../../views/replies.js';
import { apologyMessage } from '../../views/messages.js';

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

export async function handleGpuUpForm({ ack, body, view, client }: Args, deps: ListenerDeps): Promise<void> {
  const form = readUpForm(view.state.values);
  let channel = body.user.id;
  try {
    const meta = JSON.parse(view.private_metadata || '{}') as { channel?: unknown };
    if (typeof meta.channel === 'string' && /^[CDG][A-Z0-9]+$/.test(meta.channel)) channel = meta.channel;
  } catch {
    // A form without our metadata (opened from the App Home) posts its card in the owner's DM.
  }
  try {
    // The form is another way to ask for a box, so budgets apply to it as to `/gpu up`.
    const verdict = deps.budgetGate !== undefined ? await deps.budgetGate.check(body.user.id) : null;
    if (verdict?.kind === 'refuse') {
      await ack({ response_action: 'errors', errors: { [UP_FORM.blocks.name]: plainError(verdict.message) } });
      return;
    }
    const result = await deps.boxes.requestBox(
      { userId: body.user.id, channelId: channel, requestKey: `view:${view.id}:${view.hash}` },
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
      verdict?.kind === 'approve' ? { pastBudget: verdict.overrun } : {},
    );
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: { [blockFor(result.error.code)]: result.error.message.slice(0, 300) } });
      return;
    }
    await ack();
    const box = result.value.box;
    const message = requestedMessage(box, await within(startLookup(deps.prices, box.spec.region, deps.log), PRICE_WAIT_MS));
    await client.chat.postEphemeral({ channel, user: body.user.id, text: message.text, blocks: message.blocks as never }).catch(() => undefined);
  } catch (error) {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error('/gpu form failed', { errorId, error });
    await ack({ response_action: 'errors', errors: { [UP_FORM.blocks.name]: apologyMessage(errorId).text.slice(0, 300) } });
  }
}
