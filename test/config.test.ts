import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

test('with no settings at all, every part runs embedded: console, sandbox cloud, embedded Firestore', () => {
  const c = loadConfig({});
  assert.equal(c.slack.kind, 'console');
  assert.equal(c.cloud.kind, 'sandbox');
  assert.equal(c.firestore.kind, 'embedded');
  assert.equal(c.port, 3000);
  assert.equal(c.tickIntervalMs, 30_000);
  assert.equal(c.idleAfterMs, 60 * 60_000);
  assert.equal(c.idleGraceMs, 15 * 60_000);
  assert.ok(Object.isFrozen(c));
});

test('each real setting switches its own part to the real thing', () => {
  const project = { GOOGLE_CLOUD_PROJECT: 'ml-team-123' };
  assert.equal(loadConfig({ ...project, SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }).slack.kind, 'socket');
  assert.equal(loadConfig({ ...project, SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).slack.kind, 'http');
  const real = loadConfig({ GOOGLE_CLOUD_PROJECT: 'ml-team-123' });
  assert.deepEqual(real.cloud, { kind: 'real', project: 'ml-team-123' });
  assert.equal(real.firestore.kind, 'real');
  const endpoint = loadConfig({ GOOGLE_CLOUD_PROJECT: 'ml-team-123', GCP_ENDPOINT: 'http://127.0.0.1:8089/' });
  assert.deepEqual(endpoint.cloud, { kind: 'endpoint', project: 'ml-team-123', endpoint: 'http://127.0.0.1:8089', loopback: true });
  assert.equal(loadConfig({ FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080' }).firestore.kind, 'emulator');
});

test('every wrong setting is named at once with what it should look like', () => {
  try {
    loadConfig({ PORT: 'eighty', TICK_INTERVAL: 'soon', SLACK_BOT_TOKEN: 'abc', GPUBOT_ADMINS: 'bob', GPUBOT_REGION: 'Iowa' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const text = error.message;
    assert.match(text, /PORT is "eighty"; it should be a whole number/);
    assert.match(text, /TICK_INTERVAL .*such as 90s, 15m or 2h/);
    assert.match(text, /SLACK_BOT_TOKEN should be a bot token starting with xoxb-/);
    assert.match(text, /SLACK_SIGNING_SECRET is not/);
    assert.match(text, /GPUBOT_ADMINS has "bob"/);
    assert.match(text, /GPUBOT_REGION is "Iowa"/);
  }
});

test('short timings are allowed and only warned about', () => {
  const c = loadConfig({ TICK_INTERVAL: '2s', IDLE_AFTER: '90s', IDLE_GRACE: '30s' });
  assert.equal(c.tickIntervalMs, 2000);
  assert.equal(c.idleAfterMs, 90_000);
  assert.equal(c.warnings.length, 3);
});

test('a configuration error never prints a secret it was given', () => {
  try {
    loadConfig({ SLACK_BOT_TOKEN: 'xoxb-secret-value', SLACK_APP_TOKEN: 'bad-app-token-value' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.doesNotMatch(error.message, /secret-value|bad-app-token-value/);
  }
});

test('real Slack tokens never run against a simulated cloud or an in-memory Firestore: the missing setting is named', () => {
  const refused = (env: Record<string, string>, pattern: RegExp) => {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
  };
  refused({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }, /GOOGLE_CLOUD_PROJECT is not/);
  refused({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }, /GOOGLE_CLOUD_PROJECT is not/);
  refused({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', GOOGLE_CLOUD_PROJECT: 'ml-team-123', GCP_ENDPOINT: 'http://127.0.0.1:8089' }, /FIRESTORE_EMULATOR_HOST/);
  refused({ GOOGLE_CLOUD_PROJECT: 'ml-team-123', GCP_ENDPOINT: 'https://proxy.example.com' }, /GCP_ENDPOINT .* is not on this machine.*FIRESTORE_EMULATOR_HOST/);
  // Against a Slack simulator on this machine, stand-ins are what a test wants.
  const local = loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9000/api/' });
  assert.equal(local.cloud.kind, 'sandbox');
  // No settings at all is still the embedded default.
  assert.equal(loadConfig({}).firestore.kind, 'embedded');
});

test('/tasks/tick with OIDC names the service account it accepts', () => {
  assert.throws(
    () => loadConfig({ TICK_OIDC_AUDIENCE: 'https://gpubot-abc-uc.a.run.app/tasks/tick' }),
    (error: unknown) => error instanceof ConfigError && /TICK_OIDC_SERVICE_ACCOUNT is not/.test(error.message),
  );
  const ok = loadConfig({ TICK_OIDC_AUDIENCE: 'https://gpubot-abc-uc.a.run.app/tasks/tick', TICK_OIDC_SERVICE_ACCOUNT: 'scheduler@ml-team-123.iam.gserviceaccount.com' });
  assert.equal(ok.tickOidcServiceAccount, 'scheduler@ml-team-123.iam.gserviceaccount.com');
});

test("Jupyter admits the box's owner alone unless project-editors is set on purpose, which is warned about", () => {
  assert.equal(loadConfig({}).jupyterAccess, 'owner');
  const open = loadConfig({ GPUBOT_JUPYTER_ACCESS: 'project_editors' });
  assert.equal(open.jupyterAccess, 'project-editors');
  assert.ok(open.warnings.some((w) => w.includes('every editor of the project')));
  assert.throws(() => loadConfig({ GPUBOT_JUPYTER_ACCESS: 'everyone' }), (e: unknown) => e instanceof ConfigError && e.message.includes('use owner'));
});

test('GPUBOT_GOOGLE_ACCOUNTS maps Slack ids to Google accounts, and names a malformed pair', () => {
  const c = loadConfig({ GPUBOT_GOOGLE_ACCOUNTS: 'U024BE7LH=alice@example.com, U0G9QF9C6=bob@corp.example' });
  assert.deepEqual([...c.googleAccounts], [
    ['U024BE7LH', 'alice@example.com'],
    ['U0G9QF9C6', 'bob@corp.example'],
  ]);
  assert.throws(
    () => loadConfig({ GPUBOT_GOOGLE_ACCOUNTS: 'alice=alice@example.com,U024BE7LH=not-an-address' }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 2 && e.problems.every((p) => p.includes('SLACK_ID=GOOGLE_ACCOUNT')),
  );
});

test("boxes run as the guide's dedicated account unless told otherwise; Compute's default account only when asked for by name", () => {
  const project = { GOOGLE_CLOUD_PROJECT: 'ml-team-123' };
  assert.equal(loadConfig(project).boxServiceAccount, 'gpubot-box@ml-team-123.iam.gserviceaccount.com');
  assert.equal(loadConfig({ ...project, GPUBOT_BOX_SERVICE_ACCOUNT: 'nb@ml-team-123.iam.gserviceaccount.com' }).boxServiceAccount, 'nb@ml-team-123.iam.gserviceaccount.com');
  const broad = loadConfig({ ...project, GPUBOT_BOX_SERVICE_ACCOUNT: 'default' });
  assert.equal(broad.boxServiceAccount, null);
  assert.ok(broad.warnings.some((w) => w.includes('often Editor on the whole project')));
});
