/** Where a box owner's Google account comes from: the configured mapping, else their Slack profile's email. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { webApi } from '@slack/bolt';
import { SlackGoogleAccounts } from '../../src/slack/google-accounts.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';

const { WebClient, LogLevel } = webApi;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => LogLevel.ERROR, setName: () => undefined };

let sim: SlackSimulator;
before(async () => {
  // The scopes of manifest.yml, as an installed app has them.
  sim = await startSlackSimulator({ users: [{ id: 'UALICE', name: 'alice', email: 'alice@corp.example' }, { id: 'UNOMAIL', email: null }] });
});
after(() => sim.close());

function accounts(mapping: Record<string, string> = {}, now?: () => number): SlackGoogleAccounts {
  const client = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  return new SlackGoogleAccounts(client, new Map(Object.entries(mapping)), now);
}

test("the Slack profile's email is the account, read with the manifest's scopes", async () => {
  assert.deepEqual(await accounts().accountOf('UALICE'), { ok: true, address: 'alice@corp.example' });
  assert.equal(sim.callsTo('users.info').length, 1);
});

test('the configured mapping wins, and Slack is not asked', async () => {
  const before = sim.callsTo('users.info').length;
  assert.deepEqual(await accounts({ UALICE: 'alice@gcp.example' }).accountOf('UALICE'), { ok: true, address: 'alice@gcp.example' });
  assert.equal(sim.callsTo('users.info').length, before);
});

test('a profile without an email is no account, and the reason names the scope', async () => {
  const found = await accounts().accountOf('UNOMAIL');
  assert.equal(found.ok, false);
  assert.ok(!found.ok && found.kind === 'none' && found.reason.includes('users:read.email'), JSON.stringify(found));
});

test('an app installed without users:read.email sees no email, and says which scope it lacks', async () => {
  sim.scopes.revoke('users:read.email');
  try {
    const found = await accounts().accountOf('UALICE');
    assert.ok(!found.ok && found.kind === 'none' && found.reason.includes('users:read.email'), JSON.stringify(found));
  } finally {
    sim.scopes.grant('users:read.email');
  }
});

test('without users:read Slack refuses the call: no account, and the reason names the scopes', async () => {
  sim.scopes.revoke('users:read');
  try {
    const found = await accounts().accountOf('UALICE');
    assert.ok(!found.ok && found.kind === 'none' && /missing_scope/.test(found.reason), JSON.stringify(found));
  } finally {
    sim.scopes.grant('users:read');
  }
});

test('a Slack error that may pass is "unavailable", so the controller asks again next tick', async () => {
  sim.failNext('users.info', 1, { error: 'internal_error' });
  const found = await accounts().accountOf('UALICE');
  assert.ok(!found.ok && found.kind === 'unavailable', JSON.stringify(found));
  assert.deepEqual(await accounts().accountOf('UALICE'), { ok: true, address: 'alice@corp.example' });
});

test('an address is asked of Slack once per person for ten minutes, then again; a refusal is not remembered', async () => {
  let t = 1_000_000;
  const lookups = accounts({}, () => t);
  const before = sim.callsTo('users.info').length;
  for (let i = 0; i < 5; i++) assert.deepEqual(await lookups.accountOf('UALICE'), { ok: true, address: 'alice@corp.example' });
  assert.equal(sim.callsTo('users.info').length - before, 1, 'five boxes, one users.info');
  t += 10 * 60_000;
  await lookups.accountOf('UALICE');
  assert.equal(sim.callsTo('users.info').length - before, 2, 'asked again once the address is ten minutes old');
  await lookups.accountOf('UNOMAIL');
  await lookups.accountOf('UNOMAIL');
  assert.equal(sim.callsTo('users.info').length - before, 4, 'no address, nothing remembered');
});
