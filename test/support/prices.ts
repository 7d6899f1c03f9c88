/** What the cost tests share: the bundled us-central1 list prices, and a comparison exact to 1e-9 dollars. */
import assert from 'node:assert/strict';
import { BUNDLED_PRICES, type PriceTable } from '../../src/domain/prices.js';

export function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);
}

export function prices(): PriceTable {
  const table = BUNDLED_PRICES['us-central1'];
  assert.ok(table, 'the bundled table covers us-central1');
  return table;
}
