/**
 * Reads an `instances.insert` body the way Compute Engine validates it: name, machine type in the
 * zone, GPUs (attached only to N1, offered by the zone, in a supported count), GPU VMs that cannot live
 * migrate, Spot scheduling, labels, metadata, boot disk and image. A refusal is a ready HTTP response.
 */
import {
  ACCELERATORS,
  DLVM_PROJECT,
  ZONE_ACCELERATORS,
  findMachineType,
  imageFromFamily,
  DLVM_IMAGES,
  FLEX_START_RUN_SECONDS,
  GVNIC_FAMILIES,
  provisioningModelsFor,
  regionOfZone,
  type ImageSpec,
  type MachineTypeSpec,
  type NetworkSpec,
  type ProvisioningModel,
} from './compute-catalog.js';
import { conditionNotMet, invalidField, invalidResourceUsage, notFound } from './compute-errors.js';
import type { SandboxResponse } from './server.js';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function recordsOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** proto3 JSON writes int32 as numbers and int64 as strings; accept both. */
function integerOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

export const NAME_PATTERN = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME_REGEX_TEXT = '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)';
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const METADATA_KEY = /^[a-zA-Z0-9_-]{1,128}$/;
const MAX_LABELS = 64;
const MAX_METADATA_VALUE_BYTES = 256 * 1024;
const MAX_METADATA_BYTES = 512 * 1024;

export interface MetadataItem {
  key: string;
  value: string;
}

export interface SchedulingSpec {
  onHostMaintenance: 'MIGRATE' | 'TERMINATE';
  automaticRestart: boolean;
  preemptible: boolean;
  provisioningModel: ProvisioningModel;
  instanceTerminationAction?: 'STOP' | 'DELETE';
  maxRunDuration?: { seconds: string };
}

export interface InstanceSpec {
  name: string;
  description?: string;
  machine: MachineTypeSpec;
  /** GPUs the instance has, attached or built into the machine type. */
  accelerators: AcceleratorUse[];
  scheduling: SchedulingSpec;
  labels: Record<string, string>;
  metadata: MetadataItem[];
  tags: string[];
  disks: Json[];
  networkInterfaces: Json[];
  serviceAccounts?: Json[];
  shieldedInstanceConfig?: Json;
  deletionProtection: boolean;
  canIpForward: boolean;
  minCpuPlatform?: string;
}

/** A checked value, or the error response Compute would send instead. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: SandboxResponse };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(error: SandboxResponse): Checked<T> => ({ ok: false, error });

export function checkName(name: string, field = 'resource.name'): Checked<string> {
  return NAME_PATTERN.test(name) ? ok(name) : fail(invalidField(field, name, `Must be a match of regex '${NAME_REGEX_TEXT}'`));
}

export function checkLabels(value: unknown, field = 'resource.labels'): Checked<Record<string, string>> {
  if (value === undefined || value === null) return ok({});
  if (!isRecord(value)) return fail(invalidField(field, '', 'Labels must be a map of strings.'));
  const labels: Record<string, string> = {};
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) return fail(invalidField(field, '', `Maximum of ${MAX_LABELS} labels allowed.`));
  for (const [key, raw] of entries) {
    const text = stringOf(raw);
    if (!LABEL_KEY.test(key)) {
      return fail(
        invalidField(
          field,
          '',
          `Label key '${key}' violates format constraints. The key must start with a lowercase character, can only contain lowercase letters, numeric characters, underscores and dashes. The key can be at most 63 characters long. International characters are allowed.`,
        ),
      );
    }
    if (text === undefined || !LABEL_VALUE.test(text)) {
      return fail(
        invalidField(
          field,
          '',
          `Label value '${String(raw)}' violates format constraints. The value can only contain lowercase letters, numeric characters, underscores and dashes. The value can be at most 63 characters long. International characters are allowed.`,
        ),
      );
    }
    labels[key] = text;
  }
  return ok(labels);
}

export function checkMetadata(value: unknown, field = 'resource.metadata'): Checked<MetadataItem[]> {
  if (value === undefined || value === null) return ok([]);
  if (!isRecord(value)) return fail(invalidField(field, '', 'Metadata must be an object.'));
  const items: MetadataItem[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const [i, item] of recordsOf(value.items).entries()) {
    const key = stringOf(item.key) ?? '';
    const itemValue = stringOf(item.value) ?? '';
    if (!METADATA_KEY.test(key)) {
      return fail(invalidField(`${field}.items[${i}].key`, key, "Must be a match of regex '[a-zA-Z0-9-_]{1,128}'"));
    }
    if (seen.has(key)) return fail(invalidField(field, '', `Duplicate metadata key '${key}'.`));
    const size = Buffer.byteLength(itemValue);
    if (size > MAX_METADATA_VALUE_BYTES) {
      return fail(invalidField(`${field}.items[${i}].value`, '', 'Metadata values can be at most 256 KB.'));
    }
    total += size + Buffer.byteLength(key);
    seen.add(key);
    items.push({ key, value: itemValue });
  }
  if (total > MAX_METADATA_BYTES) return fail(invalidField(field, '', 'Metadata can be at most 512 KB in total.'));
  return ok(items);
}

/** `zones/Z/<collection>/NAME`, with or without `projects/P/` and the API root in front. */
function zonalReference(link: string, collection: string): { zone: string; name: string } | undefined {
  const match = new RegExp(`(?:^|/)zones/([^/]+)/${collection}/([^/]+)$`).exec(link);
  const zone = match?.[1];
  const name = match?.[2];
  return zone && name ? { zone, name } : undefined;
}

