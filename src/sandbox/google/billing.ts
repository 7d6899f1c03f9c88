/**
 * A simulated Cloud Billing Catalog API (`cloudbilling.googleapis.com/v1`): `services.skus.list` for
 * Compute Engine (`6F81-5844-456A`) and Vertex AI (`C7E2-9256-1C43`), with SKUs shaped as the real
 * catalog writes them (descriptions, categories, service regions, pricing expressions with unit
 * conversion factors, tiered rates as units + nanos), paging, currencies, and the failures a bot meets
 * (API disabled or not permitted, unavailable).
 *
 * Prices are the sample us-central1 list prices of the platform reference (REFERENCE.md "Prices"),
 * the same for every Americas region; Spot is 60% off; EMEA (europe-west4) is 10% and APAC
 * (asia-east1) 5% above the Americas; Vertex training is Compute's price plus 15%. A GPU is listed in
 * a region only where a zone of it offers the GPU (compute-catalog.ts). Look-alike SKUs with other
 * prices are included on purpose (commitments, sole tenancy, workstation GPUs, regional disks,
 * snapshots, egress, licences, Vertex prediction), as the real catalog has them.
 *
 * Choices where the real API is not pinned down here: an unknown service is 404 NOT_FOUND; an unknown
 * currency is 400; `startTime` and `endTime` go together and may not be in the future; SKUs are
 * ordered by SKU id; page tokens are opaque and tied to the service and currency they were issued for.
 */
import { createHash } from 'node:crypto';
import { REGIONS, ZONE_ACCELERATORS } from './compute-catalog.js';
import { googleError, type SandboxHandler, type SandboxRequest, type SandboxResponse } from './server.js';

export const COMPUTE_SERVICE_ID = '6F81-5844-456A';
export const VERTEX_SERVICE_ID = 'C7E2-9256-1C43';

/** Query parameters `services.skus.list` takes, besides Google's standard ones. */
export const SKUS_LIST_PARAMS = ['currencyCode', 'pageSize', 'pageToken', 'startTime', 'endTime'] as const;
/** Google's standard query parameters, accepted on every method. */
export const STANDARD_PARAMS = [
  '$.xgafv',
  'access_token',
  'alt',
  'callback',
  'fields',
  'key',
  'oauth_token',
  'prettyPrint',
  'quotaUser',
  'uploadType',
  'upload_protocol',
] as const;

export const DEFAULT_PAGE_SIZE = 5000;
const MAX_PAGE_SIZE = 5000;

/** US dollars to each currency the sandbox prices in (fixed sample rates). */
export const CURRENCY_RATES: Readonly<Record<string, number>> = Object.freeze({ USD: 1, EUR: 0.92, GBP: 0.79, JPY: 151.2, INR: 83.3 });

// ---------------------------------------------------------------- the API's JSON shapes

export interface BillingMoney {
  currencyCode: string;
  units: string;
  nanos: number;
}

export interface BillingTierRate {
  startUsageAmount: number;
  unitPrice: BillingMoney;
}

export interface BillingPricingExpression {
  usageUnit: string;
  usageUnitDescription: string;
  baseUnit: string;
  baseUnitDescription: string;
  baseUnitConversionFactor: number;
  displayQuantity: number;
  tieredRates: BillingTierRate[];
}

export interface BillingPricingInfo {
  summary: string;
  pricingExpression: BillingPricingExpression;
  aggregationInfo?: { aggregationLevel: 'ACCOUNT' | 'PROJECT'; aggregationInterval: 'DAILY' | 'MONTHLY'; aggregationCount: number };
  currencyConversionRate: number;
  effectiveTime: string;
}

export interface BillingSku {
  name: string;
  skuId: string;
  description: string;
  category: { serviceDisplayName: string; resourceFamily: string; resourceGroup: string; usageType: string };
  serviceRegions: string[];
  pricingInfo: BillingPricingInfo[];
  serviceProviderName: string;
  geoTaxonomy: { type: 'GLOBAL' | 'REGIONAL' | 'MULTI_REGIONAL'; regions: string[] };
}

