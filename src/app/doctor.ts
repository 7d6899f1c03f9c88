/**
 * `gpubot doctor`: checks the deployment it runs in, one line per check, each failure with the command
 * that fixes it. It reads the list of what a deployment needs from deploy-requirements.ts and asks the
 * project and the Slack workspace whether they have it. Read-only: it changes nothing.
 */
import { BOT_ROLES, BOX_ROLES, REQUIRED_APIS, SLACK_SCOPES, type RequiredRole } from '../domain/deploy-requirements.js';
import {
  allPassed,
  createIndexCommand,
  externalIpsAllowed,
  findIndex,
  holdsRole,
  indexLabel,
  quotaIncreaseCommand,
  type CheckResult,
  type RequiredIndex,
} from '../domain/doctor-checks.js';
import type { GoogleDeploymentPort, Reading, RoleBinding, SlackWorkspacePort } from './ports/deployment.js';

const BASIC_ROLES = ['roles/owner', 'roles/editor'] as const;

export interface DoctorSettings {
  project: string;
  region: string;
  /** The service account the bot runs as; null when nobody could tell (the role checks say so). */
  botServiceAccount: string | null;
  /** GPUBOT_BOX_SERVICE_ACCOUNT; null: the project's default compute service account. */
  boxServiceAccount: string | null;
  /** Whether the boxes the bot creates get an external IP. */
  boxesHaveExternalIp: boolean;
  /** The Firestore database the bot keeps its state in; null: an emulator, which needs no indexes. */
  firestoreDatabase: string | null;
  /** firestore.indexes.json's composite indexes. */
  indexes: readonly RequiredIndex[];
  /** The regional quota metrics of each GPU a box can have, e.g. `NVIDIA_T4_GPUS` and `PREEMPTIBLE_NVIDIA_T4_GPUS`. */
  gpuQuotas: readonly { metric: string; spotMetric: string }[];
  digestChannel: string | null;
  adminChannel: string | null;
}

export interface DoctorReport {
  checks: CheckResult[];
  ok: boolean;
}

/**
 * The projects channels are bound to (`/gpu team`): boxes and jobs are created there, so the APIs and
 * roles that creating them needs are checked there too, each line naming the project.
 */
export interface TeamProjects {
  /** Every bound project; the configured one, if named, is not checked twice. */
  projects(): Promise<readonly string[]>;
  /** The doctor's reads in one of them. */
  google(project: string): GoogleDeploymentPort;
}

/**
 * What a team's project needs: its boxes' and jobs' APIs. Prices come from the Billing catalog and all
 * state is in the configured project's Firestore, so those two APIs (and the Firestore role) are the
 * configured project's alone.
 */
const CONFIGURED_PROJECT_ONLY = new Set(['cloudbilling.googleapis.com', 'firestore.googleapis.com', 'roles/datastore.user']);

export interface DoctorDeps {
  /** null: the Google side is the local sandbox, not a deployment; its checks are skipped. */
  google: GoogleDeploymentPort | null;
  /** null: Slack is the local simulator; its checks are skipped. */
  slack: SlackWorkspacePort | null;
  settings: DoctorSettings;
  /** Absent: no team bindings to check (the CLI without Firestore). */
  teams?: TeamProjects;
}

export class Doctor {
  constructor(private readonly deps: DoctorDeps) {}

  async run(): Promise<DoctorReport> {
    const { google, slack } = this.deps;
    const checks: CheckResult[] = [];
    if (google === null) checks.push(skipped('Google Cloud', 'not configured (GOOGLE_CLOUD_PROJECT unset: the local sandbox stands in), nothing to check'));
    else {
      checks.push(...(await this.apis(google, this.deps.settings.project)));
      checks.push(...(await this.roles(google, this.deps.settings.project, google)));
      checks.push(...(await this.gpuQuotas(google)));
      checks.push(await this.externalIps(google));
      checks.push(...(await this.firestore(google)));
      checks.push(...(await this.teamProjects(google)));
    }
    if (slack === null) checks.push(skipped('Slack', 'not configured (SLACK_BOT_TOKEN unset: the local console stands in), nothing to check'));
    else {
      checks.push(...(await this.slackScopes(slack)));
      checks.push(...(await this.channels(slack)));
    }
    return { checks, ok: allPassed(checks) };
  }

