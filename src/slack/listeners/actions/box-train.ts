/** [Train] on a ready box's card: the /train form, filled in to train what is on the box. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { BOX_JOB_ACTIONS, trainFromBoxForm } from '../../views/box-job.js';
import { replyTo, type ButtonArgs } from './button.js';
import { errorMessage } from '../../views/messages.js';

/** [Train] on a ready box's card. */
export function registerBoxTrain(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(BOX_JOB_ACTIONS.train, (args) => openTrainForm(args, deps));
}

/**
 * [Train]: the /train form, filled in with `--from-box BOX`, opened right after the ack while the
 * trigger_id is good; only for the box's owner or an admin (checked again when the form is submitted).
 */
async function openTrainForm(args: ButtonArgs, deps: ListenerDeps): Promise<void> {
  await args.ack();
  const channel = args.body.channel?.id ?? args.body.user.id;
  try {
    const box = await deps.boxes.connect({ userId: args.body.user.id }, { id: args.action.value ?? '' });
    if (!box.ok) return await replyTo(args, errorMessage(box.error.message));
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: trainFromBoxForm(box.value, { defaultRegion: deps.region, regions: deps.regions, privateMetadata: JSON.stringify({ channel }) }),
    });
  } catch (error) {
    deps.log.warn('could not open the /train form', { error });
  }
}
