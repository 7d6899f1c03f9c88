/**
 * The only reader of process.env. Every setting is validated once at start-up; a wrong value stops the
 * process with a message naming the variable and what it should look like.
 */
import { isProjectId } from './domain/team.js';
import { isChannelId } from './domain/slack-ids.js';
import { parseDuration } from './domain/duration.js';
import type { OverBudgetPolicy } from './domain/box-approval.js';
import { checkPolicy, defaultPolicy, type TeamPolicy } from './domain/policy.js';
import { DEFAULT_AUDIT_KEEP_DAYS } from './domain/audit.js';
import { isGoogleAccountAddress, JUPYTER_ACCESS_MODES, type JupyterAccess } from './domain/jupyter-access.js';

export type SlackMode =
  | { kind: 'http'; signingSecret: string; botToken: string; apiUrl: string | null }
  | { kind: 'socket'; appToken: string; botToken: string; signingSecret: string | null; apiUrl: string | null }
  /** No Slack settings: the embedded terminal console drives an in-process Slack simulator. */
  | { kind: 'console' };

export type CloudMode =
  | { kind: 'real'; project: string }
  /** GCP_ENDPOINT set: every Google REST API goes there; loopback endpoints get no credentials. */
  | { kind: 'endpoint'; project: string; endpoint: string; loopback: boolean }
  /** Neither: the in-process sandbox serves the Google APIs. */
  | { kind: 'sandbox'; project: string };

export type FirestoreMode =
  | { kind: 'emulator'; host: string; project: string }
  | { kind: 'real'; project: string; databaseId: string }
  /** Start an emulator in-process or as a child (the official one when the Google Cloud CLI is here). */
  | { kind: 'embedded'; project: string };

