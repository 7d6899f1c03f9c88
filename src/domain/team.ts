/**
 * A channel bound to a team: the Google Cloud project its boxes and jobs are created in, the region they
 * default to, and the monthly budget their spend is held to. Pure rules: what a binding may say, what
 * `/gpu team` reads, where a request made in a channel goes, and which project a record's calls go to.
 */
import { fail, ok, readArgs, unknownFlagError, type FlagSpec } from './gpu-flags.js';
import { quoteUserText as q } from './shell-words.js';
import type { Parsed, UserError } from './result.js';

/** One channel's binding (Firestore `teams/{channel}`). Each part may be unset: null keeps the deployment's own. */
export interface Team {
  channel: string;
  /** The project its boxes and jobs are created in; null: the configured one (GOOGLE_CLOUD_PROJECT). */
  project: string | null;
  /** Where its boxes and jobs go unless a person names a zone or region of it; null: anywhere (the configured default). */
  region: string | null;
  /** Monthly budget in US dollars at list price; null: none of its own. */
  budgetUsd: number | null;
  updatedBy: string;
  updatedAt: number;
}

/** What a box or job record keeps of where it was asked for: absent on records written before teams. */
export interface TeamTag {
  /** The Google Cloud project its VM or Vertex AI job lives in; absent: the configured project. */
  project?: string;
  /** The channel whose team it counts against; absent: no team. */
  team?: string;
}

/**
 * The project a record's cloud calls go to. A record written before teams has no `project`: it was
 * created in the configured project, and stays there.
 */
export function projectOf(record: TeamTag, configured: string): string {
  return record.project ?? configured;
}

/** Every project the records name, the configured one first: the projects a tick must list. */
export function projectsOf(records: readonly TeamTag[], configured: string): string[] {
  const rest = new Set<string>();
  for (const r of records) if (r.project !== undefined && r.project !== configured) rest.add(r.project);
  return [configured, ...[...rest].sort()];
}

/** The tag a new record carries when asked for in `team`'s channel (nothing when the channel is not bound). */
export function teamTag(team: Team | null, configured: string): TeamTag {
  if (team === null) return {};
  return { project: team.project ?? configured, team: team.channel };
}

/**
 * Project ids as Google allows them: 6 to 30 characters, lowercase letters, digits and hyphens, starting
 * with a letter and not ending with a hyphen (https://cloud.google.com/resource-manager/docs/creating-managing-projects,
 * "Project ID requirements"). Domain-scoped ids (`example.com:my-project`) are older and allowed too.
 */
