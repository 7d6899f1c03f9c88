/** Small word-level helpers both slash-command parsers (`/gpu`, `/train`) read their input with. */

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
