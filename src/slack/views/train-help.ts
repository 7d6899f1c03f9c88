/**
 * `/train help` and `/train help TOPIC`. The tables (scale tiers, runtimes, GPUs) are built from the
 * same tables the command parser reads, so the help can never promise what the parser refuses.
 */
import { GPUS, GPU_KEYS, familyLabel, machinesWithGpus, n1Limit } from '../../domain/gpus.js';
import { TRAIN_HELP_TOPICS, type TrainHelpTopic } from '../../domain/train-command.js';
import {
  POOL_ROLES,
  RUNTIME_VERSIONS,
  TRAINING_IMAGES,
  TRAINING_IMAGE_REGISTRY,
  TRAINING_IMAGES_READ_ON,
  runtimeImages,
  type Framework,
  type PoolRole,
} from '../../domain/training-images.js';
import { RETIRED_GPU_REPLACEMENT } from '../../domain/training-machines.js';
import {
  SCALE_TIERS,
  TIER_POOLS,
  parseScaleTier,
  tierNote,
  type ScaleTier,
  type TierPool,
} from '../../domain/training-tiers.js';
import { LIMITS, type KnownBlock, type SectionBlock, type SlackMessage } from './block-kit.js';
import { contextLine, fallbackText, section } from './messages.js';

const ML_USAGE =
  '/train submit NAME [--scale-tier TIER] --packages gs://BUCKET/trainer.tar.gz --module-name MODULE --runtime-version V [--python-version P] [--region R] [--job-dir gs://...] [--labels k=v,...] [-- TRAINER ARGS]';

const VERTEX_USAGE =
  '/train submit --display-name NAME --worker-pool-spec=machine-type=M[,replica-count=N][,accelerator-type=T,accelerator-count=N],executor-image-uri=IMAGE,python-module=MODULE --python-package-uris gs://... [--region R] [--args=A,B]';

/**
 * One example per way of submitting; each is a whole `/train` line that the parser accepts (the tests
 * hold them to that).
 */
export const TRAIN_SUBMIT_EXAMPLES: readonly string[] = [
  '/train submit census_gpu --scale-tier BASIC_GPU --packages gs://my-bucket/trainer-0.1.tar.gz --module-name trainer.task --runtime-version 2.11 -- --epochs 5',
  '/train submit big_v100 --master-machine-type n1-standard-8 --master-accelerator count=2,type=nvidia-tesla-v100 --packages gs://my-bucket/trainer-0.1.tar.gz --module-name trainer.task --runtime-version 2.17',
  '/train submit --display-name vx_l4 --worker-pool-spec=machine-type=g2-standard-8,accelerator-type=NVIDIA_L4,accelerator-count=1,executor-image-uri=pytorch-gpu.2-4.py310,python-module=trainer.task --python-package-uris gs://my-bucket/trainer-0.1.tar.gz',
  '/train gcloud ai-platform jobs submit training pasted_job --region us-central1 --scale-tier BASIC --module-name trainer.task --packages gs://my-bucket/trainer-0.1.tar.gz --runtime-version 2.11',
];

const JOB_SUBCOMMANDS = ['list', 'status', 'cancel', 'logs'] as const;
type JobSubcommand = (typeof JOB_SUBCOMMANDS)[number];

const SUBCOMMANDS: Readonly<Record<JobSubcommand, { usage: string; about: string; example: string }>> = {
  list: {
    usage: '/train list [--all]',
    about: 'your recent training jobs, each with its status, region and how long it queued and ran; `--all` shows everyone’s, with their owners.',
    example: '/train list --all',
  },
  status: {
    usage: '/train status JOB',
    about: 'the job’s card as it stands: status, machines, region, owner, times, cost at list prices and links. JOB is the name it was submitted with, or Vertex AI’s numeric job id.',
    example: '/train status census_gpu',
  },
  cancel: {
    usage: '/train cancel JOB',
    about: 'asks first: the Cancel button in the answer cancels the job on Vertex AI. Only its owner or an admin may. Work since its last checkpoint is lost.',
    example: '/train cancel census_gpu',
  },
  logs: {
    usage: '/train logs JOB',
    about: 'a link to the job’s logs in the Logs Explorer and, for a failed job, its last error lines.',
    example: '/train logs census_gpu',
  },
};

const TOPICS_LINE = `\`/train help ${TRAIN_HELP_TOPICS.join('|')}\` for more on one of them.`;

