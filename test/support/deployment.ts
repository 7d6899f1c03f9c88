/**
 * A deployment for `gpubot doctor` to check, entirely local: the Google sandbox with the project set up
 * as the deploy guide says (APIs, IAM, quotas, organization policy, Firestore with firestore.indexes.json
 * deployed) and a Slack workspace where the app was installed from manifest.yml, and the environment
 * that points the doctor at them. Tests switch faults on through the sandboxes' own methods.
 */
import { readFileSync } from 'node:fs';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { ComputeProjectSandbox } from '../../src/sandbox/google/compute-project.js';
import { FirestoreAdminSandbox } from '../../src/sandbox/google/firestore-admin.js';
import { IamPoliciesSandbox } from '../../src/sandbox/google/iam-policies.js';
import { OrgPolicySandbox } from '../../src/sandbox/google/org-policy.js';
import { ServiceUsageSandbox } from '../../src/sandbox/google/service-usage.js';
import { startGoogleSandbox, type GoogleSandbox, type SandboxHandler, type SandboxRequest, type SandboxResponse } from '../../src/sandbox/google/server.js';
import { manifestBotScopes } from '../../src/sandbox/slack/manifest.js';
import { SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';

export const PROJECT = 'gpubot-doctor';
export const BOT_ACCOUNT = `gpubot@${PROJECT}.iam.gserviceaccount.com`;
export const DIGEST_CHANNEL = 'C0DIGEST';
export const ADMIN_CHANNEL = 'C0ADMIN';
const ROOT = new URL('../../', import.meta.url);

export interface TestDeployment {
  serviceUsage: ServiceUsageSandbox;
  iam: IamPoliciesSandbox;
  orgPolicy: OrgPolicySandbox;
  firestore: FirestoreAdminSandbox;
  compute: ComputeSandbox;
  slack: SlackSimulator;
  server: GoogleSandbox;
  /** Every Google request the sandboxes answered, with the answer. */
  exchanges: { req: SandboxRequest; res: SandboxResponse }[];
  /** The environment `npm run doctor` would run with. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startTestDeployment(): Promise<TestDeployment> {
  const serviceUsage = new ServiceUsageSandbox({ project: PROJECT });
  const iam = new IamPoliciesSandbox({ project: PROJECT });
  const orgPolicy = new OrgPolicySandbox({ project: PROJECT });
  const firestore = new FirestoreAdminSandbox({ project: PROJECT });
  // Deployed as the Firebase CLI deploys it: the file as it is.
  firestore.deployIndexes(JSON.parse(readFileSync(new URL('firestore.indexes.json', ROOT), 'utf8')) as Parameters<FirestoreAdminSandbox['deployIndexes']>[0]);
  const compute = new ComputeSandbox({ project: PROJECT });
  const exchanges: TestDeployment['exchanges'] = [];
  const recorded = (handler: SandboxHandler): SandboxHandler => ({
    async handle(req) {
      const res = await handler.handle(req);
      if (res !== null) exchanges.push({ req, res });
      return res;
    },
  });
  const server = await startGoogleSandbox({
    handlers: [serviceUsage, iam, orgPolicy, firestore, new ComputeProjectSandbox(compute), compute].map(recorded),
  });
  const slack = new SlackSimulator({
    botToken: 'xoxb-doctor-test',
    channels: { [DIGEST_CHANNEL]: 'gpu-costs', [ADMIN_CHANNEL]: 'gpu-admins' },
    // Installed from the manifest: the token carries exactly the scopes it lists.
    grantedScopes: manifestBotScopes(readFileSync(new URL('manifest.yml', ROOT), 'utf8')),
  });
  await slack.start();
  const env: Record<string, string> = {
    GOOGLE_CLOUD_PROJECT: PROJECT,
    GCP_ENDPOINT: server.url,
    GPUBOT_REGION: 'us-central1',
    GPUBOT_SERVICE_ACCOUNT: BOT_ACCOUNT,
    SLACK_SIGNING_SECRET: 'doctor-test-signing-secret',
    SLACK_BOT_TOKEN: 'xoxb-doctor-test',
    SLACK_API_URL: slack.apiUrl,
    GPUBOT_DIGEST_CHANNEL: DIGEST_CHANNEL,
    GPUBOT_ADMIN_CHANNEL: ADMIN_CHANNEL,
    METADATA_SERVER_DETECTION: 'none',
  };
  return {
    serviceUsage,
    iam,
    orgPolicy,
    firestore,
    compute,
    slack,
    server,
    exchanges,
    env,
    close: async () => {
      await slack.close();
      await server.close();
    },
  };
}
