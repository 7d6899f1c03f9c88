/**
 * What every `/gpu` subcommand reads its words with: the error codes, the flag tables' shape with an
 * example value for each field, the helpers that settle a flag given twice, and how a person is named.
 */
import { DEFAULT_DISK_GB } from './box-request.js';
import { readFlags, type FlagUse } from './command-flags.js';
import { lookup } from './command-words.js';
import type { Parsed, UserError } from './result.js';
import { closestWord, quoteUserText as q } from './shell-words.js';

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

export type FlagValue = 'text' | 'bool';
export interface FlagSpec {
  field: UpField | 'all' | CostField | TeamField;
  value: FlagValue;
}
export type CostField = 'days' | 'month' | 'user';
/** `/gpu team set`'s own flags (its `--region` is the same field as `/gpu up`'s). */
export type TeamField = 'project' | 'budget';
export type UpField = 'gpu' | 'count' | 'machine' | 'zone' | 'region' | 'disk' | 'image' | 'spot' | 'flexStart' | 'maxRun' | 'accelerator' | 'idle' | 'hours';

export const EXAMPLES: Readonly<Record<UpField | 'all' | CostField | TeamField, string>> = {
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
  project: 'ml-lab-vision',
  budget: '500',
};

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(code: GpuCommandErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

export interface ReadArgs {
  /** Words that are not flags, with those after `--` at the end. */
  positionals: string[];
  flags: FlagUse<FlagSpec>[];
}

/**
 * Splits arguments into positionals and flags (`--flag value`, `--flag=value`, switches), resolving
 * flag names against `table`. `--` ends the flags: what follows is positional.
 */
export function readArgs(
  args: readonly string[],
  table: Readonly<Record<string, FlagSpec>>,
  unknownFlag: (written: string) => UserError,
): Parsed<ReadArgs> {
  const read = readFlags<FlagSpec>(args, {
    find: (name, written) => {
      const spec = lookup(table, name);
      return spec === undefined ? { refused: unknownFlag(written) } : { spec };
    },
    isSwitch: (spec) => spec.value === 'bool',
    example: (flag, spec) => `${flag} ${EXAMPLES[spec.field]}`,
    switches: 'checked',
  });
  if (!read.ok) return read;
  const { positionals, flags, afterDashes } = read.value;
  return ok({ positionals: [...positionals, ...afterDashes], flags });
}

export function unknownFlagError(
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
export function parseWhole(text: string): number | null {
  const t = text.normalize('NFKC').trim();
  return /^\d{1,9}$/.test(t) ? Number(t) : null;
}

export interface Setting<T> {
  value: T;
  /** How the person wrote it, e.g. `--gpu a100`, for messages. */
  said: string;
}

export function settle<T>(current: Setting<T> | undefined, next: Setting<T>, what: string): Parsed<Setting<T>> {
  if (current === undefined || current.value === next.value) return ok(next);
  return fail('CONFLICTING_FLAGS', `${q(current.said)} and ${q(next.said)} both set ${what}. Keep one.`);
}

/**
 * A person as a slash command carries them: `<@U123|name>` (Slack escapes mentions for /gpu), `<@U123>`,
 * or a bare user id. A plain `@name` cannot be resolved without a Slack call, so it is refused.
 */
export function parseUserRef(text: string): string | null {
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(text.trim()) ?? /^([UW][A-Z0-9]{2,})$/.exec(text.trim());
  return m?.[1] ?? null;
}
