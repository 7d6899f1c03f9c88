/**
 * The box controller: each tick it compares every live box's desired state with the VM Compute
 * reports and takes the next step. Every step is safe to repeat: instance names and request ids are
 * deterministic, and an operation is recorded before the next step depends on it.
 */
import { inLanes } from './lanes.js';
import { boxRecord, commit, keepIssued, nextSeq, outsideEntry, projectRefused, quotaFailure, requestIdFor, type Change } from './box-change.js';
import { listProjects } from './project-listings.js';
import { isLive, type Box } from '../domain/box.js';
import { fail, moveTo, moveToSince, regionOfZone, remainingZones } from '../domain/box-transitions.js';
import { expireIfDue } from '../domain/box-approval.js';
import { tickEntry } from '../domain/audit.js';
import { GPUS } from '../domain/gpus.js';
import { instancePlan, type PlanContext } from '../domain/instance-plan.js';
import { NOT_WARNED } from '../domain/idle.js';
import { projectOf } from '../domain/team.js';
import type { NoticeDraft } from '../domain/notice.js';
import type {
  BoxStore,
  Clock,
  CloudFailure,
  CloudResult,
  ComputePort,
  Fence,
  ForProject,
  GoogleAccountsPort,
  IssuedOperation,
  LeaseCheck,
  Logger,
  ObservedInstance,
  OperationRef,
} from './ports.js';
import { LostLeaseError } from './ports.js';

/** Statuses of a box whose VM was made and not yet asked to go. */
const HAD_A_VM: readonly Box['status'][] = ['booting', 'ready', 'stopping', 'stopped', 'starting'];

/** A VM that runs but whose Jupyter URL never appears is called ready after this, with the tunnel as the way in. */
const READY_WITHOUT_PROXY_MS = 15 * 60_000;

export interface BoxControllerDeps {
  compute: ComputePort;
  store: BoxStore;
  clock: Clock;
  log: Logger;
  plan: PlanContext;
  /** The configured project (GOOGLE_CLOUD_PROJECT): where `compute` goes, and records without a project live. */
  project: string;
  /** Compute for a team's project (domain/team.ts); without it every box is taken to live in `project`. */
  computeFor?: ForProject<ComputePort>;
  /** Projects channels are bound to: listed for orphans even with no live box there (app/project-listings.ts). */
  boundProjects?: () => Promise<readonly string[]>;
  /** Confirms the lease right before each cloud side effect; without it only the Firestore writes are fenced. */
  lease?: LeaseCheck;
  /**
   * Where the owner's Google account comes from when the plan admits the owner alone to Jupyter
   * (`plan.jupyterAccess` of `owner`, the default). Without it such a box gets no proxy link at all.
   */
  accounts?: GoogleAccountsPort;
}

export interface ReconcileReport {
  boxes: number;
  instances: number;
  errors: number;
  orphans: number;
  /** Boxes between two states: the worker ticks faster while there are any (not one waiting for a person). */
  inFlight: number;
  /**
   * The live boxes as this pass left them (a box it changed as written, the rest as read): the idle
   * pass of the same tick judges these rather than reading all of them again.
   */
  live: Box[];
}

const IN_FLIGHT = new Set(['requested', 'creating', 'booting', 'starting', 'stopping', 'deleting']);
/** Boxes one pass steps at once: enough to ride out a hanging call, few enough to keep Firestore's locks short. */
const BOX_LANES = 4;
/** A box step longer than this is logged with its time. */
const SLOW_STEP_MS = 5_000;
/** Direct gets one pass may make for changing boxes in zones a partial listing left out. */
const UNREACHABLE_GETS_PER_PASS = 25;

/** What this tick knows of a box's VM: the VM, none (Compute said 404), or nothing to go on. */
type Sighting = ObservedInstance | null | 'unknown';

export class BoxController {
  constructor(private readonly deps: BoxControllerDeps) {}

