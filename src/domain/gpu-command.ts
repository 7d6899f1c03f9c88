/** Reads the text after `/gpu` into a typed command; every refusal says what was wrong and what would work. */
import { DEFAULT_DISK_GB, checkBoxName, isValidBoxName, type BoxRequest } from './box-request.js';
import { countChars, helpTopic, isFlagLike, isHelpFlag, lookup, undoSmartDash } from './command-words.js';
import { DEFAULT_GPU, GPU_KEYS, gpuForMachine, machineShape, parseGpuKey, type GpuKey } from './gpus.js';
import { closestWord, quoteUserText as q, splitShellWords } from './shell-words.js';
import { formatDuration, parseDuration } from './duration.js';
import { DEFAULT_COST_RANGE, MAX_COST_DAYS, type CostRange } from './cost-report.js';

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
  /** No arguments at all: open the form. */
  | { kind: 'form' };

/** Whose actions `/gpu audit` lists: everyone's, those on one box or job (by name), or one person's. */
export type AuditOf = { kind: 'all' } | { kind: 'name'; name: string } | { kind: 'user'; userId: string };

/** `/gpu audit` without `--days`, and the most it may ask for (the trail is kept longer, but pages stay short). */
export const DEFAULT_AUDIT_DAYS = 7;
export const MAX_AUDIT_DAYS = 400;

/** Whose spend `/gpu cost` shows. */
export type CostWho = { kind: 'me' } | { kind: 'user'; userId: string } | { kind: 'all' };

import type { Parsed, UserError } from './result.js';
export type { Parsed, UserError };

/** Longer text is refused before it is read: no real command comes near it. */
export const MAX_COMMAND_LENGTH = 2000;

/** Stable codes `parseGpuCommand` answers with. */
export const GPU_COMMAND_ERROR_CODES = [
  'TOO_LONG',
  'UNBALANCED_QUOTE',
  'UNKNOWN_SUBCOMMAND',
  'UNKNOWN_TOPIC',
  'UNKNOWN_FLAG',
  'MISSING_VALUE',
  'BAD_VALUE',
  'MISSING_NAME',
  'BAD_NAME',
  'BAD_NUMBER',
  'CONFLICTING_FLAGS',
  'UNKNOWN_GPU',
  'EXTRA_ARGUMENT',
] as const;
export type GpuCommandErrorCode = (typeof GPU_COMMAND_ERROR_CODES)[number];

type Subcommand = 'up' | 'list' | 'stop' | 'start' | 'delete' | 'connect' | 'keep' | 'cost' | 'doctor' | 'policy' | 'audit' | 'help';

const SUBCOMMANDS_TEXT = 'up, list, stop, start, delete, connect, keep, cost, doctor, policy, audit, help';

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
  help: 'help',
  '?': 'help',
};

/** Topics `help` knows; the help text itself is written elsewhere. */
export const HELP_TOPICS = ['up', 'list', 'stop', 'start', 'delete', 'connect', 'keep', 'cost', 'doctor', 'policy', 'audit', 'gpus'] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number];

const TOPIC_WORDS: Readonly<Record<string, HelpTopic>> = (() => {
  const words: Record<string, HelpTopic> = { gpu: 'gpus', gpus: 'gpus' };
  for (const [word, sub] of Object.entries(SUBCOMMAND_WORDS)) if (sub !== 'help') words[word] = sub;
  return words;
})();

type FlagValue = 'text' | 'bool';
interface FlagSpec {
  field: UpField | 'all' | CostField;
  value: FlagValue;
}
type CostField = 'days' | 'month' | 'user';
type UpField = 'gpu' | 'count' | 'machine' | 'zone' | 'region' | 'disk' | 'image' | 'spot' | 'flexStart' | 'maxRun' | 'accelerator' | 'idle' | 'hours';

/**
 * `/gpu up` flags. The second names are Cloud Datalab's and gcloud's, so a pasted
 * `datalab create --machine-type ... --accelerator-type ...` line works as well.
 */
