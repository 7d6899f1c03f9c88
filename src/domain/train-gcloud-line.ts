/**
 * The words of `/train submit`: gcloud's flags for ML Engine and for Vertex AI, a pasted `gcloud ...`
 * line's head, and the flags gathered into settings before the machines are read from them.
 */
import type { Parsed, UserError } from './result.js';
import { readFlags, type FlagUse } from './command-flags.js';
import { lookup } from './command-words.js';
import { closestWord, quoteUserText as q } from './shell-words.js';
import { EXAMPLES, commaList, fail, ok, parseGcsList, parseLabels, type Field, type FlagSpec, type Style, type TrainCommandErrorCode } from './train-values.js';

const text = (field: Field, style: Style = 'any'): FlagSpec => ({ field, kind: 'text', style });

/**
 * Every flag `submit` reads: gcloud's names for ML Engine (`ai-platform jobs submit training`) and for
 * Vertex AI (`ai custom-jobs create`). `--python-package-uris` and `--packages` are one thing.
 */
export const SUBMIT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  region: text('region'),
  labels: text('labels'),
  'job-dir': text('jobDir'),
  'display-name': text('displayName'),
  project: text('project'),
  async: { field: 'ignored', kind: 'bool', style: 'any' },
  'stream-logs': { field: 'ignored', kind: 'bool', style: 'any' },
  'staging-bucket': text('staging'),
  'scale-tier': text('scaleTier', 'ml'),
  'master-machine-type': text('masterMachine', 'ml'),
  'master-accelerator': text('masterAccelerator', 'ml'),
  'master-image-uri': text('masterImage', 'ml'),
  'worker-machine-type': text('workerMachine', 'ml'),
  'worker-count': text('workerCount', 'ml'),
  'worker-server-count': text('workerCount', 'ml'),
  'worker-accelerator': text('workerAccelerator', 'ml'),
  'worker-image-uri': text('workerImage', 'ml'),
  'parameter-server-machine-type': text('psMachine', 'ml'),
  'parameter-server-count': text('psCount', 'ml'),
  'parameter-server-accelerator': text('psAccelerator', 'ml'),
  'parameter-server-image-uri': text('psImage', 'ml'),
  packages: text('packages'),
  'python-package-uris': text('packages'),
  'module-name': text('moduleName', 'ml'),
  'runtime-version': text('runtime', 'ml'),
  'python-version': text('python', 'ml'),
  'worker-pool-spec': text('workerPoolSpec', 'vertex'),
  args: text('args'),
  command: text('command'),
  'package-path': text('localPath'),
  config: text('configFile'),
};

/** gcloud flags /train knows but does not offer; each is refused by name rather than as unknown. */
const UNSUPPORTED_FLAGS = new Set([
  'service-account',
  'network',
  'kms-key',
  'kms-keyring',
  'kms-location',
  'kms-project',
  'enable-web-access',
  'enable-dashboard-access',
  'tensorboard',
  'persistent-resource-id',
  'use-chief-in-tf-config',
  'evaluator-machine-type',
  'evaluator-count',
  'evaluator-accelerator',
  'evaluator-image-uri',
  'experiment',
  'experiment-run',
  'enable-custom-service-account',
]);

export interface SubmitWords {
  positionals: string[];
  flags: FlagUse<FlagSpec>[];
  /** Words after `--`: the trainer's own arguments. */
  userArgs: string[];
}

export function readSubmitWords(args: readonly string[]): Parsed<SubmitWords> {
  const read = readFlags<FlagSpec>(args, {
    find: (name, written) => {
      if (UNSUPPORTED_FLAGS.has(name)) {
        return refused('UNSUPPORTED_FLAG', `/train doesn't offer \`--${name}\` yet: jobs run with the bot's defaults for it. Drop the flag and send again.`);
      }
      const spec = lookup(SUBMIT_FLAGS, name);
      if (spec !== undefined) return { spec };
      const near = closestWord(name, Object.keys(SUBMIT_FLAGS));
      const hint = near ? ` Did you mean \`--${near}\`?` : '';
      return refused('UNKNOWN_FLAG', `I don't know ${q(written)}.${hint} \`/train help submit\` lists the flags.`);
    },
    isSwitch: (spec) => spec.kind === 'bool',
    example: (flag, spec) => {
      const example = EXAMPLES[spec.field];
      // Values that start with a dash only fit after `=`.
      return example.startsWith('-') ? `${flag}=${example}` : `${flag} ${example}`;
    },
    // The only switches (`--async`, `--stream-logs`) are read and ignored, so their values are not judged.
    switches: 'as-written',
  });
  if (!read.ok) return read;
  const { positionals, flags, afterDashes } = read.value;
  return ok({ positionals, flags, userArgs: afterDashes });
}