  /** One pass over every live box and every VM labelled as ours. */
  async reconcileAll(fence?: Fence): Promise<ReconcileReport> {
    // The configured project, every project a live box lives in and every bound one, each listed on its own.
    const [boxes, listings] = await listProjects(this.deps, (project) => this.computeIn(project));
    const byBox = new Map<string, ObservedInstance>();
    for (const [project, listing] of listings) {
      if (listing === null) continue;
      for (const i of listing.instances) if (i.boxId !== null) byBox.set(`${project}/${i.boxId}`, i);
    }
    let errors = 0;
    const gets = { left: UNREACHABLE_GETS_PER_PASS };
    // Each box as this pass left it (a box it changed, as written), for the idle pass to reuse.
    const after: (Box | null)[] = [...boxes];
    // Boxes are independent (each step locks its own record), so a few go at once: a hanging call
    // then delays one lane, not every box behind it. A lost lease stops every lane.
    await inLanes(boxes.map((box, at) => ({ box, at })), BOX_LANES, async ({ box, at }) => {
      const began = performance.now();
      try {
        const listing = listings.get(this.projectOf(box)) ?? null;
        // A project whose listing failed this pass says nothing about its boxes' VMs: they keep their
        // state. A box not created yet has none to miss, and goes on: its create says what fails, and a
        // repeated insert (same request id) or the name already taken finds a VM made before a crash.
        if (listing === null && box.zone !== null && box.status !== 'requested' && box.status !== 'awaiting-approval') return;
        const observed = await this.sighting(box, byBox.get(`${this.projectOf(box)}/${box.id}`) ?? null, listing?.unreachableZones ?? new Set<string>(), gets);
        if (observed === 'unknown') return;
        const left = await this.reconcile(box, observed, fence);
        if (left !== undefined) after[at] = left;
        // Wall time, not the controller's clock: what a slow pass spent, to find which step to blame.
        const ms = Math.round(performance.now() - began);
        if (ms > SLOW_STEP_MS) this.deps.log.info('box step slow', { boxId: box.id, status: box.status, ms });
      } catch (error) {
        if ((error as { code?: string }).code === 'LOST_LEASE') throw error;
        errors++;
        this.deps.log.error('box step failed; will retry next tick', { boxId: box.id, error });
      }
    });
    const live = new Set(boxes.map((b) => `${this.projectOf(b)}/${b.id}`));
    let orphans = 0;
    let instanceCount = 0;
    for (const [project, listing] of listings) {
      if (listing === null) continue;
      instanceCount += listing.instances.length;
      for (const i of listing.instances) {
        if (i.boxId !== null && live.has(`${project}/${i.boxId}`)) continue;
        // Never deleted: a person decides what an unknown VM is for.
        if (await this.deps.store.rememberOrphan(i.id, fence)) {
          orphans++;
          this.deps.log.warn('VM labelled managed-by=gpubot is unknown to Firestore', { instance: i.name, zone: i.zone, project });
          await this.deps.store.transact(fence ? { fence } : {}, async (tx) => {
            tx.notify(null, [
              {
                to: 'admins',
                event: { type: 'orphan-found', instance: { id: i.id, name: i.name, zone: i.zone, owner: i.ownerLabel, status: i.status, ...(project !== this.deps.project ? { project } : {}) } },
              },
            ]);
          });
        }
      }
    }
    const inFlight = boxes.filter((b) => IN_FLIGHT.has(b.status) || b.operation !== null).length;
    return { boxes: boxes.length, instances: instanceCount, errors, orphans, inFlight, live: after.filter((b): b is Box => b !== null && isLive(b)) };
  }

  private projectOf(box: Box): string {
    return projectOf(box, this.deps.project);
  }

  private computeIn(project: string): ComputePort {
    return this.deps.computeFor === undefined || project === this.deps.project ? this.deps.compute : this.deps.computeFor(project);
  }

