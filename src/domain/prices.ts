/**
 * What the things a box or a job uses cost, per region: read from Google's Cloud Billing Catalog SKUs
 * (`parseSkus`, in price-skus.ts), or from the bundled table when the catalog cannot be read. Every figure is a list
 * price: sustained-use and committed-use discounts are never applied, so what people see is at most
 * what Google bills for the same usage.
 */
import type { BoxSpec } from './box.js';
import { GPUS, familyLabel, gpuForMachine, machineShape, parseGpuKey, type GpuKey, type MachineFamily } from './gpus.js';
import type { InstancePlan } from './instance-plan.js';

/** Cloud Billing service ids (`services/{id}/skus`). */
export const BILLING_SERVICES = Object.freeze({
  compute: '6F81-5844-456A',
  vertex: 'C7E2-9256-1C43',
});

/** How every price and cost is described to people. */
export const PRICE_BASIS = 'list price';

export type DiskType = 'pd-balanced' | 'pd-standard' | 'pd-ssd';
export const DISK_TYPES: readonly DiskType[] = ['pd-balanced', 'pd-standard', 'pd-ssd'];

/** Every box boots from this disk type (instance-plan.ts); the check below breaks the build if that changes. */
export const BOX_DISK_TYPE: DiskType = 'pd-balanced' satisfies InstancePlan['bootDisk']['type'];

/** Machine families with their own vCPU and memory prices; custom N1 shapes cost more than predefined ones. */
export type PricedFamily = MachineFamily | 'n1-custom';
export const PRICED_FAMILIES: readonly PricedFamily[] = ['n1', 'n1-custom', 'a2', 'a2-ultra', 'g2', 'a3'];

/** Dollars (or `currency`) per hour; `spot` is null where the catalog lists no Spot price. */
export interface Rate {
  onDemand: number;
  spot: number | null;
}

export interface FamilyRates {
  /** Per vCPU-hour. */
  vcpu: Rate;
  /** Per GiB-hour of memory. */
  ramGib: Rate;
}

export interface DiskRate {
  perGibMonth: number;
  /**
   * How many hours the price's month has when usage is billed by the second. The catalog says it in
   * the SKU's `baseUnitConversionFactor` (byte-seconds per GiB-month); for persistent disks that is
   * 31 days, 744 hours.
   */
  hoursPerMonth: number;
}

/** Vertex AI custom training: per machine vCPU and memory, and per accelerator, on-demand only. */
export interface TrainingRates {
  gpus: Partial<Record<GpuKey, number>>;
  families: Partial<Record<MachineFamily, { vcpu: number; ramGib: number }>>;
}

export interface PriceSource {
  /** `catalog`: read from the Cloud Billing Catalog API; `bundled`: the table shipped in this file. */
  kind: 'catalog' | 'bundled';
  /** ISO date (YYYY-MM-DD) the prices are from. */
  asOf: string;
  /** Why these prices and not fresher ones, when that is worth saying. */
  note?: string;
}

/** Prices in one region. Entries are missing where the region has no such thing (not every GPU is everywhere). */
export interface PriceTable {
  region: string;
  currency: string;
  gpus: Partial<Record<GpuKey, Rate>>;
  families: Partial<Record<PricedFamily, FamilyRates>>;
  disks: Partial<Record<DiskType, DiskRate>>;
  training: TrainingRates;
  source: PriceSource;
}

// ---------------------------------------------------------------------------------------------
// The bundled table

/**
 * When the Cloud Billing Catalog cannot be read (API not enabled, not permitted, unreachable), these
 * list prices are shown, with their date. They are not read from Google: they are the sample
 * us-central1 list prices of the team's platform reference (REFERENCE.md "Prices"), which come from
 * third-party snapshots, taken 2025-26, of Google's public price pages (cloud.google.com/compute/
 * gpus-pricing, /compute/vm-instance-pricing, /compute/disks-image-pricing, /vertex-ai/pricing).
 * Given there: T4 $0.35, L4 $0.56 and A100 40GB $2.93 per GPU-hour; N1 and A2 $0.031611 per
 * vCPU-hour and $0.004237 per GiB-hour; G2 $0.024988 and $0.002927. Not given there (or marked
 * unconfirmed there), and marked unconfirmed where they are set below: V100, P100, A100 80GB, H100
 * (chosen so that an a3-highgpu-1g costs the "about $10.98" the reference quotes), A3's vCPU and
 * memory (set to A2's), disks ($0.10 balanced, $0.04 standard, $0.17 SSD per GiB-month), custom N1
 * shapes, Spot (60% off; Google moves Spot prices up to once a month), Vertex training (Compute's
 * price plus 15%) and europe-west4 (Americas plus 10%). us-east1 and us-west1 share the Americas SKUs
 * with us-central1. The snapshots carry no single date; the table is dated the start of the year they
 * were gathered for, so no message makes them look fresher than they are.
 */
