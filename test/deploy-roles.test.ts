// The README's deploy guide grants exactly the roles in src/domain/deploy-requirements.ts, and the instance
// body asks for exactly its scopes: one list, checked where people read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOT_ROLES, BOX_METADATA_ROLE, BOX_ROLES, BOX_SCOPES, DOCTOR_ROLES } from '../src/domain/deploy-requirements.js';
import { instanceResource } from '../src/gcp/compute.js';
import { instancePlan } from '../src/domain/instance-plan.js';
import { makeBox } from './support/boxes.js';

const README = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');

test('the README names every role the bot and the boxes need, and the custom role’s permissions', () => {
  for (const grant of [...BOT_ROLES, ...BOX_ROLES, ...DOCTOR_ROLES]) {
    const role = grant.role.replace(/^projects\/PROJECT\/roles\//, '');
    assert.ok(README.includes(`\`${grant.role}\``) || README.includes(role), `README lacks ${grant.role} (${grant.why})`);
  }
  assert.ok(README.includes(`--permissions=${BOX_METADATA_ROLE.permissions.join(',')}`), 'the custom role is created with exactly its permissions');
});

test('the README grants no predefined role the list does not have', () => {
  const known = new Set([...BOT_ROLES, ...BOX_ROLES, ...DOCTOR_ROLES].map((g) => g.role));
  // roles/iap.tunnelResourceAccessor is for people opening an IAP tunnel, not for a service account.
  const people = new Set(['roles/iap.tunnelResourceAccessor']);
  for (const m of README.matchAll(/(?<![\w/])roles\/[a-zA-Z0-9.]*[a-zA-Z0-9]/g)) {
    const role = m[0];
    if (people.has(role)) continue;
    assert.ok(known.has(role), `README mentions ${role}, which src/domain/deploy-requirements.ts does not list`);
  }
});

test('boxes are created with the scopes the list gives, covering what the proxy agent and the Ops Agent call', () => {
  const body = instanceResource(instancePlan(makeBox(), 'us-central1-a', { network: 'default', subnetwork: null, serviceAccount: 'box@p.iam.gserviceaccount.com' }), 'p');
  assert.deepEqual(body.serviceAccounts, [{ email: 'box@p.iam.gserviceaccount.com', scopes: [...BOX_SCOPES] }]);
  // compute (add-metadata), monitoring.write and logging.write are all within cloud-platform.
  assert.deepEqual(BOX_SCOPES, ['https://www.googleapis.com/auth/cloud-platform']);
});