  /** Compute in the project the box's VM lives in. */
  private computeOf(box: Box): ComputePort {
    return this.computeIn(this.projectOf(box));
  }

  /**
   * The box's VM as this tick may judge it. A VM missing from the listing is not gone yet: its zone may
   * have been unreachable (the box keeps its last observed state), or the listing may lag behind a
   * create. Only a direct instances.get that answers 404 says there is no VM.
   */
  private async sighting(box: Box, listed: ObservedInstance | null, unreachableZones: ReadonlySet<string>, gets: { left: number }): Promise<Sighting> {
    if (listed !== null) return listed;
    if (box.zone === null) return null;
    if (unreachableZones.has(box.zone)) {
      // A box at rest loses nothing by waiting for the zone to list again. A box mid-change would stall
      // (a create never seen ready, a stop never seen done) for as long as the zone stays out of the
      // aggregated listing, which in an outage can be long: its own zone's instances.get often still
      // answers, so ask it directly, a bounded number per pass.
      if (!(IN_FLIGHT.has(box.status) || box.operation !== null) || gets.left <= 0) {
        this.deps.log.info('zone unreachable in the listing; the box keeps its last observed state', { boxId: box.id, zone: box.zone });
        return 'unknown';
      }
      gets.left--;
    }
    const got = await this.computeOf(box).getInstance(box.zone, box.name);
    if (!got.ok) {
      this.deps.log.warn('could not confirm a VM missing from the listing; retrying next tick', { boxId: box.id, failure: got.failure });
      return 'unknown';
    }
    // A VM of that name that is not this box's (no or another gpubot-id) is not its VM.
    return got.value !== null && got.value.boxId === box.id ? got.value : null;
  }

  /**
   * Takes the next step for one box, given the VM observed for it (null: none, as a direct get
   * confirmed). Returns the record as the step left it (null: gone), or undefined when it wrote nothing.
   */
  async reconcile(box: Box, observed: ObservedInstance | null, fence?: Fence): Promise<Box | null | undefined> {
    const change = await this.nextStep(box, observed, fence);
    if (change === null) return undefined;
    return this.deps.store.transact({ ...(fence ? { fence } : {}), lockKeys: [box.id] }, async (tx) => {
      const current = await tx.getBox(box.id);
      if (current === null) return null;
      if (current.rev !== box.rev) {
        // A listener changed the box since we read it (e.g. Stop or Delete pressed mid-tick): next tick
        // decides what to do, but an operation this step started is kept, or its VM would be lost.
        if (change.issued === true && current.status === box.status) {
          const kept = keepIssued(current, change.box);
          commit(tx, { ...change, box: kept, releaseName: false });
          return kept;
        }
        return current;
      }
      commit(tx, change);
      return change.box;
    });
  }

  /** Throws LostLeaseError unless this replica still holds the lease: called right before each cloud side effect. */
  private async mayAct(fence: Fence | undefined): Promise<void> {
    if (fence === undefined || this.deps.lease === undefined) return;
    if (!(await this.deps.lease.holds(fence))) throw new LostLeaseError();
  }

  private async nextStep(box: Box, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change | null> {
    if (box.desired === 'deleted') return this.toDeleted(box, observed, fence);
    if (box.operation !== null) return this.followOperation(box, observed, fence);
    switch (box.status) {
      case 'awaiting-approval':
        return this.awaitingApproval(box);
      case 'requested':
      case 'creating':
        return this.create(box, observed, fence);
      case 'booting':
      case 'ready':
      case 'starting':
        return this.whileRunning(box, observed, fence);
      case 'stopping':
      case 'stopped':
        return this.whileStopped(box, observed, fence);
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
        { to: 'admins', event: { type: 'box-approval-copies' } },
      ],
      releaseName: true,
      audit: tickEntry(boxRecord(box), 'expire', this.deps.clock.now()),
    };
  }

  // ------------------------------------------------------------------ creating

