/**
 * Prices and costs as every message shows them: rounded to cents only here, and with what the
 * figures are (list prices, from when) said once per message.
 */
import type { Box } from '../../domain/box.js';
import { boxCost, type BoxCost } from '../../domain/cost.js';
import { formatUsd } from '../../domain/money.js';
import { PRICE_BASIS, type HourlyPrice, type PricePartKind, type PriceSource, type PriceTable } from '../../domain/prices.js';
import { listText } from './format.js';
import { escapeMrkdwn, truncate } from './messages.js';

const PART_WORDS: Readonly<Record<PricePartKind, string>> = { gpu: 'GPU', vcpu: 'vCPU', memory: 'RAM', disk: 'disk' };

/** A source's note comes from configuration and error text; this keeps it from crowding out the figures. */
const NOTE_MAX = 300;
const MISSING_MAX = 80;

export function perHourText(amount: number): string {
  return `${formatUsd(amount)}/h`;
}

export function perMonthText(amount: number): string {
  return `${formatUsd(amount)}/month`;
}

/** `≈ $0.76/h while running (GPU $0.35, vCPU $0.25, RAM $0.13, disk $0.03)`. */
export function runningPriceText(price: HourlyPrice, opts: { spot: boolean; parts: boolean }): string {
  const spot = opts.spot ? ' at Spot prices' : '';
  const parts = opts.parts && price.parts.length > 0 ? ` (${price.parts.map((p) => `${PART_WORDS[p.kind]} ${formatUsd(p.perHour)}`).join(', ')})` : '';
  return `≈ ${perHourText(price.running)} while running${spot}${parts}`;
}

/** `$20.00/month for the disk while stopped`. */
export function stoppedPriceText(price: HourlyPrice): string {
  return `${perMonthText(price.stoppedPerMonth)} for the disk while stopped`;
}

function sourceKey(source: PriceSource): string {
  return JSON.stringify([source.kind, source.asOf, source.note ?? null]);
}

/**
 * What the figures of one message are, in mrkdwn: `list price`, and for prices that are not today's
 * catalogue ones, their date and why (`list price, prices as of 2026-01-01 (bundled list prices of
 * 2026-01-01; …)`). `missing` names what had no price and was counted as nothing, so a figure that is
 * too low says so.
 */
export function priceBasisText(sources: readonly PriceSource[], missing: readonly string[] = []): string {
  const seen = new Map<string, PriceSource>();
  for (const source of sources) seen.set(sourceKey(source), source);
  const dated = [...seen.values()]
    .filter((s) => s.kind === 'bundled' || s.note !== undefined)
    .map((s) => `${escapeMrkdwn(truncate(s.asOf, 20))}${s.note !== undefined ? ` (${escapeMrkdwn(truncate(s.note, NOTE_MAX))})` : ''}`);
  let text = PRICE_BASIS;
  if (dated.length > 0) text += `, prices as of ${listText(dated, 3)}`;
  const unpriced = [...new Set(missing)].map((m) => escapeMrkdwn(truncate(m, MISSING_MAX)));
  if (unpriced.length > 0) text += `; no price for ${listText(unpriced, 3)}, counted as $0`;
  return text;
}

/** What a box costs now and has cost so far, at its region's prices. */
export interface BoxMoney {
  cost: BoxCost;
  price: HourlyPrice;
  /** The VM is billed right now (its latest running span is still open). */
  runningNow: boolean;
}

export function boxMoney(box: Pick<Box, 'spec' | 'history'>, prices: PriceTable, now: number): BoxMoney {
  const cost = boxCost(box, prices, now);
  return { cost, price: cost.rates, runningNow: cost.spans.at(-1)?.open === true };
}

/** Whether the box is gone, so what it cost is final. */
export function costIsFinal(box: Pick<Box, 'status'>): boolean {
  return box.status === 'deleted' || box.status === 'failed';
}

/**
 * The hourly burn of several boxes, for the top of a list: `Running now: 2 boxes, ≈ $3.40/h`, what
 * stopped disks add, and the basis of every figure in the list. Null when no box has a price.
 */
export function burnText(boxes: readonly Box[], now: number, prices: (region: string) => PriceTable | undefined): string | null {
  let running = 0;
  let runningPerHour = 0;
  let stopped = 0;
  let stoppedPerHour = 0;
  let unpriced = 0;
  const sources: PriceSource[] = [];
  const missing: string[] = [];
  for (const box of boxes) {
    const table = prices(box.spec.region);
    if (table === undefined) {
      if (!costIsFinal(box)) unpriced += 1;
      continue;
    }
    const money = boxMoney(box, table, now);
    // A deleted box burns nothing, but its entry still shows a figure that needs the basis.
    sources.push(money.cost.source);
    missing.push(...money.price.missing);
    if (costIsFinal(box)) continue;
    if (money.runningNow) {
      running += 1;
      runningPerHour += money.price.running;
    } else if (box.status === 'stopped') {
      stopped += 1;
      stoppedPerHour += money.price.diskPerHour;
    }
  }
  if (sources.length === 0) return null;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 'es'}`;
  const parts = [running === 0 ? 'Running now: none' : `Running now: ${plural(running, 'box')}, ≈ ${perHourText(runningPerHour)}`];
  if (stopped > 0) parts.push(`${stopped} stopped (${stopped === 1 ? 'disk' : 'disks'} only, ${perHourText(stoppedPerHour)})`);
  if (unpriced > 0) parts.push(`${plural(unpriced, 'box')} without a price not counted`);
  return `:moneybag: ${parts.join(' · ')} · ${priceBasisText(sources, missing)}`;
}

/** One box's money in a list entry: `≈ $0.76/h, $2.34 so far`. */
export function boxMoneyFact(box: Box, prices: PriceTable, now: number): string {
  const money = boxMoney(box, prices, now);
  const total = formatUsd(money.cost.total);
  if (costIsFinal(box)) return `${total} in all`;
  if (money.runningNow) return `≈ ${perHourText(money.price.running)}, ${total} so far`;
  if (box.status === 'stopped') return `disk ${perMonthText(money.price.stoppedPerMonth)}, ${total} so far`;
  return `${total} so far`;
}

/**
 * What a stop or a delete means in money, for its notice: the box's cost up to now (final once it is
 * deleted) and, for a stop, what stopping saves per hour, then the basis. Idle stops say the same.
 */
export function endMoneyText(kind: 'stop' | 'delete', box: Pick<Box, 'spec' | 'history'>, prices: PriceTable, now: number): string {
  const money = boxMoney(box, prices, now);
  const total = formatUsd(money.cost.total);
  const basis = priceBasisText([money.cost.source], money.price.missing);
  if (kind === 'delete') return `Cost in all: ${total} · ${basis}`;
  return `Cost so far: ${total} · stopping saves ≈ ${perHourText(money.price.vmPerHour)}; the disk stays at ${perMonthText(money.price.stoppedPerMonth)} · ${basis}`;
}
