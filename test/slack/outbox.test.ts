/**
 * The outbox under faults: a lost "sent" mark, a replica that dies between a post and its record, two
 * leaders, an admin DM that fails, a thread whose card never comes, a card Slack refuses for good.
 * Real stores on the Firestore emulator, the real Web API client against the Slack simulator.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { WebClient, LogLevel } from '@slack/web-api';
import type { Firestore } from '@google-cloud/firestore';
import type { Box } from '../../src/domain/box.js';
import type { NoticeDraft } from '../../src/domain/notice.js';
import type { CardClaimStore, NoticeOutcome, NoticeStore } from '../../src/app/ports.js';
import { createLogger } from '../../src/log.js';
import { SlackNotifier } from '../../src/slack/box-notifier.js';
import { FirestoreBoxStore, NOTICES } from '../../src/store/box-store.js';
import { FirestoreCardClaimStore } from '../../src/store/card-claim-store.js';
import { FirestoreNoticeStore } from '../../src/store/notice-store.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';
import { makeBox } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';

const OWNER = 'UOWNER';
const CHANNEL = 'CTEAM';
const ADMINS = ['UADMA', 'UADMB'];

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => LogLevel.ERROR, setName: () => undefined };

let sim: SlackSimulator;
before(async () => {
  sim = await startSlackSimulator({ users: [{ id: OWNER }, ...ADMINS.map((id) => ({ id }))] });
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

interface World {
  db: Firestore;
  clock: ManualClock;
  boxes: FirestoreBoxStore;
  notices: FirestoreNoticeStore;
  claims: FirestoreCardClaimStore;
  logs: string[];
}

function world(): World {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 6, 14, 9, 30));
  return { db, clock, boxes: new FirestoreBoxStore(db, clock), notices: new FirestoreNoticeStore(db, clock), claims: new FirestoreCardClaimStore(db, clock), logs: [] };
}

/** One replica's notifier; `notices` and `claims` may be wrapped to fail as a dying replica's would. */
function replica(w: World, holder: string, over: { notices?: NoticeStore; claims?: CardClaimStore; boxes?: FirestoreBoxStore; passBudgetMs?: number } = {}): SlackNotifier {
  const client = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  return new SlackNotifier({
    client,
    boxes: over.boxes ?? w.boxes,
    notices: over.notices ?? w.notices,
    claims: over.claims ?? w.claims,
    clock: w.clock,
    log: createLogger({ level: 'info', write: (line) => w.logs.push(line) }),
    project: 'gpubot-test',
    admins: new Set(ADMINS),
    adminChannel: null,
    holder,
    ...(over.passBudgetMs !== undefined ? { passBudgetMs: over.passBudgetMs } : {}),
  });
}

async function addBox(w: World, id: string, drafts: NoticeDraft[] = []): Promise<Box> {
  const box = makeBox({ id, name: id, owner: OWNER, channel: CHANNEL, status: 'ready' });
  await w.boxes.transact({}, async (tx) => {
    tx.putBox(box);
    if (drafts.length > 0) tx.notify(box, drafts);
  });
  return box;
}

async function noticeStates(w: World): Promise<string[]> {
  const snap = await w.db.collection(NOTICES).get();
  return snap.docs.map((d) => (d.data() as { state: string }).state).sort();
}

/** A notice store whose "sent" marks fail (Firestore paused), the rest working. */
function failingMarks(inner: NoticeStore, times: number): NoticeStore & { failed: number } {
  const fail = (): boolean => {
    if (wrapped.failed >= times) return false;
    wrapped.failed++;
    return true;
  };
  const paused = () => Promise.reject(new Error('DEADLINE_EXCEEDED: Firestore did not answer'));
  const wrapped = {
    failed: 0,
    pending: (limit: number) => inner.pending(limit),
    claim: (id: string, holder: string, until: number, fence?: number) => inner.claim(id, holder, until, fence),
    claimMany: (ids: readonly string[], holder: string, until: number, fence?: number) => inner.claimMany(ids, holder, until, fence),
    markSent: (id: string, delivery: { channel: string; ts: string }) => (fail() ? paused() : inner.markSent(id, delivery)),
    settle: (outcomes: readonly NoticeOutcome[], holder: string) => (fail() ? paused() : inner.settle(outcomes, holder)),
    markFailed: (id: string, error: string, retryAt: number | null, holder?: string) => inner.markFailed(id, error, retryAt, holder),
    defer: (id: string, at: number) => inner.defer(id, at),
    fanOut: (id: string, admins: readonly string[]) => inner.fanOut(id, admins),
    sentCopies: (boxId: string, type: Parameters<NoticeStore['sentCopies']>[1]) => inner.sentCopies(boxId, type),
    sentJobCopies: (jobId: string, type: Parameters<NoticeStore['sentJobCopies']>[1]) => inner.sentJobCopies(jobId, type),
  };
  return wrapped;
}

