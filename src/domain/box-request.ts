/** Turns what a person asked for (`/gpu up` flags or the form) into a box spec Compute Engine will accept. */
import type { BoxSpec } from './box.js';
import type { Parsed, UserError } from './result.js';
import {
  DEFAULT_IMAGE,
  GPUS,
  GPU_KEYS,
  KNOWN_MACHINE_TYPES,
  familyLabel,
  gpuForMachine,
  isSharedCore,
  machineShape,
  n1Limit,
  type GpuKey,
  type GpuModel,
  type MachineShape,
} from './gpus.js';
import { closestWord, quoteUserText as q } from './shell-words.js';
import { formatDuration } from './duration.js';
import {
  DEFAULT_FLEX_START_RUN_MS,
  FLEX_START_MAX_RUN_MS,
  FLEX_START_MIN_RUN_MS,
  defaultProvisioning,
  provisioningLabel,
  provisioningsFor,
  type Provisioning,
} from './provisioning.js';

/** What a person asked for in `/gpu up` flags or the form, before it is checked against the catalog. */
export interface BoxRequest {
  name: string;
  gpu: GpuKey;
  gpuCount: number;
  /** null: the default machine for the GPU and count. */
  machineType: string | null;
  zone: string | null;
  region: string | null;
  diskGb: number;
  imageFamily: string | null;
  spot: boolean;
  /** `--flex-start`: buy the VM with Compute's Flex-start model; absent: not asked. */
  flexStart?: boolean;
  /** `--max-run 8h`: a Flex-start VM's longest run (implies Flex-start); absent: the default. */
  flexMaxRunMs?: number;
  /** `--idle 90m` or `--idle off` (null); absent: the configured default. */
  idleWindowMs?: number | null;
  /** `--hours 8`: stop after this long even when busy; absent: no limit. */
  maxRunningMs?: number;
}

export const DEFAULT_DISK_GB = 200;
/** Deep Learning VM images take about 50 GB before anyone's data. */
export const DEFAULT_MIN_DISK_GB = 50;
export const DEFAULT_MAX_DISK_GB = 4000;

export interface BoxContext {
  /** Where boxes go when the request names neither zone nor region. */
  defaultRegion: string;
  /** When set and not empty, the only regions boxes may use. */
  allowedRegions?: readonly string[];
  /** Zones offering an accelerator type; null when unknown, which skips the check. */
  zonesOffering?: (acceleratorType: string) => readonly string[] | null;
  maxDiskGb?: number;
  minDiskGb?: number;
}

/** Stable codes `resolveBoxSpec` answers with. */
export const BOX_REQUEST_ERROR_CODES = [
  'BAD_NAME',
  'UNKNOWN_GPU',
  'BAD_GPU_COUNT',
  'BAD_ZONE',
  'BAD_REGION',
  'CONFLICTING_FLAGS',
  'REGION_NOT_ALLOWED',
  'UNKNOWN_MACHINE',
  'MACHINE_MISMATCH',
  'COUNT_MISMATCH',
  'MACHINE_TOO_BIG',
  'GPU_NOT_IN_ZONE',
  'GPU_NOT_IN_REGION',
  'BAD_DISK',
  'BAD_IMAGE',
  'PROVISIONING_NOT_OFFERED',
  'BAD_MAX_RUN',
] as const;
export type BoxRequestErrorCode = (typeof BOX_REQUEST_ERROR_CODES)[number];

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ZONE = /^[a-z]{2,20}-[a-z]{2,20}[0-9]{1,3}-[a-z]$/;
const REGION = /^[a-z]{2,20}-[a-z]{2,20}[0-9]{1,3}$/;
const MAX_LISTED = 6;

function fail(code: BoxRequestErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

/** A box name Compute Engine accepts as a VM name (RFC 1035: 1-63 chars, `[a-z]([-a-z0-9]*[a-z0-9])?`). */
export function isValidBoxName(name: string): boolean {
  return typeof name === 'string' && NAME.test(name);
}

/** Turns any text into the nearest RFC 1035 name (`My_Box` -> `my-box`, `42` -> `box-42`); null if nothing usable is left. */
export function suggestBoxName(name: string): string | null {
  if (typeof name !== 'string') return null;
  let s = name
    .slice(0, 1000)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s === '') return null;
  if (!/^[a-z]/.test(s)) s = `box-${s}`;
  if (s.length > 63) s = s.slice(0, 63).replace(/-+$/, '');
  return NAME.test(s) ? s : null;
}

