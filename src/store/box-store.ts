/** Boxes, their names, request keys and the notices their changes produce, in Firestore. */
import { randomUUID } from 'node:crypto';
import type { DocumentReference, Firestore, Transaction } from '@google-cloud/firestore';
import { isLive, type Box } from '../domain/box.js';
import type { Notice, NoticeDraft } from '../domain/notice.js';
import { type BoxStore, type BoxTx, type Clock, type Fence, type TransactOptions } from '../app/ports.js';
import { replaceFields } from './firestore.js';
import { KeyedMutex } from './keyed-mutex.js';
import { checkFence, keyedTransaction, requestDocId, requestRecord, REQUESTS } from './keyed-transaction.js';
import type { AuditEntry } from '../domain/audit.js';
import { writeAudit } from './audit-store.js';

export const BOXES = 'boxes';
export const BOX_NAMES = 'boxNames';
export const NOTICES = 'notices';
export const ORPHANS = 'orphans';

interface BoxDoc extends Box {
  live: boolean;
  /** True while the Slack card shows an older revision than the record. */
  cardStale: boolean;
  card: { channel: string; ts: string } | null;
}

export interface BoxStoreOptions {
  /**
   * Whether the database refuses a `create` of a document that exists, as Firestore and its official
   * emulator do (the default). The in-process npm emulator ignores preconditions (DEVELOPERS.md): whoever
   * started it says so here, and the one-round-trip path for new boxes, whose guarantees rest on them,
   * is not used. The store does not find out by itself: production code does not test its database.
   */
  honoursPreconditions?: boolean;
  /** How long audit entries are kept (GPUBOT_AUDIT_DAYS); the default otherwise. */
  auditKeepDays?: number;
}

export class FirestoreBoxStore implements BoxStore {
  private readonly mutex = new KeyedMutex();

  private readonly honoursPreconditions: boolean;
  private readonly auditKeepDays: number | undefined;

  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
    options: BoxStoreOptions = {},
  ) {
    this.honoursPreconditions = options.honoursPreconditions ?? true;
    this.auditKeepDays = options.auditKeepDays;
  }

  async tryCreateBox<T>(box: Box, requestKey: string, result: T, audit?: AuditEntry): Promise<boolean> {
    if (!this.honoursPreconditions) return false;
    const now = this.clock.now();
    const batch = this.db.batch();
    batch.create(this.db.collection(REQUESTS).doc(requestDocId(requestKey)), requestRecord(result, now));
    batch.create(this.db.collection(BOX_NAMES).doc(box.name), { boxId: box.id });
    batch.set(this.db.collection(BOXES).doc(box.id), { ...box, live: isLive(box), cardStale: true });
    if (audit !== undefined) writeAudit(this.db, batch, audit, this.auditKeepDays);
    try {
      await batch.commit();
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === ALREADY_EXISTS) return false;
      throw error;
    }
  }

  async transact<T>(options: TransactOptions, work: (tx: BoxTx) => Promise<T>): Promise<T> {
    return this.mutex.run(options.lockKeys ?? [], () => this.runTransaction(options, work));
  }

  private async runTransaction<T>(options: TransactOptions, work: (tx: BoxTx) => Promise<T>): Promise<T> {
    return keyedTransaction(this.db, this.clock, options, (t) => new FirestoreBoxTx(this.db, t, this.clock, this.auditKeepDays), work);
  }

  async getBox(id: string): Promise<Box | null> {
    const snap = await this.db.collection(BOXES).doc(id).get();
    return snap.exists ? toBox(snap.data() as BoxDoc) : null;
  }

  async liveBoxes(): Promise<Box[]> {
    const snap = await this.db.collection(BOXES).where('live', '==', true).get();
    return snap.docs.map((d) => toBox(d.data() as BoxDoc));
  }

  async liveBoxNamed(name: string): Promise<Box | null> {
    // Two document reads instead of a query: cheaper, and it does not slow down as boxes pile up.
    const claim = await this.db.collection(BOX_NAMES).doc(name).get();
    if (!claim.exists) return null;
    const box = await this.getBox((claim.data() as { boxId: string }).boxId);
    return box !== null && isLive(box) ? box : null;
  }

  async boxesOwnedBy(owner: string, options: { includeEnded: boolean; limit: number }): Promise<Box[]> {
    let q = this.db.collection(BOXES).where('owner', '==', owner);
    if (!options.includeEnded) q = q.where('live', '==', true);
    const snap = await q.get();
    return snap.docs
      .map((d) => toBox(d.data() as BoxDoc))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, options.limit);
  }

  /** Boxes whose Slack card is behind their record, each with the card it already has (null: not posted yet), in one read. */
  async staleCards(limit: number): Promise<{ box: Box; card: { channel: string; ts: string } | null }[]> {
    const snap = await this.db.collection(BOXES).where('cardStale', '==', true).limit(limit).get();
    return snap.docs.map((d) => {
      const doc = d.data() as BoxDoc;
      return { box: toBox(doc), card: doc.card ?? null };
    });
  }

  async cardOf(boxId: string): Promise<{ channel: string; ts: string } | null> {
    const snap = await this.db.collection(BOXES).doc(boxId).get();
    return snap.exists ? ((snap.data() as BoxDoc).card ?? null) : null;
  }

  async boxWithCard(boxId: string): Promise<{ box: Box | null; card: { channel: string; ts: string } | null }> {
    const snap = await this.db.collection(BOXES).doc(boxId).get();
    if (!snap.exists) return { box: null, card: null };
    const doc = snap.data() as BoxDoc;
    return { box: toBox(doc), card: doc.card ?? null };
  }

  async markCardShown(boxId: string, rev: number, card: { channel: string; ts: string }): Promise<void> {
    const ref = this.db.collection(BOXES).doc(boxId);
    await this.mutex.run([boxId], () =>
      this.db.runTransaction(async (t) => {
        const snap = await t.get(ref);
        if (!snap.exists) return;
        const doc = snap.data() as BoxDoc;
        // Only the newest render clears the flag; a write that raced in keeps the card stale.
        t.update(ref, { card, cardStale: doc.rev > rev });
      }),
    );
  }

  /**
   * markCardShown for a delivery pass's cards in one transaction, by the same rule, instead of one
   * transaction per card (50 a pass: most of the pass's commits, bench/tick.ts).
   */
  async markCardsShown(shown: readonly { boxId: string; rev: number; card: { channel: string; ts: string } }[]): Promise<void> {
    if (shown.length === 0) return;
    const refs = shown.map((s) => this.db.collection(BOXES).doc(s.boxId));
    await this.mutex.run(
      shown.map((s) => s.boxId),
      () =>
        this.db.runTransaction(async (t) => {
          const snaps = await t.getAll(...refs);
          shown.forEach((s, i) => {
            const snap = snaps[i];
            const ref = refs[i];
            if (snap === undefined || ref === undefined || !snap.exists) return;
            t.update(ref, { card: s.card, cardStale: (snap.data() as BoxDoc).rev > s.rev });
          });
        }),
    );
  }

  async rememberOrphan(instanceId: string, fence: Fence | undefined): Promise<boolean> {
    const ref = this.db.collection(ORPHANS).doc(instanceId);
    return this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      if (fence !== undefined) await checkFence(t, this.db, fence, this.clock.now());
      if (snap.exists) return false;
      t.set(ref, { at: this.clock.now() });
      return true;
    });
  }
}

