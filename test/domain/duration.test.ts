import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/domain/duration.js';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('parseDuration reads seconds, minutes, hours, days and combinations', () => {
  const cases: [string, number][] = [
    ['90s', 90 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['1h30m', H + 30 * M],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['2H', 2 * H],
    [' 15m ', 15 * M],
    ['5 m', 5 * M],
    ['0s', 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('a bare number means minutes', () => {
  assert.equal(parseDuration('60'), 60 * M);
  assert.equal(parseDuration('0'), 0);
});

test('parts may be separated by spaces, so what formatDuration writes reads back', () => {
  assert.equal(parseDuration('1h 30m'), H + 30 * M);
  assert.equal(parseDuration('2d 4h'), 2 * D + 4 * H);
  for (const ms of [45 * S, 12 * M, 3 * H + 5 * M, 2 * D + 4 * H, 47 * H + 59 * M]) {
    assert.equal(parseDuration(formatDuration(ms)), ms, formatDuration(ms));
  }
});

test('parseDuration gives null for text that is not a duration', () => {
  const cases = ['', '   ', 'm', '5x', '1.5h', '-5m', '+5m', '5m-', 'h1', '1h 30', '1e3s', 'NaN', 'Infinity', '15 minutes', '0x10m'];
  for (const text of cases) assert.equal(parseDuration(text), null, JSON.stringify(text));
});

test('parseDuration gives null rather than an imprecise number for absurdly long durations', () => {
  assert.equal(parseDuration('99999999999999999999'), null);
  assert.equal(parseDuration('9007199254740993s'), null);
  assert.equal(parseDuration(`${'9'.repeat(400)}d`), null);
});

test('formatDuration writes durations the way a person reads them', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [999, '1s'],
    [45 * S, '45s'],
    [59 * S + 499, '59s'],
    [59 * S + 500, '1m'],
    [12 * M, '12m'],
    [H, '1h'],
    [H + M, '1h 1m'],
    [47 * H + 59 * M, '47h 59m'],
    [48 * H, '2d'],
    [2 * D + 4 * H, '2d 4h'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
});

test('formatDuration never prints NaN: negative and NaN spans show as 0s, an endless one as ∞', () => {
  assert.equal(formatDuration(-5 * S), '0s');
  assert.equal(formatDuration(Number.NaN), '0s');
  assert.equal(formatDuration(Number.POSITIVE_INFINITY), '∞');
  assert.equal(formatDuration(Number.NEGATIVE_INFINITY), '0s');
});
