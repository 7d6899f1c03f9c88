/** Small word-level helpers both slash-command parsers (`/gpu`, `/train`) read their input with. */
import { closestWord, quoteUserText as q } from './shell-words.js';

/** Own keys only: `constructor` or `__proto__` typed by someone must not find Object's. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Slack and phones turn a typed `--` into a dash (`—gpu`); a person meant the flag. */
export function undoSmartDash(word: string): string {
  return /^[\u2013\u2014\u2212]\S/u.test(word) ? `--${word.slice(1)}` : word;
}

export function isHelpFlag(word: string): boolean {
  const w = word.toLowerCase();
  return w === '-h' || w === '--help' || w === '-help';
}

/** A word that is a flag rather than a value: `--zone`, `-h`, `--__x`; not `-1`, `-.5` or `--`. */
export function isFlagLike(word: string): boolean {
  return /^-+[^\d.\s-]/u.test(word);
}

/** Length in characters (code points), as people count them, not UTF-16 units. */
export function countChars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The topic of `/gpu help WORD` or `/train help WORD`: none (the general help), a topic, or what to
 * say about a word that is none of them (with the nearest topic, when one is near).
 */
export function helpTopic<Topic>(
  rest: readonly string[],
  command: string,
  words: Readonly<Record<string, Topic>>,
  topics: readonly string[],
): { ok: true; topic: Topic | undefined } | { ok: false; message: string } {
  const word = rest.find((w) => !w.startsWith('-'));
  if (word === undefined) return { ok: true, topic: undefined };
  const w = word.toLowerCase();
  if (w === 'help' || w === '?') return { ok: true, topic: undefined };
  const topic = lookup(words, w);
  if (topic !== undefined) return { ok: true, topic };
  const near = closestWord(w, Object.keys(words));
  const hint = near ? ` Did you mean \`${command} help ${near}\`?` : '';
  return { ok: false, message: `I have no help on ${q(word)}.${hint} Topics: ${topics.join(', ')}.` };
}