export interface ListSkusResponse {
  skus: BillingSku[];
  nextPageToken: string;
}

export interface BillingCall {
  method: 'services.skus.list';
  serviceId: string;
  currencyCode: string | null;
  pageSize: number | null;
  pageToken: string | null;
  /** HTTP status the sandbox answered with. */
  status: number;
  /** Sandbox clock when the call arrived. */
  at: number;
}

// ---------------------------------------------------------------- the catalogue

type Unit = 'h' | 'GiBy.h' | 'GiBy.mo' | 'GiBy';

interface UnitSpec {
  usageUnitDescription: string;
  baseUnit: string;
  baseUnitDescription: string;
  baseUnitConversionFactor: number;
}

const GIB = 1024 ** 3;
// As the real catalog writes them; a GiB-month is 31 days of byte-seconds.
const UNITS: Readonly<Record<Unit, UnitSpec>> = {
  h: { usageUnitDescription: 'hour', baseUnit: 's', baseUnitDescription: 'second', baseUnitConversionFactor: 3600 },
  'GiBy.h': { usageUnitDescription: 'gibibyte hour', baseUnit: 'By.s', baseUnitDescription: 'byte second', baseUnitConversionFactor: GIB * 3600 },
  'GiBy.mo': { usageUnitDescription: 'gibibyte month', baseUnit: 'By.s', baseUnitDescription: 'byte second', baseUnitConversionFactor: GIB * 31 * 86400 },
  GiBy: { usageUnitDescription: 'gibibyte', baseUnit: 'By', baseUnitDescription: 'byte', baseUnitConversionFactor: GIB },
};

interface SkuSeed {
  service: 'compute' | 'vertex';
  description: string;
  resourceFamily: string;
  resourceGroup: string;
  usageType: 'OnDemand' | 'Preemptible' | 'Commit1Yr';
  unit: Unit;
  regions: string[];
  /** USD per usage unit; more than one for tiered prices, each with its start amount. */
  tiers: { start: number; usd: number }[];
  global?: boolean;
  aggregation?: BillingPricingInfo['aggregationInfo'];
}

interface PriceArea {
  /** How descriptions name the area. */
  words: string;
  regions: string[];
  factor: number;
  /** Disk SKUs of the Americas carry no area in their descriptions. */
  diskSuffix: string;
}

const AREAS: readonly PriceArea[] = [
  { words: 'Americas', regions: ['us-central1', 'us-east1', 'us-west1'], factor: 1, diskSuffix: '' },
  { words: 'Netherlands', regions: ['europe-west4'], factor: 1.1, diskSuffix: ' in Netherlands' },
  { words: 'Taiwan', regions: ['asia-east1'], factor: 1.05, diskSuffix: ' in Taiwan' },
];

/** Description words and Compute accelerator type of each GPU, with the Americas on-demand price. */
const GPU_SEEDS: readonly { words: string; type: string; usd: number }[] = [
  { words: 'Nvidia Tesla T4 GPU', type: 'nvidia-tesla-t4', usd: 0.35 },
  { words: 'Nvidia L4 GPU', type: 'nvidia-l4', usd: 0.56 },
  { words: 'Nvidia Tesla V100 GPU', type: 'nvidia-tesla-v100', usd: 2.48 },
  { words: 'Nvidia Tesla P100 GPU', type: 'nvidia-tesla-p100', usd: 1.46 },
  { words: 'Nvidia Tesla A100 GPU', type: 'nvidia-tesla-a100', usd: 2.93 },
  { words: 'Nvidia Tesla A100 80GB GPU', type: 'nvidia-a100-80gb', usd: 3.93 },
  { words: 'Nvidia H100 80GB GPU', type: 'nvidia-h100-80gb', usd: 9.166656 },
];

