/** `/gpu help` and `/gpu help TOPIC`. */
import type { AuditAction } from '../../domain/audit.js';
import { DEFAULT_DISK_GB } from '../../domain/box-request.js';
import { DEFAULT_GPU, DEFAULT_IMAGE, GPUS, GPU_KEYS, KNOWN_IMAGE_FAMILIES, familyLabel } from '../../domain/gpus.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { contextLine, fallbackText, section } from './messages.js';
import { formatDuration } from '../../domain/duration.js';
import { DEFAULT_FLEX_START_RUN_MS, FLEX_START_MAX_RUN_MS, FLEX_START_MIN_RUN_MS, SPOT_OR_FLEX_ONLY } from '../../domain/provisioning.js';

const UP_USAGE = `/gpu up NAME [--gpu ${GPU_KEYS.join('|')}] [--count N] [--machine TYPE] [--zone Z | --region R] [--disk GB] [--image FAMILY] [--spot | --flex-start [--max-run 8h]] [--idle 90m|off] [--hours N]`;

const ALIASES =
  'Cloud Datalab and gcloud spellings work too: `--machine-type`, `--accelerator-type`, `--accelerator-count`, ' +
  '`--disk-size-gb`, `--accelerator type=nvidia-tesla-t4,count=1`, `--image-family`, `--preemptible`.';

const EXAMPLES = [
  '/gpu up exp42 --gpu t4',
  '/gpu up big-run --gpu a100 --count 2 --region us-central1 --spot',
  '/gpu up h1 --gpu h100 --flex-start --max-run 8h',
  '/gpu up dl1 --machine-type n1-standard-8 --accelerator-type nvidia-tesla-t4 --accelerator-count 1 --disk-size-gb 300',
];

const NAME_RULE = 'Names: lowercase letters, digits and hyphens, starting with a letter, at most 63 characters; the name is also the VM’s.';

/**
 * What `/gpu audit` lists: every action the trail records (AUDIT_ACTIONS in domain/audit.ts), grouped
 * as people read them. The test holds these groups to that list, each action once, so an action added
 * there fails it until it is explained here.
 */
export const AUDITED_HELP: readonly { actions: readonly AuditAction[]; says: string }[] = [
  { actions: ['create', 'stop', 'start', 'delete'], says: 'boxes asked for, stopped, started or deleted (the weekly stopped-box reminder’s [Delete] too)' },
  { actions: ['keep'], says: 'boxes kept from an idle stop, or kept stopped 30 days from the reminder' },
  { actions: ['idle-stop'], says: 'boxes the idle check stopped' },
  { actions: ['console-stop', 'console-start', 'console-delete'], says: 'boxes stopped, started or deleted outside gpubot (the console or gcloud)' },
  { actions: ['job-submit', 'job-cancel'], says: 'training jobs submitted (from a box too) or cancelled' },
  { actions: ['approve', 'deny', 'withdraw'], says: 'box and job requests approved, denied, or withdrawn by their requester' },
  { actions: ['expire'], says: 'requests that ended undecided' },
  { actions: ['policy-change'], says: 'policy changes and the rules they changed (`/gpu audit policy`)' },
  { actions: ['team-bind', 'team-clear'], says: 'channels bound to a team’s project, region and budget, or unbound (`/gpu team`)' },
];

const COMMANDS: Readonly<Record<string, string>> = {
  list: '`/gpu list [--all]`: your boxes, with buttons; `--all` shows everyone’s.',
  stop: '`/gpu stop NAME`: stops the VM. The disk and its files are kept; only the disk is billed until you start it again.',
  start: '`/gpu start NAME`: starts a stopped box; its card shows when Jupyter is back.',
  delete: '`/gpu delete NAME`: deletes the VM *and its disk*, with every file on it. It asks before it does.',
  connect: '`/gpu connect NAME`: the JupyterLab link and the IAP tunnel command for a running box.',
  keep: '`/gpu keep NAME [2h]`: no idle stop for that long (1 hour if not said), like the Keep buttons on an idle warning.',
  cost: '`/gpu cost [--days N | --month] [--user @someone | --all]`: spend by person and box at list prices (the last 7 days if not said), with a chart of daily spend sent to your DM with me; in a team’s channel, the team’s spend (`--user @you` for your own); admins may ask for another person or `--all`, which also splits spend by team.',
  doctor: '`/gpu doctor`: admins only. Checks this deployment (Google APIs, roles, GPU quotas, the external-IP policy, Firestore indexes, Slack scopes and channels), one line per check with the fix for each failure. `npm run doctor` prints the same.',
  policy: '`/gpu policy`: the team’s rules (GPU types, limits per person and per job, running times, what needs an approval). Admins get a form to change them; everyone else reads them.',
  audit: `\`/gpu audit [NAME | @someone] [--days N]\`: admins only. Who did what, when and from where (command, button, form, idle check, approval expiry, or outside gpubot), the last 7 days if not said: ${AUDITED_HELP.map((g) => g.says).join('; ')}.`,
  team: '`/gpu team [set --project P --region R --budget 500 | clear]`: this channel’s team. Bound, the boxes and jobs asked for here are created in its Google Cloud project and region, its monthly budget (US dollars, list price) gates them like the policy’s budget rule, and `/gpu cost` here shows its spend. Anyone sees the binding; admins set or clear it.',
  help: '`/gpu help [up|gpus|list|stop|start|delete|connect|keep|cost|doctor|policy|audit|team]`: this, or more on one command.',
};

