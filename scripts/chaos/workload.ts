/**
 * The people of a chaos run: 50 box lifecycles and 50 training jobs, each driven through signed
 * Slack requests to either replica (as a load balancer would spread them), at moments drawn from the
 * seed. Owners react to what their boxes do (they read the box's record, as they would read its card).
 */
import type { BotResponse } from '../../src/sandbox/slack/web-api-server.js';
import type { Box } from '../../src/domain/box.js';
import type { Job } from '../../src/domain/job.js';
import { BOXES } from '../../src/store/box-store.js';
import { JOBS } from '../../src/store/job-store.js';
import type { Rng } from './rng.js';
import type { Replica } from './replicas.js';
import { CHANNEL, OWNERS, type World } from './world.js';

/** idle: left idle, must be idle-stopped; cycle: stopped, started and deleted by its owner; delete: deleted by its owner; busy: runs to the end. */
export type BoxPlan = 'idle' | 'cycle' | 'delete' | 'busy';
export type JobPlan = 'succeed' | 'fail' | 'cancel';

export interface PlannedBox {
  name: string;
  owner: string;
  plan: BoxPlan;
  atMs: number;
  /** What the owner managed to do (for the report). */
  done: string[];
}

export interface PlannedJob {
  name: string;
  owner: string;
  plan: JobPlan;
  atMs: number;
  done: string[];
}

// The job's own container: every prebuilt TensorFlow image ML Engine's runtime versions map to has
// reached its end of availability, so Vertex AI (and its stand-in) would refuse a --runtime-version job.
const TRAINER_IMAGE = 'us-central1-docker.pkg.dev/ml-lab/trainers/census:1';

export function planWorkload(r: Rng, boxes: number, jobs: number, windowMs: number): { boxes: PlannedBox[]; jobs: PlannedJob[] } {
  const pb: PlannedBox[] = [];
  for (let i = 0; i < boxes; i++) {
    const roll = r.next();
    const plan: BoxPlan = roll < 0.3 ? 'idle' : roll < 0.55 ? 'cycle' : roll < 0.75 ? 'delete' : 'busy';
    pb.push({ name: `box-${String(i).padStart(2, '0')}`, owner: r.pick(OWNERS), plan, atMs: Math.round((i * windowMs) / Math.max(1, boxes)) + r.int(0, 1500), done: [] });
  }
  const pj: PlannedJob[] = [];
  for (let i = 0; i < jobs; i++) {
    const roll = r.next();
    const plan: JobPlan = roll < 0.4 ? 'succeed' : roll < 0.7 ? 'fail' : 'cancel';
    pj.push({ name: `train_${String(i).padStart(2, '0')}`, owner: r.pick(OWNERS), plan, atMs: Math.round((i * windowMs) / Math.max(1, jobs)) + r.int(0, 1500), done: [] });
  }
  return { boxes: pb, jobs: pj };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The records as the harness last read them (every 2 s, straight from the emulator). */
export class Records {
  boxes = new Map<string, Box>();
  jobs = new Map<string, Job>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly world: World) {}

  async refresh(): Promise<void> {
    const [b, j] = await Promise.all([this.world.db.collection(BOXES).get(), this.world.db.collection(JOBS).get()]);
    const boxes = new Map<string, Box>();
    // Several records may carry one name (a name is freed when a box ends); the newest speaks for it.
    for (const doc of b.docs) {
      const box = doc.data() as Box;
      const seen = boxes.get(box.name);
      if (seen === undefined || seen.createdAt <= box.createdAt) boxes.set(box.name, box);
    }
    const jobs = new Map<string, Job>();
    for (const doc of j.docs) {
      const job = doc.data() as Job;
      const seen = jobs.get(job.name);
      if (seen === undefined || seen.createdAt <= job.createdAt) jobs.set(job.name, job);
    }
    this.boxes = boxes;
    this.jobs = jobs;
  }

  start(): void {
    const loop = (): void => {
      this.timer = setTimeout(() => {
        this.refresh()
          .catch(() => undefined)
          .finally(() => {
            if (this.timer !== null) loop();
          });
      }, 2000);
    };
    loop();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves with the record once `ok` holds for it, or null after `timeoutMs`. */
  async waitBox(name: string, ok: (box: Box) => boolean, timeoutMs: number, until: () => boolean): Promise<Box | null> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !until()) {
      const box = this.boxes.get(name);
      if (box !== undefined && ok(box)) return box;
      await sleep(1000);
    }
    return null;
  }

  async waitJob(name: string, ok: (job: Job) => boolean, timeoutMs: number, until: () => boolean): Promise<Job | null> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !until()) {
      const job = this.jobs.get(name);
      if (job !== undefined && ok(job)) return job;
      await sleep(1000);
    }
    return null;
  }
}

