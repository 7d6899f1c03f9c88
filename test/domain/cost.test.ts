import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BoxEvent, BoxStatus } from '../../src/domain/box.js';
import { boxCost, diskLife, jobCost, runningSpans } from '../../src/domain/cost.js';
import { formatUsd } from '../../src/domain/money.js';
import { bundledPrices, hourlyPrice, type PriceTable } from '../../src/domain/prices.js';
import { parseSkus, type SkuLike } from '../../src/domain/price-skus.js';
import { T0, makeBox } from '../support/boxes.js';
import { near, prices } from '../support/prices.js';

const S = 1_000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

/** Within a nanodollar: the model never rounds, so only floating-point noise may differ. */
function history(...events: [BoxStatus, number, string?][]): BoxEvent[] {
  return events.map(([status, at, note]) => (note === undefined ? { status, at } : { status, at, note }));
}

// The published us-central1 list prices every example below is worked from (REFERENCE.md "Prices";
// Spot 60% off, Vertex training 15% above Compute, disks per GiB-month of 744 hours as the catalog
// converts them).
const T4 = 0.35;
const N1_VCPU = 0.031611;
const N1_GIB = 0.004237;
const T4_SPOT = 0.14;
const N1_VCPU_SPOT = 0.012644;
const N1_GIB_SPOT = 0.001695;
const BALANCED_GIB_MONTH = 0.1;
const DISK_MONTH_H = 744;
const A100_TRAINING = 3.3695;
const A2_VCPU_TRAINING = 0.036353;
const A2_GIB_TRAINING = 0.004873;

// The box of these examples: n1-standard-8 (8 vCPU, 30 GB) with one T4 and a 200 GB balanced disk.
const VM_PER_H = T4 + 8 * N1_VCPU + 30 * N1_GIB; // 0.35 + 0.252888 + 0.12711 = 0.729998
const VM_SPOT_PER_H = T4_SPOT + 8 * N1_VCPU_SPOT + 30 * N1_GIB_SPOT; // 0.14 + 0.101152 + 0.05085 = 0.292002
const DISK_PER_H = (200 * BALANCED_GIB_MONTH) / DISK_MONTH_H; // 20 / 744 = 0.0268817...

test('the examples are worked from the bundled us-central1 list prices', () => {
  const p = prices();
  assert.equal(p.gpus.t4?.onDemand, T4);
  assert.equal(p.gpus.t4?.spot, T4_SPOT);
  assert.deepEqual(p.families.n1, { vcpu: { onDemand: N1_VCPU, spot: N1_VCPU_SPOT }, ramGib: { onDemand: N1_GIB, spot: N1_GIB_SPOT } });
  assert.deepEqual(p.disks['pd-balanced'], { perGibMonth: BALANCED_GIB_MONTH, hoursPerMonth: DISK_MONTH_H });
  assert.equal(p.training.gpus.a100, A100_TRAINING);
  assert.deepEqual(p.training.families.a2, { vcpu: A2_VCPU_TRAINING, ramGib: A2_GIB_TRAINING });
  near(VM_PER_H, 0.729998, 'N1 + T4 per hour');
  near(VM_SPOT_PER_H, 0.292002, 'N1 + T4 Spot per hour');
  assert.equal(p.source.kind, 'bundled');
  assert.match(p.source.asOf, /^\d{4}-\d{2}-\d{2}$/);
});

interface BoxCase {
  name: string;
  spot?: boolean;
  events: BoxEvent[];
  now: number;
  runningSeconds: number;
  billedSeconds: number;
  running: number;
  diskSeconds: number;
  disk: number;
}