export const BUNDLED_AS_OF = '2026-01-01';

const SPOT_FACTOR = 0.4;
const TRAINING_FACTOR = 1.15;
const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

interface BundledBase {
  gpus: Record<GpuKey, number>;
  families: Record<PricedFamily, { vcpu: number; ramGib: number }>;
  disks: Record<DiskType, number>;
}

const AMERICAS: BundledBase = {
  gpus: {
    t4: 0.35,
    l4: 0.56,
    a100: 2.93,
    v100: 2.48, // unconfirmed
    p100: 1.46, // unconfirmed
    'a100-80gb': 3.93, // unconfirmed
    h100: 9.166656, // unconfirmed: a3-highgpu-1g = 26 vCPU + 234 GiB + 1 H100 = $10.98
  },
  families: {
    n1: { vcpu: 0.031611, ramGib: 0.004237 },
    'n1-custom': { vcpu: 0.033174, ramGib: 0.004446 }, // unconfirmed
    a2: { vcpu: 0.031611, ramGib: 0.004237 },
    'a2-ultra': { vcpu: 0.031611, ramGib: 0.004237 },
    g2: { vcpu: 0.024988, ramGib: 0.002927 },
    a3: { vcpu: 0.031611, ramGib: 0.004237 }, // unconfirmed
  },
  disks: { 'pd-balanced': 0.1, 'pd-standard': 0.04, 'pd-ssd': 0.17 }, // unconfirmed
};

function scaled(base: BundledBase, factor: number): BundledBase {
  const each = <K extends string>(r: Record<K, number>): Record<K, number> =>
    Object.fromEntries(Object.entries<number>(r).map(([k, v]) => [k, round6(v * factor)])) as Record<K, number>;
  return {
    gpus: each(base.gpus),
    families: Object.fromEntries(
      Object.entries(base.families).map(([k, v]) => [k, { vcpu: round6(v.vcpu * factor), ramGib: round6(v.ramGib * factor) }]),
    ) as BundledBase['families'],
    disks: each(base.disks),
  };
}

/** 31 days: the month persistent-disk SKUs are priced by (see DiskRate). */
const DISK_HOURS_PER_MONTH = 744;

function bundledTable(region: string, base: BundledBase): PriceTable {
  const rate = (onDemand: number): Rate => ({ onDemand, spot: round6(onDemand * SPOT_FACTOR) });
  const gpuKeys = Object.keys(base.gpus) as GpuKey[];
  const table: PriceTable = {
    region,
    currency: 'USD',
    gpus: Object.fromEntries(gpuKeys.map((g) => [g, rate(base.gpus[g])])),
    families: Object.fromEntries(
      (Object.entries(base.families) as [PricedFamily, { vcpu: number; ramGib: number }][]).map(([f, r]) => [f, { vcpu: rate(r.vcpu), ramGib: rate(r.ramGib) }]),
    ),
    disks: Object.fromEntries((Object.entries(base.disks) as [DiskType, number][]).map(([d, p]) => [d, { perGibMonth: p, hoursPerMonth: DISK_HOURS_PER_MONTH }])),
    training: {
      gpus: Object.fromEntries(gpuKeys.map((g) => [g, round6(base.gpus[g] * TRAINING_FACTOR)])),
      families: Object.fromEntries(
        (Object.entries(base.families) as [PricedFamily, { vcpu: number; ramGib: number }][])
          .filter(([f]) => f !== 'n1-custom')
          .map(([f, r]) => [f, { vcpu: round6(r.vcpu * TRAINING_FACTOR), ramGib: round6(r.ramGib * TRAINING_FACTOR) }]),
      ),
    },
    source: { kind: 'bundled', asOf: BUNDLED_AS_OF, note: `bundled ${PRICE_BASIS}s of ${BUNDLED_AS_OF}` },
  };
  return table;
}