/** Why `name` cannot be a box name, said so its owner can fix it; null when it can. */
export function checkBoxName(name: string): UserError | null {
  if (isValidBoxName(name)) return null;
  const text = typeof name === 'string' ? name : '';
  const suggestion = suggestBoxName(text);
  const tryIt = suggestion ? ` Try ${q(suggestion, 63)}.` : ' For example `exp42`.';
  const bad = (message: string): UserError => ({ code: 'BAD_NAME', message });
  if (text.trim() === '') {
    return bad('Give the box a name, like `exp42`: lowercase letters, digits and hyphens, starting with a letter.');
  }
  const chars = [...text];
  if (chars.length > 63) {
    return bad(`Box names are at most 63 characters; ${q(text)} has ${chars.length}.${tryIt}`);
  }
  if (text !== text.toLowerCase() && isValidBoxName(text.toLowerCase())) {
    return bad(`Box names are lowercase: use ${q(text.toLowerCase(), 63)} instead of ${q(text, 63)}.`);
  }
  if (text.includes('_')) {
    return bad(`Box names can't contain \`_\`; use hyphens instead.${tryIt}`);
  }
  const odd = chars.find((c) => !/[-a-zA-Z0-9]/.test(c));
  if (odd !== undefined) {
    return bad(`Box names use only lowercase letters, digits and hyphens; ${q(text)} has ${q(odd)}.${tryIt}`);
  }
  if (!/^[a-zA-Z]/.test(text)) return bad(`Box names start with a letter.${tryIt}`);
  if (text.endsWith('-')) return bad(`Box names can't end with a hyphen.${tryIt}`);
  return bad(`Box names use lowercase letters, digits and hyphens and start with a letter.${tryIt}`);
}

