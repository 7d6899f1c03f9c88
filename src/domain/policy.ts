/**
 * The team's policy: which GPUs people may ask for, how much one person may run and spend at once,
 * how long a box may run, and which requests wait for an admin's approval. Pure rules: the policy,
 * the request and what the person already runs come in; a verdict naming the rule goes out.
 */
import { GPU_KEYS, GPUS, type GpuKey } from './gpus.js';
import { formatDuration } from './duration.js';
import type { OverBudgetPolicy } from './box-approval.js';
import { isChannelId } from './slack-ids.js';

export interface TeamPolicy {
  /** GPU types anyone may ask for. */
  allowedGpus: GpuKey[];
  /** Per channel id: the GPU types allowed there instead of `allowedGpus`. */
  channelGpus: Record<string, GpuKey[]>;
  /** Most GPUs one person may have running at once, in boxes. */
  maxGpusPerPerson: number;
  /** Most boxes one person may have running (or on their way to running) at once. */
  maxBoxesPerPerson: number;
  /** Most list-price dollars per hour one person may burn at once, boxes and training jobs together. */
  maxUsdPerHourPerPerson: number;
  /** The running time a box gets when its owner names none (`--hours`); null: none, idle stop alone. */
  defaultRunningMs: number | null;
  /** The longest `--hours` anyone may ask for. */
  maxRunningMs: number;
  /** Whether `--idle off` is allowed, and the longest such a box may run in one go. */
  idleOffAllowed: boolean;
  idleOffMaxMs: number;
  /** Most replicas in one training job, all pools together. */
  maxReplicasPerJob: number;
  /** Most GPUs one training job may use, all replicas together. */
  maxGpusPerJob: number;
  /** Owners of boxes stopped longer than this many days hear weekly what the disk costs (stopped-reminder.ts). */
  stoppedReminderDays: number;
  /** Requests that wait for an admin's approval. */
  approval: {
    gpus: GpuKey[];
    /** More GPUs than this in one request waits; null: no such rule. */
    gpusAbove: number | null;
    /** A request costing more than this per hour waits; null: no such rule. */
    usdPerHourAbove: number | null;
    /** Past a budget: go ahead, refuse, or wait for an admin. */
    pastBudget: OverBudgetPolicy;
  };
}

/** A stored policy: who changed it last and when (null: never changed, the configured defaults). */
export interface StoredPolicy {
  policy: TeamPolicy;
  updatedBy: string | null;
  updatedAt: number | null;
}

/** The rules a request can break or trip, each with its stable code and the name people read. */
export const RULES = {
  gpuType: { code: 'POLICY_GPU_TYPE', name: 'GPU types allowed' },
  maxBoxes: { code: 'POLICY_MAX_BOXES', name: 'Most boxes per person' },
  maxGpus: { code: 'POLICY_MAX_GPUS', name: 'Most GPUs per person' },
  maxUsd: { code: 'POLICY_MAX_USD_PER_HOUR', name: 'Most dollars per hour per person' },
  maxRunning: { code: 'POLICY_MAX_RUNNING', name: 'Longest running time of a box' },
  idleOff: { code: 'POLICY_IDLE_OFF', name: 'Idle stop off' },
  jobReplicas: { code: 'POLICY_JOB_REPLICAS', name: 'Most replicas per training job' },
  jobGpus: { code: 'POLICY_JOB_GPUS', name: 'Most GPUs per training job' },
  approveGpu: { code: 'APPROVAL_GPU_TYPE', name: 'GPU types that need an approval' },
  approveCount: { code: 'APPROVAL_GPU_COUNT', name: 'GPU count that needs an approval' },
  approveUsd: { code: 'APPROVAL_USD_PER_HOUR', name: 'Dollars per hour that need an approval' },
  pastBudget: { code: 'APPROVAL_PAST_BUDGET', name: 'Past a budget' },
} as const;

export type RuleKey = keyof typeof RULES;