const BOX_CASES: BoxCase[] = [
  {
    // booting at +40 s, stopped at +130 s: 90 s of RUNNING, over the minimum, billed as run.
    name: 'an N1 + T4 box run 90 s is billed 90 s',
    events: history(['requested', T0], ['creating', T0 + 10 * S], ['booting', T0 + 40 * S], ['ready', T0 + 100 * S], ['stopping', T0 + 110 * S], ['stopped', T0 + 130 * S]),
    now: T0 + 130 * S,
    runningSeconds: 90,
    billedSeconds: 90,
    running: (90 * 0.729998) / 3600, // 0.01824995
    diskSeconds: 120, // from the insert at +10 s
    disk: (120 * 20) / 744 / 3600, // 0.000896057
  },
  {
    // booting at +40 s, stopped at +70 s: 30 s, billed as the one-minute minimum.
    name: 'an N1 + T4 box run 30 s is billed 60 s',
    events: history(['requested', T0], ['creating', T0 + 10 * S], ['booting', T0 + 40 * S], ['stopping', T0 + 60 * S], ['stopped', T0 + 70 * S]),
    now: T0 + 70 * S,
    runningSeconds: 30,
    billedSeconds: 60,
    running: (60 * 0.729998) / 3600, // 0.012166633
    diskSeconds: 60,
    disk: (60 * 20) / 744 / 3600, // 0.000448029
  },
  {
    // Ran an hour (+1 min to +61 min), then stopped for a day: the day adds the disk only.
    name: 'a box stopped for a day pays only for its disk that day',
    events: history(['requested', T0], ['creating', T0], ['booting', T0 + MIN], ['ready', T0 + 5 * MIN], ['stopping', T0 + 60 * MIN], ['stopped', T0 + 61 * MIN]),
    now: T0 + 61 * MIN + DAY,
    runningSeconds: 3600,
    billedSeconds: 3600,
    running: 0.729998, // one hour
    diskSeconds: 61 * 60 + 86_400, // 90,060 s
    disk: (20 / 744) * (90_060 / 3600), // 0.026881720 x 25.0167 h = 0.672491039
  },
  {
    // Someone stopped the VM in the console; the tick at +46 min saw it TERMINATED. 45 min billed.
    name: 'a box stopped from the console mid-run is billed until the stop was seen',
    events: history(['requested', T0], ['creating', T0], ['booting', T0 + MIN], ['ready', T0 + 4 * MIN], ['stopped', T0 + 46 * MIN, 'outside']),
    now: T0 + 2 * H,
    runningSeconds: 2700,
    billedSeconds: 2700,
    running: (2700 * 0.729998) / 3600, // 0.5474985
    diskSeconds: 7200,
    disk: 2 * (20 / 744), // 0.053763441
  },
  {
    // ... and started again from the console for 20 s: a second start, with its own minimum.
    name: 'each start of the VM carries its own one-minute minimum',
    events: history(
      ['requested', T0],
      ['creating', T0],
      ['booting', T0 + MIN],
      ['ready', T0 + 4 * MIN],
      ['stopped', T0 + 46 * MIN, 'outside'],
      ['booting', T0 + 90 * MIN, 'started outside'],
      ['stopped', T0 + 90 * MIN + 20 * S, 'outside'],
    ),
    now: T0 + 2 * H,
    runningSeconds: 2700 + 20,
    billedSeconds: 2700 + 60,
    running: (2760 * 0.729998) / 3600, // 0.559665133
    diskSeconds: 7200,
    disk: 2 * (20 / 744),
  },
  {
    // Spot, preempted after an hour: GPU, vCPU and memory at Spot prices; the disk at its usual price.
    name: 'a Spot box is billed at Spot prices, its disk at the disk price',
    spot: true,
    events: history(['requested', T0], ['creating', T0], ['booting', T0 + MIN], ['ready', T0 + 3 * MIN], ['stopped', T0 + 61 * MIN, 'preempted']),
    now: T0 + 61 * MIN,
    runningSeconds: 3600,
    billedSeconds: 3600,
    running: 0.292002, // 0.14 + 8 x 0.012644 + 30 x 0.001695, one hour
    diskSeconds: 3660,
    disk: (20 / 744) * (3660 / 3600), // 0.027329749
  },
  {
    // Still running: the span is measured to now and already carries the minimum.
    name: 'a box that has run 10 s so far has cost its first minute',
    events: history(['requested', T0], ['creating', T0], ['booting', T0 + 30 * S]),
    now: T0 + 40 * S,
    runningSeconds: 10,
    billedSeconds: 60,
    running: (60 * 0.729998) / 3600,
    diskSeconds: 40,
    disk: (40 * 20) / 744 / 3600,
  },
  {
    // PROVISIONING and STAGING are not billed, nor is a disk that was never made.
    name: 'a box still being created has cost nothing',
    events: history(['requested', T0], ['creating', T0 + 5 * S]),
    now: T0 + 50 * S,
    runningSeconds: 0,
    billedSeconds: 0,
    running: 0,
    diskSeconds: 0,
    disk: 0,
  },
  {
    // starting (STAGING) bills nothing; booting does. Deleting bills the VM until it is gone, and the
    // disk ends with it: 2 min + 3 min of VM, 20 min of disk, nothing after.
    name: 'starting is not billed, deleting is, and nothing is billed after deletion',
    events: history(
      ['requested', T0],
      ['creating', T0],
      ['booting', T0 + MIN],
      ['stopping', T0 + 2 * MIN],
      ['stopped', T0 + 3 * MIN],
      ['starting', T0 + 10 * MIN],
      ['booting', T0 + 12 * MIN],
      ['deleting', T0 + 14 * MIN],
      ['deleted', T0 + 15 * MIN],
    ),
    now: T0 + DAY,
    runningSeconds: 120 + 180,
    billedSeconds: 120 + 180,
    running: (300 * 0.729998) / 3600,
    diskSeconds: 15 * 60,
    disk: (900 * 20) / 744 / 3600,
  },
];

