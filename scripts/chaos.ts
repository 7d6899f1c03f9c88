/**
 * `npm run chaos`: two gpubot replicas against the stand-ins, 50 box lifecycles and 50 training jobs,
 * while replicas are killed and Google, Slack and Firestore misbehave; then one table of what was lost,
 * doubled or left billing, counted from the stand-ins' own records against Firestore's. The schedule
 * comes from a seed it prints: `npm run chaos -- --seed N` replays it (the same faults at the same
 * moments; the interleaving with the replicas' own timing can still differ from run to run).
 *
 * Flags: --seed N, --boxes N (50), --jobs N (50), --chaos-seconds N (240), --settle-seconds N (150),
 * --quiet-faults (no faults: a baseline), --lost-answers (also Slack posts and Vertex AI creates that
 * succeed but whose answer is lost), --wedges (also Firestore connections that go silent for good),
 * --no-self-check (by default, after the audit, it plants one
 * known fault per column it can and checks the counters see it). Exits 1 when any failure column is
 * not zero, or when a planted fault was not counted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOXES, BOX_NAMES, NOTICES } from '../src/store/box-store.js';
import { rng } from './chaos/rng.js';
import { buildIfStale, freePort, Replica } from './chaos/replicas.js';
import { startWorld, CHANNEL, type World } from './chaos/world.js';
import { Front, Records, driveBox, driveJob, finishJob, planWorkload, type WorkloadContext } from './chaos/workload.js';
import { clearFaults, planFaults, runFaults, type FaultKind } from './chaos/faults.js';
import { audit, failures, table, COLUMNS, type Audit, type Column } from './chaos/audit.js';

interface Options {
  seed: number;
  boxes: number;
  jobs: number;
  chaosMs: number;
  settleMs: number;
  faults: boolean;
  lostAnswers: boolean;
  wedges: boolean;
  selfCheck: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const num = (flag: string, fallback: number): number => {
    const text = value(flag);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
      console.error(`${flag} takes a whole number; got "${text}".`);
      process.exit(2);
    }
    return n;
  };
  return {
    seed: num('--seed', Math.floor(Math.random() * 1_000_000)),
    boxes: num('--boxes', 50),
    jobs: num('--jobs', 50),
    chaosMs: num('--chaos-seconds', 240) * 1000,
    settleMs: num('--settle-seconds', 150) * 1000,
    faults: !argv.includes('--quiet-faults'),
    lostAnswers: argv.includes('--lost-answers'),
    wedges: argv.includes('--wedges'),
    selfCheck: !argv.includes('--no-self-check'),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const say = (line: string): void => console.log(`[chaos ${String(Math.round((Date.now() - started) / 1000)).padStart(3)}s] ${line}`);
  const replay = `npm run chaos -- --seed ${options.seed}${options.faults ? '' : ' --quiet-faults'}${options.lostAnswers ? ' --lost-answers' : ''}${options.wedges ? ' --wedges' : ''}`;
  say(`seed ${options.seed} (replay: ${replay})`);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const logDir = mkdtempSync(path.join(os.tmpdir(), `gpubot-chaos-${options.seed}-`));
  const r = rng(options.seed);
  const project = `chaos-${options.seed}`;

  if (buildIfStale(root)) say('built dist/ (src/ was newer)');
  const world = await startWorld(project, say);
  const replicas: Replica[] = [];
  const onSignal = (): void => {
    void Promise.all(replicas.map((x) => x.kill()))
      .then(() => world.close())
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    world.googleFaults.useRandom(r.fork('google-hits').next);
    world.slack.faults.useRandom(r.fork('slack-hits').next);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      SLACK_SIGNING_SECRET: world.signingSecret,
      SLACK_BOT_TOKEN: world.botToken,
      SLACK_API_URL: world.slack.apiUrl,
      GOOGLE_CLOUD_PROJECT: project,
      GCP_ENDPOINT: world.google.url,
      FIRESTORE_EMULATOR_HOST: world.proxy.host,
      METADATA_SERVER_DETECTION: 'none',
      // The lease lasts three intervals (15 s): short enough that a killed leader is replaced within
      // the run, long enough that a healthy tick on this loaded machine keeps it (at 3 s, 9 s did not).
      TICK_INTERVAL: '5s',
      IDLE_AFTER: '60s',
      IDLE_GRACE: '20s',
      // Faults are the subject here, not the team's rules: five people run ten boxes each at times.
      GPUBOT_POLICY: JSON.stringify({ maxBoxesPerPerson: 50, maxGpusPerPerson: 50, maxUsdPerHourPerPerson: 1000 }),
      // The replicas' logs go to files, read only when a finding needs explaining.
      LOG_LEVEL: 'debug',
    };
    for (const name of ['a', 'b']) {
      replicas.push(new Replica({ name: `replica-${name}`, root, env, logFile: path.join(logDir, `replica-${name}.log`) }, await freePort()));
    }
    await Promise.all(replicas.map((x) => x.start()));
    say(`replicas up on ports ${replicas.map((x) => x.port).join(', ')} (start to /healthz: ${replicas.map((x) => `${x.starts[0] ?? '?'} ms`).join(', ')}); logs in ${logDir}`);

    const plan = planWorkload(r.fork('workload'), options.boxes, options.jobs, Math.min(120_000, options.chaosMs / 2));
    const episodes = options.faults ? planFaults(r.fork('faults'), options.chaosMs, { lostAnswers: options.lostAnswers, wedges: options.wedges }) : [];
    say(`${plan.boxes.length} boxes (${['idle', 'cycle', 'delete', 'busy'].map((k) => `${plan.boxes.filter((b) => b.plan === k).length} ${k}`).join(', ')}), ${plan.jobs.length} jobs (${['succeed', 'fail', 'cancel'].map((k) => `${plan.jobs.filter((j) => j.plan === k).length} ${k}`).join(', ')}), ${episodes.length} fault episodes over ${options.chaosMs / 1000} s`);

    const records = new Records(world);
    records.start();
    let over = false;
    const t0 = Date.now();
    const ctx: WorkloadContext = { world, records, front: new Front(world, replicas, r.fork('front')), r: r.fork('people'), t0, over: () => over };
    const applied = new Map<FaultKind, number>();
    const people = Promise.all([...plan.boxes.map((b) => driveBox(ctx, b)), ...plan.jobs.map((j) => driveJob(ctx, j))]);
    const faults = runFaults(episodes, world, replicas, t0, applied, say);
    const progress = setInterval(() => {
      const b = [...records.boxes.values()];
      say(`boxes ${b.length} (${b.filter((x) => x.status === 'ready').length} ready, ${b.filter((x) => x.status === 'stopped').length} stopped, ${b.filter((x) => x.status === 'deleted').length} deleted); jobs ${records.jobs.size}; replicas up ${replicas.filter((x) => x.running).length}; proxy ${world.proxy.paused ? 'paused' : 'flowing'}`);
    }, 30_000);
    await faults;
    await sleep(Math.max(0, t0 + options.chaosMs - Date.now()));
    await clearFaults(world, replicas);
    say(`faults off (${[...applied].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}); http fault hits: ${[...world.googleFaults.hits, ...world.slack.faults.hits].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);

    // Settle: people finish what they were doing; every job still waiting is ended; then wait for quiet.
    const settleEnd = Date.now() + options.settleMs;
    const peopleDone = await Promise.race([people.then(() => true), sleep(Math.max(0, settleEnd - Date.now() - 60_000)).then(() => false)]);
    over = true;
    if (!peopleDone) say('some owners were still waiting on their boxes; they stop acting now');
    for (const vj of world.vertex.jobs()) {
      if (vj.state === 'JOB_STATE_QUEUED') {
        const id = vj.name.split('/').pop() ?? '';
        const planned = plan.jobs.find((j) => j.name === vj.displayName);
        finishJob(world, id, planned?.plan === 'fail' ? 'fail' : 'succeed');
      }
    }
    let waitingOn = '';
    while (Date.now() < settleEnd) {
      await records.refresh().catch(() => undefined);
      const pending = await world.db.collection(NOTICES).where('state', 'in', ['pending', 'sending']).get().catch(() => null);
      const boxesQuiet = [...records.boxes.values()].every((b) => ['ready', 'stopped', 'deleted', 'failed'].includes(b.status));
      const idleDone = plan.boxes.filter((b) => b.plan === 'idle').every((b) => {
        const vm = world.compute.instance(b.name);
        return vm === undefined || vm.status === 'TERMINATED';
      });
      const jobsQuiet = [...records.jobs.values()].every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
      waitingOn = [boxesQuiet ? '' : 'boxes changing', idleDone ? '' : 'idle boxes running', jobsQuiet ? '' : 'jobs not over', pending?.size === 0 ? '' : 'notices unsent'].filter(Boolean).join(', ');
      if (waitingOn === '') break;
      await sleep(3000);
    }
    clearInterval(progress);
    records.stop();
    say(waitingOn !== '' ? `settle time is up (still: ${waitingOn}); auditing what is there` : 'settled; auditing');
    const result = await audit(world, world.db, plan);
    console.log(table(options.seed, result));
    for (const column of COLUMNS) {
      for (const line of result.findings[column].slice(0, 8)) console.log(`  ${column}: ${line}`);
      if (result.findings[column].length > 8) console.log(`  ${column}: ... ${result.findings[column].length - 8} more`);
    }
    writeFileSync(path.join(logDir, 'findings.json'), JSON.stringify({ seed: options.seed, episodes, plan, counts: result.counts, findings: result.findings }, null, 2));
    let failed = failures(result) > 0;
    if (options.selfCheck) failed = (await selfCheck(world, plan, result, say)) || failed;
    say(`kills ${replicas.map((x) => `${x.name} ${x.kills}`).join(', ')}; restarts took ${replicas.flatMap((x) => x.starts.slice(1)).join(', ') || '-'} ms; Slack requests ${ctx.front.sent} (${ctx.front.failed} unanswered and retried)`);
    say(`replay: ${replay}; every finding, the schedule and the replicas' logs are in ${logDir}`);
    process.exitCode = failed ? 1 : 0;
  } finally {
    await Promise.all(replicas.map((x) => x.stop()));
    for (const x of replicas) x.close();
    await world.close();
  }
}

/**
 * Plants one known fault per column behind the bot's back, audits again at once, and checks every
 * planted column moved: a counter that cannot move proves nothing. Returns true when one did not.
 */