function refused(code: TrainCommandErrorCode, message: string): { refused: UserError } {
  return { refused: { code, message } };
}

export type GcloudForm = { words: string[]; from: 'ml-engine' | 'vertex' | null };

/**
 * Strips a pasted gcloud command's head (`gcloud [beta] ai-platform jobs submit training`, its older
 * `ml-engine` name, or `gcloud [beta] ai custom-jobs create`), saying which service it was for.
 */
export function stripGcloud(words: readonly string[]): Parsed<GcloudForm> {
  let i = 0;
  const at = (k: number) => (words[k] ?? '').toLowerCase();
  const pasted = at(0) === 'gcloud';
  if (pasted) i++;
  if (at(i) === 'beta' || at(i) === 'alpha') i++;
  const group = at(i);
  if (group === 'ai-platform' || group === 'ml-engine') {
    if (at(i + 1) === 'jobs' && at(i + 2) === 'submit' && at(i + 3) === 'training') return ok({ words: words.slice(i + 4), from: 'ml-engine' });
  } else if (group === 'ai') {
    if (at(i + 1) === 'custom-jobs' && at(i + 2) === 'create') return ok({ words: words.slice(i + 3), from: 'vertex' });
  } else if (!pasted) {
    return ok({ words: [...words], from: null });
  }
  const shown = words.slice(0, Math.min(words.length, i + 4)).join(' ');
  return fail(
    'NOT_A_TRAINING_COMMAND',
    `${q(shown, 60)} doesn't submit a training job. I read \`gcloud ai-platform jobs submit training JOB ...\` and \`gcloud ai custom-jobs create ...\`.`,
  );
}

export interface SubmitSettings {
  single: Partial<Record<Field, { value: string; flag: string }>>;
  labels: Record<string, string>;
  packages: string[] | null;
  args: string[];
  command: string[] | null;
  poolSpecs: { value: string; flag: string }[];
}

/** Fields that describe machines in ML Engine's way; they cannot be mixed with `--worker-pool-spec`. */
export function mlFlagsUsed(s: SubmitSettings): string[] {
  const fields: Field[] = [
    'scaleTier',
    'masterMachine',
    'masterAccelerator',
    'masterImage',
    'workerMachine',
    'workerCount',
    'workerAccelerator',
    'workerImage',
    'psMachine',
    'psCount',
    'psAccelerator',
    'psImage',
    'moduleName',
    'runtime',
    'python',
  ];
  return fields.flatMap((f) => {
    const use = s.single[f];
    return use ? [use.flag] : [];
  });
}

export function collect(flags: readonly FlagUse<FlagSpec>[], notes: string[]): Parsed<SubmitSettings> {
  const s: SubmitSettings = { single: {}, labels: {}, packages: null, args: [], command: null, poolSpecs: [] };
  for (const { flag, spec, value } of flags) {
    switch (spec.field) {
      case 'labels': {
        const error = parseLabels(value, s.labels);
        if (error) return { ok: false, error };
        break;
      }
      case 'packages': {
        const uris = parseGcsList(value, flag);
        if (!uris.ok) return uris;
        s.packages = [...(s.packages ?? []), ...uris.value];
        break;
      }
      case 'args':
        s.args.push(...commaList(value));
        break;
      case 'command':
        s.command = [...(s.command ?? []), ...commaList(value)];
        break;
      case 'workerPoolSpec':
        s.poolSpecs.push({ value, flag });
        break;
      case 'ignored':
        break;
      case 'localPath':
        return fail(
          'LOCAL_PATH',
          `\`${flag}\` uploads a folder from your machine, which the bot can't see. Build the package (\`python setup.py sdist\`), copy it to Cloud Storage and use \`--packages gs://...\`.`,
        );
      case 'configFile':
        // Read before collecting: parseSubmit takes the file's text from the form, or refuses the flag.
        break;
      case 'project':
        notes.push(`${q(`--project ${value}`, 60)} is ignored: jobs run in the bot's project.`);
        break;
      case 'staging':
        notes.push('`--staging-bucket` is ignored: the bot uploads nothing, packages are already in Cloud Storage.');
        break;
      default: {
        const current = s.single[spec.field];
        const same = current !== undefined && current.value.toLowerCase() === value.toLowerCase();
        if (current !== undefined && !same) {
          return fail('CONFLICTING_FLAGS', `${q(`${current.flag} ${current.value}`)} and ${q(`${flag} ${value}`)} say different things. Keep one.`);
        }
        s.single[spec.field] = { value, flag };
      }
    }
  }
  return ok(s);
}