for (const c of BOX_CASES) {
  test(c.name, () => {
    const box = makeBox({ history: c.events, spec: { spot: c.spot ?? false } });
    const cost = boxCost(box, prices(), c.now);
    assert.equal(cost.runningSeconds, c.runningSeconds, 'running seconds');
    assert.equal(cost.billedSeconds, c.billedSeconds, 'billed seconds');
    near(cost.running, c.running, 'running cost');
    assert.equal(cost.diskSeconds, c.diskSeconds, 'disk seconds');
    near(cost.disk, c.disk, 'disk cost');
    near(cost.total, c.running + c.disk, 'total');
    assert.deepEqual(cost.missing, []);
    assert.equal(cost.source.kind, 'bundled');
  });
}

test('a day stopped adds exactly 24 h of disk (20 / 744 x 24 = $0.645161) and no running cost', () => {
  const events = history(['creating', T0], ['booting', T0 + MIN], ['stopping', T0 + 60 * MIN], ['stopped', T0 + 61 * MIN]);
  const box = makeBox({ history: events });
  const atStop = boxCost(box, prices(), T0 + 61 * MIN);
  const dayLater = boxCost(box, prices(), T0 + 61 * MIN + DAY);
  near(dayLater.running, atStop.running, 'running cost unchanged');
  near(dayLater.total - atStop.total, (24 * 20) / 744, 'the day costs the disk');
  near(dayLater.total - atStop.total, 0.6451612903, 'in dollars');
});

test('history is read in time order and events after now have not happened yet', () => {
  const shuffled = history(['stopped', T0 + 130 * S], ['booting', T0 + 40 * S], ['creating', T0 + 10 * S], ['requested', T0]);
  assert.deepEqual(runningSpans(shuffled, T0 + 200 * S), [{ startMs: T0 + 40 * S, endMs: T0 + 130 * S, open: false, seconds: 90, billedSeconds: 90 }]);
  // At +100 s the stop at +130 s is in the future: the VM is still running.
  assert.deepEqual(runningSpans(shuffled, T0 + 100 * S), [{ startMs: T0 + 40 * S, endMs: T0 + 100 * S, open: true, seconds: 60, billedSeconds: 60 }]);
  assert.deepEqual(diskLife(shuffled, T0 + 100 * S), { startMs: T0 + 10 * S, endMs: T0 + 100 * S, open: true });
});

test('a box that failed before its VM ran costs nothing; history that starts mid-run counts from its first entry', () => {
  const failed = makeBox({ history: history(['requested', T0], ['creating', T0 + S], ['requested', T0 + 20 * S, 'stockout'], ['failed', T0 + 40 * S]) });
  const cost = boxCost(failed, prices(), T0 + DAY);
  assert.equal(cost.total, 0);
  assert.deepEqual(cost.spans, []);
  // Only the last 200 changes are kept: a long-lived box may start at `ready`.
  const trimmed = makeBox({ history: history(['ready', T0], ['stopped', T0 + H]) });
  const since = boxCost(trimmed, prices(), T0 + H);
  assert.equal(since.billedSeconds, 3600);
  assert.equal(since.diskSeconds, 3600);
});

interface JobCase {
  name: string;
  job: Parameters<typeof jobCost>[0];
  perReplicaHour: number;
  total: number;
}

