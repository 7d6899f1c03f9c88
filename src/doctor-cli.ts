/**
 * `npm run doctor` (or `node dist/doctor-cli.js` where only the built code is, as in the container):
 * checks the deployment the environment describes and prints one line per check, each failure with
 * its fix. Exits 0 when nothing failed, 1 when something did, 2 when the settings themselves are wrong.
 * `/gpu doctor` runs the same check from Slack through `createDoctor`.
 */
import type { AuthClient } from 'google-auth-library';
import type { WebClient } from '@slack/web-api';
import { ConfigError, loadConfig, type Config } from './config.js';
import { Doctor } from './app/doctor.js';
import { checkLine } from './domain/doctor-checks.js';
import { GPUS, GPU_KEYS } from './domain/gpus.js';
import { GoogleDeploymentAdapter } from './gcp/deployment.js';
import { credentialsEmail, googleAuth } from './gcp/auth.js';
import { SlackWorkspace } from './slack/workspace.js';
import { requiredIndexes } from './store/required-indexes.js';

export interface DoctorParts {
  /** null: no Google deployment to check (the local sandbox stands in). */
  authClient: AuthClient | null;
  /** GCP_ENDPOINT (or the embedded sandbox's URL); null: Google's own hosts. */
  rootUrl: string | null;
  /** null: no Slack workspace to check (the local console stands in). */
  slackClient: WebClient | null;
  /** The projects channels are bound to (`/gpu team`), checked beside the configured one; absent: none. */
  teamProjects?: () => Promise<readonly string[]>;
}

/** The doctor for a configuration, from the clients the caller already has. */
export async function createDoctor(config: Config, parts: DoctorParts): Promise<Doctor> {
  const { cloud, firestore } = config;
  const authClient = parts.authClient;
  // Against a stand-in endpoint the Firestore Admin API is the stand-in's, checked as a real one would be;
  // an emulator (FIRESTORE_EMULATOR_HOST, or the embedded one with the sandbox) needs no indexes.
  const firestoreDatabase =
    firestore.kind === 'real' ? firestore.databaseId : firestore.kind === 'embedded' && cloud.kind === 'endpoint' ? '(default)' : null;
  return new Doctor({
    google: parts.authClient === null ? null : new GoogleDeploymentAdapter({ project: cloud.project, authClient: parts.authClient, rootUrl: parts.rootUrl }),
    slack: parts.slackClient === null ? null : new SlackWorkspace(parts.slackClient),
    ...(parts.teamProjects !== undefined && authClient !== null
      ? { teams: { projects: parts.teamProjects, google: (project: string) => new GoogleDeploymentAdapter({ project, authClient, rootUrl: parts.rootUrl }) } }
      : {}),
    settings: {
      project: cloud.project,
      region: config.region,
      // Else the credentials' own account (the bot's, on Cloud Run), else the deploy guide's name for it;
      // each role line names the account it checked.
      botServiceAccount: config.botServiceAccount ?? (await credentialsEmail(cloud)) ?? `gpubot@${cloud.project}.iam.gserviceaccount.com`,
      boxServiceAccount: config.boxServiceAccount,
      // GPUBOT_EXTERNAL_IP=false gives boxes no access config (they reach out through Cloud NAT).
      boxesHaveExternalIp: config.externalIp,
      firestoreDatabase,
      indexes: await requiredIndexes(),
      gpuQuotas: GPU_KEYS.map((key) => ({ metric: GPUS[key].quotaMetric, spotMetric: GPUS[key].spotQuotaMetric })),
      digestChannel: config.digest?.channel ?? null,
      adminChannel: config.adminChannel,
    },
  });
}

/** Reads the settings, checks, writes the lines; returns the exit code. */
export async function runDoctor(env: Readonly<Record<string, string | undefined>>, write: (line: string) => void): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      write(error.message);
      return 2;
    }
    throw error;
  }
  const { cloud, slack } = config;
  let slackClient: WebClient | null = null;
  if (slack.kind !== 'console') {
    // Bolt's own Web API client (re-exported), so the doctor speaks to Slack exactly as the bot does.
    const { webApi } = await import('@slack/bolt');
    slackClient = new webApi.WebClient(slack.botToken, slack.apiUrl !== null ? { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } } : { retryConfig: { retries: 0 } });
  }
  const doctor = await createDoctor(config, {
    authClient: cloud.kind === 'sandbox' ? null : await googleAuth(cloud),
    rootUrl: cloud.kind === 'endpoint' ? cloud.endpoint : null,
    slackClient,
  });
  write(`gpubot doctor: project ${cloud.project}, region ${config.region}, Slack ${slack.kind === 'console' ? 'not configured' : slack.kind === 'socket' ? 'Socket Mode' : 'HTTP'}`);
  const report = await doctor.run();
  for (const check of report.checks) write(checkLine(check));
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  if (failed > 0) write(`${failed} of ${report.checks.length} checks failed.`);
  else if (passed === 0) write('Nothing to check: run it with the deployment\'s settings (GOOGLE_CLOUD_PROJECT, SLACK_BOT_TOKEN, ...).');
  else write(`All ${passed} checks passed.`);
  return report.ok ? 0 : 1;
}

const entry = process.argv[1] ?? '';
if (/doctor-cli\.(ts|js)$/.test(entry)) {
  runDoctor(process.env, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`gpubot doctor could not run: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
