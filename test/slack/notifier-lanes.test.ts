/**
 * A delivery pass sends the notices of different threads at once and a thread's own one after
 * another; every notice still goes out once, claimed in one commit before the posts and marked in one after. Real stores on the Firestore emulator, the real Web API
 * client against the Slack simulator, whose answers are made slow so that overlap is visible without
 * timing anything.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LogLevel, WebClient } from '@slack/web-api';
import type { NoticeStore } from '../../src/app/ports.js';
import type { NoticeDraft } from '../../src/domain/notice.js';
import { createLogger } from '../../src/log.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';
import { SlackNotifier } from '../../src/slack/box-notifier.js';
import { FirestoreBoxStore, NOTICES } from '../../src/store/box-store.js';
import { FirestoreCardClaimStore } from '../../src/store/card-claim-store.js';
import { FirestoreNoticeStore } from '../../src/store/notice-store.js';
import { FirestoreJobStore } from '../../src/store/job-store.js';
import { JobNotifier } from '../../src/slack/job-notifier.js';
import { makeBox } from '../support/boxes.js';
import { makeJob } from '../support/jobs.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';

const CHANNEL = 'CTEAM';
const OWNERS = Array.from({ length: 6 }, (_, i) => `UOWNER${i}`);
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => LogLevel.ERROR, setName: () => undefined };

let sim: SlackSimulator;
before(async () => {
  sim = await startSlackSimulator({ users: OWNERS.map((id) => ({ id })) });
});
after(async () => {
  await sim.close();
});

/** A notifier over these stores, with no admins and a silent log: what each test varies is what it passes. */
function notifierOver(deps: Pick<ConstructorParameters<typeof SlackNotifier>[0], 'client' | 'boxes' | 'notices' | 'claims' | 'clock' | 'jobs'>): SlackNotifier {
  return new SlackNotifier({
    ...deps,
    log: createLogger({ level: 'error', write: () => undefined }),
    project: 'gpubot-test',
    admins: new Set(),
    adminChannel: null,
    holder: 'replica-a',
  });
}

/**
 * Counts the posts in flight: more than one at a time means overlap; more than one to the same person
 * (each box here is its own owner's) means a thread's order was not kept. Wraps the real client's
 * method on this one instance; the call itself still goes to the simulator.
 */
function overlapCounter(client: WebClient): { most: () => number; mostOfOneBox: () => number } {
  let open = 0;
  let most = 0;
  let mostOfOneBox = 0;
  const openTo = new Map<string, number>();
  const post = client.chat.postMessage.bind(client.chat);
  client.chat.postMessage = async (args) => {
    const to = String(args.channel);
    most = Math.max(most, ++open);
    const ofBox = (openTo.get(to) ?? 0) + 1;
    openTo.set(to, ofBox);
    mostOfOneBox = Math.max(mostOfOneBox, ofBox);
    try {
      return await post(args);
    } finally {
      open--;
      openTo.set(to, (openTo.get(to) ?? 1) - 1);
    }
  };
  return { most: () => most, mostOfOneBox: () => mostOfOneBox };
}

/** Counts the notice store's writes: claims and outcomes, one by one or a pass's at once. */
function writeCounter(inner: NoticeStore): { store: NoticeStore; calls: Record<string, number> } {
  const calls: Record<string, number> = { claim: 0, markSent: 0, claimMany: 0, settle: 0 };
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const store: NoticeStore = {
    pending: (limit) => inner.pending(limit),
    claim: (id, holder, until, fence) => (count('claim'), inner.claim(id, holder, until, fence)),
    markSent: (id, delivery) => (count('markSent'), inner.markSent(id, delivery)),
    claimMany: (ids, holder, until, fence) => (count('claimMany'), inner.claimMany(ids, holder, until, fence)),
    settle: (outcomes, holder) => (count('settle'), inner.settle(outcomes, holder)),
    markFailed: (id, error, retryAt, holder) => inner.markFailed(id, error, retryAt, holder),
    defer: (id, at) => inner.defer(id, at),
    fanOut: (id, admins) => inner.fanOut(id, admins),
    sentCopies: (boxId, type) => inner.sentCopies(boxId, type),
    sentJobCopies: (jobId, type) => inner.sentJobCopies(jobId, type),
  };
  return { store, calls };
}

