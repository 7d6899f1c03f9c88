/**
 * `/gpu policy`: the admins' modal that edits the team's policy, reading its submission back into a
 * policy to check, and the read-only summary everyone else gets (with who can change it).
 */
import { formatDuration, parseDuration } from '../../domain/duration.js';
import { GPUS, GPU_KEYS, type GpuKey } from '../../domain/gpus.js';
import { checkPolicy, type PolicyField, type StoredPolicy, type TeamPolicy } from '../../domain/policy.js';
import { LIMITS, plain, type EphemeralMessage, type InputBlock, type KnownBlock, type Modal, type PlainTextOption } from './block-kit.js';
import { mention, slackDate } from './format.js';
import { contextLine, fallbackText, section, truncate } from './messages.js';

export const POLICY_FORM = {
  callbackId: 'gpu_policy_form',
  /** Each field's block id; its action id is `value`. */
  blocks: {
    allowedGpus: 'policy_allowed_gpus',
    channelGpus: 'policy_channel_gpus',
    maxGpusPerPerson: 'policy_max_gpus',
    maxBoxesPerPerson: 'policy_max_boxes',
    maxUsdPerHourPerPerson: 'policy_max_usd',
    defaultRunningMs: 'policy_default_running',
    maxRunningMs: 'policy_max_running',
    idleOffAllowed: 'policy_idle_off',
    idleOffMaxMs: 'policy_idle_off_max',
    maxReplicasPerJob: 'policy_job_replicas',
    maxGpusPerJob: 'policy_job_gpus',
    stoppedReminderDays: 'policy_stopped_days',
    approvalGpus: 'policy_approve_gpus',
    approvalGpusAbove: 'policy_approve_count',
    approvalUsdPerHourAbove: 'policy_approve_usd',
    approvalPastBudget: 'policy_past_budget',
  } satisfies Record<PolicyField, string>,
  action: 'value',
} as const;

function option(text: string, value: string): PlainTextOption {
  return { text: plain(truncate(text, LIMITS.optionText)), value: truncate(value, LIMITS.optionValue) };
}

const gpuOption = (key: GpuKey): PlainTextOption => option(`${GPUS[key].label} (${key})`, key);

function input(field: PolicyField, label: string, element: InputBlock['element'], hint: string, optional = false): InputBlock {
  return { type: 'input', block_id: POLICY_FORM.blocks[field], label: plain(label), element, hint: plain(truncate(hint, LIMITS.inputHint)), ...(optional ? { optional: true } : {}) };
}

function text(field: PolicyField, label: string, value: string, hint: string, optional = false): InputBlock {
  return input(field, label, { type: 'plain_text_input', action_id: POLICY_FORM.action, ...(value !== '' ? { initial_value: value } : {}) }, hint, optional);
}

function gpus(field: PolicyField, label: string, chosen: readonly GpuKey[], hint: string): InputBlock {
  const initial = chosen.map(gpuOption);
  return input(field, label, { type: 'multi_static_select', action_id: POLICY_FORM.action, options: GPU_KEYS.map(gpuOption), ...(initial.length > 0 ? { initial_options: initial } : {}) }, hint, true);
}

function select(field: PolicyField, label: string, choices: readonly [string, string][], value: string, hint: string): InputBlock {
  const options = choices.map(([v, t]) => option(t, v));
  const initial = options.find((o) => o.value === value);
  return input(field, label, { type: 'static_select', action_id: POLICY_FORM.action, options, ...(initial !== undefined ? { initial_option: initial } : {}) }, hint);
}

const channelsText = (p: TeamPolicy): string =>
  Object.entries(p.channelGpus)
    .map(([c, list]) => `${c}=${list.join(',')}`)
    .join('\n');

