/**
 * `/train submit NAME --from-box BOX [--dir PATH] (--entry train.py | --notebook train.ipynb) [--gpu G]
 * [--count N] [--machine M] [--replicas N] [-- ARGS]`: a box's code as a job, read into a BoxTrainRequest.
 * Its flags are /gpu up's words for machines, not gcloud's; mixing in gcloud's flags is refused.
 */
import type { Parsed, UserError } from './result.js';
import type { BoxTrainRequest } from './box-train.js';
import { readFlags } from './command-flags.js';
import { closestWord, quoteUserText as q } from './shell-words.js';
import { readAccelerator, type TrainingGpu } from './training-machines.js';
import { checkJobName, ok, parseWhole, type TrainCommandErrorCode } from './train-values.js';

/**
 * Codes only `--from-box` answers with, beside parseTrainCommand's own (TRAIN_COMMAND_ERROR_CODES),
 * which stay the ones a /train text reaches until the app runs box jobs.
 */
export const FROM_BOX_ERROR_CODES = ['BAD_PATH', 'MISSING_ENTRY'] as const;
export type FromBoxErrorCode = (typeof FROM_BOX_ERROR_CODES)[number];

function fail(code: TrainCommandErrorCode | FromBoxErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

const FLAGS = ['from-box', 'dir', 'entry', 'notebook', 'gpu', 'count', 'machine', 'replicas', 'spot'] as const;
type Flag = (typeof FLAGS)[number];

/** True when the words ask for a box's code (`--from-box` before any `--`). */
export function asksFromBox(words: readonly string[]): boolean {
  const end = words.indexOf('--');
  return (end < 0 ? words : words.slice(0, end)).some((w) => /^--?from[-_]box(=|$)/i.test(w));
}

const BOX_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
// A relative path without `..` parts: the box agent refuses any way out of home too, this says so earlier.
const REL_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]{1,400}$/;

export function parseFromBox(said: string, words: readonly string[]): Parsed<BoxTrainRequest> {
  const values: Partial<Record<Flag, string>> = {};
  const read = readFlags<Flag>(words, {
    find: (name, _written, word) => {
      const flag = FLAGS.find((f) => f === name);
      if (flag === undefined) {
        const near = closestWord(name, FLAGS);
        const hint = near ? ` Did you mean \`--${near}\`?` : '';
        return { refused: fail('UNKNOWN_FLAG', `With \`--from-box\`, I don't know ${q(word)}.${hint} Flags: ${FLAGS.map((f) => `\`--${f}\``).join(', ')}.`).error };
      }
      if (flag === 'spot') {
        return { refused: fail('UNSUPPORTED_FLAG', '`--spot` is not offered for jobs yet: they run on standard VMs. Drop the flag and send again.').error };
      }
      return { spec: flag };
    },
    // Every flag here takes a value; `--spot`, the one switch /gpu up has, is refused above.
    isSwitch: () => false,
    example: (_flag, flag) => example(flag),
    switches: 'checked',
    // A flag given twice is refused where it is read, before the words after it.
    check: ({ spec: flag, value, untrimmed }) => {
      if (values[flag] !== undefined && values[flag] !== untrimmed) return fail('CONFLICTING_FLAGS', `\`--${flag}\` is given twice. Keep one.`).error;
      values[flag] = value;
      return null;
    },
  });
  if (!read.ok) return read;
  const { positionals, afterDashes: args } = read.value;
  const [name, extra] = positionals;
  if (name === undefined) return fail('MISSING_NAME', `Name the job first, like \`/train ${said} my_job --from-box exp42 --entry train.py\`.`);
  if (extra !== undefined) return fail('EXTRA_ARGUMENT', `\`/train ${said}\` takes one job name, then flags; ${q(extra)} is one word too many. Arguments for the script go after \`--\`.`);
  const nameError = checkJobName(name);
  if (nameError) return { ok: false, error: nameError };
  const box = (values['from-box'] ?? '').toLowerCase();
  if (!BOX_NAME.test(box)) return fail('BAD_NAME', `${q(values['from-box'] ?? '')} can't be a box name. \`/gpu list\` shows your boxes.`);
  const dir = values.dir ?? '.';
  if (!REL_PATH.test(dir)) return fail('BAD_PATH', `\`--dir\` is a folder relative to the notebook's home directory, like \`projects/census\`, without \`..\`; not ${q(dir)}.`);
  const script = values.entry;
  const notebook = values.notebook;
  if (script !== undefined && notebook !== undefined) return fail('CONFLICTING_FLAGS', '`--entry` runs a script and `--notebook` executes a notebook. Keep one.');
  if (script === undefined && notebook === undefined) {
    return fail('MISSING_ENTRY', 'Say what to run: `--entry train.py` (a script in `--dir`) or `--notebook train.ipynb` (executed top to bottom).');
  }
  const path = script ?? notebook ?? '';
  if (!REL_PATH.test(path)) return fail('BAD_PATH', `${q(path)} is a file inside \`--dir\`, like \`train.py\`, without \`..\`.`);
  if (notebook !== undefined && !/\.ipynb$/i.test(notebook)) return fail('BAD_VALUE', `\`--notebook\` takes a notebook (\`.ipynb\`); for a script use \`--entry ${notebook}\`.`);
  if (notebook !== undefined && args.length > 0) return fail('CONFLICTING_FLAGS', 'A notebook takes no arguments after `--`; set them in the notebook, or use `--entry` with a script.');
  let count: number | null = null;
  if (values.count !== undefined) {
    count = parseWhole(values.count);
    if (count === null || count < 1) return fail('BAD_NUMBER', `\`--count\` is a whole number of GPUs, 1 or more, not ${q(values.count)}.`);
  }
  let gpu: TrainingGpu | null = null;
  if (values.gpu !== undefined) {
    const reading = readAccelerator(values.gpu);
    if ('error' in reading) return { ok: false, error: reading.error };
    gpu = { gpu: reading.gpu, count: count ?? 1 };
  } else if (count !== null) {
    return fail('MISSING_VALUE', '`--count` goes with `--gpu`, like `--gpu a100 --count 2`; without `--gpu` the job gets the box’s GPUs.');
  }
  let replicas = 1;
  if (values.replicas !== undefined) {
    const n = parseWhole(values.replicas);
    if (n === null || n < 1 || n > 64) return fail('BAD_REPLICAS', `\`--replicas\` is how many machines run the job, 1 to 64, not ${q(values.replicas)}.`);
    replicas = n;
  }
  return ok({
    name,
    box,
    dir,
    entry: notebook !== undefined ? { kind: 'notebook', path: notebook } : { kind: 'script', path },
    gpu,
    machine: values.machine?.toLowerCase() ?? null,
    replicas,
    args: [...args],
  });
}

function example(flag: Flag): string {
  switch (flag) {
    case 'from-box':
      return '--from-box exp42';
    case 'dir':
      return '--dir projects/census';
    case 'entry':
      return '--entry train.py';
    case 'notebook':
      return '--notebook train.ipynb';
    case 'gpu':
      return '--gpu a100';
    case 'count':
      return '--count 2';
    case 'machine':
      return '--machine a2-highgpu-2g';
    case 'replicas':
      return '--replicas 2';
    case 'spot':
      return '--spot';
  }
}