/** vCPU and memory SKUs: description stem, resource groups, Americas prices. */
const MACHINE_SEEDS: readonly { stem: string; coreGroup: string; ramGroup: string; vcpu: number; ramGib: number; training: boolean }[] = [
  { stem: 'N1 Predefined Instance', coreGroup: 'N1Standard', ramGroup: 'N1Standard', vcpu: 0.031611, ramGib: 0.004237, training: true },
  { stem: 'Custom Instance', coreGroup: 'CPU', ramGroup: 'RAM', vcpu: 0.033174, ramGib: 0.004446, training: false },
  { stem: 'A2 Instance', coreGroup: 'CPU', ramGroup: 'RAM', vcpu: 0.031611, ramGib: 0.004237, training: true },
  { stem: 'G2 Instance', coreGroup: 'CPU', ramGroup: 'RAM', vcpu: 0.024988, ramGib: 0.002927, training: true },
  { stem: 'A3 Instance', coreGroup: 'CPU', ramGroup: 'RAM', vcpu: 0.031611, ramGib: 0.004237, training: true },
  { stem: 'E2 Instance', coreGroup: 'CPU', ramGroup: 'RAM', vcpu: 0.021811, ramGib: 0.002923, training: false },
];

const DISK_SEEDS: readonly { words: string; group: string; usd: number }[] = [
  { words: 'Balanced PD Capacity', group: 'SSD', usd: 0.1 },
  { words: 'Storage PD Capacity', group: 'PDStandard', usd: 0.04 },
  { words: 'SSD backed PD Capacity', group: 'SSD', usd: 0.17 },
  { words: 'Regional Balanced PD Capacity', group: 'SSD', usd: 0.2 },
  { words: 'Storage PD Snapshot', group: 'PDSnapshot', usd: 0.05 },
];

const SPOT_FACTOR = 0.4;
const TRAINING_FACTOR = 1.15;
const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

function regionsOffering(acceleratorType: string, regions: readonly string[]): string[] {
  return regions.filter((region) => {
    const zones = REGIONS.find((r) => r.name === region)?.zones ?? [];
    return zones.some((z) => (ZONE_ACCELERATORS[z] ?? []).includes(acceleratorType));
  });
}

