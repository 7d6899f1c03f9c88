/**
 * The price book: the list prices every cost the bot shows is computed from. It reads Google's Cloud
 * Billing Catalog (Compute Engine and Vertex AI SKUs) at most once a day, keeps the parsed tables in
 * Firestore so the other replicas and the next start reuse them, and never fails a caller: when the
 * catalogue cannot be read it answers with the last table it read, or else the bundled one, and the
 * table's `source` says which prices those are, from when, and why.
 */
import { BILLING_SERVICES, bundledPrices, type PriceTable } from '../domain/prices.js';
import { hasComputePrices, parseSkus } from '../domain/price-skus.js';
import { withPlausiblePrices } from '../domain/price-bounds.js';
import { isGoogleCloudRegion } from '../domain/regions.js';
import { utcDay } from '../domain/cost-period.js';
import { duration } from '../domain/time.js';
import type { Clock, CloudFailure, Logger } from './ports.js';
import type { PriceCatalogPort, PriceStore, StoredPrices } from './ports/prices.js';

export interface PriceBookDeps {
  catalog: PriceCatalogPort;
  store: PriceStore;
  clock: Clock;
  log: Logger;
  /** Regions read at every refresh, besides those asked for since the start (one catalogue read serves them all). */
  regions?: readonly string[];
  /** How long a table read from the catalogue is used. Google changes list prices rarely, Spot prices up to monthly. */
  refreshAfterMs?: number;
  /** After a failed read, how long the fallback is used before the catalogue is asked again. */
  retryAfterMs?: number;
}

export interface RefreshReport {
  ok: boolean;
  /** Regions whose table was read and stored. */
  regions: string[];
  failure?: CloudFailure;
}

const DAY_MS = duration({ days: 1 }).asMilliseconds();
const HOUR_MS = duration({ hours: 1 }).asMilliseconds();

/** Prices are asked for in dollars: money.ts formats dollars. */
const CURRENCY = 'USD';

function why(failure: CloudFailure): string {
  return failure.kind === 'permission'
    ? 'the Cloud Billing API is not enabled or not permitted for this project'
    : 'the Cloud Billing API could not be reached';
}

export class PriceBook {
  private readonly refreshAfterMs: number;
  private readonly retryAfterMs: number;
  private readonly regions: Set<string>;
  private readonly memory = new Map<string, StoredPrices>();
  /** When the catalogue was last asked for each region's prices, whatever the answer. */
  private readonly attempts = new Map<string, number>();
  private lastFailure: CloudFailure | null = null;
  private inFlight: Promise<RefreshReport> | null = null;

  constructor(private readonly deps: PriceBookDeps) {
    this.refreshAfterMs = deps.refreshAfterMs ?? DAY_MS;
    this.retryAfterMs = deps.retryAfterMs ?? HOUR_MS;
    this.regions = new Set((deps.regions ?? []).filter(isGoogleCloudRegion));
  }

  /** The list prices of a region: read today from the catalogue, or the best fallback, saying which. */
  async prices(region: string): Promise<PriceTable> {
    // Not a region: no catalogue read, no stored entry, no memory kept for it.
    if (!isGoogleCloudRegion(region)) return bundledPrices(region, `${region} is not a Google Cloud region`);
    this.regions.add(region);
    let known = this.memory.get(region) ?? null;
    if (known === null || this.stale(known)) {
      // Another replica (or this one before a restart) may have read the catalogue already.
      const stored = await this.readStore(region);
      if (stored !== null && (known === null || stored.fetchedAt > known.fetchedAt)) {
        known = stored;
        this.memory.set(region, stored);
      }
    }
    if (known !== null && !this.stale(known)) return known.table;

    // A read already under way may bring this region's prices: wait for it. If it was started before
    // this region was asked for, it did not cover it, and a second read does.
    for (let round = 0; round < 2; round++) {
      const lastTry = this.attempts.get(region);
      const due = lastTry === undefined || this.deps.clock.now() - lastTry >= this.retryAfterMs;
      if (!due && this.inFlight === null) break;
      await this.refresh([region]);
      const fresh = this.memory.get(region) ?? null;
      if (fresh !== null && !this.stale(fresh)) return fresh.table;
      known = fresh ?? known;
    }
    return this.fallback(region, known);
  }