test("notices of different boxes go out at once, each box's one after another, each once", async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 6, 14, 9, 30));
  const boxes = new FirestoreBoxStore(db, clock);
  const notices = new FirestoreNoticeStore(db, clock);
  // Six boxes, each owned by its own person, each with two DMs waiting; cards already shown.
  for (const [i, owner] of OWNERS.entries()) {
    const box = makeBox({ id: `b${i}`, name: `b${i}`, owner, channel: CHANNEL, status: 'ready' });
    const drafts: NoticeDraft[] = [
      { to: 'dm', event: { type: 'box-started' } },
      { to: 'dm', event: { type: 'box-started' } },
    ];
    await boxes.transact({}, async (tx) => {
      tx.putBox(box);
      tx.notify(box, drafts);
    });
    await boxes.markCardShown(box.id, box.rev, { channel: CHANNEL, ts: `100${i}.000` });
  }
  const client = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  const counter = overlapCounter(client);
  const writes = writeCounter(notices);
  // Every post answered 300 ms late: one at a time, no two posts would ever be in flight together.
  const undo = sim.faults.add({ name: 'slow', path: /^\/api\/chat\.postMessage/, fault: { kind: 'delay', ms: 300 } });
  try {
    const notifier = notifierOver({ client, boxes, notices: writes.store, claims: new FirestoreCardClaimStore(db, clock), clock });
    await notifier.deliver();
  } finally {
    undo();
  }
  assert.ok(counter.most() > 1, `notices of different boxes overlapped (at most ${counter.most()} open at once)`);
  assert.equal(counter.mostOfOneBox(), 1, "a box's second notice is posted only once its first is");
  // Twelve notices, two commits: every claim before any post, every "sent" mark after them.
  assert.deepEqual(writes.calls, { claim: 0, markSent: 0, claimMany: 1, settle: 1 }, 'claims and marks are batched per pass');
  for (const owner of OWNERS) assert.equal(sim.dms(owner).length, 2, `${owner} got both DMs, once each`);
  const states = (await db.collection(NOTICES).get()).docs.map((d) => (d.data() as { state: string }).state);
  assert.deepEqual(states, Array.from({ length: 2 * OWNERS.length }, () => 'sent'));
  await db.terminate();
});