/** The admins' form, filled with the policy in force. */
export function policyForm(stored: StoredPolicy, privateMetadata: string): Modal {
  const p = stored.policy;
  const a = p.approval;
  const blocks: KnownBlock[] = [
    gpus('allowedGpus', 'GPU types allowed', p.allowedGpus, 'Boxes and training jobs may use only these.'),
    text('channelGpus', 'GPU types per channel', channelsText(p), 'One channel a line: C024BE91L=t4,l4. A listed channel allows only its own list.', true),
    text('maxGpusPerPerson', 'Most GPUs per person', String(p.maxGpusPerPerson), 'GPUs in boxes one person runs at once.'),
    text('maxBoxesPerPerson', 'Most boxes per person', String(p.maxBoxesPerPerson), 'Boxes one person runs at once.'),
    text('maxUsdPerHourPerPerson', 'Most $/hour per person', String(p.maxUsdPerHourPerPerson), 'List price of one person’s running boxes and jobs together.'),
    text('defaultRunningMs', 'Default running time', p.defaultRunningMs === null ? '' : formatDuration(p.defaultRunningMs), 'Such as 12h; a box without --hours runs this long. Empty: idle stop alone.', true),
    text('maxRunningMs', 'Longest running time', formatDuration(p.maxRunningMs), 'The longest --hours anyone may ask for, such as 72h.'),
    select('idleOffAllowed', 'Idle stop off', [['yes', 'Allowed'], ['no', 'Not allowed']], p.idleOffAllowed ? 'yes' : 'no', 'Whether --idle off is allowed.'),
    text('idleOffMaxMs', 'Longest run with idle off', formatDuration(p.idleOffMaxMs), 'A box with --idle off stops after this, such as 24h.'),
    text('maxReplicasPerJob', 'Most replicas per job', String(p.maxReplicasPerJob), 'All pools of one training job together.'),
    text('maxGpusPerJob', 'Most GPUs per job', String(p.maxGpusPerJob), 'All replicas of one training job together.'),
    text('stoppedReminderDays', 'Stopped-box reminder after (days)', String(p.stoppedReminderDays), 'Owners of boxes stopped this long hear each week what the disk costs.'),
    gpus('approvalGpus', 'GPU types that need an approval', a.gpus, 'Requests for these wait for an admin.'),
    text('approvalGpusAbove', 'Approval above this many GPUs', a.gpusAbove === null ? '' : String(a.gpusAbove), 'Empty: no such rule.', true),
    text('approvalUsdPerHourAbove', 'Approval above this $/hour', a.usdPerHourAbove === null ? '' : String(a.usdPerHourAbove), 'Empty: no such rule.', true),
    select('approvalPastBudget', 'Past a budget', [['allow', 'Go ahead'], ['approve', 'Wait for an admin'], ['refuse', 'Refuse']], a.pastBudget, 'What a request past a monthly budget does.'),
  ];
  if (stored.updatedBy !== null && stored.updatedAt !== null) blocks.push(contextLine(`Last changed by ${mention(stored.updatedBy)} ${slackDate(stored.updatedAt)}.`));
  return { type: 'modal', callback_id: POLICY_FORM.callbackId, title: plain('Team policy'), submit: plain('Save'), close: plain('Cancel'), private_metadata: privateMetadata, blocks };
}

interface StateValue {
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: readonly { value: string }[];
}
export type PolicyFormState = Readonly<Record<string, Readonly<Record<string, StateValue | undefined>> | undefined>>;

/**
 * Reads a submitted form into a policy, checked against the rules of a policy; each problem comes back
 * beside its input, keyed by block id.
 */
