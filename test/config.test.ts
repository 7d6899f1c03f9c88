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
  assert.equal(loadConfig({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }).slack.kind, 'socket');
  assert.equal(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).slack.kind, 'http');
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