  /** Each bound project other than the configured one: the APIs and roles its boxes and jobs need. */
  private async teamProjects(configured: GoogleDeploymentPort): Promise<CheckResult[]> {
    const teams = this.deps.teams;
    if (teams === undefined) return [];
    let projects: readonly string[];
    try {
      projects = await teams.projects();
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return [fail('team projects', `the channels' bindings could not be read (${reason ?? ''})`, 'check that Firestore answers, then run the doctor again')];
    }
    const checks: CheckResult[] = [];
    for (const project of [...new Set(projects)].filter((p) => p !== this.deps.settings.project).sort()) {
      const google = teams.google(project);
      checks.push(...(await this.apis(google, project)));
      checks.push(...(await this.roles(google, project, configured)));
    }
    return checks;
  }

  /** Every API the bot calls is enabled (in a team's project, those its boxes and jobs need). */
  private async apis(google: GoogleDeploymentPort, project: string): Promise<CheckResult[]> {
    const at = this.where(project);
    const needed = at === '' ? REQUIRED_APIS : REQUIRED_APIS.filter((a) => !CONFIGURED_PROJECT_ONLY.has(a.service));
    const states = await google.serviceStates(needed.map((a) => a.service));
    if (!states.ok) {
      return [unreadable(`enabled APIs${at}`, states, `gcloud services enable serviceusage.googleapis.com --project=${project} (and a role with serviceusage.services.list, such as roles/serviceusage.serviceUsageViewer)`)];
    }
    return needed.map(({ service, why }) => {
      const state = states.value.get(service) ?? 'unknown';
      return state === 'ENABLED'
        ? pass(`API ${service}${at}`, 'enabled')
        : fail(`API ${service}${at}`, `${state === 'unknown' ? 'not listed' : state.toLowerCase()}; needed for ${why}`, `gcloud services enable ${service} --project=${project}`);
    });
  }

  /** ` in project P` after a check's name, for a team's project; nothing for the configured one (as before teams). */
  private where(project: string): string {
    return project === this.deps.settings.project ? '' : ` in project ${project}`;
  }

  /**
   * The bot's and the boxes' service accounts hold their roles in `project`. `configured` reads the
   * configured project: a box account made there has its own policy there, whichever project its VMs
   * run in.
   */
  private async roles(google: GoogleDeploymentPort, project: string, configured: GoogleDeploymentPort): Promise<CheckResult[]> {
    const { botServiceAccount } = this.deps.settings;
    const at = this.where(project);
    const checks: CheckResult[] = [];
    const policy = await google.projectBindings();
    const boxAccount = await this.boxServiceAccount(google);
    if (!policy.ok) {
      checks.push(unreadable(`project IAM policy${at}`, policy, `grant the account running the doctor resourcemanager.projects.getIamPolicy (roles/iam.securityReviewer) on ${project}`));
      return checks;
    }
    const accounts = boxAccount !== null && boxAccount.endsWith(`@${this.deps.settings.project}.iam.gserviceaccount.com`) ? configured : google;
    const place = { project, at, accounts, accountsProject: accounts === google ? project : this.deps.settings.project };
    if (botServiceAccount === null) {
      checks.push(fail(`bot service account${at}`, 'unknown: the credentials name no service account', 'set GPUBOT_SERVICE_ACCOUNT to the email of the account the bot runs as'));
    } else {
      // The secret accessor is granted on each Slack secret, which Cloud Run itself checks: a service
      // whose account cannot read its secrets does not start, so there is no running bot to ask.
      const roles = BOT_ROLES.filter((r) => r.on !== 'slack-secrets' && (at === '' || !CONFIGURED_PROJECT_ONLY.has(r.role)));
      for (const role of roles) checks.push(await this.role(place, policy.value, role, botServiceAccount, boxAccount));
    }
    if (boxAccount === null) {
      checks.push(fail(`box service account${at}`, 'unknown: the project number could not be read', 'set GPUBOT_BOX_SERVICE_ACCOUNT to the email of the account the boxes run as'));
    } else {
      for (const role of BOX_ROLES) checks.push(await this.role(place, policy.value, role, boxAccount, boxAccount));
    }
    return checks;
  }

