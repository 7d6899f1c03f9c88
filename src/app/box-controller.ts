/**
 * The box controller: each tick it compares every live box's desired state with the VM Compute
 * reports and takes the next step. Every step is safe to repeat: instance names and request ids are
 * deterministic, and an operation is recorded before the next step depends on it.
 */
import type { Box } from '../domain/box.js';
import { fail, moveTo, regionOfZone, remainingZones } from '../domain/box-transitions.js';
import { expireIfDue } from '../domain/box-approval.js';
import { GPUS } from '../domain/gpus.js';
import { instancePlan, type PlanContext } from '../domain/instance-plan.js';
import { NOT_WARNED } from '../domain/idle.js';
import type { NoticeDraft } from '../domain/notice.js';
import { stepRequestId } from '../domain/request-id.js';
import type {
  BoxStore,
  BoxTx,
  Clock,
  CloudFailure,
  CloudResult,
  ComputePort,
  Fence,
  Logger,
  ObservedInstance,
  OperationRef,
} from './ports.js';

/** A VM that runs but whose Jupyter URL never appears is called ready after this, with the tunnel as the way in. */
const READY_WITHOUT_PROXY_MS = 15 * 60_000;

export interface BoxControllerDeps {
  compute: ComputePort;
  store: BoxStore;
  clock: Clock;
  log: Logger;
  plan: PlanContext;
  project: string;
}

export interface ReconcileReport {
  boxes: number;
  instances: number;
  errors: number;
  orphans: number;
  /** Boxes between two states: the worker ticks faster while there are any (not one waiting for a person). */
  inFlight: number;
}

const IN_FLIGHT = new Set(['requested', 'creating', 'booting', 'starting', 'stopping', 'deleting']);

type Change = { box: Box; notices: NoticeDraft[]; releaseName?: boolean };

export class BoxController {
  constructor(private readonly deps: BoxControllerDeps) {}

  /** One pass over every live box and every VM labelled as ours. */
  async reconcileAll(fence?: Fence): Promise<ReconcileReport> {
    const [boxes, instances] = await Promise.all([this.deps.store.liveBoxes(), this.deps.compute.listManagedInstances()]);
    const byBox = new Map<string, ObservedInstance>();
    for (const i of instances) if (i.boxId !== null) byBox.set(i.boxId, i);
    let errors = 0;
    for (const box of boxes) {
      try {
        await this.reconcile(box, byBox.get(box.id) ?? null, fence);
      } catch (error) {
        if ((error as { code?: string }).code === 'LOST_LEASE') throw error;
        errors++;
        this.deps.log.error('box step failed; will retry next tick', { boxId: box.id, error });
      }
    }
    const live = new Set(boxes.map((b) => b.id));
    let orphans = 0;
    for (const i of instances) {
      if (i.boxId !== null && live.has(i.boxId)) continue;
      // Never deleted: a person decides what an unknown VM is for.
      if (await this.deps.store.rememberOrphan(i.id, fence)) {
        orphans++;
        this.deps.log.warn('VM labelled managed-by=gpubot is unknown to Firestore', { instance: i.name, zone: i.zone });
        await this.deps.store.transact(fence ? { fence } : {}, async (tx) => {
          tx.notify(null, [
            {
              to: 'admins',
              event: { type: 'orphan-found', instance: { id: i.id, name: i.name, zone: i.zone, owner: i.ownerLabel, status: i.status } },
            },
          ]);
        });
      }
    }
    const inFlight = boxes.filter((b) => IN_FLIGHT.has(b.status) || b.operation !== null).length;
    return { boxes: boxes.length, instances: instances.length, errors, orphans, inFlight };
  }

  /** Takes the next step for one box, given the VM observed for it (null: none). */
  async reconcile(box: Box, observed: ObservedInstance | null, fence?: Fence): Promise<void> {
    const change = await this.nextStep(box, observed);
    if (change === null) return;
    await this.deps.store.transact({ ...(fence ? { fence } : {}), lockKeys: [box.id] }, async (tx) => {
      const current = await tx.getBox(box.id);
      // A listener changed the box since we read it (e.g. Stop pressed mid-tick): next tick decides.
      if (current === null || current.rev !== box.rev) return;
      commit(tx, change);
    });
  }