const JOB_CASES: JobCase[] = [
  {
    // a2-highgpu-1g: 12 vCPU, 85 GB, 1 A100, at Vertex training rates:
    // 12 x 0.036353 + 85 x 0.004873 + 3.3695 = 0.436236 + 0.414205 + 3.3695 = 4.219941 per replica-hour;
    // 2 h 10 min = 7,800 s = 2.1667 h; 2 replicas: 4.219941 x 2 x 7800 / 3600 = 18.286411.
    name: 'an a2-highgpu-1g job of 2 h 10 min with 2 replicas',
    job: { machineType: 'a2-highgpu-1g', acceleratorType: 'NVIDIA_TESLA_A100', acceleratorCount: 1, replicaCount: 2, startMs: T0, endMs: T0 + 2 * H + 10 * MIN },
    perReplicaHour: 4.219941,
    total: 18.286411,
  },
  {
    // The same machine without an accelerator named pays for the A100 it comes with.
    name: 'an A2 job that names no accelerator pays for the GPU its machine comes with',
    job: { machineType: 'a2-highgpu-1g', acceleratorCount: 0, replicaCount: 1, startMs: T0, endMs: T0 + H },
    perReplicaHour: 4.219941,
    total: 4.219941,
  },
  {
    // n1-standard-8 + 2 T4 for 30 min: 8 x 0.036353 + 30 x 0.004873 + 2 x 0.4025 = 0.290824 + 0.14619 + 0.805 = 1.242014;
    // half an hour: 0.621007.
    name: 'an N1 job with two T4s for half an hour',
    job: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 2, replicaCount: 1, startMs: T0, endMs: T0 + 30 * MIN },
    perReplicaHour: 1.242014,
    total: 0.621007,
  },
];

for (const c of JOB_CASES) {
  test(c.name, () => {
    const cost = jobCost(c.job, prices());
    near(cost.perReplicaHour, c.perReplicaHour, 'per replica-hour');
    near(cost.total, c.total, 'total');
    assert.deepEqual(cost.missing, []);
  });
}

test('a job on an accelerator the table does not know says so instead of pricing it at zero silently', () => {
  const cost = jobCost({ machineType: 'n1-standard-4', acceleratorType: 'NVIDIA_TESLA_K80', acceleratorCount: 1, replicaCount: 1, startMs: T0, endMs: T0 + H }, prices());
  assert.deepEqual(cost.missing, ['accelerator NVIDIA_TESLA_K80']);
  near(cost.total, 4 * 0.036353 + 15 * 0.004873, 'the machine is still priced');
});

// ------------------------------------------------------------------------------ hourly prices

test('hourlyPrice: an N1 + T4 box costs $0.7300 an hour running plus its disk, and $20 a month stopped', () => {
  const price = hourlyPrice(makeBox().spec, prices());
  near(price.vmPerHour, 0.729998, 'VM');
  near(price.diskPerHour, DISK_PER_H, 'disk');
  near(price.running, VM_PER_H + DISK_PER_H, 'running');
  near(price.stoppedPerMonth, 20, 'stopped per month');
  assert.deepEqual(
    price.parts.map((p) => p.label),
    ['1 × NVIDIA T4', '8 vCPU (N1)', '30 GB memory', '200 GB balanced disk'],
  );
  assert.equal(formatUsd(price.running), '$0.76');
});

test('hourlyPrice: A2 and A3 machines bring their GPUs; a3-highgpu-1g is the reference\'s $10.98', () => {
  // 1 A100 + 12 x 0.031611 + 85 x 0.004237 = 2.93 + 0.379332 + 0.360145 = 3.669477
  near(hourlyPrice({ gpu: 'a100', gpuCount: 1, machineType: 'a2-highgpu-1g', diskGb: 100, spot: false }, prices()).vmPerHour, 3.669477, 'a2-highgpu-1g');
  // 26 x 0.031611 + 234 x 0.004237 + 9.166656 = 0.821886 + 0.991458 + 9.166656 = 10.98
  near(hourlyPrice({ gpu: 'h100', gpuCount: 1, machineType: 'a3-highgpu-1g', diskGb: 100, spot: false }, prices()).vmPerHour, 10.98, 'a3-highgpu-1g');
  // g2-standard-8: 0.56 + 8 x 0.024988 + 32 x 0.002927 = 0.56 + 0.199904 + 0.093664 = 0.853568
  near(hourlyPrice({ gpu: 'l4', gpuCount: 1, machineType: 'g2-standard-8', diskGb: 100, spot: false }, prices()).vmPerHour, 0.853568, 'g2-standard-8');
});

