/** The modal behind `/gpu` and `/gpu up` without a name, and reading its submission back. */
import { DEFAULT_DISK_GB } from '../../domain/box-request.js';
import { DEFAULT_GPU, GPUS, GPU_KEYS, parseGpuKey, type GpuKey } from '../../domain/gpus.js';
import { LIMITS, plain, type InputBlock, type KnownBlock, type Modal, type PlainTextOption } from './block-kit.js';
import { contextLine, truncate } from './messages.js';
import { formatDuration } from '../../domain/duration.js';
import { DEFAULT_FLEX_START_RUN_MS } from '../../domain/provisioning.js';

export const UP_FORM = {
  callbackId: 'gpu_up_form',
  blocks: {
    name: 'up_name',
    gpu: 'up_gpu',
    count: 'up_count',
    region: 'up_region',
    disk: 'up_disk',
    spot: 'up_spot',
  },
  actions: {
    name: 'name',
    gpu: 'gpu',
    count: 'count',
    region: 'region',
    disk: 'disk',
    spot: 'spot',
  },
  /** Values of the Pricing choice: none chosen (or `standard`) means the machine's default. */
  spotValue: 'spot',
  flexStartValue: 'flex-start',
  standardValue: 'standard',
} as const;

/** Counts offered; which of them a GPU allows is checked on submit, with a message beside this input. */
export const FORM_COUNTS: readonly number[] = [1, 2, 4, 8, 16];

export interface UpFormValues {
  name: string;
  gpu: GpuKey;
  count: number;
  region: string;
  disk: number;
  spot: boolean;
  /** Flex-start with the default run (`/gpu up --max-run` sets another). */
  flexStart?: boolean;
}

export interface UpFormContext {
  defaultRegion: string;
  regions: readonly string[];
  /** Carried through Slack untouched (e.g. the channel the command came from); at most 3000 characters. */
  privateMetadata: string;
  /** What to show filled in, e.g. the values of a form being shown again. */
  values?: Partial<UpFormValues>;
  /** The disk sizes the bot accepts, so Slack can refuse others before submit. */
  diskGb?: { min: number; max: number };
}

function option(text: string, value: string, description?: string): PlainTextOption {
  const o: PlainTextOption = { text: plain(truncate(text, LIMITS.optionText)), value: truncate(value, LIMITS.optionValue) };
  return description === undefined ? o : { ...o, description: plain(truncate(description, LIMITS.optionDescription)) };
}

function gpuOption(key: GpuKey): PlainTextOption {
  const g = GPUS[key];
  return option(`${g.label} (${key})`, key, `${g.memoryGb} GB each; 1 to ${g.counts[g.counts.length - 1] ?? 1} per box`);
}

/** "T4 and P100 go up to 4; …": the count limits, from the GPU table. */
function countHint(): string {
  const byMax = new Map<number, string[]>();
  for (const key of GPU_KEYS) {
    const g = GPUS[key];
    const max = g.counts[g.counts.length - 1] ?? 1;
    byMax.set(max, [...(byMax.get(max) ?? []), g.label.replace(/^NVIDIA /, '')]);
  }
  const parts = [...byMax.entries()].sort((a, b) => a[0] - b[0]).map(([max, labels]) => `${labels.join(', ')}: up to ${max}`);
  return `GPUs per box. ${parts.join('; ')}.`;
}

function input(blockId: string, label: string, element: InputBlock['element'], extra: { hint?: string; optional?: boolean } = {}): InputBlock {
  const block: InputBlock = { type: 'input', block_id: blockId, label: plain(label), element };
  if (extra.hint !== undefined) block.hint = plain(truncate(extra.hint, LIMITS.inputHint));
  if (extra.optional === true) block.optional = true;
  return block;
}

