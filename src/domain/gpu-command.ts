/** Reads the text after `/gpu` into a typed command; every refusal says what was wrong and what would work. */
import { checkBoxName, isValidBoxName, type BoxRequest } from './box-request.js';
import { countChars, helpTopic, isHelpFlag, lookup, undoSmartDash } from './command-words.js';
import { closestWord, quoteUserText as q, splitShellWords } from './shell-words.js';
import { parseDuration } from './duration.js';
import type { CostRange, CostWho } from './cost-report.js';
import { fail, ok, parseUserRef, parseWhole, readArgs, unknownFlagError, type FlagSpec } from './gpu-flags.js';
import { parseUp } from './gpu-up.js';
import { parseCost } from './gpu-cost.js';
import { parseTeamCommand, type TeamCommand } from './team.js';
import { GOOGLE_CLOUD_REGIONS } from './regions.js';

export type GpuCommand =
  | { kind: 'help'; topic?: string }
  /** request null: `up` without a name, which opens the form. */
  | { kind: 'up'; request: BoxRequest | null }
  | { kind: 'list'; all: boolean }
  | { kind: 'stop' | 'start' | 'delete' | 'connect'; name: string }
  /** Postpone idle stops; `forMs` null: the default keep (1 hour). */
  | { kind: 'keep'; name: string; forMs: number | null }
  /** Spend over a period: mine, one person's (`--user`), or everyone's (`--all`). */
  | { kind: 'cost'; range: CostRange; who: CostWho }
  /** Check the deployment (admins only): APIs, roles, quotas, policies, indexes, Slack scopes. */
  | { kind: 'doctor' }
  /** The team's policy: admins get the form that edits it, everyone else reads it. */
  | { kind: 'policy' }
  /** The audit trail (admins only): everything, one box or job's, or one person's, over the last `days`. */
  | { kind: 'audit'; of: AuditOf; days: number }
  /** This channel's team: show it, bind it (admins) or clear it (admins). */
  | { kind: 'team'; team: TeamCommand }
  /** No arguments at all: open the form. */
  | { kind: 'form' };

/** Whose actions `/gpu audit` lists: everyone's, those on one box or job (by name), or one person's. */
export type AuditOf = { kind: 'all' } | { kind: 'name'; name: string } | { kind: 'user'; userId: string };

/** `/gpu audit` without `--days`, and the most it may ask for (the trail is kept longer, but pages stay short). */
export const DEFAULT_AUDIT_DAYS = 7;
export const MAX_AUDIT_DAYS = 400;

import type { Parsed, UserError } from './result.js';
export type { Parsed, UserError };

/** Longer text is refused before it is read: no real command comes near it. */
export const MAX_COMMAND_LENGTH = 2000;

type Subcommand = 'up' | 'list' | 'stop' | 'start' | 'delete' | 'connect' | 'keep' | 'cost' | 'doctor' | 'policy' | 'audit' | 'team' | 'help';

const SUBCOMMANDS_TEXT = 'up, list, stop, start, delete, connect, keep, cost, doctor, policy, audit, team, help';

/**
 * What each word after `/gpu` means. `down` stops rather than deletes: stopping can be undone,
 * deleting loses the disk, so the ambiguous word gets the safe meaning.
 */
const SUBCOMMAND_WORDS: Readonly<Record<string, Subcommand>> = {
  up: 'up',
  create: 'up',
  new: 'up',
  launch: 'up',
  list: 'list',
  ls: 'list',
  ps: 'list',
  stop: 'stop',
  down: 'stop',
  halt: 'stop',
  start: 'start',
  resume: 'start',
  delete: 'delete',
  rm: 'delete',
  del: 'delete',
  remove: 'delete',
  destroy: 'delete',
  connect: 'connect',
  open: 'connect',
  jupyter: 'connect',
  keep: 'keep',
  cost: 'cost',
  costs: 'cost',
  spend: 'cost',
  doctor: 'doctor',
  policy: 'policy',
  rules: 'policy',
  audit: 'audit',
  team: 'team',
  help: 'help',
  '?': 'help',
};

/** Topics `help` knows; the help text itself is written elsewhere. */
export const HELP_TOPICS = ['up', 'list', 'stop', 'start', 'delete', 'connect', 'keep', 'cost', 'doctor', 'policy', 'audit', 'team', 'gpus'] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number];

const TOPIC_WORDS: Readonly<Record<string, HelpTopic>> = (() => {
  const words: Record<string, HelpTopic> = { gpu: 'gpus', gpus: 'gpus' };
  for (const [word, sub] of Object.entries(SUBCOMMAND_WORDS)) if (sub !== 'help') words[word] = sub;
  return words;
})();