describe('notices', () => {
  test('a post whose "sent" mark fails is marked on the next pass, not posted again', async () => {
    const w = world();
    await addBox(w, 'b1', [{ to: 'dm', event: { type: 'box-started' } }]);
    const notices = failingMarks(w.notices, 3);
    const a = replica(w, 'replica-a', { notices });
    await a.deliver();
    assert.equal(notices.failed, 3, 'every try of the mark failed');
    w.clock.advance(61_000);
    await a.deliver();
    assert.equal(sim.dms(OWNER).length, 1, 'one DM, however often the mark failed');
    assert.deepEqual(await noticeStates(w), ['sent']);
    await w.db.terminate();
  });

  test('a replica that died between a post and its mark: the next one finds the post and does not post again', async () => {
    const w = world();
    await addBox(w, 'b1', [{ to: 'dm', event: { type: 'box-started' } }]);
    // Replica A posts, then every mark fails and A dies (its memory goes with it).
    await replica(w, 'replica-a', { notices: failingMarks(w.notices, 1000) }).deliver();
    assert.equal(sim.dms(OWNER).length, 1);
    // Nothing is offered while A's claim holds; then B takes over.
    const b = replica(w, 'replica-b');
    await b.deliver();
    assert.equal(sim.dms(OWNER).length, 1, 'a live claim keeps the other replica off');
    w.clock.advance(61_000);
    await b.deliver();
    assert.equal(sim.dms(OWNER).length, 1, 'the earlier post was found, not made again');
    assert.ok(sim.callsTo('conversations.history').length > 0, 'B looked in the DM');
    assert.deepEqual(await noticeStates(w), ['sent']);
    await w.db.terminate();
  });

  test('a pass that Slack slows down leaves the rest for the next pass and asks for it soon', async () => {
    const w = world();
    const drafts: NoticeDraft[] = Array.from({ length: 6 }, () => ({ to: 'dm', event: { type: 'box-started' } }));
    await addBox(w, 'b1', drafts);
    // Every DM answered 150 ms late (a rate-limited or slow Slack): six would take most of a second.
    const undo = sim.faults.add({ name: 'slow', path: /^\/api\/chat\.postMessage/, fault: { kind: 'delay', ms: 150 } });
    try {
      const a = replica(w, 'replica-a', { passBudgetMs: 200 });
      const again = await a.deliver();
      const first = sim.dms(OWNER).length;
      assert.ok(first >= 1 && first < 6, `the first pass sent ${first} of 6`);
      assert.equal(again, true, 'the pass says more is waiting');
      for (let i = 0; i < 6 && sim.dms(OWNER).length < 6; i++) await a.deliver();
      assert.equal(sim.dms(OWNER).length, 6, 'every notice is sent once, over later passes');
      // Claimed with the pass but not posted in its time: handed back as never claimed, so nobody searches Slack for it.
      assert.equal(sim.callsTo('conversations.history').length, 0, 'no search for notices that were never posted');
    } finally {
      undo();
    }
    await w.db.terminate();
  });

  test('a post Slack took but whose answer was lost is found on the retry, not doubled', async () => {
    const w = world();
    await addBox(w, 'b1', [{ to: 'dm', event: { type: 'box-started' } }]);
    sim.failNext('chat.postMessage', 1, { error: 'internal_error', afterDoing: true });
    const a = replica(w, 'replica-a');
    await a.deliver();
    assert.equal(sim.dms(OWNER).length, 1, 'Slack has the message');
    w.clock.advance(10 * 60_000);
    await a.deliver();
    assert.equal(sim.dms(OWNER).length, 1, 'the retry found it');
    assert.deepEqual(await noticeStates(w), ['sent']);
    await w.db.terminate();
  });

  test('an admins notice is one DM per admin: one that fails is tried again alone', async () => {
    const w = world();
    await addBox(w, 'b1', [{ to: 'admins', event: { type: 'box-approval-requested' } }]);
    const [first, second] = ADMINS;
    assert.ok(first !== undefined && second !== undefined);
    sim.failNext('chat.postMessage', 1, { error: 'internal_error', channel: second });
    const a = replica(w, 'replica-a');
    for (let pass = 0; pass < 3; pass++) {
      await a.deliver();
      w.clock.advance(10 * 60_000);
    }
    assert.equal(sim.dms(first).length, 1, 'the first admin is told once');
    assert.equal(sim.dms(second).length, 1, 'the second admin is told once, on the retry');
    await w.db.terminate();
  });

  test('100 notices waiting for a card do not starve a notice of another box', async () => {
    const w = world();
    // b1's card cannot be posted (its channel is gone and so is its owner's DM): its thread notices wait.
    const stuck = makeBox({ id: 'b1', name: 'b1', owner: 'UGONE', channel: 'CGONE', status: 'ready' });
    await w.boxes.transact({}, async (tx) => {
      tx.putBox(stuck);
      tx.notify(stuck, Array.from({ length: 100 }, () => ({ to: 'thread' as const, event: { type: 'box-started' as const } })));
    });
    sim.failNext('chat.postMessage', 1000, { error: 'channel_not_found', channel: 'CGONE' });
    sim.failNext('chat.postMessage', 1000, { error: 'channel_not_found', channel: 'UGONE' });
    w.clock.advance(1_000);
    await addBox(w, 'b2', [{ to: 'dm', event: { type: 'box-started' } }]);
    const a = replica(w, 'replica-a');
    await a.deliver();
    await a.deliver();
    assert.equal(sim.dms(OWNER).length >= 1, true, "b2's notice went out");
    await w.db.terminate();
  });
});