  /**
   * Reads the catalogue now for the given regions and every region asked for so far, and stores what
   * it read. Concurrent calls share one read.
   */
  refresh(regions: readonly string[] = []): Promise<RefreshReport> {
    for (const region of regions) if (isGoogleCloudRegion(region)) this.regions.add(region);
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async read(): Promise<RefreshReport> {
    const now = this.deps.clock.now();
    const regions = [...this.regions].sort();
    for (const region of regions) this.attempts.set(region, now);
    const [compute, vertex] = await Promise.all([
      this.deps.catalog.listSkus(BILLING_SERVICES.compute, CURRENCY),
      this.deps.catalog.listSkus(BILLING_SERVICES.vertex, CURRENCY),
    ]);
    // Both or neither: a table with Compute prices but no training rates would price jobs at zero.
    if (!compute.ok) return this.failed(compute.failure);
    if (!vertex.ok) return this.failed(vertex.failure);
    this.lastFailure = null;
    const skus = [...compute.value, ...vertex.value];
    const stored: string[] = [];
    for (const region of regions) {
      const table = this.plausible(parseSkus(skus, region, { asOf: utcDay(now) }), region);
      if (!hasComputePrices(table)) {
        this.deps.log.warn('the Cloud Billing Catalog lists no Compute Engine prices for a region', { region });
        continue;
      }
      const entry: StoredPrices = { table, fetchedAt: now };
      this.memory.set(region, entry);
      stored.push(region);
      try {
        await this.deps.store.put(region, entry);
      } catch (error) {
        // The table still serves this replica; the others read the catalogue themselves.
        this.deps.log.warn('could not store prices in Firestore', { region, error });
      }
    }
    return { ok: true, regions: stored };
  }

  /** The table with implausible rates (a misread unit, say) replaced by the last good or bundled ones, with a warning. */
  private plausible(table: PriceTable, region: string): PriceTable {
    const lastGood = this.memory.get(region)?.table ?? bundledPrices(region);
    const checked = withPlausiblePrices(table, lastGood);
    if (checked.rejected.length > 0) {
      this.deps.log.warn('the Cloud Billing Catalog gave implausible prices; using the last good or bundled ones for those', {
        region,
        rejected: checked.rejected,
        usedFrom: lastGood.source.kind === 'catalog' ? `the catalogue of ${lastGood.source.asOf}` : 'the bundled table',
      });
    }
    return checked.table;
  }

  private failed(failure: CloudFailure): RefreshReport {
    this.lastFailure = failure;
    this.deps.log.warn('could not read the Cloud Billing Catalog; showing earlier or bundled prices', { failure });
    return { ok: false, regions: [], failure };
  }

  private fallback(region: string, known: StoredPrices | null): PriceTable {
    const reason = this.lastFailure !== null ? why(this.lastFailure) : `the Cloud Billing Catalog lists no Compute Engine prices for ${region}`;
    if (known !== null) {
      const asOf = utcDay(known.fetchedAt);
      return { ...known.table, source: { kind: known.table.source.kind, asOf: known.table.source.asOf, note: `${reason}; prices as read on ${asOf}` } };
    }
    return bundledPrices(region, reason);
  }

  private stale(entry: StoredPrices): boolean {
    return this.deps.clock.now() - entry.fetchedAt >= this.refreshAfterMs;
  }

  private async readStore(region: string): Promise<StoredPrices | null> {
    try {
      return await this.deps.store.get(region);
    } catch (error) {
      this.deps.log.warn('could not read stored prices from Firestore', { region, error });
      return null;
    }
  }
}