/** Parses the text of a `/gpu` slash command. Never throws; people's mistakes come back as errors. */
export function parseGpuCommand(text: string): Parsed<GpuCommand> {
  const src = typeof text === 'string' ? text : '';
  if (src.length > MAX_COMMAND_LENGTH) {
    const n = countChars(src);
    if (n > MAX_COMMAND_LENGTH) {
      return fail(
        'TOO_LONG',
        `That is ${n} characters; \`/gpu\` reads at most ${MAX_COMMAND_LENGTH}. Send \`/gpu up NAME --gpu t4\`, or \`/gpu\` alone to open the form.`,
      );
    }
  }
  const split = splitShellWords(src);
  if (!split.ok) return { ok: false, error: split.error };
  const words = split.words.map(undoSmartDash);
  const first = words[0];
  if (first === undefined) return ok({ kind: 'form' });
  const rest = words.slice(1);

  if (isHelpFlag(first)) return parseHelp(rest);
  const sub = lookup(SUBCOMMAND_WORDS, first.toLowerCase());
  if (sub === undefined) return unknownSubcommand(first);
  if (sub === 'help') return parseHelp(rest);

  const endOfFlags = rest.indexOf('--');
  const flagPart = endOfFlags < 0 ? rest : rest.slice(0, endOfFlags);
  if (flagPart.some(isHelpFlag)) return ok({ kind: 'help', topic: sub });

  const said = first.toLowerCase();
  switch (sub) {
    case 'up': {
      const up = parseUp(said, rest);
      return up.ok ? ok({ kind: 'up', request: up.value }) : up;
    }
    case 'list':
      return parseList(said, rest);
    case 'stop':
    case 'start':
    case 'delete':
    case 'connect':
      return parseTarget(sub, said, rest);
    case 'keep':
      return parseKeep(said, rest);
    case 'cost': {
      const cost = parseCost(said, rest);
      return cost.ok ? ok({ kind: 'cost', ...cost.value }) : cost;
    }
    case 'doctor':
      return rest.length === 0 ? ok({ kind: 'doctor' }) : fail('EXTRA_ARGUMENT', `\`/gpu ${said}\` takes nothing after it; ${q(rest[0] ?? '')} is extra.`);
    case 'policy':
      return rest.length === 0 ? ok({ kind: 'policy' }) : fail('EXTRA_ARGUMENT', `\`/gpu ${said}\` takes nothing after it; ${q(rest[0] ?? '')} is extra.`);
    case 'audit':
      return parseAudit(said, rest);
    case 'team': {
      const team = parseTeamCommand(said, rest, GOOGLE_CLOUD_REGIONS);
      return team.ok ? ok({ kind: 'team', team: team.value }) : team;
    }
  }
}

const LIST_FLAGS: Readonly<Record<string, FlagSpec>> = {
  all: { field: 'all', value: 'bool' },
  a: { field: 'all', value: 'bool' },
};

const AUDIT_FLAGS: Readonly<Record<string, FlagSpec>> = { days: { field: 'days', value: 'text' } };

/** `/gpu audit [NAME | @someone] [--days N]`. */
function parseAudit(said: string, args: readonly string[]): Parsed<GpuCommand> {
  const takes = `\`/gpu ${said}\` takes a box or job name or a person, and \`--days N\`, like \`/gpu ${said} exp42 --days 30\`.`;
  const read = readArgs(args, AUDIT_FLAGS, (written) => unknownFlagError(written, AUDIT_FLAGS, takes));
  if (!read.ok) return read;
  const [first, extra] = read.value.positionals;
  if (extra !== undefined) return fail('EXTRA_ARGUMENT', `One at a time: ${takes} ${q(extra)} is extra.`);
  let of: AuditOf = { kind: 'all' };
  if (first !== undefined) {
    const userId = parseUserRef(first);
    if (userId !== null) of = { kind: 'user', userId };
    else if (first.startsWith('@')) return fail('BAD_VALUE', `Pick the person from Slack's @ list, so the command carries who they are; ${q(first)} is plain text. ${takes}`);
    // Box names are lowercase; job names keep their case, so the name is looked up as written.
    else if (/^[a-z][-a-z0-9_.]{0,127}$/i.test(first)) of = { kind: 'name', name: first };
    else return fail('BAD_NAME', `${q(first)} is neither a box or job name nor a person. ${takes}`);
  }
  let days = DEFAULT_AUDIT_DAYS;
  for (const { flag, value } of read.value.flags) {
    const n = parseWhole(value);
    if (n === null || n < 1 || n > MAX_AUDIT_DAYS) {
      return fail('BAD_NUMBER', `\`${flag}\` takes a whole number of days from 1 to ${MAX_AUDIT_DAYS}, like \`${flag} 30\`; ${q(value)} isn't one.`);
    }
    days = n;
  }
  return ok({ kind: 'audit', of, days });
}

