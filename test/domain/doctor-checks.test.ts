import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allPassed, checkLine, createIndexCommand, externalIpsAllowed, findIndex, holdsRole, quotaId, quotaIncreaseCommand } from '../../src/domain/doctor-checks.js';
import { externalIpPolicyOf } from '../../src/gcp/deployment.js';
import { manifestBotScopes } from '../../src/sandbox/slack/manifest.js';

const OWNER_LIVE = {
  collectionGroup: 'boxes',
  queryScope: 'COLLECTION',
  fields: [
    { fieldPath: 'owner', order: 'ASCENDING' },
    { fieldPath: 'live', order: 'ASCENDING' },
  ],
};

test('a deployed index serves a required one whatever __name__ Firestore appended, and only with the same fields, order and scope', () => {
  const deployed = { ...OWNER_LIVE, fields: [...OWNER_LIVE.fields, { fieldPath: '__name__', order: 'ASCENDING' }], state: 'READY' };
  assert.equal(findIndex(OWNER_LIVE, [deployed]), deployed);
  const cases = [
    { why: 'fields in another order', index: { ...deployed, fields: [OWNER_LIVE.fields[1], OWNER_LIVE.fields[0]] } },
    { why: 'a descending field', index: { ...deployed, fields: [OWNER_LIVE.fields[0], { fieldPath: 'live', order: 'DESCENDING' }] } },
    { why: 'a collection-group scope', index: { ...deployed, queryScope: 'COLLECTION_GROUP' } },
    { why: 'another collection', index: { ...deployed, collectionGroup: 'jobs' } },
    { why: 'a field fewer', index: { ...deployed, fields: [OWNER_LIVE.fields[0]] } },
  ];
  for (const c of cases) assert.equal(findIndex(OWNER_LIVE, [c.index as typeof deployed]), null, c.why);
});

test('the index fix is the gcloud line for exactly that index and database', () => {
  assert.equal(
    createIndexCommand(OWNER_LIVE, 'p1', '(default)'),
    'gcloud firestore indexes composite create --project=p1 --collection-group=boxes --field-config=field-path=owner,order=ascending --field-config=field-path=live,order=ascending',
  );
  assert.match(createIndexCommand({ ...OWNER_LIVE, queryScope: 'COLLECTION_GROUP' }, 'p1', 'gpubot'), /--database=gpubot --collection-group=boxes --query-scope=collection-group /);
});

test("quota ids are Compute's limit names for its metrics", () => {
  assert.equal(quotaId('NVIDIA_T4_GPUS', true), 'NVIDIA-T4-GPUS-per-project-region');
  assert.equal(quotaId('PREEMPTIBLE_NVIDIA_A100_80GB_GPUS', true), 'PREEMPTIBLE-NVIDIA-A100-80GB-GPUS-per-project-region');
  assert.equal(quotaId('GPUS_ALL_REGIONS', false), 'GPUS-ALL-REGIONS-per-project');
  assert.doesNotMatch(quotaIncreaseCommand('GPUS_ALL_REGIONS', 'p1', null, 4), /--dimensions/);
});

test('an effective external-IP policy means what its rules say; conditional rules do not apply to untagged boxes', () => {
  assert.deepEqual(externalIpPolicyOf({}), { kind: 'allow-all' });
  assert.deepEqual(externalIpPolicyOf({ rules: [{ denyAll: true }] }), { kind: 'deny-all' });
  assert.deepEqual(externalIpPolicyOf({ rules: [{ allowAll: true }] }), { kind: 'allow-all' });
  assert.deepEqual(externalIpPolicyOf({ rules: [{ values: { allowedValues: ['projects/p/zones/z/instances/a'] } }] }), { kind: 'listed', allowed: ['projects/p/zones/z/instances/a'] });
  assert.deepEqual(externalIpPolicyOf({ rules: [{ denyAll: true, condition: { expression: "resource.matchTag('1/env', 'prod')" } }] }), { kind: 'allow-all' });
  assert.equal(externalIpsAllowed({ kind: 'listed', allowed: [] }), false);
});

test('a role counts only through an unconditional binding to that member', () => {
  const bindings = [
    { role: 'roles/a', members: ['serviceAccount:x@p.iam.gserviceaccount.com'], conditional: true },
    { role: 'roles/b', members: ['serviceAccount:x@p.iam.gserviceaccount.com'], conditional: false },
  ];
  assert.equal(holdsRole(bindings, 'roles/a', 'serviceAccount:x@p.iam.gserviceaccount.com'), false);
  assert.equal(holdsRole(bindings, 'roles/b', 'serviceAccount:x@p.iam.gserviceaccount.com'), true);
  assert.equal(holdsRole(bindings, 'roles/b', 'serviceAccount:y@p.iam.gserviceaccount.com'), false);
});

test('a check is one line, and skipped checks do not fail the run', () => {
  assert.equal(checkLine({ name: 'API x', status: 'fail', detail: 'disabled', fix: 'gcloud services enable x' }), 'FAIL  API x: disabled. Fix: gcloud services enable x');
  assert.equal(allPassed([{ name: 'a', status: 'pass', detail: 'ok' }, { name: 'b', status: 'skip', detail: 'no' }]), true);
  assert.equal(allPassed([{ name: 'a', status: 'fail', detail: 'no', fix: 'f' }]), false);
});

test("the simulator reads a manifest's bot scopes, comments and other lists aside", () => {
  const manifest = [
    'features:',
    '  slash_commands:',
    '    - command: /gpu',
    'oauth_config:',
    '  scopes:',
    '    bot:',
    '      - commands   # /gpu',
    '      - chat:write',
    '    user:',
    '      - search:read',
    'settings:',
    '  socket_mode_enabled: false',
  ].join('\n');
  assert.deepEqual(manifestBotScopes(manifest), ['commands', 'chat:write']);
});
