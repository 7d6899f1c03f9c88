/** Parsed price tables in Firestore: one document per region (`prices/compute-<region>`), shared by every replica. */
import type { Firestore } from '@google-cloud/firestore';
import type { Clock } from '../app/ports.js';
import type { PriceStore, StoredPrices } from '../app/ports/prices.js';
import type { PriceTable } from '../domain/prices.js';

export const PRICES = 'prices';

/** Raised when PriceTable changes shape: documents written by an older version are then ignored and refetched. */
const SCHEMA = 1;

interface PriceDoc {
  schema: number;
  region: string;
  table: PriceTable;
  fetchedAt: number;
  storedAt: number;
}

function docId(region: string): string {
  return `compute-${region.toLowerCase().replace(/[^a-z0-9-]/g, '_')}`;
}

export class FirestorePriceStore implements PriceStore {
  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
  ) {}

  async get(region: string): Promise<StoredPrices | null> {
    const snap = await this.db.collection(PRICES).doc(docId(region)).get();
    if (!snap.exists) return null;
    const doc = snap.data() as Partial<PriceDoc>;
    if (doc.schema !== SCHEMA || typeof doc.fetchedAt !== 'number' || doc.table?.region !== region) return null;
    return { table: doc.table, fetchedAt: doc.fetchedAt };
  }

  async put(region: string, prices: StoredPrices): Promise<void> {
    const ref = this.db.collection(PRICES).doc(docId(region));
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const current = snap.exists ? (snap.data() as Partial<PriceDoc>) : null;
      // Two replicas may refresh the same day: the table read last wins, whichever write lands last.
      if (current?.schema === SCHEMA && typeof current.fetchedAt === 'number' && current.fetchedAt > prices.fetchedAt) return;
      t.set(ref, { schema: SCHEMA, region, table: prices.table, fetchedAt: prices.fetchedAt, storedAt: this.clock.now() } satisfies PriceDoc);
    });
  }
}
