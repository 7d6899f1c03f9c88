/**
 * README's deploy guide says what `src/domain/deploy-requirements.ts` says: the APIs it enables, the
 * roles it binds and where, the Firestore indexes of firestore.indexes.json, and manifest.yml's scopes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BOT_ROLES, BOX_ROLES, DEPLOY_APIS, REQUIRED_APIS, SLACK_SCOPES, type RequiredRole, type RoleGrantedOn } from '../src/domain/deploy-requirements.js';
import { readManifestBotScopes } from '../src/sandbox/slack/manifest.js';
import { flagValue, flagValues, readmeShell, shellLines, words } from './support/readme.js';

const shell = readmeShell();
const commands = shell.gcloud.map((l) => ({ ...l, argv: words(l.text, shell.assignments) }));
const value = (name: string): string => words(`$${name}`, shell.assignments)[0] ?? '';
const BOT_SA = value('BOT_SA');
const BOX_SA = value('BOX_SA');

/** The commands whose words start with `prefix` (`gcloud services enable`). */
function starting(prefix: string): typeof commands {
  const head = prefix.split(' ');
  return commands.filter((c) => head.every((w, i) => c.argv[i] === w));
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const rolesOn = (roles: readonly RequiredRole[], on: RoleGrantedOn): string[] => sorted(roles.filter((r) => r.on === on).map((r) => r.role));

describe("README's deploy guide and the list of what a deployment needs", () => {
  test('the service accounts are named once and used by the commands', () => {
    assert.match(BOT_SA, /^gpubot@[a-z0-9-]+\.iam\.gserviceaccount\.com$/);
    assert.match(BOX_SA, /^gpubot-box@[a-z0-9-]+\.iam\.gserviceaccount\.com$/);
    const created = starting('gcloud iam service-accounts create').map((c) => c.argv[4]);
    assert.deepEqual(sorted(created.map((name) => `${name ?? ''}@${BOT_SA.split('@')[1] ?? ''}`)), sorted([BOT_SA, BOX_SA]));
  });

  test('one enable line names exactly the APIs the bot calls and the ones its deployment uses', () => {
    const enable = starting('gcloud services enable');
    assert.equal(enable.length, 1, 'one line, so nothing is forgotten between two');
    const services = (enable[0]?.argv ?? []).slice(3).filter((w) => !w.startsWith('--'));
    assert.deepEqual(sorted(services), sorted([...REQUIRED_APIS, ...DEPLOY_APIS].map((a) => a.service)));
  });

  test("the project role bindings give the bot's and the boxes' accounts exactly their roles", () => {
    const bindings = starting('gcloud projects add-iam-policy-binding');
    const rolesOf = (account: string): string[] =>
      sorted(bindings.filter((b) => flagValue(b.argv, 'member') === `serviceAccount:${account}`).map((b) => (flagValue(b.argv, 'role') ?? '').replace(`projects/${value('PROJECT')}/roles/`, 'projects/PROJECT/roles/')));
    assert.deepEqual(rolesOf(BOT_SA), rolesOn(BOT_ROLES, 'project'));
    assert.deepEqual(rolesOf(BOX_SA), rolesOn(BOX_ROLES, 'project'));
    for (const b of bindings) assert.equal(b.argv[3], value('PROJECT'), `README line ${b.line} binds on the project`);
  });

  test("the bot may act as the boxes' account, bound on that account only", () => {
    const bindings = starting('gcloud iam service-accounts add-iam-policy-binding');
    assert.ok(bindings.every((b) => b.argv[4] === BOX_SA && flagValue(b.argv, 'member') === `serviceAccount:${BOT_SA}`));
    assert.deepEqual(sorted(bindings.map((b) => flagValue(b.argv, 'role') ?? '')), rolesOn(BOT_ROLES, 'box-service-account'));
  });

  test('the secrets the service mounts are created, and only the bot may read each', () => {
    const deploy = starting('gcloud run deploy gpubot');
    assert.equal(deploy.length, 1);
    const argv = deploy[0]?.argv ?? [];
    assert.equal(flagValue(argv, 'service-account'), BOT_SA);
    assert.match(flagValue(argv, 'set-env-vars') ?? '', new RegExp(`GPUBOT_BOX_SERVICE_ACCOUNT=${BOX_SA.replace(/\./g, '\\.')}`));
    const mounted = (flagValue(argv, 'set-secrets') ?? '').split(',').map((pair) => pair.split('=')[1]?.split(':')[0] ?? '');
    assert.deepEqual(sorted(mounted), ['slack-bot-token', 'slack-signing-secret']);
    assert.deepEqual(sorted(starting('gcloud secrets create').map((c) => c.argv[3] ?? '')), sorted(mounted));
    const grants = starting('gcloud secrets add-iam-policy-binding');
    for (const secret of mounted) {
      const roles = grants.filter((g) => g.argv[3] === secret && flagValue(g.argv, 'member') === `serviceAccount:${BOT_SA}`).map((g) => flagValue(g.argv, 'role') ?? '');
      assert.deepEqual(sorted(roles), rolesOn(BOT_ROLES, 'slack-secrets'), secret);
    }
  });

  test('the index lines create exactly the composite indexes of firestore.indexes.json', () => {
    const file = JSON.parse(readFileSync(new URL('../firestore.indexes.json', import.meta.url), 'utf8')) as {
      indexes: { collectionGroup: string; fields: { fieldPath: string; order: string }[] }[];
    };
    const fromFile = sorted(file.indexes.map((i) => `${i.collectionGroup}: ${i.fields.map((f) => `${f.fieldPath} ${f.order.toLowerCase()}`).join(', ')}`));
    const fromReadme = sorted(
      starting('gcloud firestore indexes composite create').map((c) => {
        const fields = flagValues(c.argv, 'field-config').map((f) => {
          const parts = Object.fromEntries(f.split(',').map((kv) => kv.split('=') as [string, string]));
          return `${parts['field-path'] ?? ''} ${parts.order ?? ''}`;
        });
        return `${flagValue(c.argv, 'collection-group') ?? ''}: ${fields.join(', ')}`;
      }),
    );
    assert.deepEqual(fromReadme, fromFile);
  });

  test('the Cloud Scheduler job names its location (gcloud cannot guess it)', () => {
    const jobs = starting('gcloud scheduler jobs create');
    assert.equal(jobs.length, 1);
    assert.equal(flagValue(jobs[0]?.argv ?? [], 'location'), value('REGION'));
  });

  test("manifest.yml's bot scopes are exactly the scopes the features need", () => {
    assert.deepEqual(sorted(readManifestBotScopes()), sorted(SLACK_SCOPES.map((s) => s.scope)));
  });

  test('every requirement says why', () => {
    for (const item of [...REQUIRED_APIS, ...DEPLOY_APIS, ...BOT_ROLES, ...BOX_ROLES, ...SLACK_SCOPES]) assert.ok(item.why.length > 10, JSON.stringify(item));
  });
});

describe('reading the shell lines of Markdown', () => {
  test('continuations join, comments and other fences are left out, indented blocks are read', () => {
    const md = ['```', 'gcloud not-shell', '```', '1. step', '   ```sh', '   # a comment', '   A=1   # why', '   gcloud x --a $A \\', '     --b "two words"', '   ```'].join('\n');
    const lines = shellLines(md);
    assert.deepEqual(lines.map((l) => l.text), ['A=1   # why', 'gcloud x --a $A --b "two words"']);
    assert.equal(lines[1]?.line, 8);
    const parsed = readmeShell(md);
    assert.deepEqual(words(parsed.gcloud[0]?.text ?? '', parsed.assignments), ['gcloud', 'x', '--a', '1', '--b', 'two words']);
  });
});
