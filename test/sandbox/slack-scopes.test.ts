import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { webApi } from '@slack/bolt';
import { manifestBotScopes, readManifestBotScopes, yamlList } from '../../src/sandbox/slack/manifest.js';
import { METHOD_SCOPES } from '../../src/sandbox/slack/method-scopes.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';

const { WebClient, ErrorCode, LogLevel } = webApi;

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

interface SlackRefusal {
  error: string;
  needed?: string;
  provided?: string;
}

async function refusal(call: Promise<unknown>): Promise<SlackRefusal> {
  try {
    await call;
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === ErrorCode.PlatformError && 'data' in e) return e.data as SlackRefusal;
    throw e;
  }
  assert.fail('the call succeeded but should have failed');
}

describe('reading the scopes a manifest grants', () => {
  test("the repository's manifest.yml is read as Slack would install it", () => {
    const scopes = readManifestBotScopes();
    assert.ok(scopes.includes('commands') && scopes.includes('chat:write'), scopes.join(','));
    assert.ok(scopes.every((s) => /^[a-z.]+(:[a-z.]+)?$/.test(s)), `no comment or quote left in: ${scopes.join(',')}`);
  });

  test('comments, quotes, flow lists, sibling keys and JSON manifests', () => {
    const yaml = [
      '# an app',
      'features:',
      '  bot_user:',
      '    display_name: x',
      'oauth_config:',
      '  redirect_urls:',
      '    - https://example.com/bot # not a scope',
      '  scopes:',
      '    user:',
      '      - search:read',
      '    bot:',
      '      - commands   # slash commands',
      "      - 'chat:write'",
      '',
      '      - "files:write"',
      'settings:',
      '  socket_mode_enabled: false',
    ].join('\n');
    assert.deepEqual(manifestBotScopes(yaml), ['commands', 'chat:write', 'files:write']);
    assert.deepEqual(yamlList('oauth_config:\n  scopes:\n    bot: [commands, "im:write"]\n', ['oauth_config', 'scopes', 'bot']), ['commands', 'im:write']);
    // A list written at its key's own indentation is still that key's list.
    assert.deepEqual(yamlList('oauth_config:\n  scopes:\n    bot:\n    - commands\n    - chat:write\n  other: 1\n', ['oauth_config', 'scopes', 'bot']), ['commands', 'chat:write']);
    assert.deepEqual(manifestBotScopes(JSON.stringify({ oauth_config: { scopes: { bot: ['commands', 'users:read'] } } })), ['commands', 'users:read']);
    assert.throws(() => manifestBotScopes('oauth_config:\n  scopes:\n    user:\n      - search:read\n'), /no oauth_config\.scopes\.bot/);
  });

  test('a manifest file elsewhere, and a clear error when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpubot-manifest-'));
    try {
      const path = join(dir, 'manifest.yml');
      writeFileSync(path, 'oauth_config:\n  scopes:\n    bot:\n      - chat:write\n');
      assert.deepEqual(readManifestBotScopes(path), ['chat:write']);
      assert.throws(() => readManifestBotScopes(join(dir, 'absent.yml')), /cannot read the Slack app manifest at .*absent\.yml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the simulator grants only the scopes it was given', () => {
  let sim: SlackSimulator;
  let client: InstanceType<typeof WebClient>;

  before(async () => {
    sim = await startSlackSimulator({ channels: { CTEAM: 'ml-team', CLOBBY: 'lobby', GSECRET: 'secret-lab' }, channelsWithoutBot: ['CLOBBY'], grantedScopes: ['commands', 'chat:write'] });
    client = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  });
  afterEach(() => {
    sim.reset();
    for (const scope of sim.scopes.list()) sim.scopes.revoke(scope);
    sim.scopes.grant('commands');
    sim.scopes.grant('chat:write');
  });
  after(() => sim.close());

  test('by default, exactly the scopes of manifest.yml', async () => {
    const fromManifest = await startSlackSimulator();
    try {
      assert.deepEqual(fromManifest.scopes.list(), readManifestBotScopes());
      const ours = new WebClient(fromManifest.botToken, { slackApiUrl: fromManifest.apiUrl, logger: quiet });
      // auth.test is how an app reads its token's scopes: Slack puts them in the x-oauth-scopes header.
      const test = await ours.auth.test();
      assert.deepEqual(test.response_metadata?.scopes, readManifestBotScopes());
    } finally {
      await fromManifest.close();
    }
  });

  test('a file upload without files:write is refused with missing_scope, naming what was needed and what was given', async () => {
    const refused = await refusal(client.filesUploadV2({ channel_id: 'CTEAM', file: Buffer.from('png'), filename: 'chart.png' }));
    assert.deepEqual(refused, { ok: false, error: 'missing_scope', needed: 'files:write', provided: 'commands,chat:write', response_metadata: { scopes: ['commands', 'chat:write'], acceptedScopes: ['files:write'] } });
    assert.equal(sim.uploads.length, 0, 'nothing was stored');
    sim.scopes.grant('files:write');
    await client.filesUploadV2({ channel_id: 'CTEAM', file: Buffer.from('png'), filename: 'chart.png' });
    assert.equal(sim.uploads.filter((u) => u.completed).length, 1);
  });

  test('a file completed into a channel the bot is not in gets not_in_channel, even with chat:write.public', async () => {
    sim.scopes.grant('files:write');
    sim.scopes.grant('chat:write.public');
    const refused = await refusal(client.filesUploadV2({ channel_id: 'CLOBBY', file: Buffer.from('png'), filename: 'chart.png' }));
    assert.equal(refused.error, 'not_in_channel');
    assert.deepEqual(sim.messages('CLOBBY'), []);
  });

  test('chat:write.public lets a message, not a file, into a public channel the bot has not joined; never a private one', async () => {
    assert.equal((await refusal(client.chat.postMessage({ channel: 'CLOBBY', text: 'hello' }))).error, 'not_in_channel');
    sim.scopes.grant('chat:write.public');
    assert.equal((await client.chat.postMessage({ channel: 'CLOBBY', text: 'hello' })).ok, true);
    sim.setBotMembership('GSECRET', false);
    try {
      assert.equal((await refusal(client.chat.postMessage({ channel: 'GSECRET', text: 'hello' }))).error, 'not_in_channel');
    } finally {
      sim.setBotMembership('GSECRET', true);
    }
  });

  test('conversations.open needs im:write for a DM, mpim:write for a group DM', async () => {
    assert.equal((await refusal(client.conversations.open({ users: 'UALICE' }))).needed, 'im:write');
    sim.scopes.grant('im:write');
    assert.match((await client.conversations.open({ users: 'UALICE' })).channel?.id ?? '', /^D/);
    assert.equal((await refusal(client.conversations.open({ users: 'UALICE,UBOB' }))).needed, 'mpim:write');
  });

  test('conversations.info needs the read scope of the conversation type; users.info needs users:read', async () => {
    assert.equal((await refusal(client.conversations.info({ channel: 'CTEAM' }))).needed, 'channels:read');
    assert.equal((await refusal(client.conversations.info({ channel: 'GSECRET' }))).needed, 'groups:read');
    sim.scopes.grant('channels:read');
    assert.equal((await client.conversations.info({ channel: 'CTEAM' })).ok, true);
    assert.equal((await refusal(client.conversations.info({ channel: 'GSECRET' }))).needed, 'groups:read');
    assert.equal((await refusal(client.users.info({ user: 'UALICE' }))).needed, 'users:read');
  });

  test('methods Slack documents as needing no scope work with none', async () => {
    for (const scope of sim.scopes.list()) sim.scopes.revoke(scope);
    assert.equal((await client.auth.test()).ok, true);
    const trigger = sim.mintTrigger('UALICE');
    const opened = await client.views.open({ trigger_id: trigger, view: { type: 'modal', title: { type: 'plain_text', text: 'Form' }, blocks: [] } });
    assert.equal(opened.ok, true);
    assert.equal((await client.views.publish({ user_id: 'UALICE', view: { type: 'home', blocks: [] } })).ok, true);
    // chat.postMessage is not one of them.
    const refused = await refusal(client.chat.postMessage({ channel: 'CTEAM', text: 'x' }));
    assert.deepEqual([refused.error, refused.needed, refused.provided], ['missing_scope', 'chat:write', '']);
  });

  test('every method the simulator answers has a scope rule, and an unknown method is still unknown_method', async () => {
    for (const scope of ['chat:write', 'files:write', 'im:write', 'channels:read', 'groups:read', 'im:read', 'mpim:read', 'channels:join', 'channels:history', 'groups:history', 'im:history', 'mpim:history', 'users:read']) {
      sim.scopes.grant(scope);
    }
    for (const method of Object.keys(METHOD_SCOPES)) {
      if (method === 'apps.connections.open') continue;
      const response = (await client.apiCall(method, {}).catch((e: unknown) => (e as { data: SlackRefusal }).data)) as { error?: string };
      assert.notEqual(response.error, 'unknown_method', method);
      assert.notEqual(response.error, 'missing_scope', method);
    }
    assert.equal((await refusal(client.apiCall('files.upload', { channels: 'CTEAM', content: 'x' }))).error, 'unknown_method');
  });
});
