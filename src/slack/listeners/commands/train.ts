/**
 * `/train` is declared in the manifest so the command exists in Slack; until training jobs land it
 * says plainly that they are not available yet rather than failing silently.
 */
import type { App } from '@slack/bolt';
import { errorMessage } from '../../views/messages.js';

export function registerTrainCommand(app: App): void {
  app.command('/train', async ({ ack }) => {
    const reply = errorMessage('Training jobs are not available in this version of gpubot yet. Use `/gpu up NAME --gpu t4` for a notebook box meanwhile.');
    await ack({ response_type: 'ephemeral', text: reply.text, blocks: reply.blocks as never });
  });
}