  private async nextStep(box: Box, observed: ObservedInstance | null): Promise<Change | null> {
    if (box.desired === 'deleted') return this.toDeleted(box, observed);
    if (box.operation !== null) return this.followOperation(box, observed);
    switch (box.status) {
      case 'awaiting-approval':
        return this.awaitingApproval(box);
      case 'requested':
      case 'creating':
        return this.create(box, observed);
      case 'booting':
      case 'ready':
      case 'starting':
        return this.whileRunning(box, observed);
      case 'stopping':
      case 'stopped':
        return this.whileStopped(box, observed);
      default:
        return null;
    }
  }

  // ------------------------------------------------------------------ waiting for an admin

  /** Creates nothing: the box waits for an admin's decision, and ends when nobody decides in time. */
  private awaitingApproval(box: Box): Change | null {
    const expired = expireIfDue(box, this.deps.clock.now());
    if (expired === null) return null;
    const event = { type: 'box-approval-decided', outcome: 'expired', by: null } as const;
    return {
      box: expired,
      notices: [
        { to: 'thread', event },
        { to: 'dm', event },
      ],
      releaseName: true,
    };
  }

  // ------------------------------------------------------------------ creating

  private async create(box: Box, observed: ObservedInstance | null): Promise<Change | null> {
    const now = this.deps.clock.now();
    if (observed !== null) {
      // The insert went through before a restart lost track of it: adopt the VM.
      return { box: { ...moveTo(box, 'booting', now), zone: observed.zone, operation: null }, notices: [] };
    }
    if (box.desired === 'stopped') {
      return { box: { ...moveTo(box, 'stopped', now), operation: null }, notices: [] };
    }
    const gpu = GPUS[box.spec.gpu];
    let zone = box.zone;
    if (zone === null || box.zonesTried.length === 0) {
      const offering = await this.deps.compute.zonesOffering(box.spec.region, gpu.acceleratorType);
      if (!offering.ok) return this.transient(box, offering.failure);
      if (box.spec.zone !== null && !offering.value.includes(box.spec.zone)) {
        return this.failedChange(box, {
          code: 'ZONE_UNAVAILABLE',
          message: `Zone ${box.spec.zone} does not offer ${gpu.label} GPUs.`,
          hint: offering.value.length > 0 ? `Pick one that does: ${offering.value.join(', ')}, or drop \`--zone\`.` : `No zone of ${box.spec.region} offers them; pick another region or GPU.`,
        }, now);
      }
      const next = zone ?? remainingZones(box, offering.value)[0];
      if (next === undefined) return this.noZoneLeft(box, offering.value);
      zone = next;
    }
    const plan = instancePlan(box, zone, this.deps.plan);
    const requestId = stepRequestId(box.id, 'insert', zone, box.zonesTried.length);
    // Recorded before the call: if we die after Compute accepts it, the next tick asks with the same id.
    const result = await this.deps.compute.insertInstance(plan, requestId);
    if (!result.ok) return this.insertFailed(box, zone, result.failure, observed);
    return {
      box: { ...moveTo(box, 'creating', now, zone), zone, operation: { name: result.value.name, zone, action: 'insert', startedAt: now } },
      notices: [],
    };
  }

