/**
 * Reads Google's Cloud Billing Catalog SKUs into a price table: which SKU is which GPU, core, memory or
 * disk of which family, in which unit, on demand or Spot, for Compute Engine or Vertex AI training.
 */
import type { GpuKey, MachineFamily } from './gpus.js';
import { BILLING_SERVICES, type DiskRate, type DiskType, type FamilyRates, type PriceTable, type PricedFamily, type Rate, type TrainingRates } from './prices.js';


/** The parts of a Cloud Billing `Sku` the parser reads; googleapis' `Schema$Sku` fits it. */
export interface SkuLike {
  name?: string | null;
  skuId?: string | null;
  description?: string | null;
  category?: {
    serviceDisplayName?: string | null;
    resourceFamily?: string | null;
    resourceGroup?: string | null;
    usageType?: string | null;
  } | null;
  serviceRegions?: string[] | null;
  pricingInfo?:
    | {
        effectiveTime?: string | null;
        pricingExpression?: {
          usageUnit?: string | null;
          baseUnit?: string | null;
          baseUnitConversionFactor?: number | null;
          tieredRates?: { startUsageAmount?: number | null; unitPrice?: { currencyCode?: string | null; units?: string | null; nanos?: number | null } | null }[] | null;
        } | null;
      }[]
    | null;
}

type Slot =
  | { kind: 'gpu'; gpu: GpuKey }
  | { kind: 'vcpu' | 'ram'; family: PricedFamily }
  | { kind: 'disk'; disk: DiskType };

// Descriptions are matched from their start, so look-alikes with other prices stay out: "N1 Sole
// Tenancy Instance Core", "Nvidia Tesla T4 Virtual Workstation GPU", "Regional Balanced PD
// Capacity" (twice the price), "Commitment v1: ...", "Nvidia H100 80GB Mega GPU".
const GPU_PATTERNS: readonly (readonly [GpuKey, RegExp])[] = [
  ['t4', /^Nvidia Tesla T4 GPU running in /i],
  ['l4', /^Nvidia L4 GPU running in /i],
  ['v100', /^Nvidia Tesla V100 GPU running in /i],
  ['p100', /^Nvidia Tesla P100 GPU running in /i],
  ['a100', /^Nvidia Tesla A100 GPU running in /i],
  ['a100-80gb', /^Nvidia (?:Tesla )?A100 80GB GPU running in /i],
  ['h100', /^Nvidia H100 80GB GPU running in /i],
];

// Compute Engine says "Core" and "Ram"; Vertex AI's training SKUs say "CPU" and "RAM".
const FAMILY_PATTERNS: readonly (readonly [PricedFamily, RegExp])[] = [
  ['n1', /^(?:N1 )?Predefined Instance (Core|CPU|Ram) running in /i],
  ['n1-custom', /^Custom Instance (Core|CPU|Ram) running in /i],
  ['a2', /^A2 Instance (Core|CPU|Ram) running in /i],
  ['a2-ultra', /^A2 Ultra Instance (Core|CPU|Ram) running in /i],
  ['g2', /^G2 Instance (Core|CPU|Ram) running in /i],
  ['a3', /^A3 (?:High )?Instance (Core|CPU|Ram) running in /i],
];

const DISK_PATTERNS: readonly (readonly [DiskType, RegExp])[] = [
  ['pd-balanced', /^Balanced PD Capacity(?: in .+)?$/i],
  ['pd-standard', /^Storage PD Capacity(?: in .+)?$/i],
  ['pd-ssd', /^SSD backed PD Capacity(?: in .+)?$/i],
];

const UNIT_OF: Readonly<Record<Slot['kind'], string>> = { gpu: 'h', vcpu: 'h', ram: 'GiBy.h', disk: 'GiBy.mo' };

/**
 * What `baseUnitConversionFactor` must be for each usage unit (REFERENCE.md "Billing catalog units"):
 * the base unit is seconds (byte-seconds for memory and disks), so an hour is 3600 and a GiB-hour 2^30 ×
 * 3600; a GiB-month is 2^30 × 3600 × the hours of the catalog's month (31 days: 744), so any month of
 * 28 to 31 days fits. A SKU whose factor does not fit its unit is not what its unit says: it is skipped.
 */
function factorFits(unit: string, baseUnit: string | null | undefined, factor: number | null | undefined): boolean {
  if (factor === null || factor === undefined) return true;
  if (!Number.isFinite(factor) || factor <= 0) return false;
  switch (unit) {
    case 'h':
      return (baseUnit ?? 's') === 's' && factor === 3600;
    case 'GiBy.h':
      return (baseUnit ?? 'By.s') === 'By.s' && factor === GIB * 3600;
    case 'GiBy.mo': {
      const hours = factor / GIB / 3600;
      return (baseUnit ?? 'By.s') === 'By.s' && hours >= 28 * 24 && hours <= 31 * 24;
    }
    default:
      return false;
  }
}