describe('cadence', () => {
  test('a thread whose card never comes does not keep the ticks fast', async () => {
    const w = world();
    const stuck = makeBox({ id: 'b1', name: 'b1', owner: 'UGONE', channel: 'CGONE', status: 'ready' });
    await w.boxes.transact({}, async (tx) => {
      tx.putBox(stuck);
      tx.notify(stuck, [{ to: 'thread', event: { type: 'box-started' } }]);
    });
    sim.failNext('chat.postMessage', 1000, { error: 'channel_not_found', channel: 'CGONE' });
    sim.failNext('chat.postMessage', 1000, { error: 'channel_not_found', channel: 'UGONE' });
    const a = replica(w, 'replica-a');
    assert.equal(await a.deliver(), true, 'a fresh notice waiting for its card: tick again soon');
    w.clock.advance(5 * 60_000);
    assert.equal(await a.deliver(), false, 'minutes later, it is no reason for fast ticks');
    await w.db.terminate();
  });
});

describe('cards', () => {
  test('two leaders posting the same card at once give one card', async () => {
    const w = world();
    await addBox(w, 'b1');
    await Promise.all([replica(w, 'replica-a').deliver(), replica(w, 'replica-b').deliver()]);
    assert.equal(sim.messages(CHANNEL).length, 1);
    await w.db.terminate();
  });

  test('a replica that died after posting a card, before recording it: the next finds the card', async () => {
    const w = world();
    await addBox(w, 'b1');
    const lost = { claim: w.claims.claim.bind(w.claims), recordPosted: () => Promise.reject(new Error('UNAVAILABLE')) };
    const boxes = Object.create(w.boxes) as FirestoreBoxStore;
    boxes.markCardShown = () => Promise.reject(new Error('UNAVAILABLE'));
    boxes.markCardsShown = () => Promise.reject(new Error('UNAVAILABLE'));
    await replica(w, 'replica-a', { claims: lost, boxes }).deliver();
    assert.equal(sim.messages(CHANNEL).length, 1);
    w.clock.advance(61_000);
    await replica(w, 'replica-b').deliver();
    assert.equal(sim.messages(CHANNEL).length, 1, 'no second card');
    assert.notEqual(await w.boxes.cardOf('b1'), null, 'the card found is recorded');
    await w.db.terminate();
  });

  test('a card Slack refuses for good is not posted again on every tick', async () => {
    const w = world();
    const box = makeBox({ id: 'b1', name: 'b1', owner: 'UGONE', channel: 'CGONE', status: 'ready' });
    await w.boxes.transact({}, async (tx) => tx.putBox(box));
    sim.failNext('chat.postMessage', 1000, { error: 'channel_not_found', channel: 'CGONE' });
    sim.failNext('chat.postMessage', 1000, { error: 'channel_not_found', channel: 'UGONE' });
    const a = replica(w, 'replica-a');
    for (let tick = 0; tick < 5; tick++) {
      await a.deliver();
      w.clock.advance(2_000);
    }
    assert.equal(sim.callsTo('chat.postMessage').filter((c) => c.args.channel === 'CGONE').length, 1);
    assert.ok(w.logs.some((l) => l.includes('refused by Slack')), 'one log line says why');
    await w.db.terminate();
  });
});