/** One rule a request tripped: its code, its name and what about the request tripped it. */
export interface RuleHit {
  code: string;
  rule: string;
  detail: string;
}

/**
 * The starting policy where the configuration says nothing more. Safe on purpose: the big GPUs, more
 * than four GPUs, or more than $20 an hour wait for an admin; a training job has at most 8 replicas
 * and 16 GPUs; `--idle off` runs at most a day. A non-admin's `up big --gpu a100 --count 8 --idle off`
 * (about $30 an hour) therefore waits on three rules at once.
 */
export function defaultPolicy(from: { idleOffAllowed: boolean; maxRunningMs: number; pastBudget: OverBudgetPolicy }): TeamPolicy {
  return {
    allowedGpus: [...GPU_KEYS],
    channelGpus: {},
    maxGpusPerPerson: 8,
    maxBoxesPerPerson: 5,
    maxUsdPerHourPerPerson: 60,
    defaultRunningMs: null,
    maxRunningMs: from.maxRunningMs,
    idleOffAllowed: from.idleOffAllowed,
    idleOffMaxMs: Math.min(24 * 3_600_000, from.maxRunningMs),
    maxReplicasPerJob: 8,
    maxGpusPerJob: 16,
    stoppedReminderDays: 7,
    approval: { gpus: ['a100', 'a100-80gb', 'h100'], gpusAbove: 4, usdPerHourAbove: 20, pastBudget: from.pastBudget },
  };
}

export type PolicyCheck<T> = { ok: true; value: T } | { ok: false; problems: { field: PolicyField; message: string }[] };

/** The fields of the policy, as the form and GPUBOT_POLICY name them. */
export type PolicyField = keyof Omit<TeamPolicy, 'approval'> | 'approvalGpus' | 'approvalGpusAbove' | 'approvalUsdPerHourAbove' | 'approvalPastBudget';

const HOUR = 3_600_000;

/**
 * Checks a policy written by hand (GPUBOT_POLICY) or through the form: every number in range, every
 * GPU known. Each problem names the field and says what would be right.
 */