async function selfCheck(world: World, plan: ReturnType<typeof planWorkload>, before: Audit, say: (line: string) => void): Promise<boolean> {
  // Column -> what was planted, and the box or job it was planted on: the column must gain a finding
  // naming that subject. (Its total alone can fall elsewhere: deleting a record drops that box's own
  // findings, which can hide a planted one.)
  const planted = new Map<Column, { what: string; subject: string }>();
  const api = async (method: string, args: Record<string, unknown>): Promise<void> => {
    await fetch(`${world.slack.apiUrl}${method}`, { method: 'POST', headers: { authorization: `Bearer ${world.botToken}`, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(args) });
  };
  const counted = (column: Column, name: string): boolean => before.findings[column].some((line) => line.startsWith(`${name}:`) || line.startsWith(`${name} `));
  // A running box's record deleted: its VM runs on without a live record.
  const running = world.compute.instances().find((i) => i.status === 'RUNNING' && i.labels?.['gpubot-id'] !== undefined && !counted('vms-without-live-record', i.name));
  if (running !== undefined) {
    await world.db.collection(BOXES).doc(running.labels?.['gpubot-id'] ?? '').delete();
    await world.db.collection(BOX_NAMES).doc(running.name).delete();
    planted.set('vms-without-live-record', { what: `deleted the record of ${running.name}`, subject: running.name });
  }
  // A second Vertex AI job for a job's record.
  const job = world.vertex.jobs().find((j) => j.labels?.['gpubot-id'] !== undefined);
  if (job !== undefined) {
    world.vertex.seed(job.name.split('/')[3] ?? 'us-central1', { displayName: job.displayName, labels: job.labels, jobSpec: job.jobSpec });
    // The audit names a job by its record's name, which the display name need not be.
    const record = (await world.db.collection('jobs').doc(job.labels?.['gpubot-id'] ?? '-').get()).data() as { name?: string } | undefined;
    planted.set('jobs-created-twice', { what: `a second Vertex AI job for ${job.displayName}`, subject: record?.name ?? job.displayName });
  }
  // A card deleted and an end notice posted twice, as the bot's token could.
  const cards = world.slack.messages(CHANNEL).filter((m) => m.fromBot && /^Training job \S+:/.test(m.text));
  // One of a job's only card: deleting one of two cards would move "doubled", not "missing".
  const card = cards.find((c) => cards.filter((o) => o.text.split(':')[0] === c.text.split(':')[0]).length === 1);
  if (card !== undefined) {
    await api('chat.delete', { channel: CHANNEL, ts: card.ts });
    planted.set('notices-missing', { what: `deleted the card "${card.text.slice(0, 40)}"`, subject: card.text.split(':')[0]?.replace('Training job ', '') ?? '' });
  }
  const endNotice = world.slack.messages(CHANNEL).flatMap((m) => world.slack.thread(CHANNEL, m.ts)).find((m) => / (SUCCEEDED|FAILED|CANCELLED) after/.test(m.text) && m.threadTs !== m.ts);
  if (endNotice !== undefined) {
    await api('chat.postMessage', { channel: CHANNEL, thread_ts: endNotice.threadTs, text: endNotice.text });
    planted.set('notices-doubled', { what: `posted "${endNotice.text.slice(0, 40)}" again`, subject: endNotice.text.split(':')[0]?.replace('Training job ', '') ?? '' });
  }
  // A box told it was deleted outside gpubot, in its thread, as the bot's token could.
  // Not the box whose record was just deleted: the audit reads notices only for boxes with a record.
  const boxCard = world.slack.messages(CHANNEL).find((m) => {
    const name = m.text.split(':')[0] ?? '';
    return m.fromBot && /^box-\d+: /.test(m.text) && name !== running?.name && plan.boxes.some((b) => b.name === name) && !counted('notices-false', name);
  });
  if (boxCard !== undefined) {
    const name = boxCard.text.split(':')[0] ?? '';
    await api('chat.postMessage', { channel: CHANNEL, thread_ts: boxCard.ts, text: `${name}: Deleted outside gpubot (console or gcloud): the VM and its disk are gone.` });
    planted.set('notices-false', { what: `told ${name} in its thread that it was deleted outside gpubot`, subject: name });
  }
  // A finished job's record, agreeing with Vertex AI so far, made to say it ran two minutes longer.
  const over: Readonly<Record<string, string>> = { JOB_STATE_SUCCEEDED: 'succeeded', JOB_STATE_FAILED: 'failed', JOB_STATE_CANCELLED: 'cancelled' };
  const ended = (await world.db.collection('jobs').where('status', 'in', ['succeeded', 'failed', 'cancelled']).get()).docs.find((d) => {
    const data = d.data() as { name?: string; status?: string; endedAt?: number | null };
    const vj = world.vertex.jobs().find((j) => j.labels?.['gpubot-id'] === d.id);
    // One that ran: a job cancelled before it started has no running time for the audit to compare.
    return typeof data.endedAt === 'number' && vj !== undefined && vj.startTime !== undefined && vj.endTime !== undefined && over[vj.state] === data.status && !counted('costs-disagreeing', data.name ?? '');
  });
  if (ended !== undefined) {
    const data = ended.data() as { name: string; endedAt: number };
    await ended.ref.update({ endedAt: data.endedAt + 120_000 });
    planted.set('costs-disagreeing', { what: `moved the end of ${data.name}'s record two minutes later`, subject: data.name });
  }
  // An idle box started again in the console.
  const idle = plan.boxes.find((b) => b.plan === 'idle' && world.compute.instance(b.name)?.status === 'TERMINATED');
  if (idle !== undefined) {
    world.compute.consoleStart(idle.name);
    planted.set('idle-not-stopped', { what: `started ${idle.name} in the console`, subject: idle.name });
  }
  const after = await audit(world, world.db, plan);
  let failed = false;
  for (const [column, { what, subject }] of planted) {
    const names = (line: string) => line.startsWith(`${subject}:`) || line.startsWith(`${subject} `);
    const moved = after.findings[column].some((line) => names(line) && !before.findings[column].includes(line));
    if (!moved) failed = true;
    say(`self-check ${moved ? 'ok  ' : 'FAIL'} ${column}: ${before.counts[column]} -> ${after.counts[column]} after ${what}`);
  }
  for (const column of COLUMNS) if (!planted.has(column)) say(`self-check skipped ${column}: nothing to plant it on in this run`);
  return failed;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
