/**
 * The daily-spend chart `/gpu cost` uploads: one bar per UTC day, drawn straight into pixels and
 * encoded as PNG (Slack previews PNG inline; no chart library is needed for bars). Figures are in the
 * upload's title and the answer's text, so the image carries no lettering.
 */
import { encodePng } from '../../domain/png.js';

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 240;

type Rgb = readonly [number, number, number];
const BACKGROUND: Rgb = [255, 255, 255];
const GRID: Rgb = [228, 228, 232];
const AXIS: Rgb = [120, 120, 128];
const BAR: Rgb = [54, 123, 245];
const TODAY: Rgb = [140, 180, 250];

const MARGIN = { left: 16, right: 16, top: 16, bottom: 20 };

/** A bar chart of `values` (one per day, oldest first); the last bar (today, still counting) is lighter. */
export function dailySpendPng(values: readonly number[]): Buffer {
  const width = CHART_WIDTH;
  const height = CHART_HEIGHT;
  const pixels = new Uint8Array(width * height * 3);
  const fill = (x0: number, y0: number, x1: number, y1: number, colour: Rgb): void => {
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) pixels.set(colour, (y * width + x) * 3);
    }
  };
  fill(0, 0, width, height, BACKGROUND);
  const plotBottom = height - MARGIN.bottom;
  const plotHeight = plotBottom - MARGIN.top;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  // Quarter lines give a sense of scale; the title states the largest day.
  for (let q = 1; q <= 4; q++) {
    const y = plotBottom - Math.round((plotHeight * q) / 4);
    fill(MARGIN.left, y, width - MARGIN.right, y + 1, GRID);
  }
  const max = Math.max(0, ...values.filter((v) => Number.isFinite(v)));
  const n = Math.max(1, values.length);
  const slot = plotWidth / n;
  const gap = Math.max(1, Math.floor(slot * 0.2));
  values.forEach((value, i) => {
    const v = Number.isFinite(value) ? Math.max(0, value) : 0;
    const h = max > 0 ? Math.round((v / max) * plotHeight) : 0;
    const x0 = MARGIN.left + Math.round(i * slot) + gap;
    const x1 = MARGIN.left + Math.round((i + 1) * slot) - gap;
    // A day with any spend shows at least a sliver, so small days do not look free.
    const top = plotBottom - (v > 0 ? Math.max(1, h) : 0);
    fill(x0, top, Math.max(x0 + 1, x1), plotBottom, i === values.length - 1 ? TODAY : BAR);
  });
  fill(MARGIN.left, plotBottom, width - MARGIN.right, plotBottom + 1, AXIS);
  return encodePng({ width, height, pixels });
}
