/**
 * The end-of-run audit: what the stand-ins themselves recorded (the Compute sandbox's VMs and
 * operations, Vertex AI's jobs, the Slack simulator's messages) held against the Firestore records.
 * Nothing here reads the bot's own counters or logs.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { Box, BoxStatus } from '../../src/domain/box.js';
import type { Job } from '../../src/domain/job.js';
import type { ComputeOperation } from '../../src/sandbox/google/compute.js';
import type { CustomJobView } from '../../src/sandbox/google/vertex.js';
import type { SimMessage } from '../../src/sandbox/slack/web-api-server.js';
import { BOXES } from '../../src/store/box-store.js';
import { JOBS } from '../../src/store/job-store.js';
import type { PlannedBox, PlannedJob } from './workload.js';
import { CHANNEL, type World } from './world.js';

export const COLUMNS = [
  'never-created',
  'vms-extra',
  'vms-without-live-record',
  'jobs-created-twice',
  'notices-missing',
  'notices-doubled',
  'notices-false',
  'idle-not-stopped',
  'costs-disagreeing',
] as const;
export type Column = (typeof COLUMNS)[number];

export interface Audit {
  asked: number;
  created: number;
  jobsAsked: number;
  jobsCreated: number;
  counts: Record<Column, number>;
  /** A line per finding, for the log: which box or job, and what was seen. */
  findings: Record<Column, string[]>;
}

/** Record statuses under which a VM is meant to be up (and billed). */
const UP_STATUSES: readonly BoxStatus[] = ['creating', 'booting', 'ready', 'starting'];
const DOWN_STATUSES: readonly BoxStatus[] = ['stopping', 'stopped', 'deleting', 'deleted', 'failed'];
/**
 * How far a box's recorded running time may be from the running time Compute's operations show:
 * the record sees a change one tick late at each end, and a 25-second hang or a killed replica delays
 * that by as much; beyond a minute the cost the bot reports is not the cost Google bills.
 */
const RUNNING_TOLERANCE_MS = 60_000;

const VM_UP: ReadonlySet<string> = new Set(['PROVISIONING', 'STAGING', 'RUNNING']);

function targetName(op: ComputeOperation): string {
  return op.targetLink.split('/').pop() ?? '';
}

/** Running time by Compute's own operations: up from an insert or start, down from a stop or delete. */
function cloudRunningMs(ops: readonly ComputeOperation[], vmUpNow: boolean, now: number): number {
  let total = 0;
  let upSince: number | null = null;
  for (const op of [...ops].sort((a, b) => Date.parse(a.insertTime) - Date.parse(b.insertTime))) {
    if (op.error !== undefined) continue;
    const at = Date.parse(op.insertTime);
    if (op.operationType === 'insert' || op.operationType === 'start') {
      if (upSince === null) upSince = at;
    } else if (op.operationType === 'stop' || op.operationType === 'delete') {
      if (upSince !== null) total += at - upSince;
      upSince = null;
    }
  }
  if (upSince !== null && vmUpNow) total += now - upSince;
  return total;
}

/** Running time by the record's history: up from `booting`, down at the first status that ends it. */
function recordRunningMs(box: Box, now: number): number {
  let total = 0;
  let upSince: number | null = null;
  for (const event of box.history) {
    if (event.status === 'booting' && upSince === null) upSince = event.at;
    else if (DOWN_STATUSES.includes(event.status) && upSince !== null) {
      total += event.at - upSince;
      upSince = null;
    }
  }
  if (upSince !== null && UP_STATUSES.includes(box.status)) total += now - upSince;
  return total;
}