/** `/gpu keep NAME [DURATION]`: the name first, then how long (1 hour when not said). */
function parseKeep(said: string, args: readonly string[]): Parsed<GpuCommand> {
  const takes = `\`/gpu ${said}\` takes a box name and how long, like \`/gpu ${said} exp42 2h\`.`;
  const read = readArgs(args, {}, (written) => ({ code: 'UNKNOWN_FLAG', message: `I don't know ${q(written)}. ${takes}` }));
  if (!read.ok) return read;
  const [name, length, extra] = read.value.positionals;
  if (name === undefined) return fail('MISSING_NAME', takes);
  if (extra !== undefined) return fail('EXTRA_ARGUMENT', `${takes} ${q(extra)} is extra.`);
  const lower = name.toLowerCase();
  const nameError = checkBoxName(lower);
  if (nameError) return { ok: false, error: nameError };
  if (length === undefined) return ok({ kind: 'keep', name: lower, forMs: null });
  const ms = parseDuration(length);
  if (ms === null || ms <= 0) return fail('BAD_VALUE', `${q(length)} is not a length of time. ${takes}`);
  return ok({ kind: 'keep', name: lower, forMs: ms });
}

function parseHelp(rest: readonly string[]): Parsed<GpuCommand> {
  const asked = helpTopic(rest, '/gpu', TOPIC_WORDS, HELP_TOPICS);
  if (!asked.ok) return fail('UNKNOWN_TOPIC', asked.message);
  return ok(asked.topic === undefined ? { kind: 'help' } : { kind: 'help', topic: asked.topic });
}

function unknownSubcommand(word: string): Parsed<GpuCommand> {
  const w = word.toLowerCase();
  if (w.trim() === '' || w.startsWith('-')) {
    return fail(
      'UNKNOWN_SUBCOMMAND',
      `Start with what to do, then the flags, like \`/gpu up exp42 --gpu a100\`. Subcommands: ${SUBCOMMANDS_TEXT}.`,
    );
  }
  const near = closestWord(
    w,
    Object.keys(SUBCOMMAND_WORDS).filter((k) => k !== '?'),
  );
  const hint = near
    ? ` Did you mean \`/gpu ${near}\`?`
    : isValidBoxName(w)
      ? ` To make a box called \`${w}\`, send \`/gpu up ${w}\`.`
      : '';
  return fail('UNKNOWN_SUBCOMMAND', `I don't know ${q(word)}.${hint} Subcommands: ${SUBCOMMANDS_TEXT}.`);
}

function parseList(said: string, args: readonly string[]): Parsed<GpuCommand> {
  const takes = `\`/gpu ${said}\` takes only \`--all\`, to show everyone's boxes.`;
  const read = readArgs(args, LIST_FLAGS, (written) => unknownFlagError(written, LIST_FLAGS, takes));
  if (!read.ok) return read;
  const extra = read.value.positionals[0];
  if (extra !== undefined) {
    const hint = extra.toLowerCase() === 'all' ? ' Did you mean `--all`?' : '';
    return fail('EXTRA_ARGUMENT', `\`/gpu ${said}\` takes no names; ${q(extra)} is extra.${hint} ${takes}`);
  }
  // The last `--all` wins, so `--all --all=false` reads as written.
  const all = read.value.flags.at(-1)?.value === 'true';
  return ok({ kind: 'list', all });
}

function parseTarget(
  kind: 'stop' | 'start' | 'delete' | 'connect',
  said: string,
  args: readonly string[],
): Parsed<GpuCommand> {
  const takes = `\`/gpu ${said}\` takes just a box name, like \`/gpu ${said} exp42\`.`;
  const read = readArgs(args, {}, (written) => ({ code: 'UNKNOWN_FLAG', message: `I don't know ${q(written)}. ${takes}` }));
  if (!read.ok) return read;
  const [name, extra] = read.value.positionals;
  if (name === undefined) {
    return fail('MISSING_NAME', `${takes} \`/gpu list\` shows your boxes.`);
  }
  if (extra !== undefined) {
    return fail('EXTRA_ARGUMENT', `One box at a time: ${takes} ${q(extra)} is extra.`);
  }
  // Box names are always lowercase, so a capital letter here cannot name a different box.
  const lower = name.toLowerCase();
  const nameError = checkBoxName(lower);
  if (nameError) return { ok: false, error: nameError };
  return ok({ kind, name: lower });
}