export function checkPolicy(raw: unknown, base: TeamPolicy): PolicyCheck<TeamPolicy> {
  const problems: { field: PolicyField; message: string }[] = [];
  const p = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const a = typeof p.approval === 'object' && p.approval !== null ? (p.approval as Record<string, unknown>) : {};
  const gpus = (field: PolicyField, v: unknown, fallback: GpuKey[]): GpuKey[] => {
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || !v.every((g): g is GpuKey => typeof g === 'string' && (GPU_KEYS as readonly string[]).includes(g))) {
      problems.push({ field, message: `${field} should list GPU types from ${GPU_KEYS.join(', ')}.` });
      return fallback;
    }
    return [...new Set(v)];
  };
  const num = (field: PolicyField, v: unknown, fallback: number, min: number, max: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      problems.push({ field, message: `${field} should be a number from ${min} to ${max}.` });
      return fallback;
    }
    return v;
  };
  // A field left out keeps its fallback, "no limit" (null) included: filling a missing value with the
  // minimum gave every box a one-minute running limit whenever GPUBOT_POLICY named other fields.
  const orNull = (field: PolicyField, v: unknown, fallback: number | null, min: number, max: number): number | null =>
    v === null || (v === undefined && fallback === null) ? null : num(field, v, fallback ?? min, min, max);
  const channelGpus: Record<string, GpuKey[]> = {};
  const rawChannels = p.channelGpus === undefined ? base.channelGpus : p.channelGpus;
  if (typeof rawChannels !== 'object' || rawChannels === null || Array.isArray(rawChannels)) {
    problems.push({ field: 'channelGpus', message: 'channelGpus should map channel ids such as C024BE91L to lists of GPU types.' });
  } else {
    for (const [channel, list] of Object.entries(rawChannels)) {
      if (!isChannelId(channel)) problems.push({ field: 'channelGpus', message: `channelGpus has "${channel}"; use channel ids such as C024BE91L.` });
      else channelGpus[channel] = gpus('channelGpus', list, []);
    }
  }
  const pastBudget = a.pastBudget === undefined ? base.approval.pastBudget : a.pastBudget;
  if (pastBudget !== 'allow' && pastBudget !== 'refuse' && pastBudget !== 'approve') {
    problems.push({ field: 'approvalPastBudget', message: 'approval.pastBudget should be allow, refuse or approve.' });
  }
  const bool = (field: PolicyField, v: unknown, fallback: boolean): boolean => {
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') problems.push({ field, message: `${field} should be true or false.` });
    return typeof v === 'boolean' ? v : fallback;
  };
  const policy: TeamPolicy = {
    allowedGpus: gpus('allowedGpus', p.allowedGpus, base.allowedGpus),
    channelGpus,
    maxGpusPerPerson: num('maxGpusPerPerson', p.maxGpusPerPerson, base.maxGpusPerPerson, 0, 1024),
    maxBoxesPerPerson: num('maxBoxesPerPerson', p.maxBoxesPerPerson, base.maxBoxesPerPerson, 0, 1000),
    maxUsdPerHourPerPerson: num('maxUsdPerHourPerPerson', p.maxUsdPerHourPerPerson, base.maxUsdPerHourPerPerson, 0, 100_000),
    defaultRunningMs: orNull('defaultRunningMs', p.defaultRunningMs, base.defaultRunningMs, HOUR / 60, 365 * 24 * HOUR),
    maxRunningMs: num('maxRunningMs', p.maxRunningMs, base.maxRunningMs, HOUR / 60, 365 * 24 * HOUR),
    idleOffAllowed: bool('idleOffAllowed', p.idleOffAllowed, base.idleOffAllowed),
    idleOffMaxMs: num('idleOffMaxMs', p.idleOffMaxMs, base.idleOffMaxMs, HOUR / 60, 365 * 24 * HOUR),
    maxReplicasPerJob: num('maxReplicasPerJob', p.maxReplicasPerJob, base.maxReplicasPerJob, 1, 10_000),
    maxGpusPerJob: num('maxGpusPerJob', p.maxGpusPerJob, base.maxGpusPerJob, 0, 100_000),
    stoppedReminderDays: num('stoppedReminderDays', p.stoppedReminderDays, base.stoppedReminderDays, 1, 365),
    approval: {
      gpus: gpus('approvalGpus', a.gpus, base.approval.gpus),
      gpusAbove: orNull('approvalGpusAbove', a.gpusAbove, base.approval.gpusAbove, 0, 100_000),
      usdPerHourAbove: orNull('approvalUsdPerHourAbove', a.usdPerHourAbove, base.approval.usdPerHourAbove, 0, 100_000),
      pastBudget: pastBudget === 'allow' || pastBudget === 'refuse' || pastBudget === 'approve' ? pastBudget : base.approval.pastBudget,
    },
  };
  if (policy.defaultRunningMs !== null && policy.defaultRunningMs > policy.maxRunningMs) {
    problems.push({ field: 'defaultRunningMs', message: `The default running time (${formatDuration(policy.defaultRunningMs)}) is longer than the longest allowed (${formatDuration(policy.maxRunningMs)}).` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: policy };
}

// ---------------------------------------------------------------- verdicts

/** What a person already runs, as the records say: boxes on their way to running or running, and jobs not over. */
export interface Usage {
  boxes: number;
  gpus: number;
  /** Boxes and jobs together, list prices. */
  usdPerHour: number;
}

/** A new box, as resolved from the request, with its idle and running-time choices. */
export interface BoxAsk {
  channel: string;
  gpu: GpuKey;
  gpuCount: number;
  /** null: idle stop off. */
  idleWindowMs: number | null;
  /** `--hours`; null: not asked. */
  maxRunningMs: number | null;
  usdPerHour: number;
}

/** A training job: its GPU types, replicas and GPUs all pools together, and its price per hour. */
export interface JobAsk {
  channel: string;
  gpus: GpuKey[];
  replicas: number;
  gpuCount: number;
  usdPerHour: number;
}

export type Verdict<T> =
  /** `value`: what the request becomes under the policy (a box's running time, say). */
  | { kind: 'allow'; value: T }
  | { kind: 'refuse'; hit: RuleHit }
  /** Every approval rule the request trips, so the admins see them all. */
  | { kind: 'approve'; value: T; hits: RuleHit[] };

const usd = (n: number): string => `$${n.toFixed(2)}`;

function hit(key: RuleKey, detail: string): RuleHit {
  return { code: RULES[key].code, rule: RULES[key].name, detail };
}

/** The GPU types allowed in `channel`: the channel's own list where it has one. */
export function gpusAllowedIn(policy: TeamPolicy, channel: string): GpuKey[] {
  return policy.channelGpus[channel] ?? policy.allowedGpus;
}

function gpuRefusal(policy: TeamPolicy, channel: string, gpus: readonly GpuKey[]): RuleHit | null {
  const allowed = gpusAllowedIn(policy, channel);
  const bad = gpus.find((g) => !allowed.includes(g));
  if (bad === undefined) return null;
  const where = policy.channelGpus[channel] !== undefined ? `in <#${channel}>` : 'here';
  const list = allowed.length > 0 ? allowed.map((g) => `\`${g}\``).join(', ') : 'none';
  return hit('gpuType', `${GPUS[bad].label} is not allowed ${where}; allowed: ${list}.`);
}

function spendRefusal(policy: TeamPolicy, usage: Usage, price: number): RuleHit | null {
  if (usage.usdPerHour + price <= policy.maxUsdPerHourPerPerson + 1e-9) return null;
  return hit(
    'maxUsd',
    `this adds ${usd(price)}/h to the ${usd(usage.usdPerHour)}/h you already run, past the ${usd(policy.maxUsdPerHourPerPerson)}/h one person may run at once. Stop or delete something first.`,
  );
}

function approvalHits(policy: TeamPolicy, gpus: readonly GpuKey[], gpuCount: number, price: number): RuleHit[] {
  const hits: RuleHit[] = [];
  const big = gpus.find((g) => policy.approval.gpus.includes(g));
  if (big !== undefined) hits.push(hit('approveGpu', `${GPUS[big].label} GPUs need an admin's approval.`));
  const above = policy.approval.gpusAbove;
  if (above !== null && gpuCount > above) hits.push(hit('approveCount', `${gpuCount} GPUs is more than ${above}, which needs an admin's approval.`));
  const dollars = policy.approval.usdPerHourAbove;
  if (dollars !== null && price > dollars) hits.push(hit('approveUsd', `${usd(price)}/h is more than ${usd(dollars)}/h, which needs an admin's approval.`));
  return hits;
}

/**
 * A new box under the policy: refused on the first hard rule it breaks (GPU type, running time, idle
 * off, boxes, GPUs, dollars per hour per person), else sent to approval on every approval rule it
 * trips, else allowed. `value` is the box's running time under the policy (the default, or the
 * idle-off cap).
 */
export function checkBox(policy: TeamPolicy, ask: BoxAsk, usage: Usage): Verdict<{ maxRunningMs: number | null }> {
  const gpu = gpuRefusal(policy, ask.channel, [ask.gpu]);
  if (gpu !== null) return { kind: 'refuse', hit: gpu };
  if (ask.maxRunningMs !== null && ask.maxRunningMs > policy.maxRunningMs) {
    return { kind: 'refuse', hit: hit('maxRunning', `\`--hours ${formatDuration(ask.maxRunningMs)}\` is longer than the ${formatDuration(policy.maxRunningMs)} a box may run in one go.`) };
  }
  let maxRunningMs = ask.maxRunningMs ?? policy.defaultRunningMs;
  if (ask.idleWindowMs === null) {
    if (!policy.idleOffAllowed) return { kind: 'refuse', hit: hit('idleOff', 'idle stop cannot be turned off; ask for a longer `--idle` window instead.') };
    if (maxRunningMs !== null && maxRunningMs > policy.idleOffMaxMs) {
      return { kind: 'refuse', hit: hit('idleOff', `with \`--idle off\` a box runs at most ${formatDuration(policy.idleOffMaxMs)} in one go; ask for \`--hours ${formatDuration(policy.idleOffMaxMs)}\` or less.`) };
    }
    // Nothing else would ever stop it: the policy's cap does.
    maxRunningMs = maxRunningMs ?? policy.idleOffMaxMs;
  }
  if (usage.boxes + 1 > policy.maxBoxesPerPerson) {
    return { kind: 'refuse', hit: hit('maxBoxes', `you already run ${usage.boxes} box${usage.boxes === 1 ? '' : 'es'}, and one person may run ${policy.maxBoxesPerPerson} at once. Stop or delete one first.`) };
  }
  if (usage.gpus + ask.gpuCount > policy.maxGpusPerPerson) {
    return { kind: 'refuse', hit: hit('maxGpus', `this adds ${ask.gpuCount} GPU${ask.gpuCount === 1 ? '' : 's'} to the ${usage.gpus} you already run, past the ${policy.maxGpusPerPerson} one person may run at once.`) };
  }
  const spend = spendRefusal(policy, usage, ask.usdPerHour);
  if (spend !== null) return { kind: 'refuse', hit: spend };
  const hits = approvalHits(policy, [ask.gpu], ask.gpuCount, ask.usdPerHour);
  return hits.length > 0 ? { kind: 'approve', value: { maxRunningMs }, hits } : { kind: 'allow', value: { maxRunningMs } };
}

/** A training job under the policy: the same GPU types, spend and approvals as a box, plus its own size limits. */
export function checkJob(policy: TeamPolicy, ask: JobAsk, usage: Usage): Verdict<null> {
  const gpu = gpuRefusal(policy, ask.channel, ask.gpus);
  if (gpu !== null) return { kind: 'refuse', hit: gpu };
  if (ask.replicas > policy.maxReplicasPerJob) {
    return { kind: 'refuse', hit: hit('jobReplicas', `${ask.replicas} replicas is more than the ${policy.maxReplicasPerJob} one training job may have.`) };
  }
  if (ask.gpuCount > policy.maxGpusPerJob) {
    return { kind: 'refuse', hit: hit('jobGpus', `${ask.gpuCount} GPUs (all replicas together) is more than the ${policy.maxGpusPerJob} one training job may use.`) };
  }
  const spend = spendRefusal(policy, usage, ask.usdPerHour);
  if (spend !== null) return { kind: 'refuse', hit: spend };
  const hits = approvalHits(policy, ask.gpus, ask.gpuCount, ask.usdPerHour);
  return hits.length > 0 ? { kind: 'approve', value: null, hits } : { kind: 'allow', value: null };
}

/** A budget's rule as a hit, for the admins' request and the refusal. */
export function budgetHit(detail: string): RuleHit {
  return hit('pastBudget', detail);
}

/** The sentence every refusal ends with: who can change the rule, and how. */
export function whoCanChange(admins: readonly string[]): string {
  const named = admins.slice(0, 5).map((a) => `<@${a}>`);
  const who = named.length === 0 ? 'an admin (none is configured: GPUBOT_ADMINS)' : `an admin (${named.join(', ')}${admins.length > 5 ? ', …' : ''})`;
  return `Only ${who} can change this rule, with \`/gpu policy\`.`;
}

/** A refusal as a person reads it: the rule by name, what tripped it, and who can change it. */
export function refusalText(h: RuleHit, admins: readonly string[]): string {
  return `:no_entry: Refused by the policy rule *${h.rule}*: ${h.detail} ${whoCanChange(admins)}`;
}