const PROJECT_ID = /^(?:[a-z][-a-z0-9.]{0,60}[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

export function isProjectId(text: string): boolean {
  return PROJECT_ID.test(text);
}

/** The most a team's monthly budget may be: anything larger is a typo, not a budget. */
export const MAX_TEAM_BUDGET_USD = 10_000_000;

/** `/gpu team`, `/gpu team set --project P --region R --budget N`, `/gpu team clear`. */
export type TeamCommand =
  | { action: 'show' }
  | { action: 'clear' }
  | { action: 'set'; project?: string; region?: string; budgetUsd?: number | null };

const TEAM_FLAGS: Readonly<Record<string, FlagSpec>> = {
  project: { field: 'project', value: 'text' },
  region: { field: 'region', value: 'text' },
  budget: { field: 'budget', value: 'text' },
};

/** Reads the words after `/gpu team`; `knownRegions` are the regions this deployment can price and place. */
export function parseTeamCommand(said: string, args: readonly string[], knownRegions: ReadonlySet<string>): Parsed<TeamCommand> {
  const takes = `\`/gpu ${said}\` shows this channel's team; \`/gpu ${said} set --project P --region R --budget 500\` binds it (admins), \`/gpu ${said} clear\` unbinds it.`;
  const read = readArgs(args, TEAM_FLAGS, (written) => unknownFlagError(written, TEAM_FLAGS, takes));
  if (!read.ok) return read;
  const [verb, extra] = read.value.positionals;
  const flags = read.value.flags;
  if (extra !== undefined) return fail('EXTRA_ARGUMENT', `${q(extra)} is extra. ${takes}`);
  const action = verb?.toLowerCase();
  if (action === undefined || action === 'show') {
    if (flags.length > 0) return fail('BAD_VALUE', `To change the binding, start with \`set\`: \`/gpu ${said} set ${flags.map((f) => `${f.flag} ${f.value}`).join(' ')}\`.`);
    return ok({ action: 'show' });
  }
  if (action === 'clear' || action === 'unbind') {
    if (flags.length > 0) return fail('EXTRA_ARGUMENT', `\`/gpu ${said} clear\` takes nothing after it; ${q(flags[0]?.flag ?? '')} is extra.`);
    return ok({ action: 'clear' });
  }
  if (action !== 'set' && action !== 'bind') return fail('UNKNOWN_SUBCOMMAND', `I don't know ${q(verb ?? '')}. ${takes}`);
  if (flags.length === 0) return fail('MISSING_VALUE', `Say what to bind: ${takes}`);
  const out: { action: 'set'; project?: string; region?: string; budgetUsd?: number | null } = { action: 'set' };
  for (const { flag, spec, value } of flags) {
    const text = value.trim();
    if (spec.field === 'project') {
      const project = text.toLowerCase();
      if (!isProjectId(project)) {
        return fail('BAD_VALUE', `${q(value)} is not a Google Cloud project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter, like \`${flag} ml-lab-vision\`.`);
      }
      out.project = project;
    } else if (spec.field === 'region') {
      const region = text.toLowerCase();
      if (!knownRegions.has(region)) {
        return fail('BAD_VALUE', `${q(value)} is not a region gpubot knows. Pick one of ${[...knownRegions].sort().map((r) => `\`${r}\``).join(', ')}.`);
      }
      out.region = region;
    } else if (spec.field === 'budget') {
      if (/^(none|off)$/i.test(text)) {
        out.budgetUsd = null;
        continue;
      }
      const amount = Number(text.replace(/^\$/, '').replace(/,/g, ''));
      if (text === '' || !Number.isFinite(amount) || amount <= 0 || amount > MAX_TEAM_BUDGET_USD) {
        return fail('BAD_NUMBER', `\`${flag}\` takes the monthly budget in US dollars, more than 0, like \`${flag} 500\` (or \`${flag} none\`); ${q(value)} isn't one.`);
      }
      out.budgetUsd = Math.round(amount * 100) / 100;
    }
  }
  return ok(out);
}

/** The binding after `set`: the parts given replace the stored ones, the rest stay. */
export function applyTeamSet(before: Team | null, set: Extract<TeamCommand, { action: 'set' }>, channel: string, by: string, now: number): Team {
  return {
    channel,
    project: set.project ?? before?.project ?? null,
    region: set.region ?? before?.region ?? null,
    budgetUsd: set.budgetUsd !== undefined ? set.budgetUsd : (before?.budgetUsd ?? null),
    updatedBy: by,
    updatedAt: now,
  };
}

/** The binding in a few words, for the audit trail (the binding after a change, or the one cleared). */
export function teamDetail(team: Team): string {
  return `${team.project ?? 'default project'}, ${team.region ?? 'any region'}, ${team.budgetUsd === null ? 'no budget' : `$${team.budgetUsd}/month`}`;
}

/**
 * Where a request made in a team's channel goes: the team's region when the person named none; a
 * region or zone outside it is refused, naming the team's region. A binding is an admin's guardrail
 * (data kept in one region, quota asked for there), so a person cannot step around it; an admin
 * changes or clears the binding instead.
 */
export function placeInTeam(team: Team | null, asked: { region: string | null; zone: string | null }): Parsed<{ region: string | null }> {
  if (team === null || team.region === null) return ok({ region: asked.region });
  const askedRegion = asked.zone !== null ? asked.zone.replace(/-[a-z]$/, '') : asked.region;
  if (askedRegion !== null && askedRegion !== team.region) {
    const said = asked.zone !== null ? `zone \`${asked.zone}\`` : `region \`${askedRegion}\``;
    return { ok: false, error: outsideRegion(team, said) };
  }
  return ok({ region: askedRegion ?? team.region });
}

function outsideRegion(team: Team, said: string): UserError {
  return {
    code: 'TEAM_REGION',
    message: `This channel's team uses region \`${team.region ?? ''}\`; the ${said} is outside it. Leave out \`--region\`/\`--zone\` (or name a zone of \`${team.region ?? ''}\`), or ask an admin to change the binding with \`/gpu team set --region\`.`,
  };
}

/** Who may bind a channel: the refusal names them. */
export function notAdminToBind(admins: readonly string[]): UserError {
  const who = admins.length === 0 ? 'an admin (none is configured in `GPUBOT_ADMINS`)' : admins.map((a) => `<@${a}>`).join(', ');
  return { code: 'NOT_ADMIN', message: `Only an admin can change this channel's team binding: ${who}.` };
}
