/**
 * Vertex AI's prebuilt training images, and how ML Engine's runtime and Python versions map to them;
 * also the error codes and pool roles the training catalog shares (machines in training-machines.ts,
 * scale tiers in training-tiers.ts). Every refusal lists what would work.
 */
import type { Parsed, UserError } from './result.js';
import { quoteUserText as q } from './shell-words.js';

/** Stable codes the functions of this file answer with. */
export const TRAINING_IMAGE_ERROR_CODES = [
  'UNKNOWN_SCALE_TIER',
  'TPU_NOT_SUPPORTED',
  'UNKNOWN_RUNTIME',
  'BAD_PYTHON',
  'UNKNOWN_GPU',
  'UNKNOWN_MACHINE',
  'UNSUPPORTED_MACHINE',
  'GPU_MACHINE_MISMATCH',
  'BAD_GPU_COUNT',
  'MACHINE_TOO_BIG',
  'RETIRED_RUNTIME',
  'RETIRED_IMAGE',
] as const;
export type TrainingImageErrorCode = (typeof TRAINING_IMAGE_ERROR_CODES)[number];

export function fail(code: TrainingImageErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function listOf(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).map((i) => `\`${i}\``);
  const more = items.length > max ? ` and ${items.length - max} more` : '';
  if (shown.length <= 1) return `${shown.join('')}${more}`;
  return more === '' ? `${shown.slice(0, -1).join(', ')} or ${shown.at(-1) ?? ''}` : `${shown.join(', ')}${more}`;
}

export function countsText(counts: readonly number[]): string {
  const head = counts.slice(0, -1);
  const last = counts[counts.length - 1];
  return head.length === 0 ? String(last) : `${head.join(', ')} or ${last}`;
}

// ---------------------------------------------------------------------------------------------
// Worker pools

/** What a Vertex AI worker pool is for; its place in `workerPoolSpecs` follows from it. */
export type PoolRole = 'chief' | 'workers' | 'parameter-servers' | 'evaluators';

/** Vertex AI reads the pools by position: chief, workers, parameter servers (or reduction server), evaluators. */
export const POOL_ROLES: readonly PoolRole[] = ['chief', 'workers', 'parameter-servers', 'evaluators'];

// ---------------------------------------------------------------------------------------------
// Prebuilt training images

export type Framework = 'tensorflow' | 'pytorch' | 'scikit-learn' | 'xgboost';

export interface TrainingImage {
  framework: Framework;
  /** Framework version, `2.11`. */
  version: string;
  /** Python version, `3.10`. */
  python: string;
  accelerator: 'cpu' | 'gpu';
  /** Image name without registry and tag: `tf-gpu.2-11.py310`. */
  name: string;
  uri: string;
  /** ISO date after which Google publishes no more fixes for the image; it still runs. */
  endOfPatch: string;
  /** ISO date from which Vertex AI no longer runs the image: a job naming it is refused. */
  endOfAvailability: string;
}

/**
 * All three Artifact Registry copies (us-, europe-, asia-docker.pkg.dev) hold the same image; the bot
 * always names the us- copy so the body of a job does not depend on its region.
 */
export const TRAINING_IMAGE_REGISTRY = 'us-docker.pkg.dev/vertex-ai/training';

/** The day the table below was read from Google's page. */
export const TRAINING_IMAGES_READ_ON = '2026-12-02';

function imageUri(name: string): string {
  return `${TRAINING_IMAGE_REGISTRY}/${name}:latest`;
}

/**
 * Vertex AI's prebuilt training containers (GPU and CPU; the TPU builds are left out, /train runs no
 * TPU jobs) with the end-of-patch and end-of-availability dates of Google's "Prebuilt containers for
 * custom training" page (https://cloud.google.com/vertex-ai/docs/training/pre-built-containers, now
 * also under docs.cloud.google.com/gemini-enterprise-agent-platform/machine-learning/training/
 * pre-built-containers), read on TRAINING_IMAGES_READ_ON. The page is the authority; Google adds
 * versions and retires old ones. Rows: framework, version, Python, [accelerator, image name] pairs,
 * end of patch, end of availability. Python 3.7 builds carry no `.py` suffix.
 */