test('hourlyPrice names what it could not price, and a Spot box without Spot prices is priced on-demand, saying so', () => {
  const p = prices();
  const { t4: _t4, ...otherGpus } = p.gpus;
  const noT4: PriceTable = { ...p, gpus: otherGpus };
  const price = hourlyPrice(makeBox().spec, noT4);
  assert.deepEqual(price.missing, ['NVIDIA T4 GPUs in us-central1']);
  near(price.vmPerHour, 8 * N1_VCPU + 30 * N1_GIB, 'the rest is priced');

  const noSpot: PriceTable = { ...p, gpus: { ...p.gpus, t4: { onDemand: T4, spot: null } } };
  const spot = hourlyPrice({ ...makeBox().spec, spot: true }, noSpot);
  assert.deepEqual(spot.missing, ['Spot price of NVIDIA T4 GPUs (on-demand price used)']);
  near(spot.vmPerHour, T4 + 8 * N1_VCPU_SPOT + 30 * N1_GIB_SPOT, 'GPU on-demand, the rest Spot');
});

test('a region without a bundled table gets us-central1\'s, and the source says so', () => {
  const table = bundledPrices('asia-east1', 'the Cloud Billing API could not be reached');
  assert.equal(table.region, 'asia-east1');
  assert.equal(table.source.kind, 'bundled');
  assert.match(table.source.note ?? '', /no bundled prices for asia-east1/);
  assert.match(table.source.note ?? '', /could not be reached/);
  assert.match(table.source.note ?? '', /list price/);
});

// ------------------------------------------------------------------------------ money

test('formatUsd rounds only for display: cents, thousands separators, and <$0.01 for a tiny amount', () => {
  const cases: [number, string][] = [
    [0.35, '$0.35'],
    [12.4, '$12.40'],
    [1234, '$1,234.00'],
    [0.729998, '$0.73'],
    [0.004, '<$0.01'],
    [0.0099, '<$0.01'],
    [0.01, '$0.01'],
    [0, '$0.00'],
    [-0, '$0.00'],
    [-3.5, '-$3.50'],
    [1_234_567.891, '$1,234,567.89'],
    [Number.NaN, '$?'],
  ];
  for (const [amount, text] of cases) assert.equal(formatUsd(amount), text, String(amount));
});

// ------------------------------------------------------------------------------ reading SKUs

function sku(description: string, usd: number, extra: Partial<{ usageType: string; unit: string; regions: string[]; group: string; family: string; service: string; tiers: number[]; effectiveTime: string; base: { unit: string; factor: number } }> = {}): SkuLike {
  const service = extra.service ?? '6F81-5844-456A';
  const prices = extra.tiers ?? [usd];
  return {
    name: `services/${service}/skus/0000-0000-${description.length.toString(16).padStart(4, '0')}`,
    description,
    category: {
      serviceDisplayName: service === '6F81-5844-456A' ? 'Compute Engine' : 'Vertex AI',
      resourceFamily: extra.family ?? 'Compute',
      resourceGroup: extra.group ?? (/GPU/.test(description) ? 'GPU' : 'CPU'),
      usageType: extra.usageType ?? 'OnDemand',
    },
    serviceRegions: extra.regions ?? ['us-central1'],
    pricingInfo: [
      {
        effectiveTime: extra.effectiveTime ?? '2026-11-26T10:00:00Z',
        pricingExpression: {
          usageUnit: extra.unit ?? 'h',
          ...(extra.base ? { baseUnit: extra.base.unit, baseUnitConversionFactor: extra.base.factor } : {}),
          tieredRates: prices.map((p, i) => ({ startUsageAmount: i * 100, unitPrice: { currencyCode: 'USD', units: String(Math.trunc(p)), nanos: Math.round((p - Math.trunc(p)) * 1e9) } })),
        },
      },
    ],
  };
}