/** How ML Engine named each pool, beside Vertex AI's role. */
const ROLE_NAMES: Readonly<Record<PoolRole, string>> = {
  chief: 'chief (master)',
  workers: 'workers',
  'parameter-servers': 'parameter servers',
  evaluators: 'evaluators',
};

const FRAMEWORK_NAMES: Readonly<Record<Framework, string>> = {
  tensorflow: 'TensorFlow',
  pytorch: 'PyTorch',
  'scikit-learn': 'scikit-learn',
  xgboost: 'XGBoost',
};

function chars(text: string): number {
  return Array.from(text).length;
}

/** Rows of cells as a fixed-width table, the way `/gpu help up` shows its GPUs. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

/**
 * Lines packed into as few sections as fit Slack's section limit, so a table that grows is split
 * between whole lines instead of being cut. With `code`, each section holds its lines in a code block.
 */
function sections(title: string, lines: readonly string[], code = false): SectionBlock[] {
  const fence = code ? '```' : '';
  const wrap = (head: string, body: readonly string[]) => `${head}${fence}${body.join('\n')}${fence}`;
  const out: SectionBlock[] = [];
  let head = title === '' ? '' : `${title}\n`;
  let chunk: string[] = [];
  for (const line of lines) {
    if (chunk.length > 0 && chars(wrap(head, [...chunk, line])) > LIMITS.sectionText) {
      out.push(section(wrap(head, chunk)));
      head = '';
      chunk = [];
    }
    chunk.push(line);
  }
  if (chunk.length > 0 || out.length === 0) out.push(section(wrap(head, chunk)));
  return out;
}