const UP_FLAGS: Readonly<Record<string, FlagSpec>> = {
  gpu: { field: 'gpu', value: 'text' },
  'accelerator-type': { field: 'gpu', value: 'text' },
  count: { field: 'count', value: 'text' },
  'accelerator-count': { field: 'count', value: 'text' },
  'gpu-count': { field: 'count', value: 'text' },
  machine: { field: 'machine', value: 'text' },
  'machine-type': { field: 'machine', value: 'text' },
  zone: { field: 'zone', value: 'text' },
  region: { field: 'region', value: 'text' },
  disk: { field: 'disk', value: 'text' },
  'disk-size-gb': { field: 'disk', value: 'text' },
  'boot-disk-size': { field: 'disk', value: 'text' },
  image: { field: 'image', value: 'text' },
  'image-family': { field: 'image', value: 'text' },
  spot: { field: 'spot', value: 'bool' },
  preemptible: { field: 'spot', value: 'bool' },
  'flex-start': { field: 'flexStart', value: 'bool' },
  'max-run': { field: 'maxRun', value: 'text' },
  'max-run-duration': { field: 'maxRun', value: 'text' },
  accelerator: { field: 'accelerator', value: 'text' },
  idle: { field: 'idle', value: 'text' },
  'idle-timeout': { field: 'idle', value: 'text' },
  hours: { field: 'hours', value: 'text' },
};
const UP_FLAGS_TEXT = '--gpu, --count, --machine, --zone, --region, --disk, --image, --spot, --flex-start, --max-run, --idle, --hours';

const LIST_FLAGS: Readonly<Record<string, FlagSpec>> = {
  all: { field: 'all', value: 'bool' },
  a: { field: 'all', value: 'bool' },
};

const COST_FLAGS: Readonly<Record<string, FlagSpec>> = {
  days: { field: 'days', value: 'text' },
  month: { field: 'month', value: 'bool' },
  user: { field: 'user', value: 'text' },
  all: { field: 'all', value: 'bool' },
  a: { field: 'all', value: 'bool' },
};

const EXAMPLES: Readonly<Record<UpField | 'all' | CostField, string>> = {
  gpu: 'a100',
  count: '2',
  machine: 'n1-standard-8',
  zone: 'us-central1-a',
  region: 'us-central1',
  disk: String(DEFAULT_DISK_GB),
  image: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570',
  spot: 'true',
  flexStart: 'true',
  maxRun: '8h',
  accelerator: 'type=nvidia-tesla-t4,count=1',
  idle: '90m',
  hours: '8',
  all: 'true',
  days: '30',
  month: 'true',
  user: '@someone',
};

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail(code: GpuCommandErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

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
    case 'up':
      return parseUp(said, rest);
    case 'list':
      return parseList(said, rest);
    case 'stop':
    case 'start':
    case 'delete':
    case 'connect':
      return parseTarget(sub, said, rest);
    case 'keep':
      return parseKeep(said, rest);
    case 'cost':
      return parseCost(said, rest);
    case 'doctor':
      return rest.length === 0 ? ok({ kind: 'doctor' }) : fail('EXTRA_ARGUMENT', `\`/gpu ${said}\` takes nothing after it; ${q(rest[0] ?? '')} is extra.`);
    case 'policy':
      return rest.length === 0 ? ok({ kind: 'policy' }) : fail('EXTRA_ARGUMENT', `\`/gpu ${said}\` takes nothing after it; ${q(rest[0] ?? '')} is extra.`);
    case 'audit':
      return parseAudit(said, rest);
  }
}

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

interface FlagUse {
  /** The flag as written, without any `=value`, normalized to `--name`. */
  flag: string;
  spec: FlagSpec;
  /** The value; `true`/`false` text for switches. */
  value: string;
}

interface ReadArgs {
  positionals: string[];
  flags: FlagUse[];
}

/**
 * Splits arguments into positionals and flags (`--flag value`, `--flag=value`, switches), resolving
 * flag names against `table`. `--` ends the flags.
 */
