/**
 * ML Engine's way of describing the machines (`--scale-tier`, `--master-machine-type`, `--runtime-version`,
 * ...) read into Vertex AI pools: a package on the prebuilt image of its runtime, or a container.
 */
import type { Parsed } from './result.js';
import type { TrainPool } from './job-plan.js';
import { quoteUserText as q } from './shell-words.js';
import type { SubmitSettings } from './train-gcloud-line.js';
import { scaleTierDrafts, tierOf } from './train-scale-tiers.js';
import { EXAMPLES, PYTHON_MODULE, fail, ok, parseAcceleratorFlag, parseImage, parseWhole, planPools, pool, type PoolDraft } from './train-values.js';
import { GPUS } from './gpus.js';
import { runtimeImagesOn, type PoolRole, type RuntimeImages } from './training-images.js';
import { type TrainingGpu, type VertexAccelerator } from './training-machines.js';

export function mlEnginePools(s: SubmitSettings, userArgs: readonly string[], jobDir: string | null, notes: string[], today: string): Parsed<TrainPool[]> {
  const use = s.single;
  const custom = ['masterMachine', 'masterAccelerator', 'workerMachine', 'workerCount', 'workerAccelerator', 'psMachine', 'psCount', 'psAccelerator'] as const;
  const customFlags = custom.flatMap((f) => {
    const u = use[f];
    return u ? [u.flag] : [];
  });
  const tier = tierOf(use.scaleTier, customFlags);
  if (!tier.ok) return tier;

  const drafts: PoolDraft[] = [];
  if (tier.value === 'CUSTOM') {
    const chief = customPool('chief', use.masterMachine, use.masterAccelerator, null, use.masterImage?.value ?? null, notes);
    if (!chief.ok) return chief;
    drafts.push(chief.value);
    for (const [role, machine, count, accelerator, image] of [
      ['workers', use.workerMachine, use.workerCount, use.workerAccelerator, use.workerImage],
      ['parameter-servers', use.psMachine, use.psCount, use.psAccelerator, use.psImage],
    ] as const) {
      if (machine === undefined && count === undefined && accelerator === undefined && image === undefined) continue;
      const pool = customPool(role, machine, accelerator, count ?? null, image?.value ?? null, notes);
      if (!pool.ok) return pool;
      if (pool.value.replicas > 0) drafts.push(pool.value);
    }
  } else {
    drafts.push(...scaleTierDrafts(tier.value, notes));
  }

  const planned = planPools(drafts, notes);
  if (!planned.ok) return planned;

  // ML Engine passed --job-dir to the trainer itself; trainers written for it expect the argument.
  const args = [...s.args, ...userArgs, ...(jobDir === null ? [] : ['--job-dir', jobDir])];
  if (jobDir !== null) notes.push('Your trainer also gets `--job-dir`, as ML Engine passed it.');

  const image = use.masterImage?.value ?? null;
  if (image !== null) {
    const python = ['moduleName', 'runtime', 'python'] as const;
    const mixed = python.map((f) => use[f]?.flag).find((f) => f !== undefined) ?? (s.packages !== null ? '--packages' : undefined);
    if (mixed !== undefined) {
      return fail(
        'CONFLICTING_FLAGS',
        `\`--master-image-uri\` runs your container as it is; \`${mixed}\` is for Python packages on a prebuilt image. Keep one way.`,
      );
    }
    const pools: TrainPool[] = [];
    for (const { draft, plan } of planned.value) {
      const flag = draft.role === 'chief' ? 'master' : draft.role === 'workers' ? 'worker' : 'parameter-server';
      const uri = parseImage(draft.image ?? image, `\`--${flag}-image-uri\``, today);
      if (!uri.ok) return uri;
      pools.push(pool(draft, plan, { kind: 'container', imageUri: uri.value, command: s.command ?? [], args }));
    }
    return ok(pools);
  }
  if (s.command !== null) {
    return fail('CONFLICTING_FLAGS', '`--command` runs a container; give its image with `--master-image-uri`, or drop `--command` for a Python package.');
  }
  const roleImage = planned.value.find(({ draft }) => draft.image !== null);
  if (roleImage !== undefined) {
    return fail('CONFLICTING_FLAGS', `\`--${roleImage.draft.role === 'workers' ? 'worker' : 'parameter-server'}-image-uri\` needs \`--master-image-uri\` for the chief too.`);
  }
  const module = use.moduleName?.value;
  if (module === undefined) {
    return fail(
      'MISSING_MODULE',
      'Say which Python module to run, like `--module-name trainer.task`, with `--packages gs://...` and `--runtime-version 2.11`. Or run a container with `--master-image-uri`.',
    );
  }
  if (!PYTHON_MODULE.test(module)) {
    return fail('BAD_VALUE', `\`--module-name\` is a Python module like \`trainer.task\`, not ${q(module)}.`);
  }
  if (s.packages === null) {
    return fail('MISSING_PACKAGE', `Say where the trainer package is, like \`--packages ${EXAMPLES.packages}\`.`);
  }
  const runtime = use.runtime?.value;
  if (runtime === undefined) {
    return fail(
      'MISSING_RUNTIME',
      'Say which runtime the trainer needs, like `--runtime-version 2.11`; it picks the Vertex AI image. `/train help runtimes` lists them.',
    );
  }
  // The images Vertex AI still runs on the day of the submit; a retired one is never sent.
  const images = runtimeImagesOn(runtime, use.python?.value ?? null, today);
  if (!images.ok) return images;
  notes.push(...images.value.notes);
  const packages = s.packages;
  return ok(
    planned.value.map(({ draft, plan }) =>
      pool(draft, plan, { kind: 'python', executorImageUri: imageFor(images.value, plan.accelerator), packageUris: [...packages], pythonModule: module, args }),
    ),
  );
}