const GIB = 1024 ** 3;
/** What Google's price pages count a month as, for a disk SKU that does not say. */
const DEFAULT_HOURS_PER_MONTH = 730;

/** Which machine part a Compute Engine description (Spot prefixes already removed) prices. */
function slotOf(description: string, category: { resourceFamily: string; resourceGroup: string } | null): Slot | null {
  const family = category?.resourceFamily.toLowerCase() ?? null;
  const group = category?.resourceGroup.toLowerCase() ?? null;
  if (family === null || family === 'compute') {
    for (const [gpu, pattern] of GPU_PATTERNS) {
      if (pattern.test(description) && (group === null || group === 'gpu')) return { kind: 'gpu', gpu };
    }
    for (const [priced, pattern] of FAMILY_PATTERNS) {
      const m = pattern.exec(description);
      if (m && group !== 'gpu') return { kind: m[1]?.toLowerCase() === 'ram' ? 'ram' : 'vcpu', family: priced };
    }
  }
  if (family === null || family === 'storage') {
    for (const [disk, pattern] of DISK_PATTERNS) if (pattern.test(description)) return { kind: 'disk', disk };
  }
  return null;
}

/** Spot SKUs are named "Spot Preemptible X" (older ones "X attached to Preemptible VMs"): the part is X. */
function withoutSpotWords(description: string): string {
  return description
    .replace(/^(?:Spot )?Preemptible /i, '')
    .replace(/ attached to (?:Spot )?Preemptible VMs/i, '')
    .trim();
}

/**
 * Vertex AI prices training on the same parts as Compute Engine and names them after the words
 * "Training on": "Vertex AI Training on NVIDIA Tesla T4 GPU running in Americas", "Vertex AI Training
 * on N1 Predefined Instance CPU running in ..." (as a 2026 invoice of a custom job lists them). The
 * prefix has changed over the years, so only what follows "Training" is matched.
 */
function trainingPart(description: string): string | null {
  if (!/\btraining\b/i.test(description) || /prediction|serving/i.test(description)) return null;
  return description.replace(/^.*\bTraining\b(?:\s+on\b)?[\s:/-]*/i, '');
}

function serviceOf(sku: SkuLike): 'compute' | 'vertex' | null {
  const id = /^services\/([^/]+)\//.exec(sku.name ?? '')?.[1];
  if (id === BILLING_SERVICES.compute) return 'compute';
  if (id === BILLING_SERVICES.vertex) return 'vertex';
  if (id !== undefined) return null;
  const display = sku.category?.serviceDisplayName ?? '';
  return display === 'Compute Engine' ? 'compute' : display === 'Vertex AI' ? 'vertex' : null;
}

interface UnitPrice {
  amount: number;
  currency: string | null;
  hoursPerMonth: number | null;
  effectiveTime: string | null;
}

/**
 * The SKU's current price per usage unit: its latest pricing (the list is chronological), at the first
 * tier that costs anything (a free allowance is not what a box's usage pays). Null when the SKU is
 * priced in another unit than expected, rather than misread it.
 */
function unitPrice(sku: SkuLike, expectedUnit: string): UnitPrice | null {
  const info = sku.pricingInfo?.at(-1);
  const expression = info?.pricingExpression;
  if (!expression || expression.usageUnit !== expectedUnit) return null;
  if (!factorFits(expectedUnit, expression.baseUnit, expression.baseUnitConversionFactor)) return null;
  for (const tier of expression.tieredRates ?? []) {
    const price = tier.unitPrice;
    if (!price) continue;
    // One division of exact integers gives the double nearest the decimal price (2.93, not 2.9300000000000002).
    const amount = (Number(price.units ?? '0') * 1e9 + (price.nanos ?? 0)) / 1e9;
    if (!Number.isFinite(amount) || amount <= 0) continue;
    const factor = expression.baseUnitConversionFactor ?? null;
    const hoursPerMonth = expectedUnit === 'GiBy.mo' && expression.baseUnit === 'By.s' && factor !== null && factor > 0 ? factor / GIB / 3600 : null;
    return { amount, currency: price.currencyCode ?? null, hoursPerMonth, effectiveTime: info.effectiveTime ?? null };
  }
  return null;
}

export interface ParseOptions {
  /** The date the prices are from; by default the newest `effectiveTime` among the SKUs used. */
  asOf?: string;
}

/**
 * Turns Cloud Billing SKUs (Compute Engine's and Vertex AI's, in any order and mix) into the prices of
 * one region. A SKU counts when its `serviceRegions` include the region, its `usageType` is
 * `OnDemand` (or `Preemptible`, for Spot prices) and its description names one part the bot prices.
 * Commitments, sole tenancy, workstation GPUs, regional disks and everything else are ignored. A2 Ultra
 * machines are priced at A2's vCPU and memory rates unless the catalog lists A2 Ultra ones.
 */