function readArgs(
  args: readonly string[],
  table: Readonly<Record<string, FlagSpec>>,
  unknownFlag: (written: string) => UserError,
): Parsed<ReadArgs> {
  const positionals: string[] = [];
  const flags: FlagUse[] = [];
  let literal = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    if (!literal && word === '--') {
      literal = true;
      continue;
    }
    if (literal || !isFlagLike(word)) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const written = eq < 0 ? word : word.slice(0, eq);
    const inline = eq < 0 ? null : word.slice(eq + 1);
    const name = written.replace(/^-+/, '').toLowerCase().replace(/_/g, '-');
    const spec = lookup(table, name);
    if (spec === undefined) return { ok: false, error: unknownFlag(written) };
    const flag = `--${name}`;
    if (spec.value === 'bool') {
      const value = inline === null ? 'true' : parseSwitch(inline);
      if (value === null) {
        return fail('BAD_VALUE', `\`${flag}\` is a switch: write \`${flag}\` alone (or \`${flag}=false\`), not ${q(word)}.`);
      }
      flags.push({ flag, spec, value });
      continue;
    }
    let value = inline;
    if (value === null) {
      const next = args[i + 1];
      if (next !== undefined && next !== '--' && !isFlagLike(next)) {
        value = next;
        i++;
      }
    }
    if (value === null || value.trim() === '') {
      return fail('MISSING_VALUE', `\`${flag}\` needs a value, like \`${flag} ${EXAMPLES[spec.field]}\`.`);
    }
    flags.push({ flag, spec, value: value.trim() });
  }
  return ok({ positionals, flags });
}

function parseSwitch(text: string): 'true' | 'false' | null {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', 'on', '1', ''].includes(t)) return 'true';
  if (['false', 'no', 'off', '0'].includes(t)) return 'false';
  return null;
}

function unknownFlagError(
  written: string,
  table: Readonly<Record<string, FlagSpec>>,
  takes: string,
): UserError {
  const name = written.replace(/^-+/, '').toLowerCase().replace(/_/g, '-');
  const near = closestWord(
    name,
    Object.keys(table).filter((k) => k.length > 1),
  );
  const hint = near ? ` Did you mean \`--${near}\`?` : '';
  return { code: 'UNKNOWN_FLAG', message: `I don't know ${q(written)}.${hint} ${takes}` };
}

/** A whole number as people type it (`2`, `２`), or null. */
function parseWhole(text: string): number | null {
  const t = text.normalize('NFKC').trim();
  return /^\d{1,9}$/.test(t) ? Number(t) : null;
}

function parseDiskGb(text: string): number | null {
  const m = /^(\d{1,9})\s*(?:gb|g|gib)?$/i.exec(text.normalize('NFKC').trim());
  return m ? Number(m[1]) : null;
}

interface Setting<T> {
  value: T;
  /** How the person wrote it, e.g. `--gpu a100`, for messages. */
  said: string;
}

function settle<T>(current: Setting<T> | undefined, next: Setting<T>, what: string): Parsed<Setting<T>> {
  if (current === undefined || current.value === next.value) return ok(next);
  return fail('CONFLICTING_FLAGS', `${q(current.said)} and ${q(next.said)} both set ${what}. Keep one.`);
}

function unknownGpu(text: string): UserError {
  const bare = text.toLowerCase().replace(/^nvidia[-_]/, '').replace(/^tesla[-_]/, '');
  const near = closestWord(bare, GPU_KEYS);
  const hint = near ? ` Did you mean \`${near}\`?` : '';
  return { code: 'UNKNOWN_GPU', message: `I don't know the GPU ${q(text)}.${hint} GPUs: ${GPU_KEYS.join(', ')}.` };
}

/** `type=nvidia-tesla-t4,count=2`, gcloud's `--accelerator` value. */
function parseAccelerator(text: string): { gpu: string | null; count: string | null } | null {
  let gpu: string | null = null;
  let count: string | null = null;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === 'type' && gpu === null) gpu = value;
    else if (key === 'count' && count === null) count = value;
    else return null;
  }
  return gpu === null ? null : { gpu, count };
}

interface UpSettings {
  gpu?: Setting<GpuKey>;
  count?: Setting<number>;
  machine?: Setting<string>;
  zone?: Setting<string>;
  region?: Setting<string>;
  disk?: Setting<number>;
  image?: Setting<string>;
  spot?: Setting<boolean>;
  flexStart?: Setting<boolean>;
  maxRun?: Setting<number>;
  idle?: Setting<number | null>;
  hours?: Setting<number>;
}