// Frozen all the way down: every fallback answer shares these objects.
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}

/** Bundled list prices by region (see BUNDLED_AS_OF for where they come from). */
export const BUNDLED_PRICES: Readonly<Record<string, PriceTable>> = frozen({
  'us-central1': bundledTable('us-central1', AMERICAS),
  'us-east1': bundledTable('us-east1', AMERICAS),
  'us-west1': bundledTable('us-west1', AMERICAS),
  'europe-west4': bundledTable('europe-west4', scaled(AMERICAS, 1.1)), // unconfirmed: Americas plus 10%
});

/** The bundled table for a region; for a region it does not cover, us-central1's, saying so. */
export function bundledPrices(region: string, note?: string): PriceTable {
  const own = BUNDLED_PRICES[region];
  const base = own ?? BUNDLED_PRICES['us-central1'];
  if (base === undefined) throw new Error('the bundled price table has no us-central1');
  const parts = [
    base.source.note ?? `bundled ${PRICE_BASIS}s of ${BUNDLED_AS_OF}`,
    ...(own === undefined ? [`no bundled prices for ${region}, so us-central1's are shown`] : []),
    ...(note !== undefined ? [note] : []),
  ];
  return { ...base, region, source: { kind: 'bundled', asOf: BUNDLED_AS_OF, note: parts.join('; ') } };
}

// ---------------------------------------------------------------------------------------------
// Hourly prices

/** What a part of a price pays for, so a message can name it in one word. */
export type PricePartKind = 'gpu' | 'vcpu' | 'memory' | 'disk';

export interface PricePart {
  kind: PricePartKind;
  label: string;
  perHour: number;
}

export interface HourlyPrice {
  /** GPU, vCPU, memory and disk per hour while the VM runs. */
  running: number;
  /** The VM alone (GPU, vCPU, memory) per hour: what stopping it saves. */
  vmPerHour: number;
  /** The disk per hour, running or stopped. */
  diskPerHour: number;
  /** The disk per month while stopped. */
  stoppedPerMonth: number;
  parts: PricePart[];
  /** What the table had no price for (counted as 0) or priced differently than asked, in words. */
  missing: string[];
}

export type PricedSpec = Pick<BoxSpec, 'gpu' | 'gpuCount' | 'machineType' | 'diskGb' | 'spot'>;

/** The rate to charge: Spot where the box is Spot and a Spot price is known, else on-demand. */
function pick(rate: Rate, spot: boolean, what: string, missing: string[]): number {
  if (!spot) return rate.onDemand;
  if (rate.spot !== null) return rate.spot;
  missing.push(`Spot price of ${what} (on-demand price used)`);
  return rate.onDemand;
}

function familyRates(machineType: string, family: MachineFamily, prices: PriceTable): FamilyRates | undefined {
  if (family === 'n1' && machineType.startsWith('custom-')) return prices.families['n1-custom'] ?? prices.families.n1;
  return prices.families[family];
}

/**
 * What a box costs per hour: its GPUs, its machine's vCPUs and memory (at Spot prices for a Spot box)
 * and its disk while it runs; only the disk while it is stopped. `prices` is the table of the box's
 * region.
 */