  private async create(seen: Box, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change | null> {
    const now = this.deps.clock.now();
    let box = seen;
    if (observed === null && box.desired === 'running' && box.ownerAccount === undefined && (this.deps.plan.jupyterAccess ?? 'owner') === 'owner' && this.deps.accounts !== undefined) {
      // The proxy admits one Google account, written into the VM at its insert: learn it first.
      const account = await this.deps.accounts.accountOf(box.owner);
      if (!account.ok && account.kind === 'unavailable') {
        this.deps.log.warn("could not look up the owner's Google account yet; retrying next tick", { boxId: box.id, reason: account.reason });
        return null;
      }
      if (!account.ok) {
        return this.failedChange(box, {
          code: 'NO_GOOGLE_ACCOUNT',
          message: `Jupyter on this box would open for its owner's Google account alone, and gpubot does not know which account that is: ${account.reason}`,
          hint: 'Ask your admin to add you to `GPUBOT_GOOGLE_ACCOUNTS` (`SLACK_ID=you@example.com`), then ask for the box again.',
        }, now);
      }
      box = { ...box, ownerAccount: account.address };
    }
    if (observed !== null) {
      // The insert went through before a restart lost track of it: adopt the VM.
      return { box: { ...moveToSince(box, 'booting', now, startedSince(box, observed)), zone: observed.zone, operation: null }, notices: [] };
    }
    if (box.desired === 'stopped') {
      return { box: { ...moveTo(box, 'stopped', now), operation: null }, notices: [] };
    }
    const gpu = GPUS[box.spec.gpu];
    let zone = box.zone;
    if (zone === null || box.zonesTried.length === 0) {
      const offering = await this.computeOf(box).zonesOffering(box.spec.region, gpu.acceleratorType);
      if (!offering.ok && offering.failure.kind === 'permission') return this.failedChange(box, projectRefused(this.projectOf(box), offering.failure), now);
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
    // The same until the operation is recorded: if we die after Compute accepts it, the next tick asks
    // with the same id and gets the same operation back.
    const requestId = requestIdFor(box, 'insert', zone);
    await this.mayAct(fence);
    const result = await this.computeOf(box).insertInstance(plan, requestId);
    if (!result.ok) return this.insertFailed(box, zone, result.failure, observed, fence);
    return {
      box: { ...moveTo(box, 'creating', now, zone), zone, operation: { name: result.value.name, zone, action: 'insert', startedAt: now }, requestSeq: nextSeq(box) },
      notices: [],
      issued: true,
    };
  }

  private async insertFailed(box: Box, zone: string, failure: CloudFailure, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change | null> {
    const now = this.deps.clock.now();
    if (failure.kind === 'stockout') {
      const tried = { ...box, zonesTried: [...box.zonesTried, { zone, outcome: 'stockout' as const, message: failure.message, at: now }] };
      const offering = await this.computeOf(box).zonesOffering(box.spec.region, GPUS[box.spec.gpu].acceleratorType);
      const next = offering.ok ? remainingZones(tried, offering.value)[0] : undefined;
      if (next === undefined) return this.noZoneLeft(tried, offering.ok ? offering.value : [zone]);
      return {
        box: { ...moveTo(tried, 'requested', now, `stockout in ${zone}`), zone: null, operation: null },
        notices: [{ to: 'thread', event: { type: 'box-zone-retry', zone, nextZone: next, reason: 'no capacity for this GPU right now' } }],
      };
    }
    if (failure.kind === 'already-exists') {
      const existing = await this.computeOf(box).getInstance(zone, box.name);
      if (existing.ok && existing.value !== null && existing.value.boxId === box.id) {
        return { box: { ...moveToSince(box, 'booting', now, startedSince(box, existing.value)), zone, operation: null }, notices: [] };
      }
      return this.failed(box, {
        code: 'NAME_TAKEN',
        message: `A VM named \`${box.name}\` already exists in ${zone} and is not this box.`,
        hint: 'Pick another name for the box, or delete that VM in the console if nobody needs it.',
      }, observed, fence);
    }
    if (failure.kind === 'quota') return this.failed(box, quotaFailure(failure, box.spec.region, this.projectOf(box)), observed, fence);
    if (failure.kind === 'transient') return this.transient(box, failure);
    return this.failed(box, {
      code: failure.code ?? 'CLOUD_ERROR',
      message: `Google Cloud refused to create the VM: ${failure.message}`,
      hint: 'Check the settings in the message above; if they look right, tell your admin and quote this box name.',
    }, observed, fence);
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

  private async followOperation(box: Box, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change | null> {
    const op = box.operation;
    if (op === null) return null;
    const ref: OperationRef = { name: op.name, zone: op.zone };
    const state = await this.computeOf(box).getOperation(ref);
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
        if (failure !== null) return this.insertFailed(cleared, op.zone, failure, observed, fence);
        return { box: moveToSince(cleared, 'booting', now, state.value.endedAt), notices: [] };
      case 'start':
        if (failure !== null && failure.kind === 'stockout') {
          return {
            box: moveTo({ ...cleared, desired: 'stopped' }, 'stopped', now, 'stockout on start'),
            notices: [{ to: 'thread', event: { type: 'box-failed', code: 'STOCKOUT', message: `${op.zone} has no capacity to start this box right now.`, hint: 'Press Start again later; the disk and its files are kept.' } }],
          };
        }
        if (failure !== null) return this.transient(cleared, failure);
        return { box: moveToSince(cleared, 'booting', now, state.value.endedAt), notices: [] };
      case 'stop':
        if (failure !== null) return this.transient(cleared, failure);
        return {
          box: { ...moveToSince(cleared, 'stopped', now, state.value.endedAt), idle: NOT_WARNED },
          notices: [{ to: 'thread', event: { type: 'box-stopped', cause: 'request' } }],
        };
      case 'delete':
        if (failure !== null && failure.kind !== 'not-found') return this.transient(cleared, failure);
        // Done is not gone: the next tick's get (404) ends the record, once nothing answers to the name.
        if (observed !== null) return { box: { ...cleared, rev: box.rev + 1, updatedAt: now }, notices: [] };
        return this.deletedChange(cleared, 'request', state.value.endedAt);
    }
  }

  // ------------------------------------------------------------------ running

  private async whileRunning(box: Box, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change | null> {
    const now = this.deps.clock.now();
    if (observed === null) return this.deletedChange(box, 'outside');
    if (box.desired === 'stopped') return this.issue(box, 'stop', observed.zone, fence);
    if (observed.status === 'TERMINATED' || observed.status === 'STOPPING' || observed.status === 'SUSPENDED') {
      if (box.status === 'starting') return null;
      const since = box.history.at(-1)?.at ?? box.createdAt;
      const preempted = observed.spot ? await this.computeOf(box).wasPreempted(observed.zone, observed.name, since) : null;
      const cause = preempted?.ok && preempted.value ? 'preempted' : 'outside';
      // Observed state wins: the box is stopped now, and stays so until someone starts it.
      return {
        box: { ...moveToSince(box, 'stopped', now, stoppedSince(box, observed), cause), desired: 'stopped', jupyterUrl: box.jupyterUrl },
        notices: [
          { to: 'thread', event: { type: 'box-stopped', cause } },
          { to: 'dm', event: { type: 'box-stopped', cause } },
        ],
        ...(cause === 'outside' ? { audit: outsideEntry(box, 'console-stop', now) } : {}),
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
        return box.status === 'starting' ? { box: moveToSince(box, 'booting', now, startedSince(box, observed)), notices: [] } : null;
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

  private async whileStopped(box: Box, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change | null> {
    const now = this.deps.clock.now();
    if (observed === null) return this.deletedChange(box, 'outside');
    if (box.desired === 'running') {
      if (observed.status === 'TERMINATED') return this.issue(box, 'start', observed.zone, fence);
      if (observed.status === 'RUNNING') return { box: moveToSince(box, 'booting', now, startedSince(box, observed)), notices: [] };
      return null;
    }
    if (observed.status === 'RUNNING' && box.status === 'stopped') {
      // Started in the console: say so by showing it as running again.
      return {
        box: { ...moveToSince(box, 'booting', now, startedSince(box, observed), 'started outside'), desired: 'running' },
        notices: [],
        audit: outsideEntry(box, 'console-start', now),
      };
    }
    if (box.status === 'stopping' && observed.status === 'TERMINATED') {
      return { box: moveToSince(box, 'stopped', now, stoppedSince(box, observed)), notices: [{ to: 'thread', event: { type: 'box-stopped', cause: 'request' } }] };
    }
    if (box.status === 'stopping' && observed.status === 'RUNNING') return this.issue(box, 'stop', observed.zone, fence);
    return null;
  }

  // ------------------------------------------------------------------ deleting

  private async toDeleted(box: Box, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change | null> {
    if (box.operation !== null && box.operation.action === 'delete') return this.followOperation(box, observed, fence);
    if (box.status === 'failed') return null;
    if (observed === null) {
      // Nothing in Compute; but an insert may be in flight: let it finish before deciding.
      if (box.operation !== null && box.operation.action === 'insert') {
        const state = await this.computeOf(box).getOperation({ name: box.operation.name, zone: box.operation.zone });
        if (!state.ok && state.failure.kind !== 'not-found') return this.transient(box, state.failure);
        if (state.ok && !state.value.done) return null;
        // The insert made a VM after all: forget the operation and let the next tick's get find it.
        if (state.ok && state.value.failure === null) return { box: { ...box, operation: null, rev: box.rev + 1, updatedAt: this.deps.clock.now() }, notices: [] };
      }
      if (box.zone !== null && HAD_A_VM.includes(box.status)) {
        // Gone before a delete was recorded: most likely ours, its answer lost. Asked again with the
        // same request id, Compute answers with that first operation, which says when the VM went
        // (the record is billed until then, not until this tick); a 404 means there was none.
        return this.issue(box, 'delete', box.zone, fence);
      }
      return this.deletedChange(box, 'request');
    }
    return this.issue(box, 'delete', observed.zone, fence);
  }

  // ------------------------------------------------------------------ helpers

  private async issue(box: Box, action: 'start' | 'stop' | 'delete', zone: string, fence: Fence | undefined): Promise<Change | null> {
    const now = this.deps.clock.now();
    const requestId = requestIdFor(box, action, zone);
    await this.mayAct(fence);
    const call =
      action === 'start'
        ? this.computeOf(box).startInstance(zone, box.name, requestId)
        : action === 'stop'
          ? this.computeOf(box).stopInstance(zone, box.name, requestId)
          : this.computeOf(box).deleteInstance(zone, box.name, requestId);
    const result: CloudResult<IssuedOperation> = await call;
    if (!result.ok) {
      if (result.failure.kind === 'not-found') return this.deletedChange(box, action === 'delete' ? 'request' : 'outside');
      if (action === 'start' && result.failure.kind === 'stockout') return this.followFailedStart(box, zone, result.failure);
      return this.transient(box, result.failure);
    }
    const status = action === 'start' ? 'starting' : action === 'stop' ? 'stopping' : 'deleting';
    // Dated by the operation's insertTime: after a lost answer the retry (same request id) gets the
    // first operation back, and the change began when that one did, not when the retry was answered.
    return {
      box: { ...moveToSince(box, status, now, result.value.insertedAt), operation: { name: result.value.name, zone, action, startedAt: now }, requestSeq: nextSeq(box) },
      notices: [],
      issued: true,
    };
  }

  private followFailedStart(box: Box, zone: string, failure: CloudFailure): Change {
    const now = this.deps.clock.now();
    return {
      box: moveTo({ ...box, desired: 'stopped', operation: null }, 'stopped', now, 'stockout on start'),
      notices: [{ to: 'thread', event: { type: 'box-failed', code: 'STOCKOUT', message: `${zone}: ${failure.message}`, hint: 'Press Start again later; the disk and its files are kept.' } }],
    };
  }

  /** `since`: when Compute says the delete ended, if known; the record is dated by it (moveToSince). */
  private deletedChange(box: Box, cause: 'request' | 'outside', since: number | null = null): Change {
    const now = this.deps.clock.now();
    if (box.failure !== null && box.status === 'deleting') {
      // The cleanup after a failed create is done: the box ends as failed; its owner was told at the start.
      return { box: { ...fail(box, box.failure, now), jupyterUrl: null }, notices: [], releaseName: true };
    }
    const notices: NoticeDraft[] = [{ to: 'thread', event: { type: 'box-deleted', cause } }];
    if (cause === 'outside') notices.push({ to: 'dm', event: { type: 'box-deleted', cause } });
    return {
      box: { ...moveToSince(box, 'deleted', now, since, cause), desired: 'deleted', operation: null, jupyterUrl: null },
      notices,
      releaseName: true,
      ...(cause === 'outside' ? { audit: outsideEntry(box, 'console-delete', now) } : {}),
    };
  }

  /**
   * A create that cannot succeed. When a VM exists after all, the box is not failed yet: it is
   * `deleting`, with the failure as its reason, and the controller deletes the VM tick after tick until
   * a get answers 404; only then is it `failed`. The owner is told why at once.
   */
  private async failed(box: Box, failure: Box['failure'] & object, observed: ObservedInstance | null, fence: Fence | undefined): Promise<Change> {
    if (observed === null) return this.failedChange(box, failure, this.deps.clock.now());
    const now = this.deps.clock.now();
    const cleaning: Box = { ...moveTo(box, 'deleting', now, `cleanup: ${failure.code}`), failure, desired: 'deleted', operation: null, zone: observed.zone };
    const notices: NoticeDraft[] = [
      { to: 'thread', event: { type: 'box-failed', ...failure } },
      { to: 'dm', event: { type: 'box-failed', ...failure } },
    ];
    const requestId = requestIdFor(cleaning, 'delete', observed.zone);
    await this.mayAct(fence);
    const result = await this.computeOf(box).deleteInstance(observed.zone, observed.name, requestId);
    if (!result.ok && result.failure.kind !== 'not-found') {
      this.deps.log.warn('could not delete the VM of a failed create yet; retrying next tick', { boxId: box.id, failure: result.failure });
      return { box: cleaning, notices };
    }
    const operation = result.ok ? { name: result.value.name, zone: observed.zone, action: 'delete' as const, startedAt: now } : null;
    return { box: { ...cleaning, operation, requestSeq: nextSeq(box) }, notices, issued: true };
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

export { regionOfZone };

/**
 * When Compute says a VM seen RUNNING last started (`lastStartTimestamp`), if that is after the record's
 * last change: a start seen by looking (its answer lost, made in the console) is then dated when it
 * happened, not when a tick, perhaps a minute later, saw it. An older time is another start's: null, so
 * the tick's own time is used.
 */
function startedSince(box: Box, observed: ObservedInstance): number | null {
  return observed.status === 'RUNNING' ? newerThanLastChange(box, observed.lastStartedAt) : null;
}

/** The same for a VM seen TERMINATED and its `lastStopTimestamp`. */
function stoppedSince(box: Box, observed: ObservedInstance): number | null {
  return observed.status === 'TERMINATED' ? newerThanLastChange(box, observed.lastStoppedAt) : null;
}

function newerThanLastChange(box: Box, at: number | null | undefined): number | null {
  const last = box.history.at(-1)?.at ?? box.createdAt;
  return at !== null && at !== undefined && at > last ? at : null;
}