export function upForm(ctx: UpFormContext): Modal {
  if (Array.from(ctx.privateMetadata).length > LIMITS.privateMetadata) {
    // Cutting it would corrupt whatever the caller encoded in it; this is a bug to see, not to hide.
    throw new RangeError(`private_metadata is over ${LIMITS.privateMetadata} characters`);
  }
  const v = ctx.values ?? {};
  const ids = UP_FORM.blocks;
  const acts = UP_FORM.actions;

  const name = v.name !== undefined && v.name !== '' ? { initial_value: truncate(v.name, 63) } : {};

  const gpuOptions = GPU_KEYS.map(gpuOption);
  const gpuKey = v.gpu !== undefined && Object.hasOwn(GPUS, v.gpu) ? v.gpu : DEFAULT_GPU;

  const countOptions = FORM_COUNTS.map((n) => option(String(n), String(n)));
  const count = countOptions.find((o) => o.value === String(v.count ?? 1));

  // Sorted, except that the default region comes first so a long list can never cut it off.
  const others = [...new Set(ctx.regions)].filter((r) => r !== ctx.defaultRegion).sort();
  const regions = [ctx.defaultRegion, ...others].filter((r) => r !== '' && Array.from(r).length <= LIMITS.optionValue).slice(0, 100);
  const regionOptions = regions.map((r) => option(r, r));
  const region = regionOptions.find((o) => o.value === (v.region ?? ctx.defaultRegion)) ?? regionOptions[0];

  const disk = v.disk !== undefined && Number.isFinite(v.disk) ? Math.round(v.disk) : DEFAULT_DISK_GB;
  // Standard is not sold for every shape (H100 with 1-4 GPUs: Spot or Flex-start only); the quote then
  // says which was chosen and why (domain/provisioning.ts).
  const pricing = [
    option('On demand', UP_FORM.standardValue, 'Where sold; H100 with 1 to 4 GPUs is not, and gets Spot'),
    option('Spot VM', UP_FORM.spotValue, 'Much cheaper; Google Cloud may stop it at any time'),
    option(`Flex-start, ${formatDuration(DEFAULT_FLEX_START_RUN_MS)} runs`, UP_FORM.flexStartValue, 'A2, A3, G2: starts when there is capacity, then runs uninterrupted'),
  ];
  const chosen = v.flexStart === true ? pricing[2] : v.spot === true ? pricing[1] : undefined;

  const blocks: KnownBlock[] = [
    input(
      ids.name,
      'Name',
      { type: 'plain_text_input', action_id: acts.name, min_length: 1, max_length: 63, placeholder: plain('exp42'), ...name },
      { hint: 'Lowercase letters, digits and hyphens, starting with a letter; at most 63 characters. It is also the VM’s name.' },
    ),
    input(ids.gpu, 'GPU', { type: 'static_select', action_id: acts.gpu, options: gpuOptions, initial_option: gpuOption(gpuKey) }),
    input(
      ids.count,
      'Number of GPUs',
      { type: 'static_select', action_id: acts.count, options: countOptions, ...(count !== undefined ? { initial_option: count } : {}) },
      { hint: countHint() },
    ),
  ];
  if (regionOptions.length > 0) {
    blocks.push(
      input(
        ids.region,
        'Region',
        { type: 'static_select', action_id: acts.region, options: regionOptions, ...(region !== undefined ? { initial_option: region } : {}) },
        { hint: 'Each zone of the region is tried in turn until one has capacity for the GPU.' },
      ),
    );
  }
  blocks.push(
    input(
      ids.disk,
      'Disk (GB)',
      {
        type: 'number_input',
        action_id: acts.disk,
        is_decimal_allowed: false,
        initial_value: String(disk),
        ...(ctx.diskGb !== undefined ? { min_value: String(ctx.diskGb.min), max_value: String(ctx.diskGb.max) } : {}),
      },
      { hint: 'Kept while the box is stopped, and billed until the box is deleted.' },
    ),
    input(
      ids.spot,
      'Pricing',
      { type: 'radio_buttons', action_id: acts.spot, options: pricing, ...(chosen !== undefined ? { initial_option: chosen } : {}) },
      { optional: true, hint: 'How Google Cloud sells the VM. Nothing chosen: on demand where sold, else Spot.' },
    ),
    contextLine('More choices (machine type, zone, image) on the command line: `/gpu help up`.'),
  );

  return {
    type: 'modal',
    callback_id: UP_FORM.callbackId,
    title: plain('New GPU box'),
    submit: plain('Create'),
    close: plain('Cancel'),
    private_metadata: ctx.privateMetadata,
    blocks,
  };
}

/** One input's state as Slack submits it (`view.state.values[block][action]`); Bolt's ViewStateValue fits. */
export interface UpFormStateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: readonly { value: string }[];
}

/** `view.state.values` of a submitted form: block id -> action id -> state. */
export type UpFormState = Readonly<Record<string, Readonly<Record<string, UpFormStateValue | undefined>> | undefined>>;

/** What the form says; `region` is null when it was not chosen, so the default region applies. */
export interface UpFormInput {
  name: string;
  gpu: GpuKey;
  count: number;
  region: string | null;
  disk: number;
  spot: boolean;
  flexStart: boolean;
}

function stateOf(values: UpFormState, field: keyof typeof UP_FORM.blocks): UpFormStateValue | undefined {
  const block = values[UP_FORM.blocks[field]];
  return block?.[UP_FORM.actions[field]];
}

function selected(values: UpFormState, field: keyof typeof UP_FORM.blocks): string | null {
  const s = stateOf(values, field);
  return s?.selected_option?.value ?? (typeof s?.value === 'string' && s.value.trim() !== '' ? s.value.trim() : null);
}

/**
 * Reads a submitted form. Missing inputs get the defaults the form shows; a number that is there but
 * not a number comes back as NaN, so validation refuses it beside its input instead of guessing.
 */
export function readUpForm(values: UpFormState): UpFormInput {
  const name = stateOf(values, 'name')?.value ?? '';
  const gpuText = selected(values, 'gpu');
  const countText = selected(values, 'count');
  const diskText = selected(values, 'disk');
  // A radio choice (selected_option); the older form's checkbox (selected_options) reads the same.
  const pricing = stateOf(values, 'spot');
  const picked = [pricing?.selected_option?.value, ...(pricing?.selected_options ?? []).map((o) => o.value)];
  const spot = picked.includes(UP_FORM.spotValue);
  const flexStart = picked.includes(UP_FORM.flexStartValue);
  return {
    name: name.trim(),
    gpu: gpuText === null ? DEFAULT_GPU : (parseGpuKey(gpuText) ?? DEFAULT_GPU),
    count: countText === null ? 1 : Number(countText),
    region: selected(values, 'region'),
    disk: diskText === null ? DEFAULT_DISK_GB : Number(diskText),
    spot,
    flexStart,
  };
}