function checkMachineType(body: Json, zone: string): Checked<MachineTypeSpec> {
  const field = 'resource.machineType';
  const link = stringOf(body.machineType) ?? '';
  if (link === '') return fail(invalidField(field, '', 'Machine type must be specified.'));
  const ref = zonalReference(link, 'machineTypes');
  if (!ref) return fail(invalidField(field, link, 'The URL is malformed.'));
  if (ref.zone !== zone) {
    return fail(invalidField(field, link, `Cross-zone references are not allowed: the instance is in zone '${zone}'.`));
  }
  const machine = findMachineType(zone, ref.name);
  if (!machine) return fail(invalidField(field, link, `Machine type with name '${ref.name}' does not exist in zone '${zone}'.`));
  return ok(machine);
}

export interface AcceleratorUse {
  type: string;
  count: number;
}

function checkAccelerators(body: Json, zone: string, machine: MachineTypeSpec): Checked<AcceleratorUse[]> {
  const attached = recordsOf(body.guestAccelerators);
  if (attached.length === 0) return ok(machine.accelerators.map((a) => ({ ...a })));
  const result: AcceleratorUse[] = [];
  for (const [i, item] of attached.entries()) {
    const field = `resource.guestAccelerators[${i}].acceleratorType`;
    const link = stringOf(item.acceleratorType) ?? '';
    const ref = zonalReference(link, 'acceleratorTypes');
    if (!ref) return fail(invalidField(field, link, 'The URL is malformed.'));
    if (ref.zone !== zone) {
      return fail(invalidField(field, link, `Cross-zone references are not allowed: the instance is in zone '${zone}'.`));
    }
    if (!(ZONE_ACCELERATORS[zone] ?? []).includes(ref.name)) {
      return fail(invalidField(field, link, `Accelerator type '${ref.name}' does not exist in zone ${zone}.`));
    }
    if (machine.family !== 'n1') {
      return fail(
        invalidResourceUsage(
          `Machine type '${machine.name}' comes with its GPUs; guest accelerators can only be attached to N1 machine types.`,
        ),
      );
    }
    const spec = ACCELERATORS[ref.name];
    const count = integerOf(item.acceleratorCount) ?? 0;
    if (!spec || !spec.n1Counts.includes(count)) {
      const allowed = spec && spec.n1Counts.length > 0 ? spec.n1Counts.join(', ') : 'none';
      return fail(
        invalidField(
          `resource.guestAccelerators[${i}].acceleratorCount`,
          String(count),
          `Accelerator type '${ref.name}' can be attached to an N1 machine in counts of: ${allowed}.`,
        ),
      );
    }
    result.push({ type: ref.name, count });
  }
  return ok(result);
}

/** A proto3 JSON Duration: `{seconds: "600"}` (int64 as a string or a number). */
function durationSeconds(value: unknown): number | undefined {
  return isRecord(value) ? integerOf(value.seconds) : undefined;
}