/** Every GPU with its machine family and the machine a box gets by default, as a fixed-width table. */
export function gpuTable(): string {
  const rows = GPU_KEYS.map((key) => {
    const g = GPUS[key];
    const machine = g.defaultMachine(1);
    return [key, g.label, familyLabel({ name: machine, family: g.family }), machine, g.counts.join(',')];
  });
  const head = ['--gpu', 'GPU', 'Family', 'Default machine', 'Counts'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function upHelp(): SlackMessage {
  const blocks: KnownBlock[] = [
    section(`*Create a GPU box*\n\`${UP_USAGE}\`\n${ALIASES}`),
    section(`*GPUs*\n\`\`\`${gpuTable()}\`\`\``),
    section(
      [
        '*Defaults*',
        `• \`--gpu ${DEFAULT_GPU}\`, \`--count 1\`; the default machine above is for one GPU, and more GPUs get the matching bigger machine.`,
        '• `--machine` picks another machine type of the same family (N1 takes a GPU attached; A2, A3 and G2 come with theirs).',
        '• No `--zone`: each zone of the region is tried in turn until one has capacity. `--zone` pins the box there.',
        `• \`--disk ${DEFAULT_DISK_GB}\` GB; \`--image ${DEFAULT_IMAGE.family}\` (Deep Learning VM images, e.g. ${KNOWN_IMAGE_FAMILIES.filter((f) => f !== DEFAULT_IMAGE.family)
          .slice(0, 2)
          .map((f) => `\`${f}\``)
          .join(', ')}).`,
        '• `--spot`: much cheaper, but Google Cloud may stop it at any time; the disk is kept and Start brings it back.',
        `• \`--flex-start --max-run ${formatDuration(DEFAULT_FLEX_START_RUN_MS)}\` (A2, A3 and G2 machines): the VM starts when Google Cloud has capacity, then runs uninterrupted for ${formatDuration(FLEX_START_MIN_RUN_MS)} to ${formatDuration(FLEX_START_MAX_RUN_MS)} (${formatDuration(DEFAULT_FLEX_START_RUN_MS)} if not said) and is stopped; the disk is kept, and each Start gives another run.`,
        `• H100 with 1, 2 or 4 GPUs (${SPOT_OR_FLEX_ONLY.map((m) => `\`${m}\``).join(', ')}) is sold only as Spot or Flex-start VMs, never on demand: without \`--spot\` or \`--flex-start\` such a box is *Spot*, which starts at once when there is capacity; ask for \`--flex-start\` for a run nobody can interrupt.`,
        '• Idle boxes stop themselves: when the GPU, CPU and notebook have all been quiet for the idle window (`--idle 90m`; `--idle off` where allowed), I DM you and post in the thread with [Keep 1h] [Keep 4h] [Stop now], and stop it when the grace runs out. A busy kernel or GPU is never idle.',
        '• `--hours 8`: stop after 8 hours even when busy, after the same warning.',
      ].join('\n'),
    ),
    section(`*Examples*\n\`\`\`${EXAMPLES.join('\n')}\`\`\``),
    contextLine(`${NAME_RULE} \`/gpu\` alone opens a form.`),
  ];
  return { text: fallbackText(`Usage: ${UP_USAGE}`), blocks };
}

function overview(): SlackMessage {
  const blocks: KnownBlock[] = [
    section(
      '*GPU boxes*: a Compute Engine VM with a GPU and JupyterLab, made from Slack. Each box gets a card in the channel that shows its progress. Type `/gpu` alone for a form.',
    ),
    section(`*Create*\n\`${UP_USAGE}\`\n${ALIASES}\n\`/gpu help up\` lists the GPUs and defaults.`),
    section(`*Manage*\n${['list', 'stop', 'start', 'delete', 'connect', 'keep', 'cost', 'doctor', 'policy', 'audit', 'team', 'help'].map((k) => COMMANDS[k] ?? '').join('\n')}`),
    section(`*Examples*\n\`\`\`${EXAMPLES.join('\n')}\`\`\``),
    contextLine(NAME_RULE),
  ];
  return { text: fallbackText(`/gpu: up, list, stop, start, delete, connect, help. Usage: ${UP_USAGE}`), blocks };
}

/**
 * The overview, or one command's help. `up` and `gpus` show the GPU table; an unknown topic gets the
 * overview (the command parser has already said it does not know the topic).
 */
export function gpuHelp(topic?: string): SlackMessage {
  const t = typeof topic === 'string' ? topic.trim().toLowerCase() : '';
  if (t === 'up' || t === 'gpus' || t === 'gpu') return upHelp();
  const one = Object.hasOwn(COMMANDS, t) && t !== 'help' ? COMMANDS[t] : undefined;
  if (one === undefined) return overview();
  return {
    text: fallbackText(one.replace(/[`*]/g, '')),
    blocks: [section(one), contextLine('`/gpu help` for every command.')],
  };
}
