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
  type ImageSpec,
  type MachineTypeSpec,
} from './compute-catalog.js';
import { invalidField, invalidResourceUsage, notFound } from './compute-errors.js';
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
  provisioningModel: 'STANDARD' | 'SPOT';
  instanceTerminationAction?: 'STOP' | 'DELETE';
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

function checkScheduling(body: Json, hasGpus: boolean): Checked<SchedulingSpec> {
  const raw = isRecord(body.scheduling) ? body.scheduling : {};
  const model = stringOf(raw.provisioningModel);
  if (model !== undefined && model !== 'STANDARD' && model !== 'SPOT') {
    return fail(invalidField('resource.scheduling.provisioningModel', model, 'This provisioning model is not available to this project.'));
  }
  const spot = model === 'SPOT' || raw.preemptible === true;
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
  const scheduling: SchedulingSpec = {
    onHostMaintenance,
    automaticRestart: spot ? false : raw.automaticRestart !== false,
    preemptible: raw.preemptible === true,
    provisioningModel: spot ? 'SPOT' : 'STANDARD',
  };
  const terminationAction = action ?? (spot ? 'STOP' : undefined);
  if (terminationAction) scheduling.instanceTerminationAction = terminationAction;
  return ok(scheduling);
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
export function parseInsert(body: unknown, zone: string, project: string): Checked<ParsedInsert> {
  if (!isRecord(body)) return fail(invalidField('resource', '', 'The instance resource is required.'));
  const name = checkName(stringOf(body.name) ?? '');
  if (!name.ok) return name;
  const machine = checkMachineType(body, zone);
  if (!machine.ok) return machine;
  const accelerators = checkAccelerators(body, zone, machine.value);
  if (!accelerators.ok) return accelerators;
  const scheduling = checkScheduling(body, accelerators.value.length > 0);
  if (!scheduling.ok) return scheduling;
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
    networkInterfaces: recordsOf(body.networkInterfaces),
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
