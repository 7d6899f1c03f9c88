import type { App } from '@slack/bolt';

/** The Open JupyterLab button is a link; Slack still sends its click, which only needs an ack. */
export function registerBoxOpen(app: App): void {
  app.action('box_open', async ({ ack }) => {
    await ack();
  });
}