  private async role(
    place: { project: string; at: string; accounts: GoogleDeploymentPort; accountsProject: string },
    project: readonly RoleBinding[],
    need: RequiredRole,
    account: string,
    boxAccount: string | null,
  ): Promise<CheckResult> {
    const member = `serviceAccount:${account}`;
    const projectId = place.project;
    // A custom role is named under its project (projects/PROJECT/roles/ID); the list writes PROJECT.
    need = { ...need, role: need.role.replace(/^projects\/PROJECT\//, `projects/${projectId}/`) };
    const name = `role ${need.role} for ${account}${place.at}`;
    if (holdsRole(project, need.role, member)) return pass(name, 'granted on the project');
    // The basic roles carry every permission these roles do (cloud.google.com/iam/docs/roles-overview#basic).
    const basic = BASIC_ROLES.find((r) => holdsRole(project, r, member));
    if (basic !== undefined) return pass(name, `covered by ${basic} on the project (broader than needed)`);
    if (need.on === 'box-service-account' && boxAccount !== null) {
      const onAccount = await place.accounts.serviceAccountBindings(boxAccount);
      if (onAccount.ok && holdsRole(onAccount.value, need.role, member)) return pass(name, `granted on ${boxAccount}`);
      const fix = `gcloud iam service-accounts add-iam-policy-binding ${boxAccount} --project=${place.accountsProject} --member=${member} --role=${need.role}`;
      if (!onAccount.ok) return fail(name, `not on the project, and ${boxAccount}'s policy could not be read (${onAccount.reason}); needed to ${need.why}`, fix);
      return fail(name, `missing; needed to ${need.why}`, fix);
    }
    return fail(name, `missing; needed to ${need.why}`, `gcloud projects add-iam-policy-binding ${projectId} --member=${member} --role=${need.role}`);
  }

  private async boxServiceAccount(google: GoogleDeploymentPort): Promise<string | null> {
    const configured = this.deps.settings.boxServiceAccount;
    if (configured !== null) return configured;
    // Only with GPUBOT_BOX_SERVICE_ACCOUNT=default do boxes run as Compute Engine's default service account
    // (cloud.google.com/compute/docs/access/service-accounts#default_service_account).
    const number = await google.projectNumber();
    return number.ok ? `${number.value}-compute@developer.gserviceaccount.com` : null;
  }

  /** Each GPU has quota in the region boxes go to, and the project may use GPUs at all (GPUS_ALL_REGIONS). */
  private async gpuQuotas(google: GoogleDeploymentPort): Promise<CheckResult[]> {
    const { project, region, gpuQuotas } = this.deps.settings;
    const checks: CheckResult[] = [];
    const regional = await google.regionQuotas(region);
    if (!regional.ok) checks.push(unreadable(`GPU quotas in ${region}`, regional, `grant the account running the doctor compute.regions.get (roles/compute.viewer) on ${project}`));
    else {
      for (const { metric, spotMetric } of gpuQuotas) {
        const quota = regional.value.find((q) => q.metric === metric);
        const spot = regional.value.find((q) => q.metric === spotMetric);
        const name = `quota ${metric} in ${region}`;
        const spotNote = spot !== undefined && spot.limit > 0 ? `; Spot: ${spotMetric} limit ${spot.limit}` : '';
        if (quota !== undefined && quota.limit > 0) checks.push(pass(name, `limit ${quota.limit}, ${quota.usage} in use${spotNote}`));
        // Shapes sold only as Spot or Flex-start (A3 High) count against the preemptible metric alone.
        else if (quota === undefined && spot !== undefined && spot.limit > 0) checks.push(pass(name, `not listed; Spot and Flex-start use ${spotMetric}, limit ${spot.limit}`));
        else if (quota === undefined) checks.push(fail(name, 'not listed for the region (this GPU may not be offered there)', quotaIncreaseCommand(metric, project, region, 1)));
        else checks.push(fail(name, `limit 0: no on-demand box with this GPU can start${spotNote}`, quotaIncreaseCommand(metric, project, region, 1)));
      }
    }
    const global = await google.projectQuotas();
    if (!global.ok) checks.push(unreadable('quota GPUS_ALL_REGIONS', global, `grant the account running the doctor compute.projects.get (roles/compute.viewer) on ${project}`));
    else {
      const all = global.value.find((q) => q.metric === 'GPUS_ALL_REGIONS');
      // New projects have 0 here, which refuses every GPU whatever the regional quotas say.
      if (all === undefined || all.limit <= 0) checks.push(fail('quota GPUS_ALL_REGIONS', `${all === undefined ? 'not listed' : 'limit 0'}: no GPU can start in any region`, quotaIncreaseCommand('GPUS_ALL_REGIONS', project, null, 4)));
      else checks.push(pass('quota GPUS_ALL_REGIONS', `limit ${all.limit}, ${all.usage} in use`));
    }
    return checks;
  }

  /** The organization policy lets boxes have the external IP the bot gives them. */
  private async externalIps(google: GoogleDeploymentPort): Promise<CheckResult> {
    const { project, boxesHaveExternalIp } = this.deps.settings;
    const name = 'policy constraints/compute.vmExternalIpAccess';
    const policy = await google.externalIpPolicy();
    if (!policy.ok) return unreadable(name, policy, `gcloud services enable orgpolicy.googleapis.com --project=${project} (and roles/orgpolicy.policyViewer for the account running the doctor)`);
    const value = policy.value;
    if (externalIpsAllowed(value)) return pass(name, 'VMs may have external IPs');
    const what = value.kind === 'listed' ? `allows external IPs only on ${value.allowed.length} listed VMs` : 'forbids external IPs';
    if (!boxesHaveExternalIp) return pass(name, `${what}; boxes get none`);
    return fail(
      name,
      `${what}, and boxes get one: every box would be refused`,
      `ask an organization policy admin for: gcloud org-policies reset constraints/compute.vmExternalIpAccess --project=${project}; or run boxes without external IPs behind Cloud NAT`,
    );
  }

  /** The Firestore database exists in Native mode and has every composite index the bot's queries need. */
  private async firestore(google: GoogleDeploymentPort): Promise<CheckResult[]> {
    const { project, region, firestoreDatabase: databaseId, indexes } = this.deps.settings;
    if (databaseId === null) return [skipped('Firestore', 'an emulator (FIRESTORE_EMULATOR_HOST) needs no indexes')];
    const database = await google.firestoreDatabase(databaseId);
    const name = `Firestore database ${databaseId}`;
    // Without a usable database there is nothing to hold the indexes; each still gets its line.
    const unchecked = indexes.map((index) => skipped(`index ${indexLabel(index)}`, 'not checked without the database'));
    if (!database.ok) {
      if (database.kind === 'not-found') {
        return [fail(name, 'missing', `gcloud firestore databases create --project=${project} --database=${databaseId} --location=${region} --type=firestore-native`), ...unchecked];
      }
      return [unreadable(name, database, `grant the account running the doctor roles/datastore.viewer on ${project}`), ...unchecked];
    }
    if (database.value.type !== 'FIRESTORE_NATIVE') {
      return [
        fail(name, `in ${database.value.type}, not Native mode`, `use a Native mode database: gcloud firestore databases create --project=${project} --database=gpubot --location=${region} --type=firestore-native, then set FIRESTORE_DATABASE=gpubot`),
        ...unchecked,
      ];
    }
    const checks: CheckResult[] = [pass(name, `Native mode in ${database.value.locationId}`)];
    const byGroup = new Map<string, Awaited<ReturnType<GoogleDeploymentPort['firestoreIndexes']>>>();
    for (const index of indexes) {
      const label = `index ${indexLabel(index)}`;
      let deployed = byGroup.get(index.collectionGroup);
      if (deployed === undefined) {
        deployed = await google.firestoreIndexes(databaseId, index.collectionGroup);
        byGroup.set(index.collectionGroup, deployed);
      }
      if (!deployed.ok) {
        checks.push(unreadable(label, deployed, `grant the account running the doctor datastore.indexes.list (roles/datastore.indexViewer) on ${project}`));
        continue;
      }
      const found = findIndex(index, deployed.value.map((d) => ({ ...d })));
      if (found === null) checks.push(fail(label, 'missing; the query that needs it fails', createIndexCommand(index, project, databaseId)));
      else if (found.state !== 'READY') checks.push(fail(label, `${found.state.toLowerCase()}, not ready yet`, `wait for it: gcloud firestore indexes composite list --project=${project}`));
      else checks.push(pass(label, 'ready'));
    }
    return checks;
  }

  /** The bot token carries every scope a feature needs. */
  private async slackScopes(slack: SlackWorkspacePort): Promise<CheckResult[]> {
    const granted = await slack.grantedScopes();
    if (!granted.ok) return [unreadable('Slack token scopes', granted, 'check SLACK_BOT_TOKEN: auth.test must accept it')];
    const have = new Set(granted.value);
    return SLACK_SCOPES.map(({ scope, why }) =>
      have.has(scope)
        ? pass(`Slack scope ${scope}`, 'granted')
        : fail(`Slack scope ${scope}`, `missing; needed for ${why}`, `add \`- ${scope}\` under oauth_config.scopes.bot in manifest.yml, then reinstall the app to the workspace`),
    );
  }

  /** The bot is in the channels it posts to on its own (the digest and admin notices). */
  private async channels(slack: SlackWorkspacePort): Promise<CheckResult[]> {
    const { digestChannel, adminChannel } = this.deps.settings;
    const checks: CheckResult[] = [];
    for (const [what, channel] of [
      ['digest channel', digestChannel],
      ['admin channel', adminChannel],
    ] as const) {
      if (channel === null) continue;
      const name = `${what} ${channel}`;
      const membership = await slack.membership(channel);
      if (!membership.ok) {
        checks.push(
          membership.kind === 'permission'
            ? fail(name, `cannot tell whether the bot is in it (${membership.reason})`, 'add `- channels:read` and `- groups:read` under oauth_config.scopes.bot in manifest.yml, then reinstall the app')
            : unreadable(name, membership, 'check the channel id'),
        );
      } else if (membership.value === 'member') checks.push(pass(name, 'the bot is a member'));
      else if (membership.value === 'not-found') checks.push(fail(name, 'not found (or private and the bot was never invited)', `invite the bot in that channel: /invite @gpubot, or fix the channel id`));
      else checks.push(fail(name, 'the bot is not a member, so its posts there fail', 'in that channel, type: /invite @gpubot'));
    }
    return checks;
  }
}

function pass(name: string, detail: string): CheckResult {
  return { name, status: 'pass', detail };
}

function fail(name: string, detail: string, fix: string): CheckResult {
  return { name, status: 'fail', detail, fix };
}

function skipped(name: string, detail: string): CheckResult {
  return { name, status: 'skip', detail };
}

function unreadable(name: string, reading: Extract<Reading<unknown>, { ok: false }>, fix: string): CheckResult {
  return fail(name, `could not be read (${reading.reason})`, fix);
}