export function parseSkus(skus: readonly SkuLike[], region: string, options: ParseOptions = {}): PriceTable {
  const gpus: Partial<Record<GpuKey, Rate>> = {};
  const families: Partial<Record<PricedFamily, { vcpu: Rate | null; ramGib: Rate | null }>> = {};
  const disks: Partial<Record<DiskType, DiskRate>> = {};
  const trainingGpus: Partial<Record<GpuKey, number>> = {};
  const trainingFamilies: Partial<Record<MachineFamily, { vcpu?: number; ramGib?: number }>> = {};
  const spotGpus: Partial<Record<GpuKey, number>> = {};
  const spotFamilies: Partial<Record<PricedFamily, { vcpu?: number; ramGib?: number }>> = {};
  let currency: string | null = null;
  let newest: string | null = null;

  for (const sku of skus) {
    if (!(sku.serviceRegions ?? []).includes(region)) continue;
    const service = serviceOf(sku);
    const usage = sku.category?.usageType ?? '';
    const description = (sku.description ?? '').trim();
    const category = sku.category ? { resourceFamily: sku.category.resourceFamily ?? '', resourceGroup: sku.category.resourceGroup ?? '' } : null;
    let slot: Slot | null = null;
    let spot = false;
    if (service === 'compute' && (usage === 'OnDemand' || usage === 'Preemptible')) {
      spot = usage === 'Preemptible';
      slot = slotOf(spot ? withoutSpotWords(description) : description, category);
    } else if (service === 'vertex' && usage === 'OnDemand') {
      const part = trainingPart(description);
      // Vertex files its SKUs under its own categories, so only the description says what they are.
      slot = part === null ? null : slotOf(part, null);
      if (slot?.kind === 'disk') slot = null;
    }
    if (slot === null) continue;
    const price = unitPrice(sku, UNIT_OF[slot.kind]);
    if (price === null) continue;
    currency ??= price.currency;
    if (price.effectiveTime !== null && (newest === null || price.effectiveTime > newest)) newest = price.effectiveTime;
    const amount = price.amount;

    if (service === 'vertex') {
      if (slot.kind === 'gpu') trainingGpus[slot.gpu] ??= amount;
      else if (slot.kind !== 'disk' && slot.family !== 'n1-custom') {
        const f = (trainingFamilies[slot.family] ??= {});
        f[slot.kind === 'vcpu' ? 'vcpu' : 'ramGib'] ??= amount;
      }
      continue;
    }
    switch (slot.kind) {
      case 'gpu':
        if (spot) spotGpus[slot.gpu] ??= amount;
        else gpus[slot.gpu] ??= { onDemand: amount, spot: null };
        break;
      case 'vcpu':
      case 'ram': {
        const key = slot.kind === 'vcpu' ? 'vcpu' : 'ramGib';
        if (spot) {
          const s = (spotFamilies[slot.family] ??= {});
          s[key] ??= amount;
        } else {
          const f = (families[slot.family] ??= { vcpu: null, ramGib: null });
          f[key] ??= { onDemand: amount, spot: null };
        }
        break;
      }
      case 'disk':
        disks[slot.disk] ??= { perGibMonth: amount, hoursPerMonth: price.hoursPerMonth ?? DEFAULT_HOURS_PER_MONTH };
        break;
    }
  }

  for (const [gpu, rate] of Object.entries(gpus) as [GpuKey, Rate][]) rate.spot = spotGpus[gpu] ?? null;
  const complete: Partial<Record<PricedFamily, FamilyRates>> = {};
  for (const [family, rates] of Object.entries(families) as [PricedFamily, { vcpu: Rate | null; ramGib: Rate | null }][]) {
    if (rates.vcpu === null || rates.ramGib === null) continue;
    const spot = spotFamilies[family];
    complete[family] = {
      vcpu: { onDemand: rates.vcpu.onDemand, spot: spot?.vcpu ?? null },
      ramGib: { onDemand: rates.ramGib.onDemand, spot: spot?.ramGib ?? null },
    };
  }
  if (complete['a2-ultra'] === undefined && complete.a2 !== undefined) complete['a2-ultra'] = complete.a2;
  const training: TrainingRates = { gpus: trainingGpus, families: {} };
  for (const [family, rates] of Object.entries(trainingFamilies) as [MachineFamily, { vcpu?: number; ramGib?: number }][]) {
    if (rates.vcpu !== undefined && rates.ramGib !== undefined) training.families[family] = { vcpu: rates.vcpu, ramGib: rates.ramGib };
  }
  if (training.families['a2-ultra'] === undefined && training.families.a2 !== undefined) training.families['a2-ultra'] = training.families.a2;

  return {
    region,
    currency: currency ?? 'USD',
    gpus,
    families: complete,
    disks,
    training,
    source: { kind: 'catalog', asOf: options.asOf ?? newest?.slice(0, 10) ?? 'unknown' },
  };
}

/** Whether a table can price a box at all: a catalog without this region's Compute prices cannot. */
export function hasComputePrices(table: PriceTable): boolean {
  return Object.keys(table.gpus).length > 0 && Object.keys(table.families).length > 0;
}