function computeSeeds(): SkuSeed[] {
  const seeds: SkuSeed[] = [];
  const compute = (s: Omit<SkuSeed, 'service'>): void => {
    if (s.regions.length > 0) seeds.push({ service: 'compute', ...s });
  };
  for (const area of AREAS) {
    const price = (usd: number): number => round6(usd * area.factor);
    for (const gpu of GPU_SEEDS) {
      const regions = regionsOffering(gpu.type, area.regions);
      const base = { resourceFamily: 'Compute', resourceGroup: 'GPU', unit: 'h' as const, regions };
      compute({ ...base, description: `${gpu.words} running in ${area.words}`, usageType: 'OnDemand', tiers: [{ start: 0, usd: price(gpu.usd) }] });
      compute({ ...base, description: `Spot Preemptible ${gpu.words} running in ${area.words}`, usageType: 'Preemptible', tiers: [{ start: 0, usd: round6(price(gpu.usd) * SPOT_FACTOR) }] });
      compute({ ...base, description: `Commitment v1: ${gpu.words} in ${area.words} for 1 Year`, usageType: 'Commit1Yr', tiers: [{ start: 0, usd: round6(price(gpu.usd) * 0.63) }] });
    }
    for (const words of ['Nvidia Tesla T4 Virtual Workstation GPU', 'Nvidia L4 Virtual Workstation GPU']) {
      compute({ resourceFamily: 'Compute', resourceGroup: 'GPU', unit: 'h', regions: area.regions, description: `${words} running in ${area.words}`, usageType: 'OnDemand', tiers: [{ start: 0, usd: price(0.2) }] });
    }
    for (const m of MACHINE_SEEDS) {
      for (const [part, group, usd, unit] of [
        ['Core', m.coreGroup, m.vcpu, 'h'],
        ['Ram', m.ramGroup, m.ramGib, 'GiBy.h'],
      ] as const) {
        const base = { resourceFamily: 'Compute', resourceGroup: group, unit, regions: area.regions };
        compute({ ...base, description: `${m.stem} ${part} running in ${area.words}`, usageType: 'OnDemand', tiers: [{ start: 0, usd: price(usd) }] });
        compute({ ...base, description: `Spot Preemptible ${m.stem} ${part} running in ${area.words}`, usageType: 'Preemptible', tiers: [{ start: 0, usd: round6(price(usd) * SPOT_FACTOR) }] });
      }
    }
    compute({ resourceFamily: 'Compute', resourceGroup: 'CPU', unit: 'h', regions: area.regions, description: `N1 Sole Tenancy Instance Core running in ${area.words}`, usageType: 'OnDemand', tiers: [{ start: 0, usd: price(0.034772) }] });
    compute({ resourceFamily: 'Compute', resourceGroup: 'CPU', unit: 'h', regions: area.regions, description: `Commitment v1: Cpu in ${area.words} for 1 Year`, usageType: 'Commit1Yr', tiers: [{ start: 0, usd: price(0.019915) }] });
    for (const disk of DISK_SEEDS) {
      compute({ resourceFamily: 'Storage', resourceGroup: disk.group, unit: 'GiBy.mo', regions: area.regions, description: `${disk.words}${area.diskSuffix}`, usageType: 'OnDemand', tiers: [{ start: 0, usd: price(disk.usd) }] });
    }
    compute({
      resourceFamily: 'Network',
      resourceGroup: 'PremiumInternetEgress',
      unit: 'GiBy',
      regions: area.regions,
      description: `Network Internet Egress from ${area.words} to Americas`,
      usageType: 'OnDemand',
      tiers: [
        { start: 0, usd: 0.12 },
        { start: 1024, usd: 0.11 },
        { start: 10240, usd: 0.08 },
      ],
      aggregation: { aggregationLevel: 'ACCOUNT', aggregationInterval: 'MONTHLY', aggregationCount: 1 },
    });
  }
  compute({
    resourceFamily: 'License',
    resourceGroup: 'Windows',
    unit: 'h',
    regions: ['global'],
    global: true,
    description: 'Licensing Fee for Windows Server 2022 Datacenter Edition (CPU cost)',
    usageType: 'OnDemand',
    tiers: [{ start: 0, usd: 0.046 }],
  });
  return seeds;
}

/**
 * Vertex AI's training SKUs as its catalog names them: "Vertex AI Training on NVIDIA Tesla T4 GPU",
 * "Vertex AI Training on N1 Predefined Instance CPU", "... Instance RAM" (the form a September 2026
 * invoice of a Vertex AI custom job showed, region after "running in" as Compute Engine's SKUs write
 * it). Google's SKU pages were not reachable from here to confirm every family; the A2, G2 and A3
 * names follow the N1 one. Note "NVIDIA" in capitals, unlike Compute Engine's "Nvidia".
 */
