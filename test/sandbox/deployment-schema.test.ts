import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDoctor } from '../../src/doctor-cli.js';
import { startTestDeployment } from '../support/deployment.js';
import { Discovery } from '../support/discovery.js';
import { ProtoSchema } from './proto-schema.js';

// Copies of Google's discovery documents, kept in the repository so a clone alone runs the tests.
const DOCS = [Discovery.load('serviceusage.v1.json'), Discovery.load('cloudresourcemanager.v3.json'), Discovery.load('orgpolicy.v2.json')];
const compute = ProtoSchema.loadCompute();

test("the doctor's requests and the stand-ins' answers fit Google's published schemas", async () => {
  const d = await startTestDeployment();
  // A policy with rules, so the rule shape is checked too, not only the empty default.
  d.orgPolicy.forbidExternalIps();
  try {
    await runDoctor(d.env, () => undefined);
    // Boxes on Compute's default account make the doctor read the project's number (projects.get) too.
    await runDoctor({ ...d.env, GPUBOT_BOX_SERVICE_ACCOUNT: 'default' }, () => undefined);
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const { req, res } of d.exchanges) {
      assert.equal(res.status, 200, `${req.method} ${req.path}: ${JSON.stringify(res.body)}`);
      if (req.path.startsWith('/compute/v1/')) {
        // Compute's schema is the protos inside @google-cloud/compute.
        const type = /\/regions\/[^/]+$/.test(req.path) ? 'Region' : 'Project';
        seen.add(`compute ${type}`);
        problems.push(...compute.validate(type, res.body).map((p) => `${req.path}: ${p}`));
        continue;
      }
      if (/^\/v1\/projects\/[^/]+\/(databases|serviceAccounts)\//.test(req.path)) {
        // Firestore Admin and IAM: no discovery document is kept here; their stand-ins cite the REST reference.
        seen.add(req.path.includes('/databases/') ? 'firestore' : 'iam');
        continue;
      }
      const doc = DOCS.find((x) => x.methodFor(req.method, req.path) !== undefined);
      const method = doc?.methodFor(req.method, req.path);
      if (doc === undefined || method === undefined) {
        problems.push(`no discovery method for ${req.method} ${req.path}`);
        continue;
      }
      seen.add(method.id);
      problems.push(...doc.validateRequest(method.id, { method: req.method, path: req.path, query: req.query, ...(req.body !== undefined ? { body: req.body } : {}) }));
      problems.push(...doc.validateResponse(method.id, res.body).map((p) => `${method.id} response: ${p}`));
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(
      [...seen].sort(),
      [
        'cloudresourcemanager.projects.get',
        'cloudresourcemanager.projects.getIamPolicy',
        'compute Project',
        'compute Region',
        'firestore',
        'iam',
        'orgpolicy.projects.policies.getEffectivePolicy',
        'serviceusage.services.batchGet',
      ],
    );
  } finally {
    await d.close();
  }
});

test('the Service Usage stand-in answers get, list with a state filter, and batchGet as the discovery document describes', async () => {
  const d = await startTestDeployment();
  try {
    d.serviceUsage.disable('monitoring.googleapis.com');
    const doc = Discovery.load('serviceusage.v1.json');
    const base = `${d.server.url}/v1/projects/${encodeURIComponent('gpubot-doctor')}`;
    const one = await (await fetch(`${base}/services/monitoring.googleapis.com`)).json();
    assert.deepEqual(doc.validateResponse('serviceusage.services.get', one), []);
    assert.equal((one as { state: string }).state, 'DISABLED');
    const listed = (await (await fetch(`${base}/services?filter=state:ENABLED&pageSize=5`)).json()) as { services: { config: { name: string } }[]; nextPageToken?: string };
    assert.deepEqual(doc.validateResponse('serviceusage.services.list', listed), []);
    assert.equal(listed.services.length, 5);
    assert.ok(listed.nextPageToken !== undefined);
    let names: string[] = [];
    let token: string | undefined = '';
    while (token !== undefined) {
      const page = (await (await fetch(`${base}/services?filter=state:ENABLED${token === '' ? '' : `&pageToken=${token}`}`)).json()) as typeof listed;
      names = [...names, ...page.services.map((s) => s.config.name)];
      token = page.nextPageToken;
    }
    assert.ok(names.includes('compute.googleapis.com'));
    assert.ok(!names.includes('monitoring.googleapis.com'), 'a disabled service is not listed as enabled');
    const unknown = await fetch(`${base}/services:batchGet?names=projects/gpubot-doctor/services/nothing.googleapis.com`);
    assert.equal(unknown.status, 403);
  } finally {
    await d.close();
  }
});