test('parseSkus takes on-demand and Spot prices of the region, and leaves look-alikes with other prices alone', () => {
  const skus: SkuLike[] = [
    sku('Nvidia Tesla T4 GPU running in Americas', 0.35),
    sku('Spot Preemptible Nvidia Tesla T4 GPU running in Americas', 0.14, { usageType: 'Preemptible' }),
    sku('Commitment v1: Nvidia Tesla T4 GPU in Americas for 1 Year', 0.22, { usageType: 'Commit1Yr' }),
    sku('Nvidia Tesla T4 Virtual Workstation GPU running in Americas', 0.55),
    sku('Nvidia Tesla T4 GPU running in Netherlands', 0.41, { regions: ['europe-west4'] }),
    // An older Spot naming.
    sku('Nvidia L4 GPU attached to Spot Preemptible VMs running in Americas', 0.2, { usageType: 'Preemptible' }),
    sku('Nvidia L4 GPU running in Americas', 0.56),
    sku('N1 Sole Tenancy Instance Core running in Americas', 0.0348),
    sku('N1 Predefined Instance Core running in Americas', 0.031611, { group: 'N1Standard' }),
    sku('N1 Predefined Instance Ram running in Americas', 0.004237, { group: 'N1Standard', unit: 'GiBy.h' }),
    // Priced per GiB-second: a unit the parser does not expect, so not misread as per hour.
    sku('A2 Instance Core running in Americas', 0.0000088, { unit: 'GiBy.s' }),
    sku('A2 Instance Ram running in Americas', 0.004237, { unit: 'GiBy.h' }),
    sku('Regional Balanced PD Capacity', 0.2, { family: 'Storage', group: 'SSD', unit: 'GiBy.mo' }),
    sku('Balanced PD Capacity', 0.1, { family: 'Storage', group: 'SSD', unit: 'GiBy.mo', base: { unit: 'By.s', factor: 2.8759101014016e15 } }),
    sku('Storage PD Capacity', 0.04, { family: 'Storage', group: 'PDStandard', unit: 'GiBy.mo' }),
    sku('Storage PD Snapshot', 0.05, { family: 'Storage', group: 'PDSnapshot', unit: 'GiBy.mo' }),
    // A free allowance first: what usage pays is the next tier.
    sku('SSD backed PD Capacity', 0, { family: 'Storage', group: 'SSD', unit: 'GiBy.mo', tiers: [0, 0.17] }),
    sku('Vertex AI: Training/Custom Training on Nvidia Tesla T4 GPU running in Americas', 0.4025, { service: 'C7E2-9256-1C43' }),
    sku('Vertex AI: Online/Batch Prediction on Nvidia Tesla T4 GPU running in Americas', 0.46, { service: 'C7E2-9256-1C43' }),
    sku('Custom Training N1 Predefined Instance Core running in Americas', 0.036353, { service: 'C7E2-9256-1C43', effectiveTime: '2026-11-27T01:00:00Z' }),
    sku('Vertex AI: Training/Custom Training on N1 Predefined Instance Ram running in Americas', 0.004873, { service: 'C7E2-9256-1C43', unit: 'GiBy.h' }),
  ];
  const table = parseSkus(skus, 'us-central1');
  assert.deepEqual(table.gpus, { t4: { onDemand: 0.35, spot: 0.14 }, l4: { onDemand: 0.56, spot: 0.2 } });
  assert.deepEqual(table.families, { n1: { vcpu: { onDemand: 0.031611, spot: null }, ramGib: { onDemand: 0.004237, spot: null } } });
  assert.deepEqual(table.disks, {
    'pd-balanced': { perGibMonth: 0.1, hoursPerMonth: 744 },
    'pd-standard': { perGibMonth: 0.04, hoursPerMonth: 730 },
    'pd-ssd': { perGibMonth: 0.17, hoursPerMonth: 730 },
  });
  assert.deepEqual(table.training, { gpus: { t4: 0.4025 }, families: { n1: { vcpu: 0.036353, ramGib: 0.004873 } } });
  assert.deepEqual(table.source, { kind: 'catalog', asOf: '2026-11-27' });
  assert.equal(table.currency, 'USD');

  const europe = parseSkus(skus, 'europe-west4', { asOf: '2026-11-20' });
  assert.deepEqual(europe.gpus, { t4: { onDemand: 0.41, spot: null } });
  assert.equal(europe.source.asOf, '2026-11-20');
});