const IMAGE_ROWS: readonly (readonly [Framework, string, string, readonly (readonly ['cpu' | 'gpu', string])[], string, string])[] = [
  ['tensorflow', '2.17', '3.10', [['cpu', 'tf-cpu.2-17.py310'], ['gpu', 'tf-gpu.2-17.py310']], '2025-07-11', '2026-07-11'],
  ['tensorflow', '2.16', '3.10', [['cpu', 'tf-cpu.2-16.py310'], ['gpu', 'tf-gpu.2-16.py310']], '2025-06-28', '2026-06-28'],
  ['tensorflow', '2.15', '3.10', [['cpu', 'tf-cpu.2-15.py310'], ['gpu', 'tf-gpu.2-15.py310']], '2024-11-14', '2025-11-14'],
  ['tensorflow', '2.14', '3.10', [['cpu', 'tf-cpu.2-14.py310'], ['gpu', 'tf-gpu.2-14.py310']], '2024-09-26', '2025-09-26'],
  ['tensorflow', '2.13', '3.10', [['cpu', 'tf-cpu.2-13.py310'], ['gpu', 'tf-gpu.2-13.py310']], '2024-07-05', '2025-07-05'],
  ['tensorflow', '2.12', '3.10', [['cpu', 'tf-cpu.2-12.py310'], ['gpu', 'tf-gpu.2-12.py310']], '2024-06-30', '2025-06-30'],
  ['tensorflow', '2.11', '3.10', [['cpu', 'tf-cpu.2-11.py310'], ['gpu', 'tf-gpu.2-11.py310']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.11', '3.7', [['cpu', 'tf-cpu.2-11'], ['gpu', 'tf-gpu.2-11']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.9', '3.10', [['cpu', 'tf-cpu.2-9.py310'], ['gpu', 'tf-gpu.2-9.py310']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.9', '3.7', [['cpu', 'tf-cpu.2-9'], ['gpu', 'tf-gpu.2-9']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.8', '3.10', [['cpu', 'tf-cpu.2-8.py310'], ['gpu', 'tf-gpu.2-8.py310']], '2023-11-15', '2024-11-15'],
  ['tensorflow', '2.8', '3.7', [['cpu', 'tf-cpu.2-8'], ['gpu', 'tf-gpu.2-8']], '2023-11-15', '2024-11-15'],
  ...(['2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '1.15'] as const).map(
    (v) => ['tensorflow', v, '3.7', [['cpu', `tf-cpu.${v.replace('.', '-')}`], ['gpu', `tf-gpu.${v.replace('.', '-')}`]], '2023-09-01', '2024-09-01'] as const,
  ),
  // PyTorch's CPU images are its XLA builds; 2.2's XLA build stays available longer than its GPU one.
  ['pytorch', '2.4', '3.10', [['cpu', 'pytorch-xla.2-4.py310'], ['gpu', 'pytorch-gpu.2-4.py310']], '2025-07-24', '2026-07-24'],
  ['pytorch', '2.3', '3.10', [['cpu', 'pytorch-xla.2-3.py310'], ['gpu', 'pytorch-gpu.2-3.py310']], '2025-04-24', '2026-04-24'],
  ['pytorch', '2.2', '3.10', [['cpu', 'pytorch-xla.2-2.py310']], '2025-01-30', '2026-10-23'],
  ['pytorch', '2.2', '3.10', [['gpu', 'pytorch-gpu.2-2.py310']], '2025-01-30', '2026-01-30'],
  ['pytorch', '2.1', '3.10', [['cpu', 'pytorch-xla.2-1.py310'], ['gpu', 'pytorch-gpu.2-1.py310']], '2024-10-04', '2025-10-04'],
  ['pytorch', '2.0', '3.10', [['cpu', 'pytorch-xla.2-0.py310'], ['gpu', 'pytorch-gpu.2-0.py310']], '2024-03-15', '2025-03-15'],
  ['pytorch', '1.13', '3.10', [['gpu', 'pytorch-gpu.1-13.py310']], '2024-05-15', '2025-05-15'],
  ['pytorch', '1.13', '3.7', [['gpu', 'pytorch-gpu.1-13']], '2023-12-08', '2024-12-08'],
  ['pytorch', '1.12', '3.10', [['gpu', 'pytorch-gpu.1-12.py310']], '2024-05-15', '2025-05-15'],
  ['pytorch', '1.12', '3.7', [['gpu', 'pytorch-gpu.1-12']], '2023-09-01', '2024-09-01'],
  ['scikit-learn', '1.6', '3.10', [['cpu', 'sklearn-cpu.1-6'], ['gpu', 'sklearn-gpu.1-6']], '2025-07-11', '2026-07-11'],
  ['scikit-learn', '1.0', '3.10', [['cpu', 'sklearn-cpu.1-0'], ['gpu', 'sklearn-gpu.1-0']], '2024-06-30', '2025-06-30'],
  ['scikit-learn', '0.23', '3.7', [['cpu', 'scikit-learn-cpu.0-23']], '2023-09-01', '2024-09-01'],
  ['xgboost', '2.1', '3.10', [['cpu', 'xgboost-cpu.2-1'], ['gpu', 'xgboost-gpu.2-1']], '2025-07-11', '2026-07-11'],
  ['xgboost', '1.6', '3.10', [['cpu', 'xgboost-cpu.1-6'], ['gpu', 'xgboost-gpu.1-6']], '2024-06-30', '2025-06-30'],
  ['xgboost', '1.1', '3.7', [['cpu', 'xgboost-cpu.1-1']], '2023-11-15', '2024-11-15'],
];

/** Every prebuilt training image of the table, newest version first within each framework. */
export const TRAINING_IMAGES: readonly TrainingImage[] = IMAGE_ROWS.flatMap(([framework, version, python, images, endOfPatch, endOfAvailability]) =>
  images.map(([accelerator, name]) => ({ framework, version, python, accelerator, name, uri: imageUri(name), endOfPatch, endOfAvailability })),
);

/** Whether Vertex AI still runs the image on `today` (an ISO date): the end-of-availability day itself no longer counts. */
export function imageAvailable(image: Pick<TrainingImage, 'endOfAvailability'>, today: string): boolean {
  return today < image.endOfAvailability;
}

/** ML Engine runtime versions that ever had a TensorFlow training image on Vertex AI, newest first. */
export const RUNTIME_VERSIONS: readonly string[] = [...new Set(TRAINING_IMAGES.filter((i) => i.framework === 'tensorflow').map((i) => i.version))];

/**
 * A prebuilt image by its short name (`tf-gpu.2-11.py310`, with or without `:latest`) or by any of
 * its three registry URIs, or null.
 */
export function imageByName(name: string): TrainingImage | null {
  const bare = name
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/^(?:us|europe|asia)-docker\.pkg\.dev\/vertex-ai\/training\//, '')
    .replace(/:latest$/, '');
  return TRAINING_IMAGES.find((i) => i.name === bare) ?? null;
}

/** Short names of every prebuilt image, for suggestions. */
export const TRAINING_IMAGE_NAMES: readonly string[] = TRAINING_IMAGES.map((i) => i.name);

/** Short names of the images Vertex AI still runs on `today`. */
export function availableImageNames(today: string): string[] {
  return TRAINING_IMAGES.filter((i) => imageAvailable(i, today)).map((i) => i.name);
}

export interface RuntimeImages {
  runtime: string;
  python: string;
  cpu: string;
  gpu: string;
  /** The first day Vertex AI no longer runs these images (ISO date), as the table gives it. */
  availableUntil: string;
  /** The Python was not named and others exist: how to get the newest. */
  pythonNote: string | null;
}

function normalizePython(text: string): string | null {
  const m = /^(?:python|py)?\s*(\d)\.?(\d{1,2})(?:\.\d+)?$/i.exec(text.trim());
  return m ? `${m[1]}.${m[2]}` : null;
}

function normalizeRuntime(text: string): string | null {
  const m = /^v?(\d{1,2})\.(\d{1,2})(?:\.0)?$/i.exec(text.trim());
  return m ? `${Number(m[1])}.${Number(m[2])}` : null;
}

/** `2.11` as a number that orders versions: 2011. */
function versionRank(version: string): number {
  const [major = '0', minor = '0'] = version.split('.');
  return Number(major) * 1000 + Number(minor);
}

function tensorflowPair(version: string, python: string): { cpu: TrainingImage; gpu: TrainingImage } | null {
  const find = (accelerator: 'cpu' | 'gpu') =>
    TRAINING_IMAGES.find((i) => i.framework === 'tensorflow' && i.version === version && i.python === python && i.accelerator === accelerator);
  const cpu = find('cpu');
  const gpu = find('gpu');
  return cpu && gpu ? { cpu, gpu } : null;
}

function tensorflowPythons(version: string): string[] {
  return [...new Set(TRAINING_IMAGES.filter((i) => i.framework === 'tensorflow' && i.version === version).map((i) => i.python))];
}

/**
 * The images for an ML Engine runtime version and Python version as the table lists them, whatever
 * their dates: CPU and GPU, chosen per machine by whether it has an accelerator. Without a Python
 * version, the one ML Engine ran that runtime with (3.7) when the table has it, else the newest.
 * For what a job gets today, use `runtimeImagesOn`.
 */
export function runtimeImages(runtime: string, python: string | null): Parsed<RuntimeImages> {
  const version = normalizeRuntime(runtime);
  const pythons = version === null ? [] : tensorflowPythons(version);
  if (version === null || pythons.length === 0) {
    return fail(
      'UNKNOWN_RUNTIME',
      `Runtime ${q(runtime)} has no Vertex AI training image. Runtimes that had one: ${RUNTIME_VERSIONS.join(', ')}. ` +
        'Or name an image with `--master-image-uri`.',
    );
  }
  let chosen: string;
  if (python === null) {
    chosen = pythons.includes('3.7') ? '3.7' : (pythons[0] ?? '3.10');
  } else {
    const p = normalizePython(python);
    if (p === null || !pythons.includes(p)) {
      return fail(
        'BAD_PYTHON',
        `Runtime ${version} comes with Python ${pythons.join(' or ')} on Vertex AI, not ${q(python)}. ` +
          `Use \`--python-version ${pythons[0] ?? '3.10'}\`${p === '2.7' ? ' (Python 2 is gone from Vertex AI)' : ''}.`,
      );
    }
    chosen = p;
  }
  const pair = tensorflowPair(version, chosen);
  if (pair === null) return fail('UNKNOWN_RUNTIME', `Runtime ${version} has no CPU and GPU image pair for Python ${chosen}.`);
  const newest = pythons[0] ?? chosen;
  const pythonNote =
    python === null && newest !== chosen
      ? `Runtime ${version} runs on Python ${chosen}, as on ML Engine; add \`--python-version ${newest}\` for the Python ${newest} image.`
      : null;
  return ok({ runtime: version, python: chosen, cpu: pair.cpu.uri, gpu: pair.gpu.uri, availableUntil: pair.cpu.endOfAvailability, pythonNote });
}

export interface RuntimeChoice extends RuntimeImages {
  /** What the person must be told: a runtime moved to another TensorFlow, or images past their end of patch. */
  notes: string[];
}

/**
 * The TensorFlow images a job asking for an ML Engine runtime gets on `today` (an ISO date): the
 * runtime's own when Vertex AI still runs them, else the nearest TensorFlow version Vertex AI still
 * runs (the oldest newer one, or the newest older one when none is newer), with a note that says so.
 * A retired image is never chosen; when Vertex AI runs no TensorFlow image at all, the refusal names
 * what works instead.
 */
export function runtimeImagesOn(runtime: string, python: string | null, today: string): Parsed<RuntimeChoice> {
  const version = normalizeRuntime(runtime);
  if (version === null) {
    return fail('UNKNOWN_RUNTIME', `${q(runtime)} isn't a runtime version; they look like \`2.11\` or \`1.15\`.`);
  }
  const wantedPython = python === null ? null : normalizePython(python);
  if (python !== null && wantedPython === null) {
    return fail('BAD_PYTHON', `${q(python)} isn't a Python version; write it like \`--python-version 3.10\`.`);
  }
  const live = TRAINING_IMAGES.filter((i) => i.framework === 'tensorflow' && imageAvailable(i, today));
  const liveVersions = [...new Set(live.map((i) => i.version))].filter((v) =>
    tensorflowPythons(v).some((p) => (wantedPython === null || p === wantedPython) && isLivePair(v, p, today)),
  );
  if (liveVersions.length === 0 && wantedPython !== null && live.length > 0) {
    const pythons = [...new Set(live.map((i) => i.python))];
    return fail(
      'BAD_PYTHON',
      `Vertex AI's TensorFlow training images come with Python ${pythons.join(' or ')} now, not ${q(python ?? '')}. ` +
        `Use \`--python-version ${pythons[0] ?? '3.10'}\`${wantedPython === '2.7' ? ' (Python 2 is gone from Vertex AI)' : ''}, or drop it.`,
    );
  }
  if (liveVersions.length === 0) {
    const newest = TRAINING_IMAGES.find((i) => i.framework === 'tensorflow');
    const others = availableImageNames(today);
    return fail(
      'RETIRED_RUNTIME',
      `Vertex AI runs no prebuilt TensorFlow training image on ${today}` +
        (newest ? ` (the newest, TensorFlow ${newest.version}, reached its end of availability on ${newest.endOfAvailability})` : '') +
        `, so runtime ${version} can't run on one. Run your trainer in your own container with \`--master-image-uri\`` +
        (others.length > 0 ? `, or name a prebuilt image Vertex AI still runs: ${listOf(others, 6)}.` : '.') +
        ` (Google's "Prebuilt containers for custom training" list, as read on ${TRAINING_IMAGES_READ_ON}.)`,
    );
  }
  const rank = versionRank(version);
  const sorted = [...liveVersions].sort((a, b) => versionRank(a) - versionRank(b));
  const target = sorted.find((v) => v === version) ?? sorted.find((v) => versionRank(v) > rank) ?? sorted[sorted.length - 1] ?? version;
  const pythons = tensorflowPythons(target).filter((p) => isLivePair(target, p, today));
  const chosenPython = wantedPython ?? (pythons.includes('3.7') ? '3.7' : (pythons[0] ?? '3.10'));
  const pair = tensorflowPair(target, chosenPython);
  if (pair === null) return fail('BAD_PYTHON', `TensorFlow ${target} comes with Python ${pythons.join(' or ')} on Vertex AI, not ${chosenPython}.`);
  const notes: string[] = [];
  if (target !== version) {
    const own = TRAINING_IMAGES.find((i) => i.framework === 'tensorflow' && i.version === version);
    const why = own
      ? `Vertex AI stopped running runtime ${version}'s images on ${own.endOfAvailability}`
      : `Vertex AI never had a training image for runtime ${version}`;
    const major = version.split('.')[0] !== target.split('.')[0] ? ' TensorFlow 1 code needs `tf.compat.v1` (or porting) to run on TensorFlow 2.' : '';
    notes.push(
      `${why}, so this job runs on TensorFlow ${target} (Python ${chosenPython}), the nearest version it still runs (until ${pair.cpu.endOfAvailability}). ` +
        `Check your trainer works on it, or name another with \`--runtime-version\`.${major}`,
    );
  } else if (python === null && pythons.length > 1 && chosenPython !== pythons[0]) {
    notes.push(`Runtime ${target} runs on Python ${chosenPython}, as on ML Engine; add \`--python-version ${pythons[0] ?? ''}\` for the Python ${pythons[0] ?? ''} image.`);
  }
  if (today >= pair.cpu.endOfPatch) {
    notes.push(
      `Google stopped patching the TensorFlow ${target} images on ${pair.cpu.endOfPatch}; Vertex AI runs them until ${pair.cpu.endOfAvailability}.`,
    );
  }
  return ok({
    runtime: target,
    python: chosenPython,
    cpu: pair.cpu.uri,
    gpu: pair.gpu.uri,
    availableUntil: pair.cpu.endOfAvailability,
    pythonNote: null,
    notes,
  });
}

function isLivePair(version: string, python: string, today: string): boolean {
  const pair = tensorflowPair(version, python);
  return pair !== null && imageAvailable(pair.cpu, today) && imageAvailable(pair.gpu, today);
}

/**
 * Why a prebuilt image cannot run on `today`, or null when it can (or is not a prebuilt image the
 * table knows, which may be newer than the table). The refusal names the images that still run.
 */
export function retiredImageError(uri: string, said: string, today: string): UserError | null {
  const image = imageByName(uri);
  if (image === null || imageAvailable(image, today)) return null;
  const same = TRAINING_IMAGES.filter((i) => i.framework === image.framework && i.accelerator === image.accelerator && imageAvailable(i, today)).map((i) => i.name);
  const any = availableImageNames(today);
  const instead =
    same.length > 0
      ? ` Images of the same kind it still runs: ${listOf(same, 4)}.`
      : any.length > 0
        ? ` Prebuilt images it still runs: ${listOf(any, 4)}; or run your own container.`
        : ' It runs no prebuilt training image of the table now; run your trainer in your own container.';
  return {
    code: 'RETIRED_IMAGE',
    message: `${said}: \`${image.name}\` reached its end of availability on ${image.endOfAvailability}, and Vertex AI refuses jobs that use it.${instead}`,
  };
}