function listOf(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

function optionalText(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim().toLowerCase();
  return t === '' ? null : t;
}

function countsText(counts: readonly number[]): string {
  const head = counts.slice(0, -1);
  const last = counts[counts.length - 1];
  return head.length === 0 ? String(last) : `${head.join(', ')} or ${last}`;
}

function gpuNoun(count: number): string {
  return count === 1 ? 'GPU' : 'GPUs';
}

/** The most a predefined N1 machine of the same kind can be within `maxVcpus`, e.g. `n1-highmem-8`. */
function largestN1Within(shape: MachineShape, maxVcpus: number, maxMemoryGb: number): string | null {
  const kind = /^n1-(standard|highmem|highcpu)-/.exec(shape.name)?.[1] ?? 'standard';
  let best: MachineShape | null = null;
  for (const name of KNOWN_MACHINE_TYPES) {
    if (!name.startsWith(`n1-${kind}-`)) continue;
    const s = machineShape(name);
    if (s && s.vcpus <= maxVcpus && s.memoryGb <= maxMemoryGb && (!best || s.vcpus > best.vcpus)) best = s;
  }
  return best?.name ?? null;
}

function checkMachine(model: GpuModel, count: number, machine: string, zone: string | null): UserError | null {
  const shape = machineShape(machine);
  const pick = model.defaultMachine(count);
  if (!shape) {
    const near = closestWord(machine, KNOWN_MACHINE_TYPES);
    const hint = near ? `Did you mean ${q(near)}? ` : '';
    return {
      code: 'UNKNOWN_MACHINE',
      message: `I don't know the machine type ${q(machine)}. ${hint}For \`${model.key}\`, drop \`--machine\` to get \`${pick}\`, or name another ${familyLabel({ name: pick, family: model.family })} machine.`,
    };
  }
  if (shape.family !== model.family) {
    const other = gpuForMachine(shape.name);
    const what = isSharedCore(shape.name)
      ? `\`${shape.name}\` is a shared-core machine, which can't have a GPU`
      : `\`${shape.name}\` is ${familyLabel(shape)}`;
    const alt = other ? ` (\`${shape.name}\` comes with \`${other}\` GPUs: for those, use \`--gpu ${other}\`.)` : '';
    return {
      code: 'MACHINE_MISMATCH',
      message: `GPU \`${model.key}\` needs ${familyArticle(model)} machine; ${what}. Drop \`--machine\` or pick \`${pick}\`.${alt}`,
    };
  }
  if (!model.attached && shape.gpus !== count) {
    return {
      code: 'COUNT_MISMATCH',
      message: `\`${shape.name}\` comes with ${shape.gpus} ${model.label} ${gpuNoun(shape.gpus)}, not ${count}. Pick \`${pick}\` for ${count}, or drop \`--count\` to get ${shape.gpus}.`,
    };
  }
  if (model.attached) {
    const limit = n1Limit(model.key, count, zone);
    if (limit && (shape.vcpus > limit.maxVcpus || shape.memoryGb > limit.maxMemoryGb)) {
      const tooMany = shape.vcpus > limit.maxVcpus;
      const have = tooMany ? `${shape.vcpus} vCPUs` : `${shape.memoryGb} GB of memory`;
      const most = tooMany ? `${limit.maxVcpus} vCPUs` : `${limit.maxMemoryGb} GB`;
      const smaller = largestN1Within(shape, limit.maxVcpus, limit.maxMemoryGb);
      const bigger = model.counts.find((c) => {
        const l = n1Limit(model.key, c, zone);
        return c > count && l !== null && shape.vcpus <= l.maxVcpus && shape.memoryGb <= l.maxMemoryGb;
      });
      const options = [
        smaller ? `pick \`${smaller}\`` : null,
        bigger !== undefined ? `ask for \`--count ${bigger}\`` : null,
      ].filter((o): o is string => o !== null);
      const fix = options.length > 0 ? ` ${capitalize(options.join(', or '))}.` : ' Drop `--machine` for the default.';
      return {
        code: 'MACHINE_TOO_BIG',
        message: `\`${shape.name}\` has ${have}, but an N1 machine with ${count} \`${model.key}\` ${gpuNoun(count)} can have at most ${most}.${fix}`,
      };
    }
  }
  return null;
}

function familyArticle(model: GpuModel): string {
  const label = familyLabel({ name: model.defaultMachine(1), family: model.family });
  // Said aloud, A2, N1 and the like start with a vowel sound.
  return `${/^[AEFHILMNORSX]/.test(label) ? 'an' : 'a'} ${label}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function checkZoneOffers(
  model: GpuModel,
  zone: string | null,
  region: string,
  regionIsDefault: boolean,
  ctx: BoxContext,
): UserError | null {
  let offered: readonly string[] | null = null;
  try {
    offered = ctx.zonesOffering?.(model.acceleratorType) ?? null;
  } catch {
    // An unknown answer is no reason to refuse a box; the insert will tell.
    offered = null;
  }
  if (!Array.isArray(offered)) return null;
  const allowed = allowedRegionsOf(ctx);
  const zones = [
    ...new Set(offered.filter((z): z is string => typeof z === 'string').map((z) => z.trim().toLowerCase())),
  ]
    .filter((z) => ZONE.test(z))
    .filter((z) => allowed === null || allowed.includes(regionOfZone(z)))
    .sort();
  const inRegion = zones.filter((z) => regionOfZone(z) === region);
  const gpu = `\`${model.key}\` (${model.label})`;
  if (zone !== null) {
    if (zones.includes(zone)) return null;
    const where =
      inRegion.length > 0
        ? `In ${q(region)}, these do: ${listOf(inRegion)}. Pick one with \`--zone\`, or drop \`--zone\` and I'll pick.`
        : zones.length > 0
          ? `No zone in ${q(region)} does; these do: ${listOf(zones)}.`
          : 'No zone I can use offers it right now.';
    return { code: 'GPU_NOT_IN_ZONE', message: `Zone \`${zone}\` doesn't offer ${gpu}. ${where}` };
  }
  if (inRegion.length > 0) return null;
  const regions = [...new Set(zones.map(regionOfZone))];
  const which = regionIsDefault ? `the default region ${q(region)}` : q(region);
  const where =
    regions.length > 0
      ? `Regions that have it: ${listOf(regions)}. Use \`--region ${regions[0]}\`, or another GPU.`
      : 'No region I can use offers it right now; try another GPU.';
  return { code: 'GPU_NOT_IN_REGION', message: `No zone in ${which} offers ${gpu}. ${where}` };
}

function allowedRegionsOf(ctx: BoxContext): string[] | null {
  const list = Array.isArray(ctx.allowedRegions)
    ? ctx.allowedRegions
        .filter((r): r is string => typeof r === 'string')
        .map((r) => r.trim().toLowerCase())
        .filter((r) => REGION.test(r))
    : [];
  // An empty list most likely means "not configured", not "no region at all".
  return list.length > 0 ? list : null;
}

function checkImage(family: string): UserError | null {
  if (NAME.test(family)) return null;
  if (family.includes('/')) {
    return {
      code: 'BAD_IMAGE',
      message: `\`--image\` takes just an image family from ${DEFAULT_IMAGE.project}, like \`${DEFAULT_IMAGE.family}\`; ${q(family)} is a path.`,
    };
  }
  const suggestion = suggestBoxName(family);
  const tryIt = suggestion && !suggestion.startsWith('box-') ? ` Try ${q(suggestion, 63)}?` : '';
  return {
    code: 'BAD_IMAGE',
    message: `${q(family)} isn't an image family name: those are lowercase letters, digits and hyphens, like \`${DEFAULT_IMAGE.family}\`.${tryIt}`,
  };
}

/**
 * Checks a request and fills in what it left open: the machine type for the GPU, the region (from the
 * zone, the request or the team's default), the image. Each refusal says what would be accepted.
 */
export function resolveBoxSpec(req: BoxRequest, ctx: BoxContext): Parsed<BoxSpec> {
  if (req == null || typeof req !== 'object') {
    return fail('BAD_NAME', 'Give the box a name, like `exp42`.');
  }
  const nameError = checkBoxName(req.name);
  if (nameError) return { ok: false, error: nameError };

  if (typeof req.gpu !== 'string' || !Object.hasOwn(GPUS, req.gpu)) {
    return fail('UNKNOWN_GPU', `I don't know that GPU. Pick one of: ${GPU_KEYS.join(', ')}.`);
  }
  const model = GPUS[req.gpu];
  const count = req.gpuCount;
  if (typeof count !== 'number' || !model.counts.includes(count)) {
    const shown = typeof count === 'number' && Number.isFinite(count) ? `${count}` : 'that';
    const next = model.counts.find((c) => typeof count === 'number' && c >= count);
    const fix = next !== undefined && next !== count ? ` Use \`--count ${next}\`?` : '';
    return fail(
      'BAD_GPU_COUNT',
      `A box can have ${countsText(model.counts)} \`${model.key}\` GPUs, not ${shown}.${fix}`,
    );
  }

  const zone = optionalText(req.zone);
  const askedRegion = optionalText(req.region);
  if (zone !== null && !ZONE.test(zone)) {
    const message = REGION.test(zone)
      ? `${q(zone)} is a region, not a zone. Use \`--region ${zone}\`, or a zone such as \`${zone}-a\`.`
      : `${q(zone)} isn't a zone name; zones look like \`us-central1-a\`.`;
    return fail('BAD_ZONE', message);
  }
  if (askedRegion !== null && !REGION.test(askedRegion)) {
    const message = ZONE.test(askedRegion)
      ? `${q(askedRegion)} is a zone, not a region. Use \`--zone ${askedRegion}\`, or \`--region ${regionOfZone(askedRegion)}\`.`
      : `${q(askedRegion)} isn't a region name; regions look like \`us-central1\`.`;
    return fail('BAD_REGION', message);
  }
  if (zone !== null && askedRegion !== null && regionOfZone(zone) !== askedRegion) {
    return fail(
      'CONFLICTING_FLAGS',
      `Zone \`${zone}\` is in ${regionOfZone(zone)}, not ${askedRegion}. Give just \`--zone ${zone}\`, or just \`--region ${askedRegion}\`.`,
    );
  }
  const regionIsDefault = zone === null && askedRegion === null;
  const region = zone !== null ? regionOfZone(zone) : (askedRegion ?? optionalText(ctx.defaultRegion) ?? '');
  const allowed = allowedRegionsOf(ctx);
  if (allowed !== null && !allowed.includes(region)) {
    return fail(
      'REGION_NOT_ALLOWED',
      `Boxes here run only in ${listOf(allowed)}; ${q(region)} isn't one of them. Use \`--region ${allowed[0] ?? ''}\`.`,
    );
  }

  const machineType = optionalText(req.machineType) ?? model.defaultMachine(count);
  const machineError = checkMachine(model, count, machineType, zone);
  if (machineError) return { ok: false, error: machineError };

  const bought = resolveProvisioning(req, machineType);
  if (!bought.ok) return bought;

  const zoneError = checkZoneOffers(model, zone, region, regionIsDefault, ctx);
  if (zoneError) return { ok: false, error: zoneError };

  const minDisk = finiteOr(ctx.minDiskGb, DEFAULT_MIN_DISK_GB);
  const maxDisk = finiteOr(ctx.maxDiskGb, DEFAULT_MAX_DISK_GB);
  const disk = req.diskGb;
  if (typeof disk !== 'number' || !Number.isInteger(disk)) {
    return fail('BAD_DISK', `Disk size is a whole number of GB between ${minDisk} and ${maxDisk}, like \`--disk ${DEFAULT_DISK_GB}\`.`);
  }
  if (disk < minDisk) {
    return fail('BAD_DISK', `A ${disk} GB disk is too small: the image alone needs about ${minDisk} GB. Use \`--disk ${minDisk}\` or more (the default is ${DEFAULT_DISK_GB}).`);
  }
  if (disk > maxDisk) {
    return fail('BAD_DISK', `A ${disk} GB disk is more than the ${maxDisk} GB a box may have. Use \`--disk ${maxDisk}\` or less, and keep big data in Cloud Storage.`);
  }

  const imageFamily = optionalText(req.imageFamily) ?? DEFAULT_IMAGE.family;
  const imageError = checkImage(imageFamily);
  if (imageError) return { ok: false, error: imageError };

  return {
    ok: true,
    value: {
      gpu: model.key,
      gpuCount: count,
      machineType,
      region,
      zone,
      diskGb: disk,
      imageFamily,
      imageProject: DEFAULT_IMAGE.project,
      spot: bought.value.provisioning === 'spot',
      // `spot` says standard or Spot, as on every older record; only Flex-start needs more.
      ...(bought.value.provisioning === 'flex-start' ? { provisioning: 'flex-start' as const, flexMaxRunMs: bought.value.flexMaxRunMs ?? DEFAULT_FLEX_START_RUN_MS } : {}),
    },
  };
}

/**
 * Standard, Spot or Flex-start: what was asked if Compute sells the machine that way, else a refusal
 * naming what it does sell; when nothing was asked, the machine's default (domain/provisioning.ts).
 */
function resolveProvisioning(
  req: BoxRequest,
  machineType: string,
): Parsed<{ provisioning: Provisioning; flexMaxRunMs: number | null }> {
  const flex = req.flexStart === true || (req.flexStart === undefined && req.flexMaxRunMs !== undefined);
  if (req.spot === true && flex) {
    return fail('CONFLICTING_FLAGS', 'Spot and Flex-start are two ways to buy the VM; keep `--spot` or `--flex-start` (with `--max-run`), not both.');
  }
  if (req.flexMaxRunMs !== undefined && !flex) {
    return fail('CONFLICTING_FLAGS', '`--max-run` is the run length of a Flex-start VM; add `--flex-start`, or use `--hours` to have me stop the box.');
  }
  const offered = provisioningsFor(machineType);
  const asked: Provisioning | null = flex ? 'flex-start' : req.spot === true ? 'spot' : null;
  const provisioning = asked ?? defaultProvisioning(machineType);
  if (!offered.includes(provisioning)) {
    const ways = offered.map(provisioningLabel).join(' or ');
    const fix = offered.includes('spot') && !offered.includes('flex-start') ? ' Drop `--flex-start`, or pick an A2, A3 or G2 machine (`--gpu a100`, `--gpu h100`, `--gpu l4`).' : '';
    return fail('PROVISIONING_NOT_OFFERED', `Compute Engine sells \`${machineType}\` only as ${ways}, not ${provisioningLabel(provisioning)}.${fix}`);
  }
  if (provisioning !== 'flex-start') return { ok: true, value: { provisioning, flexMaxRunMs: null } };
  const run = req.flexMaxRunMs ?? DEFAULT_FLEX_START_RUN_MS;
  if (!Number.isFinite(run) || run < FLEX_START_MIN_RUN_MS || run > FLEX_START_MAX_RUN_MS) {
    return fail(
      'BAD_MAX_RUN',
      `A Flex-start VM runs for ${formatDuration(FLEX_START_MIN_RUN_MS)} to ${formatDuration(FLEX_START_MAX_RUN_MS)}; ${formatDuration(run)} is outside that. Use \`--max-run 8h\`, say.`,
    );
  }
  // Compute takes whole seconds.
  return { ok: true, value: { provisioning, flexMaxRunMs: Math.round(run / 1000) * 1000 } };
}

function finiteOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