function vertexSeeds(): SkuSeed[] {
  const seeds: SkuSeed[] = [];
  const vertex = (s: Omit<SkuSeed, 'service' | 'resourceFamily' | 'usageType'>): void => {
    if (s.regions.length > 0) seeds.push({ service: 'vertex', resourceFamily: 'ApplicationServices', usageType: 'OnDemand', ...s });
  };
  for (const area of AREAS) {
    const price = (usd: number): number => round6(round6(usd * area.factor) * TRAINING_FACTOR);
    for (const gpu of GPU_SEEDS) {
      const regions = regionsOffering(gpu.type, area.regions);
      vertex({ resourceGroup: 'Training', unit: 'h', regions, description: `Vertex AI Training on ${gpu.words.replace(/^Nvidia /, 'NVIDIA ')} running in ${area.words}`, tiers: [{ start: 0, usd: price(gpu.usd) }] });
    }
    for (const m of MACHINE_SEEDS.filter((s) => s.training)) {
      vertex({ resourceGroup: 'Training', unit: 'h', regions: area.regions, description: `Vertex AI Training on ${m.stem} CPU running in ${area.words}`, tiers: [{ start: 0, usd: price(m.vcpu) }] });
      vertex({ resourceGroup: 'Training', unit: 'GiBy.h', regions: area.regions, description: `Vertex AI Training on ${m.stem} RAM running in ${area.words}`, tiers: [{ start: 0, usd: price(m.ramGib) }] });
    }
    // Serving costs more than training on the same parts: a parser that mixes them up shows it.
    vertex({ resourceGroup: 'Prediction', unit: 'h', regions: area.regions, description: `Vertex AI Prediction on N1 Predefined Instance CPU running in ${area.words}`, tiers: [{ start: 0, usd: price(0.043) }] });
    vertex({ resourceGroup: 'Prediction', unit: 'h', regions: regionsOffering('nvidia-tesla-t4', area.regions), description: `Vertex AI Prediction on NVIDIA Tesla T4 GPU running in ${area.words}`, tiers: [{ start: 0, usd: price(0.4) }] });
  }
  return seeds;
}

