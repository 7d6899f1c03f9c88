/** A GPU notebook box as Firestore records it: what its owner asked for and what we last saw. */
import type { GpuKey } from './gpus.js';
import type { BoxIdleRecord } from './idle.js';
import type { Provisioning } from './provisioning.js';

/** Where the owner wants the box to be. Listeners set this; the box controller makes it so. */
export type BoxDesire = 'running' | 'stopped' | 'deleted';

/** Where the box is, as the controller last observed or moved it. */
export type BoxStatus =
  | 'awaiting-approval' // past a budget: waits for an admin's Approve; no VM is created meanwhile
  | 'requested' // accepted from Slack; no VM yet
  | 'creating' // insert issued in `zone`
  | 'booting' // VM RUNNING; driver and Jupyter not ready yet
  | 'ready' // Jupyter reachable
  | 'stopping'
  | 'stopped' // VM TERMINATED: only the disk is billed
  | 'starting'
  | 'deleting'
  | 'deleted'
  | 'failed'; // could not be created; `failure` says why and what to do

/** What the owner asked for, already validated and filled with defaults. */
export interface BoxSpec {
  gpu: GpuKey;
  gpuCount: number;
  machineType: string;
  region: string;
  /** An explicit zone pins the box there; null lets the controller try each zone of the region. */
  zone: string | null;
  diskGb: number;
  imageFamily: string;
  imageProject: string;
  /** True exactly when `provisioning` is `spot`; kept because older records have only this. */
  spot: boolean;
  /** Written for Flex-start only; absent: `spot` says Spot or standard. See domain/provisioning.ts. */
  provisioning?: Provisioning;
  /** Flex-start only: the VM's `maxRunDuration`, after which Compute stops it. */
  flexMaxRunMs?: number;
  /** How long the box must stay idle before it is warned; null: idle stop is off (`--idle off`). Absent on older records: the configured default. */
  idleWindowMs?: number | null;
  /** The longest the box may run in one go (`--hours`); null or absent: no limit. */
  maxRunningMs?: number | null;
}

export interface BoxFailure {
  /** Stable code: `STOCKOUT`, `QUOTA_EXCEEDED`, `NAME_TAKEN`, `ZONE_UNAVAILABLE`, `CLOUD_ERROR`, ... */
  code: string;
  message: string;
  /** What the owner can do about it, in one sentence. */
  hint: string;
}

/** A cloud operation in flight, recorded before the next step so a restarted process can resume it. */
export interface PendingOperation {
  name: string;
  zone: string;
  action: 'insert' | 'start' | 'stop' | 'delete';
  startedAt: number;
}

export interface ZoneAttempt {
  zone: string;
  outcome: 'stockout' | 'unavailable';
  message: string;
  at: number;
}

/** A point in the box's observed life: status changes with the time they were seen (cost needs these). */
export interface BoxEvent {
  status: BoxStatus;
  at: number;
  note?: string;
}

/** A monthly GPU budget that is used up, as the last budget check found it (list prices, USD). */
export interface BudgetOverrun {
  /** The asker's own budget, or the team's. */
  scope: 'person' | 'team';
  /** `2026-11`, the UTC month. */
  month: string;
  spent: number;
  budget: number;
}

/** One policy rule a request tripped (domain/policy.ts RuleHit), as the approval record keeps it. */
export interface ApprovalRule {
  code: string;
  rule: string;
  detail: string;
}

/**
 * A box that had to wait for an admin, because it was asked for past a budget or tripped a policy
 * rule that asks for an approval, and what became of it.
 */
export interface BoxApproval {
  state: 'waiting' | 'approved' | 'denied' | 'expired' | 'withdrawn';
  /** The budget it was asked for past; absent when only policy rules sent it to an admin. */
  budget?: BudgetOverrun;
  /** The policy rules that sent it to an admin; absent on records from before the policy. */
  rules?: ApprovalRule[];
  askedAt: number;
  /** Who approved, denied or withdrew it; null when it expired with nobody deciding. */
  decidedBy: string | null;
  decidedAt: number | null;
  /** The decider approved or denied their own request, allowed only because they were the only admin. */
  selfDecided?: boolean;
  /** A reason the admin gave with the decision. */
  reason?: string;
}

export interface Box {
  /** Record id: lowercase, short, also the VM's `gpubot-id` label. */
  id: string;
  /** The owner's name for it; unique among live boxes; also the VM name. */
  name: string;
  /** Slack user id of the person who asked for it. */
  owner: string;
  /** Slack conversation the request came from: the box's card and thread live there. */
  channel: string;
  spec: BoxSpec;
  desired: BoxDesire;
  status: BoxStatus;
  /** Zone of the VM, once an insert was issued. */
  zone: string | null;
  zonesTried: ZoneAttempt[];
  operation: PendingOperation | null;
  jupyterUrl: string | null;
  failure: BoxFailure | null;
  history: BoxEvent[];
  createdAt: number;
  updatedAt: number;
  /** Incremented on every write; the card notice compares it to what Slack shows. */
  rev: number;
  /** Compute's numeric id of the VM, once seen: Cloud Monitoring keys its series by it. */
  instanceId?: string;
  /** What the owner has been told about stopping an idle box; absent: nothing pending. */
  idle?: BoxIdleRecord;
  /**
   * How many Compute requests (insert, start, stop, delete) this box has recorded; with the record id
   * it makes each intent's requestId its own (the history is capped, so its length repeats). Absent on
   * older records: 0.
   */
  requestSeq?: number;
  /** The one notice about GPU metrics not arriving has been sent. */
  gpuMetricsNoticeSent?: boolean;
  /** The one notice about notebook reports not arriving has been sent. */
  notebookReportsNoticeSent?: boolean;
  /** Present on a box asked for past a budget with GPUBOT_OVER_BUDGET=approve. */
  approval?: BoxApproval;
  /**
   * The owner's Google account, the one address the inverting proxy admits to Jupyter
   * (`proxy-user-mail`, domain/jupyter-access.ts); looked up once, before the VM is created.
   */
  ownerAccount?: string;
  /** [Keep 30 days] on the weekly stopped-box reminder: no reminder about this box before then (stopped-reminder.ts). */
  stoppedQuietUntil?: number;
  /** The Google Cloud project its VM lives in; absent on records from before teams: the configured project (domain/team.ts). */
  project?: string;
  /** The channel of the team it was asked for in (`/gpu team`), whose spend it counts in; absent: no team. */
  team?: string;
}

export const BOX_STATUSES: readonly BoxStatus[] = [
  'awaiting-approval',
  'requested',
  'creating',
  'booting',
  'ready',
  'stopping',
  'stopped',
  'starting',
  'deleting',
  'deleted',
  'failed',
];

/** A live box holds its name and may hold a VM; deleted and failed boxes are history. */
export const LIVE_STATUSES: readonly BoxStatus[] = BOX_STATUSES.filter((s) => s !== 'deleted' && s !== 'failed');

export function isLive(box: Pick<Box, 'status'>): boolean {
  return LIVE_STATUSES.includes(box.status);
}
