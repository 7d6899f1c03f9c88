/**
 * What the use cases and controllers need from the outside world, shaped by their needs rather than by
 * the SDKs. Adapters in gcp/, store/ and slack/ implement these.
 */
import type { Box, BoxFailure } from '../domain/box.js';
import type { InstancePlan } from '../domain/instance-plan.js';
import type { NoticeDraft, Notice } from '../domain/notice.js';
import type { AuditEntry } from '../domain/audit.js';

export type { Logger } from '../log.js';

export interface Clock {
  now(): number;
}

// ---------------------------------------------------------------- Google Cloud: Compute Engine

export type InstanceStatus =
  | 'PROVISIONING'
  | 'STAGING'
  | 'RUNNING'
  | 'STOPPING'
  | 'SUSPENDING'
  | 'SUSPENDED'
  | 'REPAIRING'
  | 'TERMINATED';

/** A VM as the bot sees it in one listing. */
export interface ObservedInstance {
  id: string;
  name: string;
  zone: string;
  status: InstanceStatus;
  /** `gpubot-id` label: the box record it belongs to, if it carries one. */
  boxId: string | null;
  ownerLabel: string | null;
  spot: boolean;
  /** The inverting proxy's Jupyter URL, once its agent wrote it back. */
  proxyUrl: string | null;
  machineType: string;
}

/** Why a cloud call failed, in the words the controller decides by. */
export interface CloudFailure {
  kind: 'stockout' | 'quota' | 'not-found' | 'already-exists' | 'invalid' | 'permission' | 'transient' | 'other';
  message: string;
  /** For quota failures: the quota's name, e.g. NVIDIA_T4_GPUS. */
  quota?: string;
  /** Google's own error code, e.g. ZONE_RESOURCE_POOL_EXHAUSTED. */
  code?: string;
}

export type CloudResult<T> = { ok: true; value: T } | { ok: false; failure: CloudFailure };

export interface OperationRef {
  name: string;
  zone: string;
}

export interface OperationState {
  done: boolean;
  failure: CloudFailure | null;
}

/**
 * One listing of our VMs. A zone Compute could not read is named in `unreachableZones`: its VMs are
 * absent from `instances`, not gone (REFERENCE.md "Compute listings").
 */
export interface InstanceListing {
  instances: ObservedInstance[];
  unreachableZones: ReadonlySet<string>;
}

export interface ComputePort {
  /** Every VM labelled `managed-by=gpubot`, across zones, in as few calls as the API pages allow. */
  listManagedInstances(): Promise<InstanceListing>;
  getInstance(zone: string, name: string): Promise<CloudResult<ObservedInstance | null>>;
  /** `requestId` makes a repeated insert return the first one's operation instead of a second VM. */
  insertInstance(plan: InstancePlan, requestId: string): Promise<CloudResult<OperationRef>>;
  startInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>>;
  stopInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>>;
  deleteInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>>;
  getOperation(ref: OperationRef): Promise<CloudResult<OperationState>>;
  /** Zones of `region` that offer the accelerator type, in name order. */
  zonesOffering(region: string, acceleratorType: string): Promise<CloudResult<string[]>>;
  /** Whether Compute recorded a Spot preemption of this VM since `sinceMs`. */
  wasPreempted(zone: string, name: string, sinceMs: number): Promise<CloudResult<boolean>>;
}

// ---------------------------------------------------------------- Firestore

/** The lease fence a leader's writes carry; a write with a stale fence is refused. */
export interface Fence {
  holder: string;
  fence: number;
}

/** Thrown inside a transaction when the writer no longer holds the lease. */
export class LostLeaseError extends Error {
  readonly code = 'LOST_LEASE';
  constructor(message = 'this replica no longer holds the worker lease') {
    super(message);
    this.name = 'LostLeaseError';
  }
}

/** Reads and writes inside one Firestore transaction: all reads happen before the first write. */
export interface BoxTx {
  getBox(id: string): Promise<Box | null>;
  /** The live box with this name, if any. */
  liveBoxNamed(name: string): Promise<Box | null>;
  putBox(box: Box): void;
  /** Reserves a live box's name; released when the box is deleted or failed. */
  claimName(name: string, boxId: string): void;
  releaseName(name: string): void;
  /** Records notices in the same transaction; a box's notices go to its thread and its owner. */
  notify(box: Pick<Box, 'id' | 'owner' | 'channel'> | null, drafts: readonly NoticeDraft[]): void;
  /** Records who did it in the same transaction; an entry's key makes a second write of it a no-op. */
  audit(entry: AuditEntry): void;
}