test('parseSkus reads the latest pricing of a SKU, and A2 Ultra falls back to A2\'s rates', () => {
  const changed = sku('Nvidia Tesla A100 GPU running in Americas', 2.5);
  const later = sku('Nvidia Tesla A100 GPU running in Americas', 2.93).pricingInfo?.[0];
  assert.ok(later);
  changed.pricingInfo = [...(changed.pricingInfo ?? []), later];
  const table = parseSkus(
    [changed, sku('A2 Instance Core running in Americas', 0.031611), sku('A2 Instance Ram running in Americas', 0.004237, { unit: 'GiBy.h', group: 'RAM' })],
    'us-central1',
  );
  assert.equal(table.gpus.a100?.onDemand, 2.93);
  assert.deepEqual(table.families['a2-ultra'], table.families.a2);
});

test("parseSkus reads Vertex AI's training SKUs as its catalog names them: NVIDIA in capitals, CPU and RAM", () => {
  const vertex = { service: 'C7E2-9256-1C43' };
  const table = parseSkus(
    [
      sku('Vertex AI Training on NVIDIA Tesla T4 GPU running in Americas', 0.4025, vertex),
      sku('Vertex AI Training on NVIDIA L4 GPU running in Americas', 0.644, vertex),
      sku('Vertex AI Training on N1 Predefined Instance CPU running in Americas', 0.036353, vertex),
      sku('Vertex AI Training on N1 Predefined Instance RAM running in Americas', 0.004873, { ...vertex, unit: 'GiBy.h' }),
      sku('Vertex AI Training on G2 Instance CPU running in Americas', 0.028736, vertex),
      sku('Vertex AI Training on G2 Instance RAM running in Americas', 0.003366, { ...vertex, unit: 'GiBy.h' }),
      // Serving the same parts costs more and is not training.
      sku('Vertex AI Prediction on N1 Predefined Instance CPU running in Americas', 0.0495, vertex),
    ],
    'us-central1',
  );
  assert.deepEqual(table.training, {
    gpus: { t4: 0.4025, l4: 0.644 },
    families: { n1: { vcpu: 0.036353, ramGib: 0.004873 }, g2: { vcpu: 0.028736, ramGib: 0.003366 } },
  });
});

test('parseSkus honours baseUnitConversionFactor: a factor that does not fit the usage unit drops the SKU', () => {
  const fits = parseSkus(
    [
      sku('Nvidia Tesla T4 GPU running in Americas', 0.35, { base: { unit: 's', factor: 3600 } }),
      sku('N1 Predefined Instance Core running in Americas', 0.031611, { base: { unit: 's', factor: 3600 } }),
      sku('N1 Predefined Instance Ram running in Americas', 0.004237, { unit: 'GiBy.h', base: { unit: 'By.s', factor: 2 ** 30 * 3600 } }),
      sku('Balanced PD Capacity', 0.1, { family: 'Storage', group: 'SSD', unit: 'GiBy.mo', base: { unit: 'By.s', factor: 2 ** 30 * 3600 * 744 } }),
    ],
    'us-central1',
  );
  assert.equal(fits.gpus.t4?.onDemand, 0.35);
  assert.equal(fits.families.n1?.ramGib.onDemand, 0.004237);
  assert.deepEqual(fits.disks['pd-balanced'], { perGibMonth: 0.1, hoursPerMonth: 744 });
  const misfits = parseSkus(
    [
      // Per minute, whatever the unit says; per GiB-second; a "month" of a year.
      sku('Nvidia Tesla T4 GPU running in Americas', 0.35, { base: { unit: 's', factor: 60 } }),
      sku('N1 Predefined Instance Ram running in Americas', 0.004237, { unit: 'GiBy.h', base: { unit: 'By.s', factor: 2 ** 30 } }),
      sku('Balanced PD Capacity', 0.1, { family: 'Storage', group: 'SSD', unit: 'GiBy.mo', base: { unit: 'By.s', factor: 2 ** 30 * 3600 * 8760 } }),
    ],
    'us-central1',
  );
  assert.equal(misfits.gpus.t4, undefined);
  assert.equal(misfits.families.n1, undefined);
  assert.equal(misfits.disks['pd-balanced'], undefined);
});