function parseUp(said: string, args: readonly string[]): Parsed<GpuCommand> {
  const takes = `\`/gpu ${said}\` takes a box name and ${UP_FLAGS_TEXT}.`;
  const read = readArgs(args, UP_FLAGS, (written) => unknownFlagError(written, UP_FLAGS, takes));
  if (!read.ok) return read;
  const { positionals, flags } = read.value;

  const s: UpSettings = {};
  for (const { flag, spec, value } of flags) {
    const written = `${flag} ${value}`;
    switch (spec.field) {
      case 'gpu': {
        const gpu = parseGpuKey(value);
        if (gpu === null) return { ok: false, error: unknownGpu(value) };
        const r = settle(s.gpu, { value: gpu, said: written }, 'the GPU');
        if (!r.ok) return r;
        s.gpu = r.value;
        break;
      }
      case 'count': {
        const count = parseWhole(value);
        if (count === null || count < 1) {
          return fail(
            'BAD_NUMBER',
            `\`${flag}\` takes a whole number of GPUs, 1 or more, like \`${flag} 2\`; ${q(value)} isn't one.`,
          );
        }
        const r = settle(s.count, { value: count, said: written }, 'the GPU count');
        if (!r.ok) return r;
        s.count = r.value;
        break;
      }
      case 'accelerator': {
        const acc = parseAccelerator(value);
        if (acc === null || acc.gpu === null) {
          return fail('BAD_VALUE', `\`${flag}\` looks like \`${flag}=${EXAMPLES.accelerator}\`; ${q(value)} doesn't. Or use \`--gpu t4 --count 1\`.`);
        }
        const gpu = parseGpuKey(acc.gpu);
        if (gpu === null) return { ok: false, error: unknownGpu(acc.gpu) };
        const g = settle(s.gpu, { value: gpu, said: written }, 'the GPU');
        if (!g.ok) return g;
        s.gpu = g.value;
        if (acc.count !== null) {
          const count = parseWhole(acc.count);
          if (count === null || count < 1) {
            return fail('BAD_NUMBER', `The \`count=\` in \`${flag}\` is a whole number of GPUs, like \`count=2\`; ${q(acc.count)} isn't one.`);
          }
          const c = settle(s.count, { value: count, said: written }, 'the GPU count');
          if (!c.ok) return c;
          s.count = c.value;
        }
        break;
      }
      case 'disk': {
        const disk = parseDiskGb(value);
        if (disk === null) {
          return fail('BAD_NUMBER', `\`${flag}\` takes a size in GB, like \`${flag} ${DEFAULT_DISK_GB}\`; ${q(value)} isn't one.`);
        }
        const r = settle(s.disk, { value: disk, said: written }, 'the disk size');
        if (!r.ok) return r;
        s.disk = r.value;
        break;
      }
      case 'spot': {
        const r = settle(s.spot, { value: value === 'true', said: written }, 'Spot');
        if (!r.ok) return r;
        s.spot = r.value;
        break;
      }
      case 'flexStart': {
        const r = settle(s.flexStart, { value: value === 'true', said: written }, 'Flex-start');
        if (!r.ok) return r;
        s.flexStart = r.value;
        break;
      }
      case 'maxRun': {
        // gcloud writes `--max-run-duration` as `1d2h3m4s`; a bare number here means hours, as `--hours` does.
        const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 3_600_000 : parseDuration(value);
        if (ms === null || !Number.isFinite(ms) || ms <= 0) {
          return fail('BAD_VALUE', `\`${flag}\` takes how long a Flex-start box may run, like \`${flag} 8h\` (10 minutes to 7 days); ${q(value)} isn't one.`);
        }
        const r = settle(s.maxRun, { value: ms, said: `${flag} ${formatDuration(ms)}` }, 'the Flex-start run length');
        if (!r.ok) return r;
        s.maxRun = r.value;
        break;
      }
      case 'idle': {
        const off = /^(off|never|none|false|no)$/i.test(value);
        const ms = off ? null : parseDuration(value);
        if (!off && (ms === null || ms <= 0)) {
          return fail('BAD_VALUE', `\`${flag}\` takes how long a box may sit idle before I warn you, like \`${flag} 90m\`, or \`${flag} off\`; ${q(value)} isn't one.`);
        }
        const r = settle(s.idle, { value: ms, said: written }, 'the idle window');
        if (!r.ok) return r;
        s.idle = r.value;
        break;
      }
      case 'hours': {
        const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 3_600_000 : parseDuration(value);
        if (ms === null || !Number.isFinite(ms) || ms < 60_000) {
          return fail('BAD_VALUE', `\`${flag}\` takes the longest the box may run, like \`${flag} 8\` (hours) or \`${flag} 90m\`; ${q(value)} isn't one.`);
        }
        const r = settle(s.hours, { value: ms, said: `${flag} ${formatDuration(ms)}` }, 'the running-time limit');
        if (!r.ok) return r;
        s.hours = r.value;
        break;
      }
      case 'machine':
      case 'zone':
      case 'region':
      case 'image': {
        const field = spec.field;
        const what = { machine: 'the machine type', zone: 'the zone', region: 'the region', image: 'the image' }[field];
        const r = settle(s[field], { value: value.toLowerCase(), said: written }, what);
        if (!r.ok) return r;
        s[field] = r.value;
        break;
      }
      case 'all':
      case 'days':
      case 'month':
      case 'user':
        break;
    }
  }

  const [name, extra] = positionals;
  if (name === undefined) {
    if (flags.length === 0) return ok({ kind: 'up', request: null });
    return fail(
      'MISSING_NAME',
      `\`/gpu ${said}\` needs a box name before the flags, like \`/gpu ${said} exp42 --gpu a100\`. Or send \`/gpu ${said}\` alone to open the form.`,
    );
  }
  if (extra !== undefined) {
    return fail('EXTRA_ARGUMENT', `\`/gpu ${said}\` takes one box name, then flags; ${q(extra)} is one word too many.${extraHint(extra)}`);
  }
  const nameError = checkBoxName(name);
  if (nameError) return { ok: false, error: nameError };

  // A machine type with built-in GPUs says which GPU and how many; the flags only have to agree.
  const machine = s.machine?.value ?? null;
  const shape = machine === null ? null : machineShape(machine);
  const builtIn = machine === null ? null : gpuForMachine(machine);
  const gpu = s.gpu?.value ?? builtIn ?? DEFAULT_GPU;
  const gpuCount = s.count?.value ?? (shape !== null && builtIn === gpu ? shape.gpus : 1);

  return ok({
    kind: 'up',
    request: {
      name,
      gpu,
      gpuCount,
      machineType: machine,
      zone: s.zone?.value ?? null,
      region: s.region?.value ?? null,
      diskGb: s.disk?.value ?? DEFAULT_DISK_GB,
      imageFamily: s.image?.value ?? null,
      spot: s.spot?.value ?? false,
      ...(s.flexStart !== undefined ? { flexStart: s.flexStart.value } : {}),
      ...(s.maxRun !== undefined ? { flexMaxRunMs: s.maxRun.value } : {}),
      ...(s.idle !== undefined ? { idleWindowMs: s.idle.value } : {}),
      ...(s.hours !== undefined ? { maxRunningMs: s.hours.value } : {}),
    },
  });
}

