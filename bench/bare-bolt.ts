/**
 * The baseline: the smallest Bolt app that answers `/gpu` over HTTP, configured from the same
 * environment as gpubot (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL, PORT). It only acks;
 * whatever gpubot spends beyond this is gpubot's own.
 *
 * With BARE_BOLT_FIRESTORE_READ=1 it is the floor under gpubot's cold start instead: it also loads
 * @google-cloud/firestore and, as gpubot does, waits for one Firestore read before it listens.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const env = process.env;
const port = Number(env.PORT ?? '3000');
const apiUrl = env.SLACK_API_URL;

const receiver = new HTTPReceiver({
  signingSecret: env.SLACK_SIGNING_SECRET ?? '',
  port,
  customRoutes: [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      },
    },
  ],
});

const app = new App({
  token: env.SLACK_BOT_TOKEN ?? '',
  receiver,
  logLevel: LogLevel.WARN,
  ...(apiUrl === undefined ? {} : { clientOptions: { slackApiUrl: apiUrl } }),
});

app.command('/gpu', async ({ ack }) => ack({ text: 'ok' }));

if (env.BARE_BOLT_FIRESTORE_READ === '1') {
  // The same client settings as gpubot's store/firestore.ts for an emulator.
  const { Firestore } = await import('@google-cloud/firestore');
  const db = new Firestore({ projectId: env.GOOGLE_CLOUD_PROJECT ?? 'gpubot-bench', host: env.FIRESTORE_EMULATOR_HOST ?? '', ssl: false, clientOptions: { universeDomain: 'googleapis.com' }, ignoreUndefinedProperties: true });
  await db.collection('leases').doc('worker').get();
}

await app.start(port);

const stop = (): void => {
  void app.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