function imageFor(images: RuntimeImages, accelerator: VertexAccelerator | null): string {
  return accelerator === null ? images.cpu : images.gpu;
}

function customPool(
  role: PoolRole,
  machine: { value: string; flag: string } | undefined,
  accelerator: { value: string; flag: string } | undefined,
  count: { value: string; flag: string } | null,
  image: string | null,
  notes: string[],
): Parsed<PoolDraft> {
  const who = role === 'chief' ? 'master' : role === 'workers' ? 'worker' : 'parameter-server';
  let replicas = 1;
  if (role !== 'chief') {
    if (count === null) {
      return fail('BAD_NUMBER', `Say how many with \`--${who}-count\`, like \`--${who}-count 2\`.`);
    }
    const n = parseWhole(count.value);
    if (n === null) return fail('BAD_NUMBER', `\`${count.flag}\` takes a whole number, like \`${count.flag} 2\`; ${q(count.value)} isn't one.`);
    replicas = n;
  }
  let gpu: TrainingGpu | null = null;
  if (accelerator !== undefined) {
    const parsed = parseAcceleratorFlag(accelerator.value, accelerator.flag, notes);
    if (!parsed.ok) return parsed;
    gpu = parsed.value;
  }
  if (machine === undefined) {
    if (gpu === null) {
      if (replicas === 0) return ok({ role, machine: '', gpu, replicas, said: '', image });
      return fail(
        'MISSING_MACHINE',
        `\`--scale-tier CUSTOM\` needs \`--${who}-machine-type\`, like \`--${who}-machine-type n1-standard-8\`.`,
      );
    }
    // A GPU alone says enough: the machine a box would get for it.
    const chosen = GPUS[gpu.gpu].defaultMachine(gpu.count);
    notes.push(`No \`--${who}-machine-type\` given: ${role === 'chief' ? 'the chief' : `the ${role}`} get${role === 'chief' ? 's' : ''} \`${chosen}\` for ${gpu.count} ${GPUS[gpu.gpu].label}.`);
    return ok({ role, machine: chosen, gpu, replicas, said: `\`--${who}-accelerator\``, image });
  }
  return ok({ role, machine: machine.value, gpu, replicas, said: q(`${machine.flag} ${machine.value}`, 60), image });
}
