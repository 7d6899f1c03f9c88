/**
 * Words a person typed: split the way a POSIX shell would, forgiving what Slack does to text on the way
 * (curly quotes, HTML entities, non-breaking spaces); quoted back safely; and matched to what they
 * most likely meant.
 */

export interface UnbalancedQuote {
  code: 'UNBALANCED_QUOTE';
  message: string;
}

export type ShellWords = { ok: true; words: string[] } | { ok: false; error: UnbalancedQuote };

export interface SplitOptions {
  /** Decode `&amp;` `&lt;` `&gt;`, which Slack puts in place of `&` `<` `>` (default true). */
  slackEntities?: boolean;
}

// Slack clients turn typed quotes into curly ones; a person means the plain kind.
const DOUBLE_QUOTES = new Set(['"', '\u201C', '\u201D']);
const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019']);
// Inside double quotes a backslash escapes only these (POSIX), plus the curly double quotes.
const ESCAPABLE_IN_DOUBLE = new Set(['$', '`', '\\', ...DOUBLE_QUOTES]);
const WHITESPACE = /\s/u;

/** Decodes the three entities Slack escapes, in one pass so `&amp;lt;` becomes `&lt;`, not `<`. */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_m, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

/** Length of a line break starting at `i` (`\n`, `\r\n` or a lone `\r`), or 0. */
function lineBreakAt(text: string, i: number): number {
  if (text[i] === '\n') return 1;
  if (text[i] === '\r') return text[i + 1] === '\n' ? 2 : 1;
  return 0;
}

/** One whole character (both halves of a surrogate pair) starting at `i`. */
function charAt(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/**
 * Splits `text` into words: single quotes keep everything literally; double quotes allow `\"`, `\\`,
 * `\$` and `` \` ``; a backslash outside quotes escapes the next character; backslash-newline joins
 * lines; any whitespace separates words. `''` gives an empty word.
 */
export function splitShellWords(text: string, options: SplitOptions = {}): ShellWords {
  const src = typeof text === 'string' ? text : '';
  const input = options.slackEntities === false ? src : decodeSlackEntities(src);
  const words: string[] = [];
  let word: string | null = null;
  let quote: 'single' | 'double' | null = null;
  let quoteStart = 0;
  let i = 0;
  while (i < input.length) {
    const c = charAt(input, i);
    if (quote === 'single') {
      if (SINGLE_QUOTES.has(c)) quote = null;
      else word = (word ?? '') + c;
      i += c.length;
      continue;
    }
    if (quote === 'double') {
      if (DOUBLE_QUOTES.has(c)) {
        quote = null;
        i += 1;
      } else if (c === '\\') {
        const nl = lineBreakAt(input, i + 1);
        const next = charAt(input, i + 1);
        if (nl > 0) i += 1 + nl;
        else if (ESCAPABLE_IN_DOUBLE.has(next)) {
          word = (word ?? '') + next;
          i += 1 + next.length;
        } else {
          word = (word ?? '') + c;
          i += 1;
        }
      } else {
        word = (word ?? '') + c;
        i += c.length;
      }
      continue;
    }
    if (c === '\\') {
      const nl = lineBreakAt(input, i + 1);
      if (nl > 0) {
        i += 1 + nl;
        continue;
      }
      // A trailing backslash has nothing to escape; a cut-off continuation is the likely cause.
      const next = charAt(input, i + 1);
      if (next !== '') word = (word ?? '') + next;
      i += 1 + next.length;
    } else if (SINGLE_QUOTES.has(c) || DOUBLE_QUOTES.has(c)) {
      quote = SINGLE_QUOTES.has(c) ? 'single' : 'double';
      quoteStart = i;
      word ??= '';
      i += 1;
    } else if (WHITESPACE.test(c)) {
      if (word !== null) words.push(word);
      word = null;
      i += c.length;
    } else {
      word = (word ?? '') + c;
      i += c.length;
    }
  }
  if (quote !== null) {
    const mark = charAt(input, quoteStart);
    const rest = input.slice(quoteStart + 1).trimStart();
    const where = rest === '' ? 'at the end' : `before ${quoteUserText(rest)}`;
    return {
      ok: false,
      error: {
        code: 'UNBALANCED_QUOTE',
        message:
          `The ${quoteUserText(mark)} quote ${where} is never closed. ` +
          'Add the closing quote, or leave the quotes out (they are only needed around values with spaces).',
      },
    };
  }
  if (word !== null) words.push(word);
  return { ok: true, words };
}

// Characters that would change how a Slack message renders or reads if echoed back as they are:
// controls, invisible format characters (bidi overrides, zero-width spaces), lone surrogates and line
// separators. The zero-width joiner is spared because emoji sequences need it.
const INVISIBLE = /(?!\u200D)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

function safeChar(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '`':
      // A real backtick would close the code span and let the rest render as markup.
      return '\u02CB';
    case '\n':
    case '\r':
    case '\t':
      return ' ';
    default:
      return INVISIBLE.test(ch) ? '\uFFFD' : ch;
  }
}

/**
 * Shows a person's own text back inside a Slack code span: `<`, `>`, `&` escaped (so no mention, link
 * or channel ping can be smuggled in), backticks and invisible characters replaced, and cut with `…`
 * once the shown text would pass `max` characters.
 */
export function quoteUserText(text: string, max = 40): string {
  const src = typeof text === 'string' ? text : '';
  let out = '';
  for (const ch of src) {
    const safe = safeChar(ch);
    if (out.length + safe.length > max) {
      out += '…';
      break;
    }
    out += safe;
  }
  return out.trim() === '' ? '(nothing)' : `\`${out}\``;
}

/** Optimal-string-alignment distance (Levenshtein plus swapped neighbours), giving up above `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (prevPrev[j - 2] ?? 0) + 1);
      }
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate a person most likely meant by `word`: one or two typos away (one for short words), or
 * a word it begins (`mach` -> `machine`). Earlier candidates win ties. Null when nothing is close.
 */
export function closestWord(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  if (w === '' || w.length > 64) return null;
  const limit = w.length <= 3 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    let d = editDistance(w, c, limit);
    if (d > limit && w.length >= 3 && c.startsWith(w)) d = limit;
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
