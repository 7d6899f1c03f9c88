/**
 * What every `/gpu` subcommand reads its words with: the error codes, the flag tables' shape with an
 * example value for each field, the helpers that settle a flag given twice, and how a person is named.
 */
import { DEFAULT_DISK_GB } from './box-request.js';
import { isFlagLike, lookup } from './command-words.js';
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
  field: UpField | 'all' | CostField;
  value: FlagValue;
}
export type CostField = 'days' | 'month' | 'user';
export type UpField = 'gpu' | 'count' | 'machine' | 'zone' | 'region' | 'disk' | 'image' | 'spot' | 'flexStart' | 'maxRun' | 'accelerator' | 'idle' | 'hours';

export const EXAMPLES: Readonly<Record<UpField | 'all' | CostField, string>> = {
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

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(code: GpuCommandErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

export interface FlagUse {
  /** The flag as written, without any `=value`, normalized to `--name`. */
  flag: string;
  spec: FlagSpec;
  /** The value; `true`/`false` text for switches. */
  value: string;
}

export interface ReadArgs {
  positionals: string[];
  flags: FlagUse[];
}

/**
 * Splits arguments into positionals and flags (`--flag value`, `--flag=value`, switches), resolving
 * flag names against `table`. `--` ends the flags.
 */
export function readArgs(
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
