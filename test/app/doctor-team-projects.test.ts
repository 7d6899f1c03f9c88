/**
 * `gpubot doctor` with channels bound to other projects (`/gpu team`): each bound project gets the
 * checks that creating boxes and jobs there needs (its APIs, the bot's and the boxes' roles), one line
 * per check naming the project, with a fix that names it too. Real adapters against two sandbox
 * projects on one server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Doctor } from '../../src/app/doctor.js';
import { checkLine } from '../../src/domain/doctor-checks.js';
import { GoogleDeploymentAdapter } from '../../src/gcp/deployment.js';
import { IamPoliciesSandbox } from '../../src/sandbox/google/iam-policies.js';
import { ServiceUsageSandbox } from '../../src/sandbox/google/service-usage.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { sandboxAuth } from '../support/cloud.js';

const HOME = 'gpubot-doctor';
const TEAM = 'vision-team-lab';
const BOT = `gpubot@${HOME}.iam.gserviceaccount.com`;
const BOX = `gpubot-box@${HOME}.iam.gserviceaccount.com`;

test("each bound project's APIs and roles are checked, one line each naming the project; a gap there fails with a fix for that project", async () => {
  const homeIam = new IamPoliciesSandbox({ project: HOME });
  const teamUsage = new ServiceUsageSandbox({ project: TEAM });
  const teamIam = new IamPoliciesSandbox({ project: TEAM });
  const server = await startGoogleSandbox({ handlers: [new ServiceUsageSandbox({ project: HOME }), homeIam, teamUsage, teamIam] });
  const adapter = (project: string) => new GoogleDeploymentAdapter({ project, authClient: sandboxAuth(), rootUrl: server.url });
  // The deploy guide's grants, made again in the team project for the home project's accounts.
  for (const role of ['roles/compute.instanceAdmin.v1', 'roles/monitoring.viewer', 'roles/aiplatform.user', 'roles/logging.viewer']) teamIam.grant(`serviceAccount:${BOT}`, role);
  for (const role of ['roles/monitoring.metricWriter', 'roles/logging.logWriter', `projects/${TEAM}/roles/gpubotBoxMetadata`]) teamIam.grant(`serviceAccount:${BOX}`, role);
  let bound: () => Promise<readonly string[]> = () => Promise.resolve([TEAM, HOME]);
  const doctor = new Doctor({
    google: adapter(HOME),
    slack: null,
    settings: {
      project: HOME,
      region: 'us-central1',
      botServiceAccount: BOT,
      boxServiceAccount: BOX,
      boxesHaveExternalIp: false,
      firestoreDatabase: null,
      indexes: [],
      gpuQuotas: [],
      digestChannel: null,
      adminChannel: null,
    },
    teams: { projects: () => bound(), google: adapter },
  });
  const teamLines = async () => (await doctor.run()).checks.map(checkLine).filter((l) => l.includes(TEAM));
  try {
    const lines = await teamLines();
    // Four APIs, five roles of the bot (no Firestore role: state stays home), three of the boxes'.
    assert.equal(lines.length, 4 + 5 + 3, lines.join('\n'));
    assert.deepEqual(lines.filter((l) => !l.startsWith('ok')), [], lines.join('\n'));
    assert.ok(lines.every((l) => l.includes(` in project ${TEAM}: `)), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith(`ok    API aiplatform.googleapis.com in project ${TEAM}`)));
    assert.ok(!lines.some((l) => /firestore|cloudbilling|datastore/.test(l)), 'the home project alone keeps state and prices');
    // The home project's lines are as before teams: no project named.
    const all = (await doctor.run()).checks.map(checkLine);
    assert.ok(all.some((l) => l.startsWith('ok    API firestore.googleapis.com: ')));

    // Gaps in the team project fail with a fix for the team project.
    teamUsage.disable('aiplatform.googleapis.com');
    teamIam.revoke(`serviceAccount:${BOT}`, 'roles/compute.instanceAdmin.v1');
    const failed = (await teamLines()).filter((l) => l.startsWith('FAIL'));
    assert.equal(failed.length, 2, failed.join('\n'));
    assert.match(failed[0] ?? '', new RegExp(`^FAIL {2}API aiplatform\\.googleapis\\.com in project ${TEAM}: disabled; .* Fix: gcloud services enable aiplatform\\.googleapis\\.com --project=${TEAM}$`));
    assert.match(failed[1] ?? '', new RegExp(`^FAIL {2}role roles/compute\\.instanceAdmin\\.v1 for ${BOT.replace(/\./g, '\\.')} in project ${TEAM}: missing; .* Fix: gcloud projects add-iam-policy-binding ${TEAM} `));
    const report = await doctor.run();
    assert.equal(report.ok, false);

    // Bindings that cannot be read: one failing line says so.
    bound = () => Promise.reject(new Error('firestore unavailable'));
    const unread = (await doctor.run()).checks.map(checkLine).filter((l) => l.includes('team projects'));
    assert.deepEqual(unread, ["FAIL  team projects: the channels' bindings could not be read (firestore unavailable). Fix: check that Firestore answers, then run the doctor again"]);
  } finally {
    await server.close();
  }
});
