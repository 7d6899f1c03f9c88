/**
 * Plausible list prices: a catalog SKU whose unit conversion was misread once priced a GPU at
 * billions of dollars an hour. A parsed table is checked rate by rate against wide bounds (every
 * Compute Engine and Vertex AI list price on Google's pricing pages falls well inside them, Spot
 * included); a rate outside them is replaced by the last good (or bundled) one and named.
 */
import type { DiskRate, FamilyRates, PriceTable, Rate, TrainingRates } from './prices.js';

interface Bounds {
  min: number;
  max: number;
}

/**
 * USD. Wide on purpose: they catch a factor of 1000 or more, not a price change. For scale (Google's
 * GPU, VM and disk pricing pages): a T4 is about $0.35 a GPU-hour and an H100 about $10, an N1 vCPU
 * $0.03 an hour, a GiB of memory $0.004 an hour, a GiB of balanced disk $0.10 a month.
 */
export const PLAUSIBLE: Readonly<Record<'gpu' | 'vcpu' | 'ramGib' | 'diskGibMonth', Bounds>> = {
  gpu: { min: 0.01, max: 100 },
  vcpu: { min: 0.0005, max: 1 },
  ramGib: { min: 0.00005, max: 0.1 },
  diskGibMonth: { min: 0.001, max: 5 },
};

function ok(value: number | null | undefined, bounds: Bounds): boolean {
  return value === null || value === undefined || (Number.isFinite(value) && value >= bounds.min && value <= bounds.max);
}

export interface CheckedTable {
  table: PriceTable;
  /** Each rejected rate, as `gpus.t4.onDemand=350000000`. */
  rejected: string[];
}

/**
 * The table with every implausible rate replaced by `fallback`'s (the last good table, or the bundled
 * one); where the fallback has none either, the entry is left out (a missing price shows no cost,
 * which is better than a wrong one).
 */
export function withPlausiblePrices(table: PriceTable, fallback: PriceTable): CheckedTable {
  const rejected: string[] = [];
  const rate = (path: string, r: Rate, bounds: Bounds, back: Rate | undefined): Rate | undefined => {
    const onDemandOk = ok(r.onDemand, bounds);
    const spotOk = ok(r.spot, bounds);
    if (!onDemandOk) rejected.push(`${path}.onDemand=${r.onDemand}`);
    if (!spotOk) rejected.push(`${path}.spot=${String(r.spot)}`);
    if (onDemandOk && spotOk) return r;
    if (!onDemandOk && back === undefined) return undefined;
    return { onDemand: onDemandOk ? r.onDemand : (back?.onDemand ?? r.onDemand), spot: spotOk ? r.spot : (back?.spot ?? null) };
  };

  const gpus: PriceTable['gpus'] = {};
  for (const [gpu, r] of Object.entries(table.gpus) as [keyof PriceTable['gpus'], Rate][]) {
    const checked = rate(`gpus.${gpu}`, r, PLAUSIBLE.gpu, fallback.gpus[gpu]);
    if (checked !== undefined) gpus[gpu] = checked;
  }
  const families: PriceTable['families'] = {};
  for (const [family, f] of Object.entries(table.families) as [keyof PriceTable['families'], FamilyRates][]) {
    const back = fallback.families[family];
    const vcpu = rate(`families.${family}.vcpu`, f.vcpu, PLAUSIBLE.vcpu, back?.vcpu);
    const ramGib = rate(`families.${family}.ramGib`, f.ramGib, PLAUSIBLE.ramGib, back?.ramGib);
    if (vcpu !== undefined && ramGib !== undefined) families[family] = { vcpu, ramGib };
  }
  const disks: PriceTable['disks'] = {};
  for (const [disk, d] of Object.entries(table.disks) as [keyof PriceTable['disks'], DiskRate][]) {
    if (ok(d.perGibMonth, PLAUSIBLE.diskGibMonth)) disks[disk] = d;
    else {
      rejected.push(`disks.${disk}.perGibMonth=${d.perGibMonth}`);
      const back = fallback.disks[disk];
      if (back !== undefined) disks[disk] = back;
    }
  }
  const training: TrainingRates = { gpus: {}, families: {} };
  for (const [gpu, price] of Object.entries(table.training.gpus) as [keyof TrainingRates['gpus'], number][]) {
    if (ok(price, PLAUSIBLE.gpu)) training.gpus[gpu] = price;
    else {
      rejected.push(`training.gpus.${gpu}=${price}`);
      const back = fallback.training.gpus[gpu];
      if (back !== undefined) training.gpus[gpu] = back;
    }
  }
  for (const [family, f] of Object.entries(table.training.families) as [keyof TrainingRates['families'], { vcpu: number; ramGib: number }][]) {
    if (ok(f.vcpu, PLAUSIBLE.vcpu) && ok(f.ramGib, PLAUSIBLE.ramGib)) training.families[family] = f;
    else {
      rejected.push(`training.families.${family}=${f.vcpu}/${f.ramGib}`);
      const back = fallback.training.families[family];
      if (back !== undefined) training.families[family] = back;
    }
  }
  return { table: { ...table, gpus, families, disks, training }, rejected };
}