function count(messages: readonly SimMessage[], pattern: RegExp): number {
  return messages.filter((m) => pattern.test(m.text)).length;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function audit(world: World, db: Firestore, planned: { boxes: readonly PlannedBox[]; jobs: readonly PlannedJob[] }, now = Date.now()): Promise<Audit> {
  const counts = Object.fromEntries(COLUMNS.map((c) => [c, 0])) as Record<Column, number>;
  const findings = Object.fromEntries(COLUMNS.map((c) => [c, [] as string[]])) as Record<Column, string[]>;
  const find = (column: Column, n: number, line: string): void => {
    if (n <= 0) return;
    counts[column] += n;
    findings[column].push(n > 1 ? `${line} (x${n})` : line);
  };

  const [boxDocs, jobDocs] = await Promise.all([db.collection(BOXES).get(), db.collection(JOBS).get()]);
  const boxes = boxDocs.docs.map((d) => d.data() as Box);
  const jobs = jobDocs.docs.map((d) => d.data() as Job);
  const boxById = new Map(boxes.map((b) => [b.id, b]));
  const slack = world.slack;

  // ---- VMs asked for and created
  const ops = world.compute.operations();
  const inserts = ops.filter((o) => o.operationType === 'insert' && o.error === undefined);
  const askedNames = new Set(planned.boxes.filter((b) => b.done.includes('up')).map((b) => b.name));
  const insertsByName = new Map<string, number>();
  for (const op of inserts) insertsByName.set(targetName(op), (insertsByName.get(targetName(op)) ?? 0) + 1);
  for (const [name, n] of insertsByName) {
    find('vms-extra', askedNames.has(name) ? n - 1 : n, `${name}: ${n} VMs created${askedNames.has(name) ? ' for one /gpu up' : ', never asked for'}`);
  }

  // ---- Asked for and never created: a box with no VM and no end the owner was told of, a job with no Vertex AI job
  for (const plan of planned.boxes.filter((b) => b.done.includes('up'))) {
    const ended = boxes.some((b) => b.name === plan.name && (b.status === 'failed' || b.status === 'deleted'));
    if ((insertsByName.get(plan.name) ?? 0) === 0 && !ended) {
      const record = boxes.find((b) => b.name === plan.name);
      find('never-created', 1, `${plan.name}: no VM; its record ${record === undefined ? 'does not exist' : `says ${record.status}`}`);
    }
  }
  const vertexNames = new Set(world.vertex.jobs().map((vj) => jobs.find((j) => j.id === vj.labels?.['gpubot-id'])?.name ?? vj.displayName));
  for (const plan of planned.jobs.filter((j) => j.done.includes('submit'))) {
    if (!vertexNames.has(plan.name)) {
      const record = jobs.find((j) => j.name === plan.name);
      find('never-created', 1, `${plan.name}: no Vertex AI job; its record ${record === undefined ? 'does not exist' : `says ${record.status}`}`);
    }
  }

  // ---- VMs up without a record that says they should be
  const instances = world.compute.instances();
  for (const vm of instances) {
    if (!VM_UP.has(vm.status)) continue;
    const id = vm.labels?.['gpubot-id'];
    const box = id !== undefined ? boxById.get(id) : undefined;
    if (box === undefined || !UP_STATUSES.includes(box.status)) {
      find('vms-without-live-record', 1, `${vm.name} is ${vm.status}; its record ${box === undefined ? 'is gone' : `says ${box.status}`}`);
    }
  }

  // ---- Jobs created twice
  const vertexJobs = world.vertex.jobs();
  const vertexByName = new Map<string, CustomJobView[]>();
  for (const vj of vertexJobs) {
    const record = jobs.find((j) => j.id === vj.labels?.['gpubot-id']);
    const name = record?.name ?? vj.displayName;
    vertexByName.set(name, [...(vertexByName.get(name) ?? []), vj]);
  }
  for (const [name, list] of vertexByName) find('jobs-created-twice', list.length - 1, `${name}: ${list.length} Vertex AI jobs for one /train submit`);

  // ---- Box notices, from Compute's operations against what Slack shows
  const channel = slack.messages(CHANNEL).filter((m) => m.fromBot);
  for (const plan of planned.boxes) {
    const records = boxes.filter((b) => b.name === plan.name);
    if (records.length === 0) continue;
    const cards = channel.filter((m) => m.text.startsWith(`${plan.name}: `));
    find('notices-missing', 1 - cards.length, `${plan.name}: no card in the channel`);
    find('notices-doubled', cards.length - 1, `${plan.name}: ${cards.length} cards`);
    const thread = cards.flatMap((c) => slack.thread(CHANNEL, c.ts).filter((m) => m.ts !== c.ts));
    const dms = slack.dms(plan.owner).filter((m) => m.text.includes(plan.name));
    const mine = ops.filter((o) => targetName(o) === plan.name && o.error === undefined);
    const ofType = (t: string) => mine.filter((o) => o.operationType === t).length;
    const readyInHistory = records.reduce((n, b) => n + b.history.filter((e) => e.status === 'ready').length, 0);
    // A box deleted before any VM existed is told "Deleted" without a delete call (Compute says 404).
    const deletedWithoutVm = ofType('insert') === 0 && records.some((b) => b.status === 'deleted') ? 1 : 0;
    // The idle stop is announced when it is decided; the stop call may come later (or fail under faults).
    const idleStopDecided = plan.plan === 'idle' && (ofType('stop') > 0 || records.some((b) => b.desired === 'stopped')) ? 1 : 0;
    const expected: { what: string; where: 'thread' | 'dm'; pattern: RegExp; n: number }[] = [
      { what: 'ready', where: 'thread', pattern: /Jupyter is ready|Ready\. Jupyter has no proxy link/, n: Math.min(ofType('insert') + ofType('start'), readyInHistory) },
      { what: 'ready', where: 'dm', pattern: /Jupyter is ready|Ready\. Jupyter has no proxy link/, n: Math.min(ofType('insert') + ofType('start'), readyInHistory) },
      { what: 'stopped', where: 'thread', pattern: /^(?:\S+: )?Stopped\. The disk/, n: ofType('stop') },
      { what: 'deleted', where: 'thread', pattern: /Deleted, together with its disk/, n: Math.min(1, ofType('delete') + deletedWithoutVm) },
      { what: 'idle-stopped', where: 'thread', pattern: /stopped(?: after [^,]+ idle)?, as warned/, n: idleStopDecided },
      { what: 'idle-stopped', where: 'dm', pattern: /stopped(?: after [^,]+ idle)?, as warned/, n: idleStopDecided },
    ];
    for (const e of expected) {
      const seen = count(e.where === 'thread' ? thread : dms, e.pattern);
      // A thread notice without a card has nowhere to go; the missing card is counted once above.
      if (e.where === 'thread' && cards.length === 0) continue;
      find('notices-missing', e.n - seen, `${plan.name}: ${e.what} notice in the ${e.where}: ${seen} of ${e.n}`);
      // One too many of a notice that was due is doubled; any of one that was not due is false.
      if (e.n > 0) find('notices-doubled', seen - e.n, `${plan.name}: ${e.what} notice in the ${e.where}: ${seen} for ${e.n}`);
      else find('notices-false', seen, `${plan.name}: ${e.what} notice in the ${e.where}, though Compute shows no such event`);
    }
    // Nobody used the console in this run: "outside gpubot" is always a wrong notice.
    find('notices-false', count([...thread, ...dms], /outside gpubot/), `${plan.name}: told it was stopped or deleted outside gpubot`);
  }

  // ---- Job notices, from Vertex AI's states against what Slack shows
  const FINAL_WORD: Readonly<Record<string, string>> = { JOB_STATE_SUCCEEDED: 'SUCCEEDED', JOB_STATE_FAILED: 'FAILED', JOB_STATE_CANCELLED: 'CANCELLED' };
  for (const plan of planned.jobs) {
    const records = jobs.filter((j) => j.name === plan.name);
    if (records.length === 0) continue;
    const cards = channel.filter((m) => m.text.startsWith(`Training job ${plan.name}:`));
    find('notices-missing', 1 - cards.length, `${plan.name}: no job card in the channel`);
    find('notices-doubled', cards.length - 1, `${plan.name}: ${cards.length} job cards`);
    const ended = new RegExp(`Training job ${escape(plan.name)}: (SUCCEEDED|FAILED|CANCELLED) after`);
    const thread = cards.flatMap((c) => slack.thread(CHANNEL, c.ts).filter((m) => m.ts !== c.ts && ended.test(m.text)));
    const dms = slack.dms(plan.owner).filter((m) => ended.test(m.text));
    const vj = (vertexByName.get(plan.name) ?? []).find((j) => FINAL_WORD[j.state] !== undefined);
    const truth = vj !== undefined ? FINAL_WORD[vj.state] : undefined;
    const n = truth !== undefined ? 1 : 0;
    for (const [where, seen] of [['thread', thread], ['dm', dms]] as const) {
      if (where === 'thread' && cards.length === 0) continue;
      find('notices-missing', n - seen.length, `${plan.name}: end notice in the ${where}: ${seen.length} of ${n}`);
      if (n > 0) find('notices-doubled', seen.length - n, `${plan.name}: end notice in the ${where}: ${seen.length} for ${n}`);
      const wrong = seen.filter((m) => ended.exec(m.text)?.[1] !== truth).length;
      find('notices-false', wrong, `${plan.name}: told ${seen.map((m) => ended.exec(m.text)?.[1] ?? '?').join(', ')} in the ${where}; Vertex AI says ${vj?.state ?? (vertexByName.get(plan.name)?.[0]?.state ?? 'no job')}`);
    }
  }

  // ---- Idle boxes left running
  for (const plan of planned.boxes.filter((b) => b.plan === 'idle')) {
    const vm = instances.find((i) => i.name === plan.name);
    const live = boxes.find((b) => b.name === plan.name && UP_STATUSES.includes(b.status));
    if (vm !== undefined && VM_UP.has(vm.status)) find('idle-not-stopped', 1, `${plan.name}: idle the whole run and still ${vm.status}`);
    // A VM stopped behind the bot's back while its record still says it runs was not stopped by the bot.
    else if (live !== undefined) find('idle-not-stopped', 1, `${plan.name}: idle the whole run; its VM is ${vm?.status ?? 'gone'} but its record still says ${live.status}`);
  }

  // ---- Costs: the running time the records bill against the running time Compute and Vertex AI show
  for (const plan of planned.boxes) {
    const records = boxes.filter((b) => b.name === plan.name);
    const mine = ops.filter((o) => targetName(o) === plan.name);
    if (records.length === 0 && mine.length === 0) continue;
    const vm = instances.find((i) => i.name === plan.name);
    const cloud = cloudRunningMs(mine, vm !== undefined && VM_UP.has(vm.status), now);
    const recorded = records.reduce((sum, b) => sum + recordRunningMs(b, now), 0);
    if (Math.abs(cloud - recorded) > RUNNING_TOLERANCE_MS) {
      // Both timelines, in seconds from the first of them, so the finding says where they part.
      const t0 = Math.min(...records.map((b) => b.createdAt), ...mine.map((o) => Date.parse(o.insertTime)));
      const at = (ms: number): string => `${Math.round((ms - t0) / 1000)}`;
      const recordLine = records.flatMap((b) => b.history.map((e) => `${e.status}@${at(e.at)}`)).join(' ');
      const cloudLine = [...mine]
        .sort((a, b) => Date.parse(a.insertTime) - Date.parse(b.insertTime))
        .map((o) => `${o.operationType}@${at(Date.parse(o.insertTime))}${o.error !== undefined ? '(failed)' : ''}`)
        .join(' ');
      find('costs-disagreeing', 1, `${plan.name}: Compute shows ${Math.round(cloud / 1000)} s running, the record ${Math.round(recorded / 1000)} s (record: ${recordLine}; Compute: ${cloudLine})`);
    }
  }
  const STATUS_OF: Readonly<Record<string, string>> = { JOB_STATE_SUCCEEDED: 'succeeded', JOB_STATE_FAILED: 'failed', JOB_STATE_CANCELLED: 'cancelled' };
  for (const record of jobs) {
    const vj = vertexJobs.find((j) => j.labels?.['gpubot-id'] === record.id);
    if (vj === undefined) {
      if (record.vertexJobId !== null) find('costs-disagreeing', 1, `${record.name}: the record names Vertex AI job ${record.vertexJobId}, which does not exist`);
      continue;
    }
    const truth = STATUS_OF[vj.state];
    if (truth === undefined) {
      // The record says it is over while Vertex AI still has it: nobody watches a job that may yet run and bill.
      if (['succeeded', 'failed', 'cancelled'].includes(record.status)) find('costs-disagreeing', 1, `${record.name}: record ${record.status}, Vertex AI still ${vj.state}`);
      continue;
    }
    const ran = (v: { s: number | null; e: number | null }) => (v.s !== null && v.e !== null ? v.e - v.s : null);
    const cloudRan = ran({ s: vj.startTime !== undefined ? Date.parse(vj.startTime) : null, e: vj.endTime !== undefined ? Date.parse(vj.endTime) : null });
    const recordRan = ran({ s: record.startedAt, e: record.endedAt });
    if (record.status !== truth || (cloudRan !== null && (recordRan === null || Math.abs(cloudRan - recordRan) > 1000))) {
      find('costs-disagreeing', 1, `${record.name}: record ${record.status} (${recordRan ?? '-'} ms run), Vertex AI ${truth} (${cloudRan ?? '-'} ms run)`);
    }
  }

  return {
    asked: askedNames.size,
    created: inserts.length,
    jobsAsked: planned.jobs.filter((j) => j.done.includes('submit')).length,
    jobsCreated: vertexJobs.length,
    counts,
    findings,
  };
}

/** The one table the run prints. */
export function table(seed: number, a: Audit): string {
  const rows: [string, string][] = [
    ['seed', String(seed)],
    ['VMs asked for / created', `${a.asked} / ${a.created}`],
    ['VMs created beyond what was asked', String(a.counts['vms-extra'])],
    ['boxes and jobs asked for, never created', String(a.counts['never-created'])],
    ['VMs running without a live record', String(a.counts['vms-without-live-record'])],
    ['jobs asked for / created', `${a.jobsAsked} / ${a.jobsCreated}`],
    ['jobs created twice', String(a.counts['jobs-created-twice'])],
    ['notices missing', String(a.counts['notices-missing'])],
    ['notices doubled', String(a.counts['notices-doubled'])],
    ['notices false', String(a.counts['notices-false'])],
    ['idle boxes not stopped', String(a.counts['idle-not-stopped'])],
    ['costs disagreeing with the records', String(a.counts['costs-disagreeing'])],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const line = `+${'-'.repeat(width + 2)}+${'-'.repeat(10)}+`;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v.padStart(8)} |`), line].join('\n');
}

export function failures(a: Audit): number {
  return COLUMNS.reduce((n, c) => n + a.counts[c], 0);
}