  private async insertFailed(box: Box, zone: string, failure: CloudFailure, observed: ObservedInstance | null): Promise<Change | null> {
    const now = this.deps.clock.now();
    if (failure.kind === 'stockout') {
      const tried = { ...box, zonesTried: [...box.zonesTried, { zone, outcome: 'stockout' as const, message: failure.message, at: now }] };
      const offering = await this.deps.compute.zonesOffering(box.spec.region, GPUS[box.spec.gpu].acceleratorType);
      const next = offering.ok ? remainingZones(tried, offering.value)[0] : undefined;
      if (next === undefined) return this.noZoneLeft(tried, offering.ok ? offering.value : [zone]);
      return {
        box: { ...moveTo(tried, 'requested', now, `stockout in ${zone}`), zone: null, operation: null },
        notices: [{ to: 'thread', event: { type: 'box-zone-retry', zone, nextZone: next, reason: 'no capacity for this GPU right now' } }],
      };
    }
    if (failure.kind === 'already-exists') {
      const existing = await this.deps.compute.getInstance(zone, box.name);
      if (existing.ok && existing.value !== null && existing.value.boxId === box.id) {
        return { box: { ...moveTo(box, 'booting', now), zone, operation: null }, notices: [] };
      }
      return this.failed(box, {
        code: 'NAME_TAKEN',
        message: `A VM named \`${box.name}\` already exists in ${zone} and is not this box.`,
        hint: 'Pick another name for the box, or delete that VM in the console if nobody needs it.',
      }, observed);
    }
    if (failure.kind === 'quota') return this.failed(box, quotaFailure(failure, box.spec.region, this.deps.project), observed);
    if (failure.kind === 'transient') return this.transient(box, failure);
    return this.failed(box, {
      code: failure.code ?? 'CLOUD_ERROR',
      message: `Google Cloud refused to create the VM: ${failure.message}`,
      hint: 'Check the settings in the message above; if they look right, tell your admin and quote this box name.',
    }, observed);
  }

  private noZoneLeft(box: Box, offering: readonly string[]): Change {
    const now = this.deps.clock.now();
    const gpu = GPUS[box.spec.gpu];
    if (offering.length === 0 && box.zonesTried.length === 0) {
      return this.failedChange(box, {
        code: 'ZONE_UNAVAILABLE',
        message: `No zone of ${box.spec.region} offers ${gpu.label} GPUs.`,
        hint: 'Pick another region with `--region`, or another GPU with `--gpu`.',
      }, now);
    }
    const tried = box.zonesTried.map((z) => z.zone).join(', ');
    return this.failedChange(box, {
      code: 'STOCKOUT',
      message: `Every zone that offers ${gpu.label} in ${box.spec.region} is out of capacity right now (tried ${tried}).`,
      hint: 'Try again in a while, another region (`--region us-east1`), a Spot box, or another GPU such as `--gpu l4`.',
    }, now);
  }

  // ------------------------------------------------------------------ operations in flight

  private async followOperation(box: Box, observed: ObservedInstance | null): Promise<Change | null> {
    const op = box.operation;
    if (op === null) return null;
    const ref: OperationRef = { name: op.name, zone: op.zone };
    const state = await this.deps.compute.getOperation(ref);
    if (!state.ok) {
      if (state.failure.kind !== 'not-found') return this.transient(box, state.failure);
      // Compute forgets old operations: judge by what the VM looks like instead.
      return { box: { ...box, operation: null, rev: box.rev + 1, updatedAt: this.deps.clock.now() }, notices: [] };
    }
    if (!state.value.done) return null;
    const now = this.deps.clock.now();
    const cleared: Box = { ...box, operation: null };
    const failure = state.value.failure;
    switch (op.action) {
      case 'insert':
        if (failure !== null) return this.insertFailed(cleared, op.zone, failure, observed);
        return { box: moveTo(cleared, 'booting', now), notices: [] };
      case 'start':
        if (failure !== null && failure.kind === 'stockout') {
          return {
            box: moveTo({ ...cleared, desired: 'stopped' }, 'stopped', now, 'stockout on start'),
            notices: [{ to: 'thread', event: { type: 'box-failed', code: 'STOCKOUT', message: `${op.zone} has no capacity to start this box right now.`, hint: 'Press Start again later; the disk and its files are kept.' } }],
          };
        }
        if (failure !== null) return this.transient(cleared, failure);
        return { box: moveTo(cleared, 'booting', now), notices: [] };
      case 'stop':
        if (failure !== null) return this.transient(cleared, failure);
        return { box: { ...moveTo(cleared, 'stopped', now), idle: NOT_WARNED }, notices: [{ to: 'thread', event: { type: 'box-stopped', cause: 'request' } }] };
      case 'delete':
        if (failure !== null && failure.kind !== 'not-found') return this.transient(cleared, failure);
        return this.deletedChange(cleared, 'request');
    }
  }

  // ------------------------------------------------------------------ running