export interface Config {
  port: number;
  slack: SlackMode;
  cloud: CloudMode;
  firestore: FirestoreMode;
  /** Region boxes go to when a command names none; its zones are tried in order on stockouts. */
  region: string;
  /** Slack user ids allowed to act on anyone's boxes and jobs. */
  admins: ReadonlySet<string>;
  /** Where orphan VMs and other operator news go; null: DM the admins. */
  adminChannel: string | null;
  tickIntervalMs: number;
  idleAfterMs: number;
  idleGraceMs: number;
  /** Idle policy: thresholds, the longest window `--idle` may ask for, the Keep cap, the `--hours` ceiling. */
  idle: {
    gpuBelowPercent: number;
    cpuBelowFraction: number;
    maxWindowMs: number;
    offAllowed: boolean;
    maxKeepMs: number;
    maxRunningMs: number;
  };
  /** Bearer secret for POST /tasks/tick; null: only a Cloud Scheduler OIDC token is accepted. */
  tickSecret: string | null;
  /** Audience expected in Cloud Scheduler's OIDC token (usually the service URL); null: OIDC off. */
  tickOidcAudience: string | null;
  /** Service account email allowed to call /tasks/tick with OIDC; null: any Google-signed token for the audience. */
  tickOidcServiceAccount: string | null;
  /** VPC network for boxes: a name in the project, or a path (Shared VPC: projects/HOST/global/networks/NAME). */
  network: string;
  /** Subnetwork for every region (name or path); null: the network's own. */
  subnetwork: string | null;
  /** Subnetwork per region, from GPUBOT_SUBNETWORK written as `region=subnet,...`. */
  subnetworksByRegion: Readonly<Record<string, string>>;
  /** Boxes get an ephemeral external IP; false where an organization policy forbids them (use Cloud NAT). */
  externalIp: boolean;
  /**
   * Service account the boxes run as (the inverting proxy and Ops Agent use it): the deploy guide's
   * dedicated `gpubot-box@PROJECT.iam.gserviceaccount.com` unless GPUBOT_BOX_SERVICE_ACCOUNT names
   * another; null only when it says `default`, Compute Engine's default account (often Editor on the project).
   */
  boxServiceAccount: string | null;
  /** Who a box's Jupyter admits through the inverting proxy: its owner alone (default) or every project editor. */
  jupyterAccess: JupyterAccess;
  /** How many days audit entries are kept before Firestore's TTL policy may delete them. */
  auditKeepDays: number;
  /** Slack user id -> Google account, ahead of the Slack profile's email (GPUBOT_GOOGLE_ACCOUNTS). */
  googleAccounts: ReadonlyMap<string, string>;
  /** Service account the bot itself runs as, for `gpubot doctor`'s role checks; null: read from the credentials. */
  botServiceAccount: string | null;
  minDiskGb: number;
  maxDiskGb: number;
  /** Where the daily cost digest goes, and after which UTC hour; null: no digest. */
  digest: { channel: string; hourUtc: number } | null;
  /** Monthly budgets in USD: per person (Slack user id) and for the team (null: none). */
  budgets: { people: ReadonlyMap<string, number>; team: number | null };
  /**
   * What `/gpu up` does for a person over their budget, or for anyone once the team's is used up:
   * nothing special, refuse it, or record the box and let an admin approve it.
   */
  overBudget: OverBudgetPolicy;
  /**
   * The team's policy until an admin changes it with `/gpu policy`: safe defaults (domain/policy.ts),
   * the idle and budget settings above, and GPUBOT_POLICY (JSON, the policy's field names) over them.
   */
  policy: TeamPolicy;
  /**
   * Where `/train --from-box` stages a job's code and its outputs (a bucket name, GPUBOT_STAGING_BUCKET);
   * null: training from a box is off. The sandbox cloud has its own.
   */
  stagingBucket: string | null;
  /** How long a box's agent may take to answer a request (GPUBOT_AGENT_TIMEOUT). */
  agentTimeoutMs: number;
  /**
   * The sandbox cloud's projects beside GOOGLE_CLOUD_PROJECT (GPUBOT_SANDBOX_PROJECTS, comma-separated),
   * for channels bound to a team's project (`/gpu team`); any other project answers as one the caller
   * may not use. Ignored with a real cloud.
   */
  sandboxProjects: readonly string[];
  logLevel: 'debug' | 'info' | 'warning' | 'error';
  /** Warnings found while reading the settings, logged once at start-up. */
  warnings: readonly string[];
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`gpubot cannot start; fix these settings:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const REGION = /^[a-z]+-[a-z]+\d+$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const PROJECT = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** Reads and validates the environment. Throws ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const get = (name: string): string | null => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? null : v;
  };

  const port = intSetting(get('PORT'), 'PORT', 3000, 0, 65535, problems);

  const slack = readSlack(get, problems);
  const cloud = readCloud(get, problems);
  const firestore = readFirestore(get, cloud, problems);
  problems.push(...failOpen(slack, cloud, firestore));

  const region = get('GPUBOT_REGION') ?? 'us-central1';
  if (!REGION.test(region)) problems.push(`GPUBOT_REGION is "${region}"; it should be a region such as us-central1.`);

  const admins = new Set<string>();
  for (const id of (get('GPUBOT_ADMINS') ?? '').split(/[\s,]+/).filter(Boolean)) {
    if (SLACK_USER.test(id)) admins.add(id);
    else problems.push(`GPUBOT_ADMINS has "${id}"; list Slack user ids such as U024BE7LH, separated by commas.`);
  }
  const adminChannel = get('GPUBOT_ADMIN_CHANNEL');
  if (adminChannel !== null && !/^[CGD][A-Z0-9]{2,}$/.test(adminChannel)) {
    problems.push(`GPUBOT_ADMIN_CHANNEL is "${adminChannel}"; it should be a channel id such as C024BE91L.`);
  }

  const tickIntervalMs = durationSetting(get('TICK_INTERVAL'), 'TICK_INTERVAL', '30s', 10_000, problems, warnings);
  const idleAfterMs = durationSetting(get('IDLE_AFTER'), 'IDLE_AFTER', '60m', 10 * 60_000, problems, warnings);
  const idleGraceMs = durationSetting(get('IDLE_GRACE'), 'IDLE_GRACE', '15m', 5 * 60_000, problems, warnings);

  const idle = {
    gpuBelowPercent: intSetting(get('GPUBOT_IDLE_GPU_PERCENT'), 'GPUBOT_IDLE_GPU_PERCENT', 5, 0, 100, problems),
    cpuBelowFraction: intSetting(get('GPUBOT_IDLE_CPU_PERCENT'), 'GPUBOT_IDLE_CPU_PERCENT', 5, 0, 100, problems) / 100,
    maxWindowMs: durationSetting(get('GPUBOT_IDLE_MAX'), 'GPUBOT_IDLE_MAX', '8h', 10 * 60_000, problems, warnings),
    offAllowed: boolSetting(get('GPUBOT_IDLE_OFF_ALLOWED'), 'GPUBOT_IDLE_OFF_ALLOWED', true, problems),
    maxKeepMs: durationSetting(get('GPUBOT_KEEP_MAX'), 'GPUBOT_KEEP_MAX', '8h', 10 * 60_000, problems, warnings),
    maxRunningMs: durationSetting(get('GPUBOT_MAX_RUNNING'), 'GPUBOT_MAX_RUNNING', '72h', 60 * 60_000, problems, warnings),
  };
  if (idle.maxWindowMs < idleAfterMs) problems.push('GPUBOT_IDLE_MAX is shorter than IDLE_AFTER; the default window must be allowed.');

  const tickSecret = get('TICK_SECRET');
  if (tickSecret !== null && tickSecret.length < 16) problems.push('TICK_SECRET is too short; use at least 16 random characters.');
  const tickOidcAudience = get('TICK_OIDC_AUDIENCE');
  if (tickOidcAudience !== null && !/^https:\/\//.test(tickOidcAudience)) {
    problems.push('TICK_OIDC_AUDIENCE should be the https URL Cloud Scheduler calls, such as https://gpubot-abc-uc.a.run.app/tasks/tick.');
  }
  // Without the service account, any Google-signed token for the audience (anyone's Cloud Scheduler
  // job, or any identity that can mint one for this URL) could run ticks.
  if (tickOidcAudience !== null && get('TICK_OIDC_SERVICE_ACCOUNT') === null) {
    problems.push('TICK_OIDC_AUDIENCE is set but TICK_OIDC_SERVICE_ACCOUNT is not; set it to the email of the service account Cloud Scheduler calls /tasks/tick as.');
  }

  const minDiskGb = intSetting(get('GPUBOT_MIN_DISK_GB'), 'GPUBOT_MIN_DISK_GB', 50, 10, 65536, problems);
  const maxDiskGb = intSetting(get('GPUBOT_MAX_DISK_GB'), 'GPUBOT_MAX_DISK_GB', 4000, 10, 65536, problems);
  if (minDiskGb > maxDiskGb) problems.push('GPUBOT_MIN_DISK_GB is larger than GPUBOT_MAX_DISK_GB.');

  const digestChannel = get('GPUBOT_DIGEST_CHANNEL');
  if (digestChannel !== null && !isChannelId(digestChannel)) {
    problems.push(`GPUBOT_DIGEST_CHANNEL is "${digestChannel}"; it should be a channel id such as C024BE91L.`);
  }
  const digestHourUtc = intSetting(get('GPUBOT_DIGEST_HOUR'), 'GPUBOT_DIGEST_HOUR', 8, 0, 23, problems);
  const budgets = readBudgets(get('GPUBOT_BUDGETS'), get('GPUBOT_TEAM_BUDGET'), problems);
  const overBudget = readOverBudget(get('GPUBOT_OVER_BUDGET'), get('GPUBOT_BUDGET_BLOCKS_NEW_BOXES'), problems, warnings);
  if (overBudget !== 'allow' && budgets.people.size === 0 && budgets.team === null) {
    warnings.push(`GPUBOT_OVER_BUDGET is ${overBudget} but no budget is set (GPUBOT_BUDGETS, GPUBOT_TEAM_BUDGET); no box is ever past one.`);
  }
  if (overBudget === 'approve' && admins.size === 0) {
    problems.push('GPUBOT_OVER_BUDGET is approve but GPUBOT_ADMINS is empty, so nobody could approve; list the admins, or use refuse.');
  }

  const policy = readPolicy(get('GPUBOT_POLICY'), defaultPolicy({ idleOffAllowed: idle.offAllowed, maxRunningMs: idle.maxRunningMs, pastBudget: overBudget }), problems);

  const logLevel = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warning', 'error'].includes(logLevel)) {
    problems.push(`LOG_LEVEL is "${logLevel}"; use one of debug, info, warning, error.`);
  }

  const network = readNetwork(get('GPUBOT_NETWORK'), problems);
  const subnetworks = readSubnetworks(get('GPUBOT_SUBNETWORK'), problems);
  const externalIp = boolSetting(get('GPUBOT_EXTERNAL_IP'), 'GPUBOT_EXTERNAL_IP', true, problems);
  const jupyterAccess = readJupyterAccess(get('GPUBOT_JUPYTER_ACCESS'), problems, warnings);
  const googleAccounts = readGoogleAccounts(get('GPUBOT_GOOGLE_ACCOUNTS'), problems);
  const auditKeepDays = intSetting(get('GPUBOT_AUDIT_DAYS'), 'GPUBOT_AUDIT_DAYS', DEFAULT_AUDIT_KEEP_DAYS, 1, 3650, problems);
  const stagingBucket = readStagingBucket(get('GPUBOT_STAGING_BUCKET'), cloud, problems);
  const agentTimeoutMs = durationSetting(get('GPUBOT_AGENT_TIMEOUT'), 'GPUBOT_AGENT_TIMEOUT', '10m', 60_000, problems, warnings);
  const sandboxProjects = (get('GPUBOT_SANDBOX_PROJECTS') ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of sandboxProjects) if (!isProjectId(p)) problems.push(`GPUBOT_SANDBOX_PROJECTS has "${p}"; list project ids such as ml-lab-vision, separated by commas.`);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port,
    slack,
    cloud,
    firestore,
    region,
    admins,
    adminChannel,
    tickIntervalMs,
    idleAfterMs,
    idleGraceMs,
    idle,
    tickSecret,
    tickOidcAudience,
    tickOidcServiceAccount: get('TICK_OIDC_SERVICE_ACCOUNT'),
    network,
    ...subnetworks,
    externalIp,
    boxServiceAccount: readBoxServiceAccount(get('GPUBOT_BOX_SERVICE_ACCOUNT'), cloud.project, warnings),
    jupyterAccess,
    googleAccounts,
    auditKeepDays,
    botServiceAccount: get('GPUBOT_SERVICE_ACCOUNT'),
    minDiskGb,
    maxDiskGb,
    digest: digestChannel === null ? null : { channel: digestChannel, hourUtc: digestHourUtc },
    budgets,
    overBudget,
    policy,
    stagingBucket,
    agentTimeoutMs,
    sandboxProjects,
    logLevel: logLevel as Config['logLevel'],
    warnings,
  });
}

/** The sandbox cloud's staging bucket, which its Cloud Storage stand-in holds. */
export const SANDBOX_STAGING_BUCKET = 'gpubot-sandbox-staging';

/**
 * GPUBOT_STAGING_BUCKET: a bucket name, `gs://` allowed. Names as Cloud Storage takes them: 3-63
 * lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
 * (https://cloud.google.com/storage/docs/buckets#naming).
 */
function readStagingBucket(raw: string | null, cloud: CloudMode, problems: string[]): string | null {
  if (raw === null) return cloud.kind === 'sandbox' ? SANDBOX_STAGING_BUCKET : null;
  const name = raw.replace(/^gs:\/\//, '').replace(/\/+$/, '');
  if (/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name)) return name;
  problems.push(`GPUBOT_STAGING_BUCKET is "${raw}"; write a bucket name such as ml-lab-gpubot-staging (or gs://ml-lab-gpubot-staging).`);
  return null;
}

/**
 * The boxes' service account. Unset: the dedicated account the deploy guide creates, with only the
 * roles of BOX_ROLES (domain/deploy-requirements.ts). `default`: Compute Engine's default account, whose
 * cloud-platform scope with the Editor role it often has lets every notebook change the whole project;
 * allowed on purpose only, and warned about.
 */
export function readBoxServiceAccount(raw: string | null, project: string, warnings: string[]): string | null {
  if (raw === null) return dedicatedBoxAccount(project);
  if (raw.toLowerCase() === 'default') {
    warnings.push("GPUBOT_BOX_SERVICE_ACCOUNT is default: boxes run as Compute Engine's default service account with the cloud-platform scope, which is often Editor on the whole project.");
    return null;
  }
  return raw;
}

/** The deploy guide's box account (README, "Deploying"). */
export function dedicatedBoxAccount(project: string): string {
  return `gpubot-box@${project}.iam.gserviceaccount.com`;
}

/** `owner` unless an operator opens every box to every project editor on purpose. */
function readJupyterAccess(raw: string | null, problems: string[], warnings: string[]): JupyterAccess {
  if (raw === null) return 'owner';
  const value = raw.toLowerCase().replace(/_/g, '-');
  if (!(JUPYTER_ACCESS_MODES as readonly string[]).includes(value)) {
    problems.push(`GPUBOT_JUPYTER_ACCESS is "${raw}"; use owner (only the box's owner opens its Jupyter) or project-editors (everyone who can edit the project).`);
    return 'owner';
  }
  if (value === 'project-editors') warnings.push("GPUBOT_JUPYTER_ACCESS is project-editors: every editor of the project can open every box's Jupyter.");
  return value as JupyterAccess;
}

/** `U024BE7LH=alice@example.com,U0G9QF9C6=bob@example.com`. */
function readGoogleAccounts(raw: string | null, problems: string[]): ReadonlyMap<string, string> {
  const accounts = new Map<string, string>();
  for (const pair of (raw ?? '').split(/[\s,]+/).filter(Boolean)) {
    const [user, address, extra] = pair.split('=');
    if (user === undefined || address === undefined || extra !== undefined || !SLACK_USER.test(user) || !isGoogleAccountAddress(address)) {
      problems.push(`GPUBOT_GOOGLE_ACCOUNTS has "${pair}"; write SLACK_ID=GOOGLE_ACCOUNT pairs such as U024BE7LH=alice@example.com, separated by commas.`);
      continue;
    }
    accounts.set(user, address);
  }
  return accounts;
}

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

function isLoopbackUrl(raw: string): boolean {
  try {
    return LOOPBACK_HOST.test(new URL(raw).hostname);
  } catch {
    return false;
  }
}

/**
 * Settings that would quietly run part of the bot on stand-ins while another part is real: refused,
 * naming what is missing. No settings at all is the embedded default, and stays allowed.
 */
function failOpen(slack: SlackMode, cloud: CloudMode, firestore: FirestoreMode): string[] {
  const problems: string[] = [];
  const realSlack = slack.kind !== 'console' && (slack.apiUrl === null || !isLoopbackUrl(slack.apiUrl));
  if (realSlack && cloud.kind === 'sandbox') {
    problems.push(
      'Slack tokens are set for a real workspace but GOOGLE_CLOUD_PROJECT is not, so boxes would be simulated and records kept in memory; set GOOGLE_CLOUD_PROJECT (or GCP_ENDPOINT and FIRESTORE_EMULATOR_HOST for a test setup).',
    );
  } else if (realSlack && firestore.kind === 'embedded') {
    problems.push('Slack tokens are set for a real workspace but Firestore would be an embedded emulator whose records are lost at every restart; set FIRESTORE_EMULATOR_HOST, or GOOGLE_CLOUD_PROJECT without GCP_ENDPOINT.');
  }
  if (cloud.kind === 'endpoint' && !cloud.loopback && firestore.kind === 'embedded') {
    problems.push(`GCP_ENDPOINT (${cloud.endpoint}) is not on this machine, so an embedded Firestore would not match it; set FIRESTORE_EMULATOR_HOST.`);
  }
  return problems;
}

function readSlack(get: (n: string) => string | null, problems: string[]): SlackMode {
  const signingSecret = get('SLACK_SIGNING_SECRET');
  const botToken = get('SLACK_BOT_TOKEN');
  const appToken = get('SLACK_APP_TOKEN');
  const apiUrl = get('SLACK_API_URL');
  if (apiUrl !== null && !/^https?:\/\/[^\s]+\/$/.test(apiUrl)) {
    problems.push(`SLACK_API_URL is "${apiUrl}"; it should be a URL ending in a slash, such as https://slack.com/api/.`);
  }
  if (botToken !== null && !botToken.startsWith('xoxb-')) problems.push('SLACK_BOT_TOKEN should be a bot token starting with xoxb-.');
  if (appToken !== null && !appToken.startsWith('xapp-')) problems.push('SLACK_APP_TOKEN should be an app-level token starting with xapp-.');
  if (appToken !== null) {
    if (botToken === null) problems.push('SLACK_APP_TOKEN is set (Socket Mode) but SLACK_BOT_TOKEN is not; set both.');
    return { kind: 'socket', appToken, botToken: botToken ?? '', signingSecret, apiUrl };
  }
  if (signingSecret === null && botToken === null) return { kind: 'console' };
  if (signingSecret === null) problems.push('SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not; HTTP mode needs both (or set SLACK_APP_TOKEN for Socket Mode).');
  if (botToken === null) problems.push('SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not; HTTP mode needs both.');
  return { kind: 'http', signingSecret: signingSecret ?? '', botToken: botToken ?? '', apiUrl };
}

function readCloud(get: (n: string) => string | null, problems: string[]): CloudMode {
  const project = get('GOOGLE_CLOUD_PROJECT');
  const endpoint = get('GCP_ENDPOINT');
  if (project !== null && !PROJECT.test(project)) {
    problems.push(`GOOGLE_CLOUD_PROJECT is "${project}"; it should be a project id such as ml-team-123 (6-30 lowercase letters, digits, hyphens).`);
  }
  if (endpoint !== null) {
    let url: URL | null = null;
    try {
      url = new URL(endpoint);
    } catch {
      problems.push(`GCP_ENDPOINT is "${endpoint}"; it should be a URL such as http://127.0.0.1:8089.`);
    }
    const loopback = url !== null && LOOPBACK_HOST.test(url.hostname);
    return { kind: 'endpoint', project: project ?? 'gpubot-sandbox', endpoint: endpoint.replace(/\/+$/, ''), loopback };
  }
  if (project !== null) return { kind: 'real', project };
  return { kind: 'sandbox', project: 'gpubot-sandbox' };
}

function readFirestore(get: (n: string) => string | null, cloud: CloudMode, problems: string[]): FirestoreMode {
  const host = get('FIRESTORE_EMULATOR_HOST');
  if (host !== null) {
    if (!/^[^\s:/]+:\d+$/.test(host)) problems.push(`FIRESTORE_EMULATOR_HOST is "${host}"; it should be host:port, such as 127.0.0.1:8080.`);
    return { kind: 'emulator', host, project: cloud.project };
  }
  if (cloud.kind === 'real') return { kind: 'real', project: cloud.project, databaseId: get('FIRESTORE_DATABASE') ?? '(default)' };
  return { kind: 'embedded', project: cloud.project };
}

/** `U123=500,U456=300` and `2000`: US dollars a month. */
function readBudgets(people: string | null, team: string | null, problems: string[]): Config['budgets'] {
  const byPerson = new Map<string, number>();
  for (const entry of (people ?? '').split(/[\s,]+/).filter(Boolean)) {
    const m = /^([UW][A-Z0-9]{2,})=(\d+(?:\.\d{1,2})?)$/.exec(entry);
    const amount = m === null ? NaN : Number(m[2]);
    if (m?.[1] === undefined || !(amount > 0)) {
      problems.push(`GPUBOT_BUDGETS has "${entry}"; write Slack user ids with dollars a month, such as U024BE7LH=500,U0G9QF9C6=300.`);
      continue;
    }
    if (byPerson.has(m[1])) problems.push(`GPUBOT_BUDGETS names ${m[1]} twice; keep one.`);
    byPerson.set(m[1], amount);
  }
  let teamBudget: number | null = null;
  if (team !== null) {
    if (/^\d+(\.\d{1,2})?$/.test(team) && Number(team) > 0) teamBudget = Number(team);
    else problems.push(`GPUBOT_TEAM_BUDGET is "${team}"; write dollars a month, such as 2000.`);
  }
  return { people: byPerson, team: teamBudget };
}

const OVER_BUDGET: readonly OverBudgetPolicy[] = ['allow', 'refuse', 'approve'];

/**
 * GPUBOT_OVER_BUDGET, or the older GPUBOT_BUDGET_BLOCKS_NEW_BOXES (true meant refuse), still accepted
 * so existing deployments keep their behaviour.
 */
function readOverBudget(raw: string | null, legacy: string | null, problems: string[], warnings: string[]): OverBudgetPolicy {
  const legacyPolicy: OverBudgetPolicy | null =
    legacy === null ? null : boolSetting(legacy, 'GPUBOT_BUDGET_BLOCKS_NEW_BOXES', false, problems) ? 'refuse' : 'allow';
  if (raw === null) {
    if (legacyPolicy !== null) warnings.push(`GPUBOT_BUDGET_BLOCKS_NEW_BOXES is the old name; write GPUBOT_OVER_BUDGET=${legacyPolicy} instead.`);
    return legacyPolicy ?? 'allow';
  }
  const policy = raw.toLowerCase();
  if (!(OVER_BUDGET as readonly string[]).includes(policy)) {
    problems.push(`GPUBOT_OVER_BUDGET is "${raw}"; use allow (no check), refuse (refuse new boxes) or approve (new boxes wait for an admin's Approve).`);
    return 'allow';
  }
  // An old "false" is the default anyway; an old "true" that says something else is a real conflict.
  if (legacyPolicy === 'refuse' && policy !== 'refuse') {
    problems.push(`GPUBOT_BUDGET_BLOCKS_NEW_BOXES (${legacy}) disagrees with GPUBOT_OVER_BUDGET (${raw}); remove GPUBOT_BUDGET_BLOCKS_NEW_BOXES, which GPUBOT_OVER_BUDGET replaces.`);
  } else if (legacyPolicy !== null) {
    warnings.push('GPUBOT_BUDGET_BLOCKS_NEW_BOXES is ignored: GPUBOT_OVER_BUDGET replaces it; remove the old one.');
  }
  return policy as OverBudgetPolicy;
}

/** GPUBOT_POLICY: JSON such as {"maxGpusPerPerson":4,"approval":{"gpus":["h100"]}}; fields left out keep their defaults. */
function readPolicy(raw: string | null, defaults: TeamPolicy, problems: string[]): TeamPolicy {
  if (raw === null) return defaults;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('GPUBOT_POLICY is not JSON; write it as {"maxGpusPerPerson":4,"approval":{"gpus":["a100","h100"]}}.');
    return defaults;
  }
  const checked = checkPolicy(parsed, defaults);
  if (checked.ok) return checked.value;
  for (const p of checked.problems) problems.push(`GPUBOT_POLICY: ${p.message}`);
  return defaults;
}

const RESOURCE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NETWORK_PATH = /^(?:https:\/\/(?:www|compute)\.googleapis\.com\/compute\/v1\/)?(?:projects\/[a-z][-a-z0-9.:]*\/)?global\/networks\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBNETWORK_PATH = /^(?:https:\/\/(?:www|compute)\.googleapis\.com\/compute\/v1\/)?(?:projects\/[a-z][-a-z0-9.:]*\/)?regions\/([a-z]+-[a-z]+\d+)\/subnetworks\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** GPUBOT_NETWORK: a network name, or its path (a Shared VPC's lives in the host project). */
function readNetwork(raw: string | null, problems: string[]): string {
  if (raw === null) return 'default';
  if (RESOURCE_NAME.test(raw) || NETWORK_PATH.test(raw)) return raw;
  problems.push(`GPUBOT_NETWORK is "${raw}"; write a network name such as default, or its path such as projects/HOST_PROJECT/global/networks/NAME.`);
  return 'default';
}

/**
 * GPUBOT_SUBNETWORK: one subnetwork (a name, used in every region, or a path), or one per region
 * written `us-central1=NAME_OR_PATH,europe-west4=NAME_OR_PATH`. A path names its region, which must
 * match the region it is given for.
 */
function readSubnetworks(raw: string | null, problems: string[]): Pick<Config, 'subnetwork' | 'subnetworksByRegion'> {
  const byRegion: Record<string, string> = {};
  if (raw === null) return { subnetwork: null, subnetworksByRegion: byRegion };
  const valid = (v: string): boolean => RESOURCE_NAME.test(v) || SUBNETWORK_PATH.test(v);
  if (!raw.includes('=')) {
    if (!valid(raw)) problems.push(`GPUBOT_SUBNETWORK is "${raw}"; write a subnetwork name, a path such as projects/HOST/regions/us-central1/subnetworks/NAME, or region=subnet pairs.`);
    return { subnetwork: raw, subnetworksByRegion: byRegion };
  }
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const region = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    if (eq < 0 || !REGION.test(region) || !valid(value)) {
      problems.push(`GPUBOT_SUBNETWORK has "${entry}"; write region=subnet pairs such as us-central1=projects/HOST/regions/us-central1/subnetworks/NAME.`);
      continue;
    }
    const pathRegion = SUBNETWORK_PATH.exec(value)?.[1];
    if (pathRegion !== undefined && pathRegion !== region) {
      problems.push(`GPUBOT_SUBNETWORK gives ${region} a subnetwork in ${pathRegion}; a box's subnetwork must be in its own region.`);
      continue;
    }
    if (byRegion[region] !== undefined) problems.push(`GPUBOT_SUBNETWORK names ${region} twice; keep one.`);
    byRegion[region] = value;
  }
  return { subnetwork: null, subnetworksByRegion: byRegion };
}

function intSetting(raw: string | null, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} is "${raw}"; it should be a whole number from ${min} to ${max}.`);
    return fallback;
  }
  return Number(raw);
}

function boolSetting(raw: string | null, name: string, fallback: boolean, problems: string[]): boolean {
  if (raw === null) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  problems.push(`${name} is "${raw}"; write true or false.`);
  return fallback;
}

function durationSetting(
  raw: string | null,
  name: string,
  fallback: string,
  shortBelowMs: number,
  problems: string[],
  warnings: string[],
): number {
  const ms = parseDuration(raw ?? fallback);
  if (ms === null || ms <= 0) {
    problems.push(`${name} is "${raw ?? ''}"; write a duration such as 90s, 15m or 2h.`);
    return parseDuration(fallback) ?? 0;
  }
  // Short values are how tests and demos run; they are allowed and only pointed out.
  if (ms < shortBelowMs) warnings.push(`${name} is ${raw ?? fallback}, shorter than usual; fine for a demo, costly in production.`);
  return ms;
}
