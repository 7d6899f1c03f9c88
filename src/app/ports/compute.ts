/** What the box controller needs from Compute Engine: our VMs, their operations, and which zones offer a GPU. */
import type { InstancePlan } from '../../domain/instance-plan.js';
import type { CloudFailure, CloudResult } from './cloud.js';

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
  /**
   * When Compute says the VM last started and last stopped (`lastStartTimestamp`, `lastStopTimestamp`,
   * output-only fields of the Instance resource, cloud.google.com/compute/docs/reference/rest/v1/instances;
   * epoch ms, absent when not given). A change seen by looking at the VM rather than through its
   * operation is dated by these, not by the tick that saw it.
   */
  lastStartedAt?: number | null;
  lastStoppedAt?: number | null;
}

export interface OperationRef {
  name: string;
  zone: string;
}

/**
 * An operation as Compute answered a request for it. `insertedAt` is the operation's `insertTime`
 * (epoch ms; null if not given): for a request id Compute has seen before, the first request's, so a
 * retry after a lost answer still says when the change began.
 */
export interface IssuedOperation extends OperationRef {
  insertedAt: number | null;
}

export interface OperationState {
  done: boolean;
  failure: CloudFailure | null;
  /** When Compute says the operation ended (its `endTime`, epoch ms); null while it runs or if not given. */
  endedAt: number | null;
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
  insertInstance(plan: InstancePlan, requestId: string): Promise<CloudResult<IssuedOperation>>;
  startInstance(zone: string, name: string, requestId: string): Promise<CloudResult<IssuedOperation>>;
  stopInstance(zone: string, name: string, requestId: string): Promise<CloudResult<IssuedOperation>>;
  deleteInstance(zone: string, name: string, requestId: string): Promise<CloudResult<IssuedOperation>>;
  getOperation(ref: OperationRef): Promise<CloudResult<OperationState>>;
  /** Zones of `region` that offer the accelerator type, in name order. */
  zonesOffering(region: string, acceleratorType: string): Promise<CloudResult<string[]>>;
  /** Whether Compute recorded a Spot preemption of this VM since `sinceMs`. */
  wasPreempted(zone: string, name: string, sinceMs: number): Promise<CloudResult<boolean>>;
}