/** Sends requests as Slack does, through a load balancer over the replicas that are up. */
export class Front {
  sent = 0;
  failed = 0;

  constructor(
    private readonly world: World,
    private readonly replicas: readonly Replica[],
    private readonly r: Rng,
  ) {}

  /** One request; when the chosen replica cannot be reached (killed), another try a moment later, as a person would retry. */
  async send(request: () => Promise<BotResponse>): Promise<BotResponse | null> {
    for (let attempt = 0; attempt < 6; attempt++) {
      const up = this.replicas.filter((x) => x.running);
      if (up.length === 0) {
        await sleep(1000);
        continue;
      }
      const target = this.r.pick(up);
      // The simulator reads botUrl synchronously when the request starts, so concurrent sends do not mix.
      this.world.slack.botUrl = target.url;
      this.sent++;
      try {
        const res = await request();
        if (res.status === 200) return res;
      } catch {
        // Connection refused or reset: the replica died under the request.
      }
      this.failed++;
      await sleep(1000 + this.r.int(0, 1500));
    }
    return null;
  }

  command(user: string, command: '/gpu' | '/train', text: string): Promise<BotResponse | null> {
    return this.send(() => this.world.slack.sendCommand({ command, text, userId: user, channelId: CHANNEL }));
  }

  /** Clicks the button `actionId` of the newest ephemeral prompt `matches` shows to `user`. */
  async confirm(user: string, matches: RegExp, actionId: string, timeoutMs = 15_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const prompt = [...this.world.slack.ephemerals(user)].reverse().find((e) => matches.test(e.text));
      const button = prompt?.blocks
        .flatMap((b) => (b.elements as { action_id?: string; value?: string }[] | undefined) ?? [])
        .find((e) => e.action_id === actionId && e.value !== undefined);
      if (prompt !== undefined && button?.value !== undefined) {
        const value = button.value;
        const res = await this.send(() => this.world.slack.sendAction({ userId: user, actionId, value, channelId: prompt.channel, messageTs: prompt.ts }));
        return res !== null;
      }
      await sleep(500);
    }
    return false;
  }
}

export interface WorkloadContext {
  world: World;
  records: Records;
  front: Front;
  r: Rng;
  /** Epoch ms the run started. */
  t0: number;
  /** True once the harness stops the people acting (the settle phase). */
  over: () => boolean;
}

async function at(t0: number, ms: number): Promise<void> {
  const wait = t0 + ms - Date.now();
  if (wait > 0) await sleep(wait);
}

/**
 * Asks for a box or a job as a person does. An answer that was not ready inside Slack's 3 s is a
 * "Working on it" ack that promises nothing (the bot says the request may not be recorded, and to look
 * before asking again), so the person waits for it to show in the list, and asks again when it does
 * not within a minute, three times at most. 'asked': answered, or shown in the list; 'unanswered': no
 * replica answered; 'unconfirmed': every answer was that ack and it never showed. Only 'asked' counts as
 * a request the bot accepted.
 */