  private async whileRunning(box: Box, observed: ObservedInstance | null): Promise<Change | null> {
    const now = this.deps.clock.now();
    if (observed === null) return this.deletedChange(box, 'outside');
    if (box.desired === 'stopped') return this.issue(box, 'stop', observed.zone);
    if (observed.status === 'TERMINATED' || observed.status === 'STOPPING' || observed.status === 'SUSPENDED') {
      if (box.status === 'starting') return null;
      const since = box.history.at(-1)?.at ?? box.createdAt;
      const preempted = observed.spot ? await this.deps.compute.wasPreempted(observed.zone, observed.name, since) : null;
      const cause = preempted?.ok && preempted.value ? 'preempted' : 'outside';
      // Observed state wins: the box is stopped now, and stays so until someone starts it.
      return {
        box: { ...moveTo(box, 'stopped', now, cause), desired: 'stopped', jupyterUrl: box.jupyterUrl },
        notices: [
          { to: 'thread', event: { type: 'box-stopped', cause } },
          { to: 'dm', event: { type: 'box-stopped', cause } },
        ],
      };
    }
    if (observed.status !== 'RUNNING') return null;
    if (box.instanceId !== observed.id && observed.id !== '') {
      // Cloud Monitoring keys utilization by this id; record it before anything else.
      return { box: { ...box, instanceId: observed.id, rev: box.rev + 1, updatedAt: now }, notices: [] };
    }
    if (box.status === 'booting' || box.status === 'starting') {
      const runningFor = now - (box.history.at(-1)?.at ?? now);
      if (observed.proxyUrl === null && runningFor < READY_WITHOUT_PROXY_MS) {
        return box.status === 'starting' ? { box: moveTo(box, 'booting', now), notices: [] } : null;
      }
      const url = observed.proxyUrl;
      return {
        box: { ...moveTo(box, 'ready', now), jupyterUrl: url, zone: observed.zone },
        notices: [
          { to: 'thread', event: { type: 'box-ready', url } },
          { to: 'dm', event: { type: 'box-ready', url } },
        ],
      };
    }
    if (box.status === 'ready' && observed.proxyUrl !== null && observed.proxyUrl !== box.jupyterUrl) {
      return { box: { ...box, jupyterUrl: observed.proxyUrl, rev: box.rev + 1, updatedAt: now }, notices: [] };
    }
    return null;
  }

  private async whileStopped(box: Box, observed: ObservedInstance | null): Promise<Change | null> {
    const now = this.deps.clock.now();
    if (observed === null) return this.deletedChange(box, 'outside');
    if (box.desired === 'running') {
      if (observed.status === 'TERMINATED') return this.issue(box, 'start', observed.zone);
      if (observed.status === 'RUNNING') return { box: moveTo(box, 'booting', now), notices: [] };
      return null;
    }
    if (observed.status === 'RUNNING' && box.status === 'stopped') {
      // Started in the console: say so by showing it as running again.
      return { box: { ...moveTo(box, 'booting', now, 'started outside'), desired: 'running' }, notices: [] };
    }
    if (box.status === 'stopping' && observed.status === 'TERMINATED') {
      return { box: moveTo(box, 'stopped', now), notices: [{ to: 'thread', event: { type: 'box-stopped', cause: 'request' } }] };
    }
    if (box.status === 'stopping' && observed.status === 'RUNNING') return this.issue(box, 'stop', observed.zone);
    return null;
  }

  // ------------------------------------------------------------------ deleting

  private async toDeleted(box: Box, observed: ObservedInstance | null): Promise<Change | null> {
    if (box.operation !== null && box.operation.action === 'delete') return this.followOperation(box, observed);
    if (box.status === 'failed') return null;
    if (observed === null) {
      // Nothing in Compute; but an insert may be in flight: let it finish before deciding.
      if (box.operation !== null && box.operation.action === 'insert') {
        const state = await this.deps.compute.getOperation({ name: box.operation.name, zone: box.operation.zone });
        if (state.ok && !state.value.done) return null;
        if (state.ok && state.value.failure === null) return { box: { ...box, operation: null, rev: box.rev + 1 }, notices: [] };
      }
      return this.deletedChange(box, 'request');
    }
    return this.issue(box, 'delete', observed.zone);
  }

