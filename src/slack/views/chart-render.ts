/**
 * Draws a stacked bar chart to PNG with Chart.js on @napi-rs/canvas (Skia, prebuilt for each
 * platform in npm packages: no browser, no system libraries). Loaded only when a chart is drawn:
 * the two libraries and the font cost start-up time the ack path must not pay.
 */
import { fileURLToPath } from 'node:url';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, SubTitle, Title, type ChartItem, type Plugin } from 'chart.js';
import { formatUsd } from '../../domain/money.js';

// Shipped with the project (assets/fonts, with its licence): Skia finds no fonts on a slim image, and
// the same font everywhere keeps the rendering test's reference picture true. src/ and dist/ sit at
// the same depth, so one relative path serves both.
const FONT_FILE = fileURLToPath(new URL('../../../assets/fonts/DejaVuSans.ttf', import.meta.url));
const FONT = 'DejaVu Sans';
GlobalFonts.registerFromPath(FONT_FILE, FONT);
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Title, SubTitle);

/** Tableau 10: colours told apart by most readers, colour-blind ones included. */
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** What to draw: worked out from a cost report in cost-chart.ts, which loads this file on the first chart. */
export interface SpendChart {
  title: string;
  subtitle: string;
  /** `Nov 27`, one per bar, oldest first. */
  days: string[];
  /** Bottom to top in each bar; `values[i]` is the stack's dollars on `days[i]`. */
  stacks: { label: string; values: number[] }[];
}

/** Chart.js leaves the canvas transparent; Slack's dark theme would show black under the text. */
const whiteBackground: Plugin<'bar'> = {
  id: 'whiteBackground',
  beforeDraw: (chart) => {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export function renderStackedBars(data: SpendChart, size: { width: number; height: number; scale: number }): Buffer {
  const canvas = createCanvas(size.width * size.scale, size.height * size.scale);
  const chart = new Chart(
    // Chart.js is typed for the browser's canvas; Skia's implements the 2D context it uses.
    canvas as unknown as ChartItem,
    {
      type: 'bar',
      data: {
        labels: data.days,
        datasets: data.stacks.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: PALETTE[i % PALETTE.length] ?? '#888888', stack: 'spend' })),
      },
      options: {
        responsive: false,
        animation: false,
        devicePixelRatio: size.scale,
        font: { family: FONT, size: 12 },
        color: '#333333',
        layout: { padding: 12 },
        plugins: {
          title: { display: true, text: data.title, font: { family: FONT, size: 16, weight: 'bold' }, color: '#111111', padding: { top: 0, bottom: 2 } },
          subtitle: { display: true, text: data.subtitle, font: { family: FONT, size: 12, weight: 'normal' }, color: '#555555', padding: { bottom: 10 } },
          legend: { display: true, position: 'bottom', labels: { font: { family: FONT, size: 12 }, boxWidth: 14 } },
        },
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { font: { family: FONT, size: 11 }, color: '#333333' } },
          y: {
            stacked: true,
            beginAtZero: true,
            title: { display: true, text: 'US dollars', font: { family: FONT, size: 12 }, color: '#333333' },
            ticks: { font: { family: FONT, size: 11 }, color: '#333333', callback: (value) => formatUsd(Number(value)) },
            grid: { color: '#e4e4e8' },
          },
        },
      },
      plugins: [whiteBackground],
    },
  );
  // Chart.js sizes the canvas from its CSS size in a browser; here it is told the size once more.
  chart.resize(size.width, size.height);
  chart.update('none');
  const png = canvas.toBuffer('image/png');
  chart.destroy();
  return png;
}