export function readPolicyForm(values: PolicyFormState, base: TeamPolicy): { ok: true; policy: TeamPolicy } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const state = (f: PolicyField): StateValue | undefined => values[POLICY_FORM.blocks[f]]?.[POLICY_FORM.action];
  const str = (f: PolicyField): string => (state(f)?.value ?? state(f)?.selected_option?.value ?? '').trim();
  const list = (f: PolicyField): string[] => (state(f)?.selected_options ?? []).map((o) => o.value);
  const num = (f: PolicyField, nullable: boolean): number | null | undefined => {
    const s = str(f).replace(/^\$/, '');
    if (s === '') {
      if (!nullable) errors[POLICY_FORM.blocks[f]] = 'Write a number.';
      return nullable ? null : undefined;
    }
    const n = Number(s);
    if (!Number.isFinite(n)) errors[POLICY_FORM.blocks[f]] = `“${truncate(s, 40)}” is not a number; write one such as 8.`;
    return Number.isFinite(n) ? n : undefined;
  };
  const duration = (f: PolicyField, nullable: boolean): number | null | undefined => {
    const s = str(f);
    if (s === '') {
      if (!nullable) errors[POLICY_FORM.blocks[f]] = 'Write a duration such as 24h.';
      return nullable ? null : undefined;
    }
    const ms = parseDuration(s);
    if (ms === null || ms <= 0) errors[POLICY_FORM.blocks[f]] = `“${truncate(s, 40)}” is not a duration; write one such as 12h or 90m.`;
    return ms ?? undefined;
  };
  const channelGpus: Record<string, string[]> = {};
  for (const line of str('channelGpus').split(/\n+/).map((l) => l.trim()).filter(Boolean)) {
    const m = /^<?#?([CG][A-Z0-9]{2,})(?:\|[^>]*)?>?\s*=\s*(.*)$/.exec(line);
    if (m?.[1] === undefined) {
      errors[POLICY_FORM.blocks.channelGpus] = `“${truncate(line, 40)}” should read C024BE91L=t4,l4.`;
      continue;
    }
    channelGpus[m[1]] = (m[2] ?? '').split(/[\s,]+/).filter(Boolean);
  }
  const raw = {
    allowedGpus: list('allowedGpus'),
    channelGpus,
    maxGpusPerPerson: num('maxGpusPerPerson', false),
    maxBoxesPerPerson: num('maxBoxesPerPerson', false),
    maxUsdPerHourPerPerson: num('maxUsdPerHourPerPerson', false),
    defaultRunningMs: duration('defaultRunningMs', true),
    maxRunningMs: duration('maxRunningMs', false),
    idleOffAllowed: str('idleOffAllowed') === '' ? undefined : str('idleOffAllowed') === 'yes',
    idleOffMaxMs: duration('idleOffMaxMs', false),
    maxReplicasPerJob: num('maxReplicasPerJob', false),
    maxGpusPerJob: num('maxGpusPerJob', false),
    stoppedReminderDays: num('stoppedReminderDays', false),
    approval: {
      gpus: list('approvalGpus'),
      gpusAbove: num('approvalGpusAbove', true),
      usdPerHourAbove: num('approvalUsdPerHourAbove', true),
      pastBudget: str('approvalPastBudget') === '' ? undefined : str('approvalPastBudget'),
    },
  };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const checked = checkPolicy(raw, base);
  if (checked.ok) return { ok: true, policy: checked.value };
  for (const p of checked.problems) errors[POLICY_FORM.blocks[p.field]] = truncate(p.message, 300);
  return { ok: false, errors };
}

/** The policy in words: what everyone may read, with who can change it. */
export function policySummary(stored: StoredPolicy, admins: readonly string[], opts: { canEdit: boolean }): EphemeralMessage {
  const p = stored.policy;
  const a = p.approval;
  const usd = (n: number): string => `$${n.toFixed(2)}`;
  const gpuList = (l: readonly GpuKey[]): string => (l.length === 0 ? 'none' : l.map((g) => `\`${g}\``).join(', '));
  const lines = [
    `*GPU types allowed:* ${gpuList(p.allowedGpus)}`,
    ...Object.entries(p.channelGpus).map(([c, l]) => `• in <#${c}>: ${gpuList(l)}`),
    `*Per person at once:* at most ${p.maxBoxesPerPerson} boxes, ${p.maxGpusPerPerson} GPUs, ${usd(p.maxUsdPerHourPerPerson)}/h (boxes and jobs together)`,
    `*Running time of a box:* ${p.defaultRunningMs === null ? 'no default (idle stop decides)' : `${formatDuration(p.defaultRunningMs)} by default`}, at most ${formatDuration(p.maxRunningMs)}`,
    `*Idle stop off:* ${p.idleOffAllowed ? `allowed, for at most ${formatDuration(p.idleOffMaxMs)} in one go` : 'not allowed'}`,
    `*Training jobs:* at most ${p.maxReplicasPerJob} replicas and ${p.maxGpusPerJob} GPUs each`,
    `*Need an admin's approval:* ${[
      a.gpus.length > 0 ? `${gpuList(a.gpus)} GPUs` : null,
      a.gpusAbove !== null ? `more than ${a.gpusAbove} GPUs` : null,
      a.usdPerHourAbove !== null ? `more than ${usd(a.usdPerHourAbove)}/h` : null,
      a.pastBudget === 'approve' ? 'anything past a budget' : null,
    ]
      .filter((x): x is string => x !== null)
      .join('; ') || 'nothing'}${a.pastBudget === 'refuse' ? ' (past a budget: refused)' : ''}`,
  ];
  const who = admins.length === 0 ? 'no admin is configured (GPUBOT_ADMINS)' : admins.slice(0, 10).map(mention).join(', ');
  const changed = stored.updatedBy !== null && stored.updatedAt !== null ? `Last changed by ${mention(stored.updatedBy)} ${slackDate(stored.updatedAt)}.` : 'The configured defaults.';
  const footer = opts.canEdit ? `${changed}` : `${changed} Only admins can change it: ${who}.`;
  const body = `:scroll: *The team's policy*\n${lines.join('\n')}`;
  return { response_type: 'ephemeral', text: fallbackText(body), blocks: [section(body), contextLine(footer)] };
}