/** gRPC status of a `create` whose document exists. */
const ALREADY_EXISTS = 6;

/** Whether two field values of a record are the same: records are plain JSON (no Dates, no Timestamps). */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && JSON.stringify(a) === JSON.stringify(b));
}

function toBox(doc: BoxDoc): Box {
  const { live: _live, cardStale: _stale, card: _card, ...box } = doc;
  return box;
}

/** Collects writes so that all of a transaction's reads happen before its first write. */
class FirestoreBoxTx implements BoxTx {
  private readonly writes: Array<() => void> = [];

  constructor(
    private readonly db: Firestore,
    private readonly t: Transaction,
    private readonly clock: Clock,
    private readonly auditKeepDays: number | undefined,
  ) {}

  async getBox(id: string): Promise<Box | null> {
    const snap = await this.t.get(this.db.collection(BOXES).doc(id));
    return snap.exists ? toBox(snap.data() as BoxDoc) : null;
  }

  async revisionsOf(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (ids.length === 0) return found;
    // One batchGetDocuments for all of them, where a getBox each would be a round trip each; the
    // mask sends and decodes `rev` alone, where the idle pass decoded each box it warns a second time.
    const refs = ids.map((id) => this.db.collection(BOXES).doc(id));
    const snaps = await this.t.getAll(...refs, { fieldMask: ['rev'] });
    for (const snap of snaps) if (snap.exists) found.set(snap.id, (snap.data() as Pick<BoxDoc, 'rev'>).rev);
    return found;
  }

  async liveBoxNamed(name: string): Promise<Box | null> {
    const snap = await this.t.get(this.db.collection(BOX_NAMES).doc(name));
    if (!snap.exists) return null;
    const { boxId } = snap.data() as { boxId: string };
    const box = await this.getBox(boxId);
    return box !== null && isLive(box) ? box : null;
  }

  putBox(box: Box): void {
    const ref: DocumentReference = this.db.collection(BOXES).doc(box.id);
    const doc = { ...box, live: isLive(box), cardStale: true };
    // The record's fields whole; the card fields, which only the notifier writes, stay.
    this.writes.push(() => this.t.set(ref, doc, replaceFields(doc)));
  }

  putBoxChanges(stored: Box, box: Box): void {
    const ref: DocumentReference = this.db.collection(BOXES).doc(box.id);
    // As putBox: a field left undefined is not written, so it stays as stored.
    const changed: Record<string, unknown> = { live: isLive(box), cardStale: true };
    for (const [key, value] of Object.entries(box)) {
      if (value !== undefined && !sameValue(value, (stored as unknown as Record<string, unknown>)[key])) changed[key] = value;
    }
    // update(), not set(): the record exists (its rev was just read), and each top-level field given
    // replaces that field whole, nested maps and arrays included, as putBox's merge mask does.
    this.writes.push(() => this.t.update(ref, changed));
  }

  claimName(name: string, boxId: string): void {
    this.writes.push(() => this.t.set(this.db.collection(BOX_NAMES).doc(name), { boxId }));
  }

  releaseName(name: string): void {
    this.writes.push(() => this.t.delete(this.db.collection(BOX_NAMES).doc(name)));
  }

  notify(box: Pick<Box, 'id' | 'owner' | 'channel'> | null, drafts: readonly NoticeDraft[]): void {
    const now = this.clock.now();
    for (const draft of drafts) {
      this.writes.push(() => {
        const id = randomUUID();
        const notice: Notice = {
          ...draft,
          id,
          boxId: box?.id ?? null,
          owner: box?.owner ?? null,
          channel: box?.channel ?? null,
          createdAt: now,
          state: 'pending',
          attempts: 0,
          notBefore: now,
        };
        this.t.set(this.db.collection(NOTICES).doc(id), notice);
      });
    }
  }

  audit(entry: AuditEntry): void {
    this.writes.push(() => writeAudit(this.db, this.t, entry, this.auditKeepDays));
  }

  flush(): void {
    for (const write of this.writes) write();
  }
}