  // ------------------------------------------------------------------ helpers

  private async issue(box: Box, action: 'start' | 'stop' | 'delete', zone: string): Promise<Change | null> {
    const now = this.deps.clock.now();
    const requestId = stepRequestId(box.id, action, zone, box.history.length);
    const call =
      action === 'start'
        ? this.deps.compute.startInstance(zone, box.name, requestId)
        : action === 'stop'
          ? this.deps.compute.stopInstance(zone, box.name, requestId)
          : this.deps.compute.deleteInstance(zone, box.name, requestId);
    const result: CloudResult<OperationRef> = await call;
    if (!result.ok) {
      if (result.failure.kind === 'not-found') return this.deletedChange(box, action === 'delete' ? 'request' : 'outside');
      if (action === 'start' && result.failure.kind === 'stockout') return this.followFailedStart(box, zone, result.failure);
      return this.transient(box, result.failure);
    }
    const status = action === 'start' ? 'starting' : action === 'stop' ? 'stopping' : 'deleting';
    return {
      box: { ...moveTo(box, status, now), operation: { name: result.value.name, zone, action, startedAt: now } },
      notices: [],
    };
  }

  private followFailedStart(box: Box, zone: string, failure: CloudFailure): Change {
    const now = this.deps.clock.now();
    return {
      box: moveTo({ ...box, desired: 'stopped', operation: null }, 'stopped', now, 'stockout on start'),
      notices: [{ to: 'thread', event: { type: 'box-failed', code: 'STOCKOUT', message: `${zone}: ${failure.message}`, hint: 'Press Start again later; the disk and its files are kept.' } }],
    };
  }

  private deletedChange(box: Box, cause: 'request' | 'outside'): Change {
    const now = this.deps.clock.now();
    const notices: NoticeDraft[] = [{ to: 'thread', event: { type: 'box-deleted', cause } }];
    if (cause === 'outside') notices.push({ to: 'dm', event: { type: 'box-deleted', cause } });
    return { box: { ...moveTo(box, 'deleted', now, cause), desired: 'deleted', operation: null, jupyterUrl: null }, notices, releaseName: true };
  }

  private async failed(box: Box, failure: Box['failure'] & object, observed: ObservedInstance | null): Promise<Change> {
    // A failed create leaves nothing behind: if a VM exists after all, delete it before giving up.
    if (observed !== null) {
      const requestId = stepRequestId(box.id, 'cleanup', observed.zone, box.history.length);
      const result = await this.deps.compute.deleteInstance(observed.zone, observed.name, requestId);
      if (!result.ok && result.failure.kind !== 'not-found') this.deps.log.warn('could not clean up after a failed create', { boxId: box.id, failure: result.failure });
    }
    return this.failedChange(box, failure, this.deps.clock.now());
  }

  private failedChange(box: Box, failure: NonNullable<Box['failure']>, now: number): Change {
    return {
      box: fail(box, failure, now),
      notices: [
        { to: 'thread', event: { type: 'box-failed', ...failure } },
        { to: 'dm', event: { type: 'box-failed', ...failure } },
      ],
      releaseName: true,
    };
  }

  /** A failure worth retrying next tick: nothing changes; it is logged. */
  private transient(box: Box, failure: CloudFailure): null {
    this.deps.log.warn('cloud call failed; retrying next tick', { boxId: box.id, failure });
    return null;
  }
}

function quotaFailure(failure: CloudFailure, region: string, project: string): NonNullable<Box['failure']> {
  const quota = failure.quota ?? 'GPUS_ALL_REGIONS';
  return {
    code: 'QUOTA_EXCEEDED',
    message: `The project is out of quota \`${quota}\` in ${region}: ${failure.message}`,
    hint: `Ask your admin to raise \`${quota}\` for ${region} at https://console.cloud.google.com/iam-admin/quotas?project=${project} (new projects start at 0 GPUs), or pick a GPU or region with quota left.`,
  };
}

function commit(tx: BoxTx, change: Change): void {
  tx.putBox(change.box);
  if (change.releaseName === true) tx.releaseName(change.box.name);
  if (change.notices.length > 0) tx.notify(change.box, change.notices);
}

export { regionOfZone };