async function askUntilListed(send: () => Promise<BotResponse | null>, listed: (timeoutMs: number) => Promise<boolean>): Promise<'asked' | 'unanswered' | 'unconfirmed'> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await send();
    if (answer === null) return 'unanswered';
    if (!/Working on it/.test(answer.text)) return 'asked';
    if (await listed(60_000)) return 'asked';
  }
  return 'unconfirmed';
}

export async function driveBox(ctx: WorkloadContext, box: PlannedBox): Promise<void> {
  const { world, records, front, r } = ctx;
  world.activity.set(box.name, box.plan === 'idle' ? 'idle' : 'gpu-busy');
  await at(ctx.t0, box.atMs);
  const up = await askUntilListed(
    () => front.command(box.owner, '/gpu', `up ${box.name} --gpu t4`),
    async (ms) => (await records.waitBox(box.name, () => true, ms, ctx.over)) !== null,
  );
  if (up !== 'asked') {
    box.done.push(`up-${up}`);
    return;
  }
  box.done.push('up');
  if (box.plan === 'idle' || box.plan === 'busy') return;
  const ready = await records.waitBox(box.name, (b) => b.status === 'ready', 150_000, ctx.over);
  if (ready === null) return;
  await sleep(r.int(3000, 20_000));
  if (box.plan === 'cycle') {
    if ((await front.command(box.owner, '/gpu', `stop ${box.name}`)) === null) return;
    box.done.push('stop');
    if ((await records.waitBox(box.name, (b) => b.status === 'stopped', 120_000, ctx.over)) === null) return;
    await sleep(r.int(2000, 8000));
    if ((await front.command(box.owner, '/gpu', `start ${box.name}`)) === null) return;
    box.done.push('start');
    if ((await records.waitBox(box.name, (b) => b.status === 'ready', 120_000, ctx.over)) === null) return;
    await sleep(r.int(2000, 8000));
  }
  if (ctx.over()) return;
  if ((await front.command(box.owner, '/gpu', `delete ${box.name}`)) === null) return;
  if (await front.confirm(box.owner, new RegExp(`Delete \`${box.name}\`\\?`), 'box_delete')) box.done.push('delete');
}

export async function driveJob(ctx: WorkloadContext, job: PlannedJob): Promise<void> {
  const { world, records, front, r } = ctx;
  await at(ctx.t0, job.atMs);
  const submitted = await askUntilListed(
    () => front.command(job.owner, '/train', `submit ${job.name} --scale-tier BASIC --master-image-uri ${TRAINER_IMAGE}`),
    async (ms) => (await records.waitJob(job.name, () => true, ms, ctx.over)) !== null,
  );
  if (submitted !== 'asked') {
    job.done.push(`submit-${submitted}`);
    return;
  }
  job.done.push('submit');
  const created = await records.waitJob(job.name, (j) => j.vertexJobId !== null, 120_000, ctx.over);
  if (created === null) return;
  await sleep(r.int(5000, 40_000));
  if (ctx.over()) return;
  if (job.plan === 'cancel') {
    if ((await front.command(job.owner, '/train', `cancel ${job.name}`)) === null) return;
    if (await front.confirm(job.owner, new RegExp(`Cancel training job \`${job.name}\``), 'job_cancel')) job.done.push('cancel');
    return;
  }
  finishJob(world, created.vertexJobId ?? '', job.plan);
  job.done.push(job.plan);
}

/** Ends a Vertex AI job the way its plan says, through the sandbox's script (the next look at it shows the end). */
export function finishJob(world: World, vertexJobId: string, plan: JobPlan): void {
  if (plan === 'fail') world.vertex.script(vertexJobId, { stayQueued: false, succeedAfterPolls: 3, failWith: 'ValueError: loss became NaN at step 1200' });
  else world.vertex.script(vertexJobId, { stayQueued: false, succeedAfterPolls: 3 });
}
