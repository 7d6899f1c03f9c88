import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { PNG_SIGNATURE, crc32, encodePng } from '../../src/domain/png.js';
import { CHART_HEIGHT, CHART_WIDTH, dailySpendPng } from '../../src/slack/views/cost-chart.js';

interface Chunk {
  type: string;
  data: Buffer;
}

function chunks(png: Buffer): Chunk[] {
  const out: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `${type} CRC`);
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

test('crc32 matches the published check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('a PNG has the signature, an IHDR with its size, and IDAT rows that inflate back to the pixels', () => {
  const pixels = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  const png = encodePng({ width: 3, height: 2, pixels });
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  const parts = chunks(png);
  assert.deepEqual(parts.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  const ihdr = parts[0]?.data;
  assert.ok(ihdr);
  assert.equal(ihdr.readUInt32BE(0), 3);
  assert.equal(ihdr.readUInt32BE(4), 2);
  assert.equal(ihdr[8], 8);
  assert.equal(ihdr[9], 2);
  const raw = inflateSync(parts[1]?.data ?? Buffer.alloc(0));
  assert.equal(raw.length, 2 * (1 + 9));
  assert.deepEqual([...raw.subarray(1, 10)], [...pixels.subarray(0, 9)]);
  assert.deepEqual([...raw.subarray(11, 20)], [...pixels.subarray(9, 18)]);
});

test('the wrong number of pixel bytes is refused', () => {
  assert.throws(() => encodePng({ width: 2, height: 2, pixels: new Uint8Array(3) }), RangeError);
});

test('the daily-spend chart is a PNG of the chart size whose tallest bar reaches the top of the plot', () => {
  const png = dailySpendPng([1, 0, 4, 2]);
  const parts = chunks(png);
  const ihdr = parts[0]?.data;
  assert.ok(ihdr);
  assert.equal(ihdr.readUInt32BE(0), CHART_WIDTH);
  assert.equal(ihdr.readUInt32BE(4), CHART_HEIGHT);
  const raw = inflateSync(Buffer.concat(parts.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = 1 + CHART_WIDTH * 3;
  const pixel = (x: number, y: number) => [...raw.subarray(y * stride + 1 + x * 3, y * stride + 1 + x * 3 + 3)];
  // The third bar (the largest) is coloured just below the top margin; the zero day is not.
  const slot = (CHART_WIDTH - 32) / 4;
  const mid = (i: number) => Math.round(16 + (i + 0.5) * slot);
  assert.notDeepEqual(pixel(mid(2), 17), [255, 255, 255]);
  assert.deepEqual(pixel(mid(1), CHART_HEIGHT - 22), [255, 255, 255]);
  assert.notDeepEqual(pixel(mid(0), CHART_HEIGHT - 22), [255, 255, 255]);
});
