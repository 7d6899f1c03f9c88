import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUsd } from '../../src/domain/money.js';

describe('formatUsd', () => {
  const cases: [number, string][] = [
    [0, '$0.00'],
    [-0, '$0.00'],
    [0.004, '<$0.01'],
    [-0.004, '-<$0.01'],
    [0.01, '$0.01'],
    [0.35, '$0.35'],
    [12.4, '$12.40'],
    [1234, '$1,234.00'],
    [1234567.891, '$1,234,567.89'],
    [-1234.5, '-$1,234.50'],
    // Halves round up as people read the decimal, though 1.005 is stored as 1.00499999...
    [1.005, '$1.01'],
    [2.675, '$2.68'],
    [0.015, '$0.02'],
    [999.995, '$1,000.00'],
    [Number.NaN, '$?'],
    [Number.POSITIVE_INFINITY, '$?'],
  ];
  for (const [amount, text] of cases) {
    it(`${amount} -> ${text}`, () => assert.equal(formatUsd(amount), text));
  }

  it('agrees with Intl.NumberFormat on thousands of amounts', () => {
    const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
    // A fixed walk over cents and half-cents, so a failure is reproducible.
    for (let i = 1; i < 20_000; i++) {
      for (const amount of [i / 100, i / 1000 + 0.005, (i * 7919) / 1000, -(i * 104729) / 1000]) {
        if (Math.abs(amount) < 0.01) continue;
        assert.equal(formatUsd(amount), intl.format(amount), String(amount));
      }
    }
  });
});