function codeList(items: readonly string[]): string {
  return items.map((i) => `\`${i}\``).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Scale tiers

const TIER_POOLS_BY_TIER: Partial<Record<ScaleTier, readonly TierPool[]>> = TIER_POOLS;

function poolPosition(role: PoolRole): string {
  return `#${POOL_ROLES.indexOf(role) + 1} ${ROLE_NAMES[role]}`;
}

/** Every scale tier, one row per Vertex AI worker pool it becomes. */
export function scaleTierTable(): string[] {
  const rows: string[][] = [];
  for (const tier of SCALE_TIERS) {
    const pools = TIER_POOLS_BY_TIER[tier];
    if (pools === undefined) {
      rows.push([tier, tier === 'CUSTOM' ? 'your own machines (below)' : 'refused (below)', '', '', '']);
      continue;
    }
    for (const p of pools) {
      const gpu = p.gpu === null ? '-' : `${p.gpu.count} x ${GPUS[p.gpu.gpu].vertexAcceleratorType}`;
      rows.push([tier, poolPosition(p.role), String(p.replicaCount), p.machineType, gpu]);
    }
  }
  return table(['--scale-tier', 'Vertex AI pool', 'Replicas', 'Machine', 'GPU'], rows);
}

function scaleTiersHelp(): SlackMessage {
  const tpuRefusal = parseScaleTier('BASIC_TPU');
  const notes = SCALE_TIERS.flatMap((tier) => {
    const note = tierNote(tier);
    return note === null ? [] : [`• ${note}`];
  });
  const blocks: KnownBlock[] = [
    ...sections('*ML Engine scale tiers on Vertex AI*', scaleTierTable(), true),
    section(
      [
        `• Vertex AI reads a job’s worker pools by position: ${POOL_ROLES.map((r) => poolPosition(r)).join(', ')}.`,
        ...notes,
        `• ${tpuRefusal.ok ? '`BASIC_TPU` runs on a Cloud TPU.' : tpuRefusal.error.message}`,
        '• `CUSTOM`: the machines you name. `--master-machine-type` (and `--master-accelerator count=N,type=T`) for the chief; `--worker-machine-type`, `--worker-count`, `--worker-accelerator` for workers; `--parameter-server-machine-type`, `--parameter-server-count`, `--parameter-server-accelerator` for parameter servers. An accelerator without a machine type gets the machine `/train help gpus` names for it.',
        '• No `--scale-tier`: `BASIC`, as on ML Engine, or `CUSTOM` when a machine or accelerator flag is given. A predefined tier picks its machines itself, so machine flags need `CUSTOM`.',
        '• The tier may be written in any case, with `-` or `_` (`basic-gpu`).',
      ].join('\n'),
    ),
    contextLine(`Machines without a GPU run the runtime’s CPU image, machines with one its GPU image (\`/train help runtimes\`). ${TOPICS_LINE}`),
  ];
  return { text: fallbackText(`Scale tiers: ${SCALE_TIERS.join(', ')}. /train help scale-tiers shows what each becomes on Vertex AI.`), blocks };
}

// ---------------------------------------------------------------------------------------------
// Runtimes

function imageName(uri: string): string {
  return TRAINING_IMAGES.find((i) => i.uri === uri)?.name ?? uri;
}

/** The Pythons Vertex AI has for a TensorFlow runtime, newest first, as the image table lists them. */
function runtimePythons(runtime: string): string[] {
  const pythons: string[] = [];
  for (const i of TRAINING_IMAGES) {
    if (i.framework === 'tensorflow' && i.version === runtime && !pythons.includes(i.python)) pythons.push(i.python);
  }
  return pythons;
}

/** Every runtime version with each Python it comes with, and the images a job gets for them. */
export function runtimeTable(): string[] {
  const rows: string[][] = [];
  for (const runtime of RUNTIME_VERSIONS) {
    const chosen = runtimeImages(runtime, null);
    const fallback = chosen.ok ? chosen.value.python : null;
    for (const python of runtimePythons(runtime)) {
      const images = runtimeImages(runtime, python);
      if (!images.ok) continue;
      const v = images.value;
      rows.push([runtime, python === fallback ? `${python} (default)` : python, imageName(v.cpu), imageName(v.gpu), v.availableUntil]);
    }
  }
  return table(['--runtime-version', '--python-version', 'CPU image', 'GPU image', 'Until'], rows);
}

/** The prebuilt images of other frameworks, which have no `--runtime-version` and are named instead. */
export function frameworkImageTable(): string[] {
  const groups = new Map<string, { framework: Framework; version: string; python: string; cpu: string; gpu: string }>();
  for (const i of TRAINING_IMAGES) {
    if (i.framework === 'tensorflow') continue;
    const key = `${i.framework} ${i.version} ${i.python}`;
    const row = groups.get(key) ?? { framework: i.framework, version: i.version, python: i.python, cpu: '-', gpu: '-' };
    row[i.accelerator] = i.name;
    groups.set(key, row);
  }
  const rows = [...groups.values()].map((r) => [FRAMEWORK_NAMES[r.framework], r.version, r.python, r.cpu, r.gpu]);
  return table(['Framework', 'Version', 'Python', 'CPU image', 'GPU image'], rows);
}

function runtimesHelp(): SlackMessage {
  const blocks: KnownBlock[] = [
    ...sections(
      '*`--runtime-version`*: the ML Engine runtimes that have a Vertex AI TensorFlow training image. Each machine of the job gets the CPU or the GPU image, by whether it has a GPU.',
      runtimeTable(),
      true,
    ),
    section(
      [
        '• *Python*: `--python-version` must be one the runtime lists. Without it a job keeps Python 3.7 where Vertex AI still has it (as on ML Engine), else it gets the newest.',
        '• *Retired images are never sent.* On the day you submit, a runtime whose images Vertex AI no longer runs gets the nearest TensorFlow version it still runs, and the answer says which. When it runs none (by Google’s list, every TensorFlow image ended by 11 July 2026), the submit is refused: run your trainer in your own container with `--master-image-uri`.',
        '• *Until*: the day Vertex AI stops running those images (their end of availability). A prebuilt image named outright is refused from that day on too.',
      ].join('\n'),
    ),
    ...sections(
      `*Other frameworks*: no \`--runtime-version\`; name the image with Vertex flags, \`executor-image-uri=NAME,python-module=MODULE\` in \`--worker-pool-spec\` with \`--python-package-uris\`. TensorFlow images can be named the same way. A name stands for \`${TRAINING_IMAGE_REGISTRY}/NAME:latest\`.`,
      frameworkImageTable(),
      true,
    ),
    contextLine(`The tables are the bot’s snapshot of Vertex AI’s “Prebuilt containers for custom training” page, read ${TRAINING_IMAGES_READ_ON}; the page is the authority. ${TOPICS_LINE}`),
  ];
  return { text: fallbackText(`Runtimes with a Vertex AI training image: ${RUNTIME_VERSIONS.join(', ')}.`), blocks };
}

// ---------------------------------------------------------------------------------------------
// GPUs

/** Every GPU by its three accepted names, with its memory and how many fit one machine. */
export function trainGpuTable(): string[] {
  const rows = GPU_KEYS.map((key) => {
    const g = GPUS[key];
    return [key, g.vertexAcceleratorType, g.acceleratorType, g.label, `${g.memoryGb} GB`, g.counts.join(',')];
  });
  return table(['Short', 'Vertex AI', 'gcloud', 'GPU', 'Memory', 'Per machine'], rows);
}

/** Which machines each GPU goes with, one line per GPU. */
export function gpuMachineLines(): string[] {
  return GPU_KEYS.map((key) => {
    const g = GPUS[key];
    const family = familyLabel({ name: g.defaultMachine(1), family: g.family });
    if (g.attached) {
      const limits = g.counts.map((c) => {
        const limit = n1Limit(key, c);
        return limit === null ? `${c}: any N1` : `${c}: up to ${limit.maxVcpus} vCPUs and ${limit.maxMemoryGb} GB`;
      });
      const picked = g.counts.map((c) => `${c} → \`${g.defaultMachine(c)}\``);
      return `• \`${key}\` attaches to ${family} machines (${limits.join('; ')}). An accelerator flag with no machine type picks ${picked.join(', ')}.`;
    }
    const byCount = g.counts.map((c) => {
      const machines = machinesWithGpus(key, c);
      return `${c}: ${codeList(machines.length > 0 ? machines : [g.defaultMachine(c)])}`;
    });
    // Only where a count has several machines is it worth saying which one an accelerator alone gets.
    const picked = g.counts.filter((c) => machinesWithGpus(key, c).length > 1).map((c) => `\`${g.defaultMachine(c)}\` for ${c}`);
    const pick = picked.length > 0 ? ` An accelerator flag with no machine type picks ${picked.join(', ')}.` : '';
    return `• \`${key}\` is built into ${family} machines, in exactly their number (${byCount.join('; ')}).${pick}`;
  });
}

function gpusHelp(): SlackMessage {
  const retired = Object.entries(RETIRED_GPU_REPLACEMENT).map(([old, now]) => {
    const g = GPUS[now];
    return `• \`${old}\` (\`nvidia-tesla-${old}\`, \`NVIDIA_TESLA_${old.toUpperCase()}\`) is retired on Vertex AI: it is read as \`${now}\`, an ${g.label} on the same ${familyLabel({ name: g.defaultMachine(1), family: g.family })} machine, and the answer says so.`;
  });
  const blocks: KnownBlock[] = [
    ...sections('*GPUs for training jobs*: any of the three names, in any case.', trainGpuTable(), true),
    ...sections('*Machines*', gpuMachineLines()),
    section(
      [
        '• ML Engine flags: `--master-accelerator count=2,type=nvidia-tesla-v100` (and `--worker-accelerator`, `--parameter-server-accelerator`). Vertex flags: `accelerator-type=NVIDIA_TESLA_V100,accelerator-count=2` in `--worker-pool-spec`.',
        '• A machine that comes with GPUs, named without an accelerator, gets its own GPUs.',
        ...retired,
        '• TPUs are refused: /train runs GPU and CPU jobs only.',
      ].join('\n'),
    ),
    contextLine(TOPICS_LINE),
  ];
  return { text: fallbackText(`GPUs: ${GPU_KEYS.map((k) => `${k} (${GPUS[k].vertexAcceleratorType})`).join(', ')}.`), blocks };
}

// ---------------------------------------------------------------------------------------------
// Subcommands

function submitHelp(): SlackMessage {
  const blocks: KnownBlock[] = [
    section(
      [
        '*Submit a training job*, in any of four ways:',
        `• *ML Engine flags*: \`${ML_USAGE}\`. Machines by \`--scale-tier\` (\`/train help scale-tiers\`) or, with \`CUSTOM\`, \`--master-machine-type\`, \`--master-accelerator\` and the worker and parameter-server flags. A container instead of a package: \`--master-image-uri IMAGE [--command A,B]\`.`,
        `• *Vertex AI flags*: \`${VERTEX_USAGE}\`. Up to ${POOL_ROLES.length} \`--worker-pool-spec\`, in the order ${POOL_ROLES.map((r) => ROLE_NAMES[r]).join(', ')}; \`container-image-uri=\` runs a container, \`disk-type=\` and \`disk-size=\` set the boot disk.`,
        '• *From a box*: `/train submit NAME --from-box BOX [--dir PATH] (--entry train.py | --notebook train.ipynb) [--gpu …] [--count N] [--machine …] [--replicas N] [--spot] [-- ARGS]`: the code on your box, packaged by the box itself, runs in the Deep Learning container that matches the box’s image; its outputs land in the staging bucket, and [Copy to BOX] brings them back. [Train] on a ready box’s card opens the form filled in.',
        '• *A pasted gcloud line*: `gcloud ai-platform jobs submit training JOB ...` (or its older `ml-engine` name) or `gcloud ai custom-jobs create ...`, with its `\\` line breaks.',
        '• *The form*: `/train` or `/train submit` alone, for a long line and a region picker.',
      ].join('\n'),
    ),
    section(
      [
        '*Good to know*',
        '• Trainer arguments go after `--` (or in `--args=A,B`). `--job-dir` is passed to the trainer too, as ML Engine did.',
        '• No `--region`: the bot’s default region. `--labels` are added to the bot’s own.',
        '• `--project` and `--staging-bucket` are ignored; `--package-path` is refused, since the bot can’t see files on your machine: upload the package to Cloud Storage, or train the code on a box with `--from-box`.',
        '• *Hyperparameter tuning*: open the form (`/train`), paste the line with `--config hptuning.yaml` and the file’s text under *Tuning config*; the job runs as a Vertex AI tuning job, and its end names the best trial.',
        '• `/train help runtimes` lists the runtimes and images, `/train help gpus` the GPUs and their machines.',
      ].join('\n'),
    ),
    ...sections('*Examples*', TRAIN_SUBMIT_EXAMPLES, true),
    contextLine('`/train help` for every command.'),
  ];
  return { text: fallbackText(`Usage: ${ML_USAGE}`), blocks };
}

function subcommandHelp(sub: JobSubcommand): SlackMessage {
  const { usage, about, example } = SUBCOMMANDS[sub];
  const text = `\`${usage}\`: ${about}\nExample: \`${example}\``;
  return { text: fallbackText(`${usage}: ${about}`.replace(/[`*]/g, '')), blocks: [section(text), contextLine('`/train help` for every command.')] };
}

function overview(): SlackMessage {
  const manage = JOB_SUBCOMMANDS.map((k) => `• \`${SUBCOMMANDS[k].usage}\`: ${SUBCOMMANDS[k].about}`);
  const blocks: KnownBlock[] = [
    section(
      '*Training jobs on Vertex AI*: submit with Cloud ML Engine flags, Vertex AI flags or a pasted gcloud line. Each job gets a card that follows it, and I DM you when it ends. `/train` alone opens a form.',
    ),
    section(
      [
        '*Submit*',
        `• ML Engine flags: \`${ML_USAGE}\``,
        `• Vertex AI flags: \`${VERTEX_USAGE}\``,
        '• Or paste a whole `gcloud ai-platform jobs submit training ...` / `gcloud ai custom-jobs create ...` line.',
      ].join('\n'),
    ),
    section(`*Manage*\n${manage.join('\n')}`),
    ...sections('*Examples*', TRAIN_SUBMIT_EXAMPLES.slice(0, 2), true),
    contextLine(`${TOPICS_LINE} \`scale-tiers\`, \`runtimes\` and \`gpus\` show the tables.`),
  ];
  return { text: fallbackText(`/train: submit, list, status, cancel, logs, help. Usage: ${ML_USAGE}`), blocks };
}

const TOPICS: Readonly<Record<TrainHelpTopic, () => SlackMessage>> = {
  submit: submitHelp,
  list: () => subcommandHelp('list'),
  status: () => subcommandHelp('status'),
  cancel: () => subcommandHelp('cancel'),
  logs: () => subcommandHelp('logs'),
  'scale-tiers': scaleTiersHelp,
  runtimes: runtimesHelp,
  gpus: gpusHelp,
};

/**
 * The overview, or one topic's help. An unknown topic gets the overview (the command parser has
 * already said it does not know the topic).
 */
export function trainHelp(topic?: string): SlackMessage {
  const t = typeof topic === 'string' ? topic.trim().toLowerCase() : '';
  const known = TRAIN_HELP_TOPICS.find((k) => k === t);
  return known === undefined ? overview() : TOPICS[known]();
}
