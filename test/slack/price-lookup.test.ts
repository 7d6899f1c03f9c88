import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { pricesWithin, startLookup, within } from '../../src/slack/price-lookup.js';
import { PRICES } from './views/fixtures.js';

const quiet = createLogger({ level: 'error', write: () => undefined });
const never = new Promise<never>(() => undefined);

describe('price look-ups with a deadline', () => {
  it('give the value that arrives in time', async () => {
    assert.equal(await within(Promise.resolve(PRICES), 50), PRICES);
  });

  it('give nothing once the time is up, without waiting for the look-up', async () => {
    const started = Date.now();
    assert.equal(await within(never, 50), undefined);
    assert.ok(Date.now() - started < 1000);
  });

  it('turn a failed look-up into no prices, logged', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warning', write: (line) => lines.push(line) });
    assert.equal(await within(startLookup(() => Promise.reject(new Error('down')), 'us-central1', log), 50), undefined);
    assert.equal(await startLookup(() => {
      throw new Error('thrown, not rejected');
    }, 'us-central1', log), undefined);
    assert.equal(lines.filter((l) => l.includes('could not look up prices')).length, 2);
  });

  it('ask once per region and keep the regions that answered in time', async () => {
    const asked: string[] = [];
    const found = await pricesWithin(
      (region) => {
        asked.push(region);
        return region === 'us-central1' ? Promise.resolve(PRICES) : never;
      },
      ['us-central1', 'asia-east1', 'us-central1'],
      50,
      quiet,
    );
    assert.deepEqual(asked, ['us-central1', 'asia-east1']);
    assert.deepEqual([...found.keys()], ['us-central1']);
  });

  it('have nothing to ask without a price book', async () => {
    assert.equal((await pricesWithin(undefined, ['us-central1'], 50, quiet)).size, 0);
    assert.equal(await startLookup(undefined, 'us-central1', quiet), undefined);
  });
});
