/**
 * Claims on posting a Slack card (`cardPosts/{key}`): one sender at a time records its intent (holder,
 * lease fence, expiry) before posting and the card's ts right after, so a second leader waits and a
 * sender that died between the post and the record leaves a trace the next one looks for.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { CardClaim, CardClaimStore, Clock } from '../app/ports.js';

export const CARD_POSTS = 'cardPosts';

/** Kept well past any claim; a TTL policy on `expiresAt` (README "Firestore") deletes them later. */
const KEEP_MS = 7 * 24 * 3600_000;

interface CardPostDoc {
  holder: string;
  fence: number | null;
  until: number;
  /** When the first claim was taken: an earlier post, if any, is newer than this. */
  since: number;
  card: { channel: string; ts: string } | null;
  expiresAt: Date;
}

export class FirestoreCardClaimStore implements CardClaimStore {
  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
  ) {}

  async claim(key: string, holder: string, untilMs: number, fence?: number): Promise<CardClaim> {
    const ref = this.db.collection(CARD_POSTS).doc(key);
    return this.db.runTransaction(async (t): Promise<CardClaim> => {
      const snap = await t.get(ref);
      const doc = snap.exists ? (snap.data() as CardPostDoc) : null;
      const now = this.clock.now();
      if (doc?.card != null) return { state: 'posted', card: doc.card };
      if (doc !== null && doc.until > now && doc.holder !== holder) return { state: 'busy' };
      const next: CardPostDoc = { holder, fence: fence ?? null, until: untilMs, since: doc?.since ?? now, card: null, expiresAt: new Date(now + KEEP_MS) };
      t.set(ref, next);
      return { state: 'mine', since: doc !== null ? doc.since : null };
    });
  }

  async recordPosted(key: string, card: { channel: string; ts: string }): Promise<void> {
    const ref = this.db.collection(CARD_POSTS).doc(key);
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const doc = snap.exists ? (snap.data() as CardPostDoc) : null;
      if (doc?.card != null) return;
      const now = this.clock.now();
      t.set(ref, { holder: doc?.holder ?? '', fence: doc?.fence ?? null, until: doc?.until ?? now, since: doc?.since ?? now, card, expiresAt: new Date(now + KEEP_MS) } satisfies CardPostDoc);
    });
  }
}
