/**
 * The baseline: the smallest Bolt app that answers `/gpu` over HTTP, configured from the same
 * environment as gpubot (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL, PORT). It only acks;
 * whatever gpubot spends beyond this is gpubot's own.
 *
 * With BARE_BOLT_FIRESTORE_READ=1 it is the floor under gpubot's cold start instead: it also loads
 * @google-cloud/firestore and, as gpubot does, waits for one Firestore read before it listens.
 *
 * With BARE_BOLT_FIRESTORE_TX=1 (which implies the read) it is the floor under gpubot's acks: per
 * command, before it answers, the Firestore work gpubot cannot do without, one transaction that reads
 * the request key (a retried Slack request must change nothing twice) and writes it with a record.
 *
 * BARE_BOLT_PREFER_REST=1 makes its Firestore client use `preferRest` (HTTP/1.1 and JSON instead of
 * gRPC, https://cloud.google.com/nodejs/docs/reference/firestore/latest/firestore/settings), to measure
 * what that setting does to the cold start.
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

const withTx = env.BARE_BOLT_FIRESTORE_TX === '1';
const withRead = withTx || env.BARE_BOLT_FIRESTORE_READ === '1';

let record: ((key: string, user: string, text: string) => Promise<void>) | null = null;
if (withRead) {
  // The same client settings as gpubot's store/firestore.ts for an emulator.
  const { Firestore } = await import('@google-cloud/firestore');
  const emulator = { host: env.FIRESTORE_EMULATOR_HOST ?? '', ssl: false, clientOptions: { universeDomain: 'googleapis.com' } };
  let rest = {};
  if (env.BARE_BOLT_PREFER_REST === '1') {
    // Over REST the client does not send the emulator's owner token by itself: an auth client that does.
    const { GoogleAuth, OAuth2Client } = await import('google-auth-library');
    const owner = new OAuth2Client();
    owner.setCredentials({ access_token: 'owner' });
    rest = { preferRest: true, protocol: 'http', auth: new GoogleAuth({ authClient: owner }) };
  }
  const db = new Firestore({ projectId: env.GOOGLE_CLOUD_PROJECT ?? 'gpubot-bench', ...emulator, ...rest, ignoreUndefinedProperties: true });
  await db.collection('leases').doc('worker').get();
  if (withTx) {
    record = async (key, user, text) => {
      const keyRef = db.collection('floorRequests').doc(key);
      await db.runTransaction(async (t) => {
        if ((await t.get(keyRef)).exists) return;
        t.set(keyRef, { at: Date.now() });
        t.set(db.collection('floorRecords').doc(key), { user, text, at: Date.now() });
      });
    };
  }
}

app.command('/gpu', async ({ ack, command }) => {
  if (record !== null) await record(`${command.team_id}-${command.trigger_id}`, command.user_id, command.text);
  await ack({ text: 'ok' });
});

await app.start(port);

const stop = (): void => {
  void app.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
