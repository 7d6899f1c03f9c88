/**
 * Which `/train` texts ask for a box's code: `submit` (or run, create, new, train) with `--from-box`
 * before any `--`. Such a text is read by parseFromBox; every other one by parseTrainCommand, which does
 * not know boxes (and must not import them: box-train reads its TrainRequest).
 */
import type { Parsed } from './result.js';
import type { BoxTrainRequest } from './box-train.js';
import { undoSmartDash } from './command-words.js';
import { splitShellWords } from './shell-words.js';
import { asksFromBox, parseFromBox } from './train-from-box-flags.js';

const SUBMIT_WORDS = ['submit', 'run', 'create', 'new', 'train'];

/** The request a `/train` text asks for with `--from-box`, or null when it does not ask for a box's code. */
export function fromBoxCommand(text: string): Parsed<BoxTrainRequest> | null {
  const split = splitShellWords(text);
  if (!split.ok) return null;
  const words = split.words.map(undoSmartDash);
  if (words[0] === '$' || words[0] === '%' || words[0] === '>') words.shift();
  const said = (words[0] ?? '').toLowerCase();
  const rest = words.slice(1);
  if (!SUBMIT_WORDS.includes(said) || !asksFromBox(rest)) return null;
  return parseFromBox(said, rest);
}