function checkScheduling(body: Json, hasGpus: boolean, machine: MachineTypeSpec): Checked<SchedulingSpec> {
  const raw = isRecord(body.scheduling) ? body.scheduling : {};
  const model = stringOf(raw.provisioningModel);
  if (model !== undefined && model !== 'STANDARD' && model !== 'SPOT' && model !== 'FLEX_START') {
    return fail(invalidField('resource.scheduling.provisioningModel', model, 'This provisioning model is not available to this project.'));
  }
  const spot = model === 'SPOT' || raw.preemptible === true;
  const flex = model === 'FLEX_START';
  const effective: ProvisioningModel = spot ? 'SPOT' : flex ? 'FLEX_START' : 'STANDARD';
  const offered = provisioningModelsFor(machine.name);
  if (!offered.includes(effective)) {
    // Compute's envelope; the wording is the sandbox's (the GPU machine types page states the rule).
    return fail(
      invalidField(
        'resource.scheduling.provisioningModel',
        effective,
        `Machine type '${machine.name}' is only available with the provisioning models: ${offered.join(', ')}.`,
      ),
    );
  }
  const onHost = stringOf(raw.onHostMaintenance);
  if (onHost !== undefined && onHost !== 'MIGRATE' && onHost !== 'TERMINATE') {
    return fail(invalidField('resource.scheduling.onHostMaintenance', onHost, 'Must be MIGRATE or TERMINATE.'));
  }
  // Compute defaults Spot VMs to TERMINATE; everything else defaults to live migration.
  const onHostMaintenance = onHost ?? (spot ? 'TERMINATE' : 'MIGRATE');
  if (spot && onHostMaintenance !== 'TERMINATE') {
    return fail(
      invalidField('resource.scheduling.onHostMaintenance', onHostMaintenance, "Scheduling must have preemptible be false when OnHostMaintenance isn't TERMINATE."),
    );
  }
  if (spot && raw.automaticRestart === true) {
    return fail(invalidField('resource.scheduling.automaticRestart', 'true', 'Scheduling must have preemptible be false when AutomaticRestart is true.'));
  }
  if (hasGpus && onHostMaintenance !== 'TERMINATE') {
    return fail(invalidResourceUsage('Instances with guest accelerators do not support live migration.'));
  }
  const action = stringOf(raw.instanceTerminationAction);
  if (action !== undefined && action !== 'STOP' && action !== 'DELETE') {
    return fail(invalidField('resource.scheduling.instanceTerminationAction', action, 'Must be STOP or DELETE.'));
  }
  const runSeconds = durationSeconds(raw.maxRunDuration);
  if (flex) {
    // A Flex-start VM has a limited run: maxRunDuration is required and bounded (create-flex-start-vm).
    if (runSeconds === undefined) {
      return fail(invalidField('resource.scheduling.maxRunDuration', '', 'Flex-start instances must specify maxRunDuration.'));
    }
    if (runSeconds < FLEX_START_RUN_SECONDS.min || runSeconds > FLEX_START_RUN_SECONDS.max) {
      return fail(
        invalidField(
          'resource.scheduling.maxRunDuration.seconds',
          String(runSeconds),
          `Must be between ${FLEX_START_RUN_SECONDS.min} and ${FLEX_START_RUN_SECONDS.max} seconds for Flex-start instances.`,
        ),
      );
    }
    if (raw.automaticRestart === true) {
      return fail(invalidField('resource.scheduling.automaticRestart', 'true', 'Flex-start instances cannot be restarted automatically.'));
    }
  }
  const scheduling: SchedulingSpec = {
    onHostMaintenance,
    automaticRestart: spot || flex ? false : raw.automaticRestart !== false,
    preemptible: raw.preemptible === true,
    provisioningModel: effective,
  };
  const terminationAction = action ?? (spot ? 'STOP' : undefined);
  if (terminationAction) scheduling.instanceTerminationAction = terminationAction;
  if (runSeconds !== undefined) scheduling.maxRunDuration = { seconds: String(runSeconds) };
  return ok(scheduling);
}

/** Rules about the project rather than the request: its networks and its organization's policies. */
export interface InsertContext {
  networks: readonly NetworkSpec[];
  /** `constraints/compute.vmExternalIpAccess` denies every VM an external IP. */
  externalIpForbidden: boolean;
}

const NETWORK_LINK = /^(?:https?:\/\/[^/]+\/compute\/v1\/)?(?:projects\/([^/]+)\/)?global\/networks\/([^/]+)$/;
const SUBNETWORK_LINK = /^(?:https?:\/\/[^/]+\/compute\/v1\/)?(?:projects\/([^/]+)\/)?regions\/([^/]+)\/subnetworks\/([^/]+)$/;