/** A SKU id as the catalog writes them (`D041-B8A1-6E0B`), stable for the same service and description. */
function skuIdOf(serviceId: string, description: string): string {
  const hex = createHash('sha256').update(`${serviceId}\n${description}`).digest('hex').slice(0, 12).toUpperCase();
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}`;
}

/** An amount as Google's Money writes it: whole units as a decimal string, the rest in nanos of the same sign. */
export function toMoney(amount: number, currencyCode: string): BillingMoney {
  let units = Math.trunc(amount);
  let nanos = Math.round((amount - units) * 1e9);
  if (Math.abs(nanos) >= 1e9) {
    units += Math.sign(nanos);
    nanos -= Math.sign(nanos) * 1e9;
  }
  return { currencyCode, units: String(units), nanos };
}

// ---------------------------------------------------------------- the handler

export interface BillingSandboxOptions {
  now?: () => number;
}

interface PageToken {
  s: string;
  c: string;
  o: number;
}

const SERVICES: Readonly<Record<string, { displayName: string; kind: 'compute' | 'vertex' }>> = {
  [COMPUTE_SERVICE_ID]: { displayName: 'Compute Engine', kind: 'compute' },
  [VERTEX_SERVICE_ID]: { displayName: 'Vertex AI', kind: 'vertex' },
};

export class BillingSandbox implements SandboxHandler {
  /** Every call that reached `services.skus.list`, failed ones included, in order. */
  readonly calls: BillingCall[] = [];

  private readonly now: () => number;
  private readonly seeds: SkuSeed[];
  private failure: SandboxResponse | null = null;

  constructor(options: BillingSandboxOptions = {}) {
    this.now = options.now ?? Date.now;
    this.seeds = [...computeSeeds(), ...vertexSeeds()];
  }

  // ---------------------------------------------------------------- control surface

  /**
   * From now on every call fails with this HTTP status, as Google answers it: 403 as when the Cloud
   * Billing API is not enabled for the project (or the caller may not use it), 429 as rate limiting,
   * 500 and 503 as an outage. `null` makes the API answer again.
   */
  fail(status: 403 | 429 | 500 | 503 | null): void {
    this.failure = status === null ? null : failureResponse(status);
  }

  /** Sets the list price (USD per usage unit) of the SKU with this exact description, e.g. after a price change. */
  setPrice(description: string, usd: number): void {
    const matching = this.seeds.filter((s) => s.description === description);
    if (matching.length === 0) throw new Error(`no SKU described as "${description}"`);
    for (const seed of matching) seed.tiers = [{ start: 0, usd }];
  }

  /** Every SKU of a service as the API would list it (in US dollars), in listing order. */
  skus(serviceId: string, currencyCode = 'USD'): BillingSku[] {
    const service = SERVICES[serviceId];
    if (service === undefined) return [];
    const rate = CURRENCY_RATES[currencyCode];
    if (rate === undefined) throw new Error(`unknown currency ${currencyCode}`);
    return this.listing(serviceId, currencyCode, rate, null);
  }

  /** How many list calls reached the sandbox, for one service or all. */
  count(serviceId?: string): number {
    return this.calls.filter((c) => serviceId === undefined || c.serviceId === serviceId).length;
  }

  // ---------------------------------------------------------------- HTTP surface

  handle(req: SandboxRequest): SandboxResponse | null {
    const match = /^\/v1\/services\/([^/]+)\/skus$/.exec(req.path);
    const serviceId = match?.[1];
    if (serviceId === undefined || req.method !== 'GET') return null;
    const pageSizeText = req.query.get('pageSize');
    const call: BillingCall = {
      method: 'services.skus.list',
      serviceId,
      currencyCode: req.query.get('currencyCode'),
      pageSize: pageSizeText === null ? null : Number(pageSizeText),
      pageToken: req.query.get('pageToken'),
      status: 0,
      at: this.now(),
    };
    this.calls.push(call);
    const response = this.failure ?? this.list(serviceId, req);
    call.status = response.status;
    return response;
  }

  private list(serviceId: string, req: SandboxRequest): SandboxResponse {
    const known = new Set<string>([...SKUS_LIST_PARAMS, ...STANDARD_PARAMS]);
    for (const name of req.query.keys()) {
      if (!known.has(name)) {
        return googleError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`);
      }
    }
    const auth = req.headers.authorization;
    if ((auth === undefined || !/^Bearer \S+/.test(auth)) && !req.query.has('key')) {
      return googleError(403, 'PERMISSION_DENIED', 'The request is missing a valid API key.');
    }
    const service = SERVICES[serviceId];
    if (service === undefined) return googleError(404, 'NOT_FOUND', `Service services/${serviceId} not found.`);

    const currency = req.query.get('currencyCode') ?? 'USD';
    const rate = CURRENCY_RATES[currency];
    if (rate === undefined) return googleError(400, 'INVALID_ARGUMENT', `Currency code ${currency} is not supported.`);

    const sizeText = req.query.get('pageSize');
    const size = sizeText === null || sizeText === '' ? 0 : Number(sizeText);
    if (!Number.isInteger(size) || size < 0) return googleError(400, 'INVALID_ARGUMENT', `Invalid value at 'page_size' (TYPE_INT32), "${sizeText ?? ''}"`);
    const pageSize = size === 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);

    const range = this.timeRange(req);
    if ('status' in range) return range;

    let offset = 0;
    const tokenText = req.query.get('pageToken');
    if (tokenText !== null && tokenText !== '') {
      const token = decodeToken(tokenText);
      if (token === null || token.s !== serviceId || token.c !== currency) return googleError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
      offset = token.o;
    }

    const all = this.listing(serviceId, currency, rate, range.start);
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? encodeToken({ s: serviceId, c: currency, o: offset + pageSize }) : '';
    const body: ListSkusResponse = { skus: page, nextPageToken: next };
    return { status: 200, body };
  }

  /**
   * The service's SKUs in listing order. Without a time range the prices are the latest, effective
   * (as Google says) within the last 12 hours; with one, effective from its start.
   */
  private listing(serviceId: string, currency: string, rate: number, start: string | null): BillingSku[] {
    const service = SERVICES[serviceId];
    if (service === undefined) return [];
    const effectiveTime = start ?? new Date(this.now() - 6 * 3600_000).toISOString();
    return this.seeds
      .filter((s) => s.service === service.kind)
      .map((seed) => this.sku(serviceId, service.displayName, seed, currency, rate, effectiveTime))
      .sort((a, b) => a.skuId.localeCompare(b.skuId));
  }

  private timeRange(req: SandboxRequest): { start: string | null } | SandboxResponse {
    const start = req.query.get('startTime');
    const end = req.query.get('endTime');
    if (start === null && end === null) return { start: null };
    if (start === null || end === null) return googleError(400, 'INVALID_ARGUMENT', 'start_time and end_time must be set together.');
    const startMs = Date.parse(start);
    const endMs = Date.parse(end);
    if (Number.isNaN(startMs) || Number.isNaN(endMs)) return googleError(400, 'INVALID_ARGUMENT', 'Invalid value for start_time or end_time: expected an RFC 3339 timestamp.');
    if (startMs > this.now() || endMs > this.now()) return googleError(400, 'INVALID_ARGUMENT', 'Timestamps in the future are not allowed.');
    if (endMs <= startMs) return googleError(400, 'INVALID_ARGUMENT', 'end_time must be after start_time.');
    return { start: new Date(startMs).toISOString() };
  }

  private sku(serviceId: string, displayName: string, seed: SkuSeed, currency: string, rate: number, effectiveTime: string): BillingSku {
    const skuId = skuIdOf(serviceId, seed.description);
    const unit = UNITS[seed.unit];
    const info: BillingPricingInfo = {
      summary: '',
      pricingExpression: {
        usageUnit: seed.unit,
        usageUnitDescription: unit.usageUnitDescription,
        baseUnit: unit.baseUnit,
        baseUnitDescription: unit.baseUnitDescription,
        baseUnitConversionFactor: unit.baseUnitConversionFactor,
        displayQuantity: 1,
        tieredRates: seed.tiers.map((t) => ({ startUsageAmount: t.start, unitPrice: toMoney(t.usd * rate, currency) })),
      },
      ...(seed.aggregation ? { aggregationInfo: { ...seed.aggregation } } : {}),
      currencyConversionRate: rate,
      effectiveTime,
    };
    return {
      name: `services/${serviceId}/skus/${skuId}`,
      skuId,
      description: seed.description,
      category: { serviceDisplayName: displayName, resourceFamily: seed.resourceFamily, resourceGroup: seed.resourceGroup, usageType: seed.usageType },
      serviceRegions: [...seed.regions],
      pricingInfo: [info],
      serviceProviderName: 'Google',
      geoTaxonomy: seed.global === true
        ? { type: 'GLOBAL', regions: [] }
        : { type: seed.regions.length > 1 ? 'MULTI_REGIONAL' : 'REGIONAL', regions: [...seed.regions] },
    };
  }
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(text: string): PageToken | null {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { s, c, o } = parsed as Record<string, unknown>;
    if (typeof s !== 'string' || typeof c !== 'string' || typeof o !== 'number' || !Number.isInteger(o) || o < 0) return null;
    return { s, c, o };
  } catch {
    return null;
  }
}

function failureResponse(status: 403 | 429 | 500 | 503): SandboxResponse {
  switch (status) {
    case 403: {
      const response = googleError(
        403,
        'PERMISSION_DENIED',
        'Cloud Billing API has not been used in project gpubot before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/cloudbilling.googleapis.com/overview then retry.',
      );
      const envelope = response.body as { error: Record<string, unknown> };
      envelope.error.details = [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'SERVICE_DISABLED',
          domain: 'googleapis.com',
          metadata: { service: 'cloudbilling.googleapis.com' },
        },
      ];
      return response;
    }
    case 429:
      return googleError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Read requests' of service 'cloudbilling.googleapis.com'.");
    case 500:
      return googleError(500, 'INTERNAL', 'Internal error encountered.');
    case 503:
      return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
  }
}
