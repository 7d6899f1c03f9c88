/** `/gpu up NAME --gpu ... --count ...`: the flags read into a BoxRequest (null: no name, open the form). */
import { DEFAULT_DISK_GB, checkBoxName, type BoxRequest } from './box-request.js';
import { DEFAULT_GPU, GPU_KEYS, gpuForMachine, machineShape, parseGpuKey, type GpuKey } from './gpus.js';
import { formatDuration, parseDuration } from './duration.js';
import { EXAMPLES, fail, ok, parseWhole, readArgs, settle, unknownFlagError, type FlagSpec, type Setting } from './gpu-flags.js';
import type { Parsed, UserError } from './result.js';
import { closestWord, quoteUserText as q } from './shell-words.js';

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
export const UP_FLAGS_TEXT = '--gpu, --count, --machine, --zone, --region, --disk, --image, --spot, --flex-start, --max-run, --idle, --hours';

function parseDiskGb(text: string): number | null {
  const m = /^(\d{1,9})\s*(?:gb|g|gib)?$/i.exec(text.normalize('NFKC').trim());
  return m ? Number(m[1]) : null;
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

export function parseUp(said: string, args: readonly string[]): Parsed<BoxRequest | null> {
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
    if (flags.length === 0) return ok(null);
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