/**
 * Network interfaces: the network and subnetwork must exist (a name alone is not a reference: the
 * fields take full or partial URLs), the subnetwork must be in the instance's region and belong to
 * the network, a custom-mode network needs a subnetwork, A3 needs gVNIC, and an organization policy
 * may forbid external IPs (error shape as Compute reports a violated constraint).
 */
function checkNetworkInterfaces(body: Json, zone: string, project: string, machine: MachineTypeSpec, ctx: InsertContext, name: string): Checked<Json[]> {
  const nics = recordsOf(body.networkInterfaces);
  const region = regionOfZone(zone) ?? zone;
  for (const [i, nic] of nics.entries()) {
    const field = `resource.networkInterfaces[${i}]`;
    const networkLink = stringOf(nic.network);
    const subnetworkLink = stringOf(nic.subnetwork);
    let network: NetworkSpec | undefined;
    if (networkLink !== undefined) {
      const m = NETWORK_LINK.exec(networkLink);
      if (!m) return fail(invalidField(`${field}.network`, networkLink, 'The URL is malformed.'));
      const netProject = m[1] ?? project;
      network = ctx.networks.find((n) => n.project === netProject && n.name === m[2]);
      if (!network) return fail(notFound(`projects/${netProject}/global/networks/${m[2] ?? ''}`));
    }
    if (subnetworkLink !== undefined) {
      const m = SUBNETWORK_LINK.exec(subnetworkLink);
      if (!m) return fail(invalidField(`${field}.subnetwork`, subnetworkLink, 'The URL is malformed.'));
      const subProject = m[1] ?? project;
      const subRegion = m[2] ?? '';
      const subName = m[3] ?? '';
      const owner = ctx.networks.find((n) => n.project === subProject && n.subnetworks.some((s) => s.region === subRegion && s.name === subName));
      if (!owner) return fail(notFound(`projects/${subProject}/regions/${subRegion}/subnetworks/${subName}`));
      if (subRegion !== region) {
        return fail(invalidField(`${field}.subnetwork`, subnetworkLink, `Subnetwork must be in the same region as the instance: '${region}'.`));
      }
      if (network !== undefined && network !== owner) {
        return fail(invalidField(`${field}.subnetwork`, subnetworkLink, `Subnetwork does not belong to network '${network.name}'.`));
      }
      network = owner;
    } else {
      network ??= ctx.networks.find((n) => n.project === project && n.name === 'default');
      if (!network) return fail(notFound(`projects/${project}/global/networks/default`));
      if (!network.autoMode) return fail(invalidField(`${field}.subnetwork`, '', 'Subnetwork should be specified for custom subnetmode network'));
      if (!network.subnetworks.some((s) => s.region === region)) {
        return fail(invalidField(`${field}.subnetwork`, '', `Network '${network.name}' has no subnetwork in region '${region}'.`));
      }
    }
    if (GVNIC_FAMILIES.includes(machine.family) && stringOf(nic.nicType) !== 'GVNIC') {
      return fail(invalidField(`${field}.nicType`, stringOf(nic.nicType) ?? '', `Machine type '${machine.name}' requires the GVNIC network interface type.`));
    }
    if (ctx.externalIpForbidden && recordsOf(nic.accessConfigs).length > 0) {
      return fail(
        conditionNotMet(
          `Constraint constraints/compute.vmExternalIpAccess violated for project ${project}. Add instance projects/${project}/zones/${zone}/instances/${name} to the constraint to use external IP with it.`,
        ),
      );
    }
  }
  return ok(nics);
}

const IMAGE_LINK = /^(?:https?:\/\/[^/]+\/compute\/v1\/)?(?:projects\/([^/]+)\/)?global\/images\/(family\/)?([^/]+)$/;

/**
 * Resolves a source image. Only DLVM images are catalogued: an unknown DLVM family or any image of the
 * project itself is 404, images of other public projects (debian-cloud, ...) are taken on trust.
 */
