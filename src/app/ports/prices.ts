/** What the price book needs from the outside world: Google's price catalogue and a place to keep what it read. */
import type { PriceTable } from '../../domain/prices.js';
import type { SkuLike } from '../../domain/price-skus.js';
import type { CloudResult } from './cloud.js';

export interface PriceCatalogPort {
  /**
   * Every public SKU of a Cloud Billing service (`6F81-5844-456A` is Compute Engine), all pages, with
   * prices in `currency` (ISO 4217).
   */
  listSkus(serviceId: string, currency: string): Promise<CloudResult<SkuLike[]>>;
}

/** A region's parsed prices and when they were read from the catalogue. */
export interface StoredPrices {
  table: PriceTable;
  fetchedAt: number;
}

/** Parsed price tables, shared by every replica so one of them reads the catalogue per day, not each. */
export interface PriceStore {
  get(region: string): Promise<StoredPrices | null>;
  put(region: string, prices: StoredPrices): Promise<void>;
}