export function hourlyPrice(spec: PricedSpec, prices: PriceTable): HourlyPrice {
  const parts: PricePart[] = [];
  const missing: string[] = [];
  const spotWord = spec.spot ? ' (Spot)' : '';
  const shape = machineShape(spec.machineType);
  const gpu = GPUS[spec.gpu];
  const gpuCount = shape !== null && shape.gpus > 0 ? shape.gpus : spec.gpuCount;

  const gpuRate = prices.gpus[spec.gpu];
  if (gpuCount > 0) {
    if (gpuRate === undefined) missing.push(`${gpu.label} GPUs in ${prices.region}`);
    else parts.push({ kind: 'gpu', label: `${gpuCount} × ${gpu.label}${spotWord}`, perHour: gpuCount * pick(gpuRate, spec.spot, `${gpu.label} GPUs`, missing) });
  }
  if (shape === null || shape.family === 'other') {
    missing.push(`machine type ${spec.machineType}`);
  } else {
    const rates = familyRates(shape.name, shape.family, prices);
    const family = familyLabel(shape);
    if (rates === undefined) {
      missing.push(`${family} vCPUs and memory in ${prices.region}`);
    } else {
      parts.push({ kind: 'vcpu', label: `${shape.vcpus} vCPU (${family})${spotWord}`, perHour: shape.vcpus * pick(rates.vcpu, spec.spot, `${family} vCPUs`, missing) });
      parts.push({ kind: 'memory', label: `${shape.memoryGb} GB memory${spotWord}`, perHour: shape.memoryGb * pick(rates.ramGib, spec.spot, `${family} memory`, missing) });
    }
  }
  const vmPerHour = parts.reduce((sum, p) => sum + p.perHour, 0);

  const disk = prices.disks[BOX_DISK_TYPE];
  let diskPerHour = 0;
  let stoppedPerMonth = 0;
  if (disk === undefined) {
    missing.push(`${BOX_DISK_TYPE} disks in ${prices.region}`);
  } else {
    // Disk sizes are GiB in Compute's API, whatever the field names say.
    stoppedPerMonth = spec.diskGb * disk.perGibMonth;
    diskPerHour = stoppedPerMonth / disk.hoursPerMonth;
    parts.push({ kind: 'disk', label: `${spec.diskGb} GB balanced disk`, perHour: diskPerHour });
  }
  return { running: vmPerHour + diskPerHour, vmPerHour, diskPerHour, stoppedPerMonth, parts, missing };
}

export interface TrainingMachine {
  machineType: string;
  /** Vertex (`NVIDIA_TESLA_A100`), Compute (`nvidia-tesla-a100`) or short (`a100`) names; none for the machine's own GPUs. */
  acceleratorType?: string | null;
  acceleratorCount: number;
}

export interface TrainingPrice {
  /** One replica per hour. */
  perHour: number;
  parts: PricePart[];
  missing: string[];
}

/**
 * What one replica of a Vertex AI custom training job costs per hour: the machine's vCPUs and memory
 * and its accelerators, at Vertex training rates. A job that names no accelerator on an A2, A3 or G2
 * machine pays for the GPUs the machine comes with.
 */
export function trainingHourlyPrice(machine: TrainingMachine, prices: PriceTable): TrainingPrice {
  const parts: PricePart[] = [];
  const missing: string[] = [];
  const shape = machineShape(machine.machineType);
  if (shape === null || shape.family === 'other') {
    missing.push(`training on ${machine.machineType}`);
  } else {
    const rates = prices.training.families[shape.family];
    const family = familyLabel(shape);
    if (rates === undefined) {
      missing.push(`training on ${family} machines in ${prices.region}`);
    } else {
      parts.push({ kind: 'vcpu', label: `${shape.vcpus} vCPU (${family})`, perHour: shape.vcpus * rates.vcpu });
      parts.push({ kind: 'memory', label: `${shape.memoryGb} GB memory`, perHour: shape.memoryGb * rates.ramGib });
    }
  }
  const named = machine.acceleratorType ?? null;
  const gpu: GpuKey | null = named !== null && named !== '' ? parseGpuKey(named) : gpuForMachine(machine.machineType);
  const count = named !== null && named !== '' ? machine.acceleratorCount : (shape?.gpus ?? 0);
  if (named !== null && named !== '' && gpu === null) {
    missing.push(`accelerator ${named}`);
  } else if (gpu !== null && count > 0) {
    const rate = prices.training.gpus[gpu];
    if (rate === undefined) missing.push(`training on ${GPUS[gpu].label} in ${prices.region}`);
    else parts.push({ kind: 'gpu', label: `${count} × ${GPUS[gpu].label}`, perHour: count * rate });
  }
  return { perHour: parts.reduce((sum, p) => sum + p.perHour, 0), parts, missing };
}
