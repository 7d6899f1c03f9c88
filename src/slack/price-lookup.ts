/**
 * Prices for messages that must not wait long: a message without a price is better than a late one,
 * so a look-up that has not answered in time is left out. It still finishes in the background, and
 * the price book keeps what it read for the next message.
 */
import type { Logger } from '../app/ports.js';
import type { PriceTable } from '../domain/prices.js';
import { raceTimer } from './ack-deadline.js';

/** A region's list prices: the price book's `prices`. */
export type PriceLookup = (region: string) => Promise<PriceTable>;

/** Inside a slash command's ack: the ack deadline (2 s) leaves room for this and the reply. */
export const PRICE_WAIT_IN_ACK_MS = 300;
/** After the ack, or in the worker: long enough for a cold catalogue read, short enough not to stall a reply. */
export const PRICE_WAIT_MS = 3000;

/** The promise's value if it settles with one within `ms`; undefined when it is late or fails. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return raceTimer(promise.catch(() => undefined), ms, undefined);
}

/**
 * Starts a look-up now, to be awaited (with `within`) later, or never: a failure is logged and becomes
 * undefined, so an abandoned look-up cannot end as an unhandled rejection.
 */
export function startLookup(lookup: PriceLookup | undefined, region: string, log: Logger): Promise<PriceTable | undefined> {
  if (lookup === undefined) return Promise.resolve(undefined);
  return Promise.resolve()
    .then(() => lookup(region))
    .catch((error: unknown) => {
      log.warn('could not look up prices', { region, error });
      return undefined;
    });
}

/** The tables of the given regions that arrive within `ms`, by region. */
export async function pricesWithin(lookup: PriceLookup | undefined, regions: Iterable<string>, ms: number, log: Logger): Promise<Map<string, PriceTable>> {
  const found = new Map<string, PriceTable>();
  if (lookup === undefined) return found;
  await Promise.all(
    [...new Set(regions)].map(async (region) => {
      const table = await within(startLookup(lookup, region, log), ms);
      if (table !== undefined) found.set(region, table);
    }),
  );
  return found;
}