test("a pass's cards are drawn from the read that found them and recorded in one write; a box's two notices read it once", async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 6, 14, 9, 30));
  const boxes = new FirestoreBoxStore(db, clock);
  const made = OWNERS.map((owner, i) => makeBox({ id: `b${i}`, name: `b${i}`, owner, channel: CHANNEL, status: 'ready' }));
  for (const box of made) await boxes.transact({}, async (tx) => tx.putBox(box));
  const calls: Record<string, number> = { cardOf: 0, markCardShown: 0, markCardsShown: 0, boxWithCard: 0 };
  const counted = Object.create(boxes) as FirestoreBoxStore;
  counted.cardOf = (id) => ((calls.cardOf = (calls.cardOf ?? 0) + 1), boxes.cardOf(id));
  counted.markCardShown = (id, rev, card) => ((calls.markCardShown = (calls.markCardShown ?? 0) + 1), boxes.markCardShown(id, rev, card));
  counted.markCardsShown = (shown) => ((calls.markCardsShown = (calls.markCardsShown ?? 0) + 1), boxes.markCardsShown(shown));
  counted.boxWithCard = (id) => ((calls.boxWithCard = (calls.boxWithCard ?? 0) + 1), boxes.boxWithCard(id));
  const notifier = notifierOver({
    client: new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet }),
    boxes: counted,
    notices: new FirestoreNoticeStore(db, clock),
    claims: new FirestoreCardClaimStore(db, clock),
    clock,
  });
  // The first pass posts the cards; then every box changes (its card is behind again) and says so twice.
  await notifier.deliver();
  assert.equal((await boxes.staleCards(50)).length, 0);
  for (const box of made) {
    const changed = { ...box, rev: box.rev + 1 };
    await boxes.transact({}, async (tx) => {
      tx.putBox(changed);
      tx.notify(changed, [
        { to: 'thread', event: { type: 'box-started' } },
        { to: 'dm', event: { type: 'box-started' } },
      ]);
    });
  }
  for (const key of Object.keys(calls)) calls[key] = 0;
  const updatesBefore = sim.callsTo('chat.update').length;
  const dmsBefore = new Map(OWNERS.map((owner) => [owner, sim.dms(owner).length]));
  await notifier.deliver();
  assert.equal(sim.callsTo('chat.update').length - updatesBefore, OWNERS.length, 'every card redrawn once');
  assert.deepEqual(calls, { cardOf: 0, markCardShown: 0, markCardsShown: 1, boxWithCard: OWNERS.length });
  assert.deepEqual(await boxes.staleCards(50), [], 'every card recorded as shown');
  for (const owner of OWNERS) assert.equal(sim.dms(owner).length - (dmsBefore.get(owner) ?? 0), 1, `${owner} got the DM once`);
  await db.terminate();
});

test("an ended job's thread notice and DM read the job, with its card, once in a pass", async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 6, 14, 9, 30));
  const notices = new FirestoreNoticeStore(db, clock);
  const claims = new FirestoreCardClaimStore(db, clock);
  const client = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  const jobStore = new FirestoreJobStore(db, clock);
  const calls: Record<string, number> = { jobWithCard: 0, getJob: 0, cardOf: 0 };
  const counted = Object.create(jobStore) as FirestoreJobStore;
  counted.jobWithCard = (id) => ((calls.jobWithCard = (calls.jobWithCard ?? 0) + 1), jobStore.jobWithCard(id));
  counted.getJob = (id) => ((calls.getJob = (calls.getJob ?? 0) + 1), jobStore.getJob(id));
  counted.cardOf = (id) => ((calls.cardOf = (calls.cardOf ?? 0) + 1), jobStore.cardOf(id));
  const log = createLogger({ level: 'error', write: () => undefined });
  const jobs = new JobNotifier({ client, jobs: counted, notices, claims, clock, log, project: 'gpubot-test', holder: 'replica-a' });
  const notifier = notifierOver({ client, boxes: new FirestoreBoxStore(db, clock), notices, claims, clock, jobs });
  const owners = OWNERS.slice(0, 3);
  const ended = owners.map((owner, i) => makeJob({ id: `j${i}`, name: `census_${i}`, owner, channel: CHANNEL }));
  for (const job of ended) await jobStore.transact({}, async (tx) => tx.putJob(job));
  // The first pass posts the cards; then each job says it ended, in its thread and to its owner.
  await notifier.deliver();
  for (const job of ended) {
    await jobStore.transact({}, async (tx) => {
      tx.notify(job, [
        { to: 'thread', event: { type: 'job-ended', jobId: job.id } },
        { to: 'dm', event: { type: 'job-ended', jobId: job.id } },
      ]);
    });
  }
  for (const key of Object.keys(calls)) calls[key] = 0;
  const dmsBefore = new Map(owners.map((owner) => [owner, sim.dms(owner).length]));
  await notifier.deliver();
  for (const owner of owners) assert.equal(sim.dms(owner).length - (dmsBefore.get(owner) ?? 0), 1, `${owner} got the DM once`);
  assert.deepEqual(calls, { jobWithCard: owners.length, getJob: 0, cardOf: 0 }, 'one read per job for its two notices');
  assert.deepEqual(await notices.pending(10), [], 'both notices of each job went out');
  await db.terminate();
});
