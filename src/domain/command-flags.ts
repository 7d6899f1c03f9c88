/**
 * The one flag reader of `/gpu` and `/train`: splits words into positionals, flags (`--flag value`,
 * `--flag=value`, switches) and the words after `--`. Each command brings its own table, names and
 * friendly errors; the reading itself (dashes, `_` for `-`, values, `--`) is the same everywhere.
 */
import { isFlagLike } from './command-words.js';
import type { Parsed, UserError } from './result.js';
import { quoteUserText as q } from './shell-words.js';

export interface FlagUse<Spec> {
  /** The flag as written, without any `=value`, normalized to `--name`. */
  flag: string;
  spec: Spec;
  /** The value, trimmed; `true`/`false` text for switches read with `switches: 'checked'`. */
  value: string;
  /** The value as the words carried it, before trimming. */
  untrimmed: string;
}

export interface FlagWords<Spec> {
  positionals: string[];
  flags: FlagUse<Spec>[];
  /** Every word after the first `--`, as written (a script's own arguments, or more positionals). */
  afterDashes: string[];
}

export interface FlagTable<Spec> {
  /**
   * The spec of a flag, or the error that refuses it (an unknown flag, one not offered). `name` is lowercased, without leading dashes and
   * with `_` read as `-`; `written` is the flag as typed without `=value`; `word` the whole word.
   */
  find(name: string, written: string, word: string): { spec: Spec } | { refused: UserError };
  /** Switches take no value word: `--spot`, `--spot=false`. */
  isSwitch(spec: Spec): boolean;
  /** How the flag looks with a value, for the "needs a value" answer: `--zone us-central1-a`. */
  example(flag: string, spec: Spec): string;
  /**
   * What a switch's `=value` becomes: `checked` reads yes/no words as `true`/`false` and refuses the
   * rest; `as-written` keeps it (for switches that are read and ignored).
   */
  switches: 'checked' | 'as-written';
  /** Looks at each flag as it is read, in order; an error ends the reading at that flag. */
  check?(use: FlagUse<Spec>, word: string): UserError | null;
}

export function readFlags<Spec>(words: readonly string[], table: FlagTable<Spec>): Parsed<FlagWords<Spec>> {
  const positionals: string[] = [];
  const flags: FlagUse<Spec>[] = [];
  const end = words.indexOf('--');
  const flagWords = end < 0 ? words : words.slice(0, end);
  const afterDashes = end < 0 ? [] : words.slice(end + 1);
  for (let i = 0; i < flagWords.length; i++) {
    const word = flagWords[i] ?? '';
    if (!isFlagLike(word)) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const written = eq < 0 ? word : word.slice(0, eq);
    const inline = eq < 0 ? null : word.slice(eq + 1);
    const name = written.replace(/^-+/, '').toLowerCase().replace(/_/g, '-');
    const found = table.find(name, written, word);
    if ('refused' in found) return { ok: false, error: found.refused };
    const { spec } = found;
    const flag = `--${name}`;
    let use: FlagUse<Spec>;
    if (table.isSwitch(spec)) {
      const value = inline === null ? 'true' : table.switches === 'checked' ? readSwitch(inline) : inline;
      if (value === null) {
        return refuse('BAD_VALUE', `\`${flag}\` is a switch: write \`${flag}\` alone (or \`${flag}=false\`), not ${q(word)}.`);
      }
      use = { flag, spec, value, untrimmed: value };
    } else {
      let value = inline;
      if (value === null) {
        const next = flagWords[i + 1];
        if (next !== undefined && !isFlagLike(next)) {
          value = next;
          i++;
        }
      }
      if (value === null || value.trim() === '') {
        return refuse('MISSING_VALUE', `\`${flag}\` needs a value, like \`${table.example(flag, spec)}\`.`);
      }
      use = { flag, spec, value: value.trim(), untrimmed: value };
    }
    const error = table.check?.(use, word) ?? null;
    if (error !== null) return { ok: false, error };
    flags.push(use);
  }
  return { ok: true, value: { positionals, flags, afterDashes } };
}

/** The yes/no words a switch's `=value` may be; null for anything else. */
function readSwitch(text: string): 'true' | 'false' | null {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', 'on', '1', ''].includes(t)) return 'true';
  if (['false', 'no', 'off', '0'].includes(t)) return 'false';
  return null;
}

function refuse(code: string, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}