/** Guesses which flag a stray word after the name was meant for. */
function extraHint(word: string): string {
  const w = word.toLowerCase();
  const gpu = parseGpuKey(w);
  if (gpu !== null) return ` Did you mean \`--gpu ${gpu}\`?`;
  const n = parseWhole(w);
  if (n !== null) return n <= 16 ? ` Did you mean \`--count ${n}\`?` : ` Did you mean \`--disk ${n}\`?`;
  if (w.length <= 64 && machineShape(w) !== null) return ` Did you mean \`--machine ${w}\`?`;
  if (/^[a-z]+-[a-z]+\d+-[a-z]$/.test(w)) return ` Did you mean \`--zone ${w}\`?`;
  if (/^[a-z]+-[a-z]+\d+$/.test(w)) return ` Did you mean \`--region ${w}\`?`;
  if (w === 'spot' || w === 'preemptible') return ' Did you mean `--spot`?';
  if (w === 'flex-start' || w === 'flex') return ' Did you mean `--flex-start`?';
  return ' Box names have no spaces; use hyphens, like `exp-42`.';
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

/**
 * A person as a slash command carries them: `<@U123|name>` (Slack escapes mentions for /gpu), `<@U123>`,
 * or a bare user id. A plain `@name` cannot be resolved without a Slack call, so it is refused.
 */
export function parseUserRef(text: string): string | null {
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(text.trim()) ?? /^([UW][A-Z0-9]{2,})$/.exec(text.trim());
  return m?.[1] ?? null;
}

/** `/gpu cost [--days N | --month] [--user @someone | --all]`. */
function parseCost(said: string, args: readonly string[]): Parsed<GpuCommand> {
  const takes = `\`/gpu ${said}\` takes \`--days N\` or \`--month\`, and \`--user @someone\` or \`--all\`, like \`/gpu ${said} --days 30 --all\`.`;
  const read = readArgs(args, COST_FLAGS, (written) => unknownFlagError(written, COST_FLAGS, takes));
  if (!read.ok) return read;
  const extra = read.value.positionals[0];
  if (extra !== undefined) {
    const user = parseUserRef(extra);
    const hint = user !== null ? ` Did you mean \`--user ${extra}\`?` : /^all$/i.test(extra) ? ' Did you mean `--all`?' : '';
    return fail('EXTRA_ARGUMENT', `${q(extra)} is extra.${hint} ${takes}`);
  }
  let range: Setting<CostRange> | undefined;
  let who: Setting<CostWho> | undefined;
  for (const { flag, spec, value } of read.value.flags) {
    const written = `${flag} ${value}`;
    if (spec.field === 'days') {
      const days = parseWhole(value);
      if (days === null || days < 1 || days > MAX_COST_DAYS) {
        return fail('BAD_NUMBER', `\`${flag}\` takes a whole number of days from 1 to ${MAX_COST_DAYS}, like \`${flag} 30\`; ${q(value)} isn't one.`);
      }
      const r = settleRange(range, { value: { kind: 'days', days }, said: written });
      if (!r.ok) return r;
      range = r.value;
    } else if (spec.field === 'month') {
      if (value !== 'true') continue;
      const r = settleRange(range, { value: { kind: 'month' }, said: flag });
      if (!r.ok) return r;
      range = r.value;
    } else if (spec.field === 'user') {
      const userId = parseUserRef(value);
      if (userId === null) {
        return fail('BAD_VALUE', `\`${flag}\` takes a person picked from Slack's @ list, like \`${flag} @someone\`; ${q(value)} isn't one.`);
      }
      if (who !== undefined && who.value.kind !== 'user') return fail('CONFLICTING_FLAGS', `${q(who.said)} and ${q(written)} both say whose spend. Keep one.`);
      if (who !== undefined && who.value.kind === 'user' && who.value.userId !== userId) {
        return fail('CONFLICTING_FLAGS', `${q(who.said)} and ${q(written)} both say whose spend. Keep one.`);
      }
      who = { value: { kind: 'user', userId }, said: written };
    } else if (spec.field === 'all') {
      if (value !== 'true') continue;
      if (who !== undefined && who.value.kind !== 'all') return fail('CONFLICTING_FLAGS', `${q(who.said)} and \`--all\` both say whose spend. Keep one.`);
      who = { value: { kind: 'all' }, said: '--all' };
    }
  }
  return ok({ kind: 'cost', range: range?.value ?? DEFAULT_COST_RANGE, who: who?.value ?? { kind: 'me' } });
}

function settleRange(current: Setting<CostRange> | undefined, next: Setting<CostRange>): Parsed<Setting<CostRange>> {
  const same = current !== undefined && JSON.stringify(current.value) === JSON.stringify(next.value);
  return current === undefined || same ? ok(next) : fail('CONFLICTING_FLAGS', `${q(current.said)} and ${q(next.said)} both set the period. Keep one.`);
}