export interface TransactOptions {
  requestKey?: string;
  fence?: Fence;
  /** Box ids (or `name:NAME`) this transaction works on: this process runs one at a time per key. */
  lockKeys?: readonly string[];
}

export interface BoxStore {
  /**
   * Runs `work` in one transaction. With a `requestKey`, the first run's result is stored under that
   * key and every later run with the same key returns it without running `work` again: that is how a
   * retried Slack request changes nothing twice. With a `fence`, the transaction fails with
   * LostLeaseError unless the lease is still held with that fence.
   */
  transact<T>(options: TransactOptions, work: (tx: BoxTx) => Promise<T>): Promise<T>;
  /**
   * The one-round-trip path for a new box: writes the box, its name claim and the request key in one
   * batch that fails unless the name and the key are both new. Returns false when either exists (or
   * the backend cannot promise that), and the caller takes the transactional path to find out which.
   */
  tryCreateBox<T>(box: Box, requestKey: string, result: T, audit?: AuditEntry): Promise<boolean>;
  getBox(id: string): Promise<Box | null>;
  liveBoxes(): Promise<Box[]>;
  liveBoxNamed(name: string): Promise<Box | null>;
  boxesOwnedBy(owner: string, options: { includeEnded: boolean; limit: number }): Promise<Box[]>;
  /** Boxes whose Slack card is behind their record. */
  boxesWithStaleCards(limit: number): Promise<Box[]>;
  markCardShown(boxId: string, rev: number, card: { channel: string; ts: string }): Promise<void>;
  /** Remembers an orphan VM once; returns false when it was already reported. */
  rememberOrphan(instanceId: string, fence: Fence | undefined): Promise<boolean>;
}

export interface NoticeStore {
  /** The notices due now, oldest due first, at most `limit`. */
  pending(limit: number): Promise<Notice[]>;
  /** Marks a notice as being sent (the intent, with holder, fence and expiry); false if another sender claimed it first. */
  claim(id: string, holder: string, untilMs: number, fence?: number): Promise<boolean>;
  /** Idempotent. */
  markSent(id: string, delivery: { channel: string; ts: string }): Promise<void>;
  markFailed(id: string, error: string, retryAtMs: number | null, holder?: string): Promise<void>;
  /** Puts a pending notice off until `notBeforeMs` (it waits for its thread), behind the notices due now. */
  defer(id: string, notBeforeMs: number): Promise<void>;
  /** Replaces an admins' notice by one notice per admin. */
  fanOut(id: string, admins: readonly string[]): Promise<void>;
}

/**
 * Claims on posting a card (a box's or a job's first Slack message): the intent is recorded before the
 * post, and the ts after it, so a crash between the post and the record, or a second leader, does not
 * give a second card.
 */
export type CardClaim =
  | { state: 'posted'; card: { channel: string; ts: string } }
  | { state: 'busy' }
  /** This sender may post; `since` is set when an earlier claim ran out and a post may exist from then. */
  | { state: 'mine'; since: number | null };

export interface CardClaimStore {
  claim(key: string, holder: string, untilMs: number, fence?: number): Promise<CardClaim>;
  recordPosted(key: string, card: { channel: string; ts: string }): Promise<void>;
}

export interface LeaseStore {
  /** Takes or renews the lease; returns the fence while held, null when another replica holds it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<Fence | null>;
  release(name: string, fence: Fence): Promise<void>;
}

/**
 * Asked right before each cloud side effect (insert, start, stop, delete): a Firestore write can be
 * fenced, a Compute call cannot, so a replica that lost the lease must find out before it calls.
 */
export interface LeaseCheck {
  /** Whether the worker lease is still held with `fence` and has not expired. */
  holds(fence: Fence): Promise<boolean>;
}

// ---------------------------------------------------------------- the rest

export interface Policy {
  isAdmin(userId: string): boolean;
}

/** Wakes the worker after a listener recorded an intent, so people do not wait for the next tick. */
export interface Nudge {
  nudge(): void;
}

export type { Box, BoxFailure };
export * from './ports/accounts.js';
export * from './ports/audit.js';
export * from './ports/idle.js';
export * from './ports/prices.js';
export * from './ports/training.js';