function resolveImage(link: string, project: string, field: string): Checked<ImageSpec | undefined> {
  const match = IMAGE_LINK.exec(link);
  if (!match) return fail(invalidField(field, link, 'The URL is malformed.'));
  const imageProject = match[1] ?? project;
  const byFamily = match[2] !== undefined;
  const name = match[3] ?? '';
  const path = `projects/${imageProject}/global/images/${byFamily ? 'family/' : ''}${name}`;
  if (imageProject === DLVM_PROJECT) {
    const image = byFamily ? imageFromFamily(name) : DLVM_IMAGES.find((i) => i.name === name);
    return image ? ok(image) : fail(notFound(path));
  }
  if (imageProject === project) return fail(notFound(path));
  return ok(undefined);
}

function checkDisks(body: Json, project: string): Checked<{ disks: Json[]; images: (ImageSpec | undefined)[] }> {
  const disks = recordsOf(body.disks);
  if (disks.length === 0) return fail(invalidField('resource.disks', '', 'Boot disk must be specified.'));
  if (disks.filter((d) => d.boot === true).length !== 1) {
    return fail(invalidField('resource.disks', '', 'Exactly one disk must be marked as the boot disk.'));
  }
  const images: (ImageSpec | undefined)[] = [];
  for (const [i, disk] of disks.entries()) {
    const params = isRecord(disk.initializeParams) ? disk.initializeParams : undefined;
    if (!stringOf(disk.source) && !params) {
      return fail(invalidField(`resource.disks[${i}]`, '', 'A disk needs either a source or initializeParams.'));
    }
    const sourceImage = stringOf(params?.sourceImage);
    let image: ImageSpec | undefined;
    if (sourceImage) {
      const resolved = resolveImage(sourceImage, project, `resource.disks[${i}].initializeParams.sourceImage`);
      if (!resolved.ok) return resolved;
      image = resolved.value;
    }
    const size = integerOf(params?.diskSizeGb);
    if (image && size !== undefined && size < image.diskSizeGb) {
      return fail(
        invalidField(
          `resource.disks[${i}].initializeParams.diskSizeGb`,
          String(size),
          `Requested disk size cannot be smaller than the image size (${image.diskSizeGb} GB)`,
        ),
      );
    }
    images.push(image);
  }
  return ok({ disks, images });
}

export interface ParsedInsert {
  spec: InstanceSpec;
  /** Image behind each input disk, where the sandbox knows it (for disk size and guest OS features). */
  images: (ImageSpec | undefined)[];
}

/** Validates an insert body for `zone`, in the order Compute reports problems. */
export function parseInsert(body: unknown, zone: string, project: string, ctx: InsertContext): Checked<ParsedInsert> {
  if (!isRecord(body)) return fail(invalidField('resource', '', 'The instance resource is required.'));
  const name = checkName(stringOf(body.name) ?? '');
  if (!name.ok) return name;
  const machine = checkMachineType(body, zone);
  if (!machine.ok) return machine;
  const accelerators = checkAccelerators(body, zone, machine.value);
  if (!accelerators.ok) return accelerators;
  const scheduling = checkScheduling(body, accelerators.value.length > 0, machine.value);
  if (!scheduling.ok) return scheduling;
  const nics = checkNetworkInterfaces(body, zone, project, machine.value, ctx, name.value);
  if (!nics.ok) return nics;
  const labels = checkLabels(body.labels);
  if (!labels.ok) return labels;
  const metadata = checkMetadata(body.metadata);
  if (!metadata.ok) return metadata;
  const disks = checkDisks(body, project);
  if (!disks.ok) return disks;
  const tagItems = isRecord(body.tags) && Array.isArray(body.tags.items) ? body.tags.items : [];
  const spec: InstanceSpec = {
    name: name.value,
    machine: machine.value,
    accelerators: accelerators.value,
    scheduling: scheduling.value,
    labels: labels.value,
    metadata: metadata.value,
    tags: tagItems.filter((t): t is string => typeof t === 'string'),
    disks: disks.value.disks,
    networkInterfaces: nics.value,
    deletionProtection: body.deletionProtection === true,
    canIpForward: body.canIpForward === true,
  };
  const description = stringOf(body.description);
  if (description !== undefined) spec.description = description;
  if (Array.isArray(body.serviceAccounts)) spec.serviceAccounts = recordsOf(body.serviceAccounts);
  if (isRecord(body.shieldedInstanceConfig)) spec.shieldedInstanceConfig = body.shieldedInstanceConfig;
  const minCpuPlatform = stringOf(body.minCpuPlatform);
  if (minCpuPlatform !== undefined) spec.minCpuPlatform = minCpuPlatform;
  return ok({ spec, images: disks.value.images });
}
