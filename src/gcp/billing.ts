/**
 * The Cloud Billing Catalog adapter: lists a service's public SKUs (`services.skus.list`), all pages,
 * through googleapis' generated Cloud Billing v1 client (that API's module only, loaded on first use).
 */
import type { cloudbilling_v1 } from 'googleapis/build/src/apis/cloudbilling/v1.js';
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import { DEFAULT_REST_POLICY, googleapisCall, lazily } from './call-policy.js';
import type { SkuLike } from '../domain/price-skus.js';
import type { CloudResult } from '../app/ports.js';
import type { PriceCatalogPort } from '../app/ports/prices.js';
import { classifyThrown } from './google-errors.js';

export interface BillingAdapterOptions {
  authClient: AuthClient;
  /** A root URL such as http://127.0.0.1:8089 replaces Google's (GCP_ENDPOINT); null: Google's. */
  rootUrl: string | null;
  /** SKUs per page; the API's default and largest is 5000. */
  pageSize?: number;
  /** Retries of a call that failed with 5xx or 429; the client library's default (3) when unset. */
  retries?: number;
}

/** More pages than any Google service has SKUs for: a token that never ends is a fault, not a catalogue. */
const MAX_PAGES = 200;

export class BillingAdapter implements PriceCatalogPort {
  private readonly api: () => Promise<cloudbilling_v1.Cloudbilling>;
  /** Google API calls made, by method: tests and benchmarks read it. */
  readonly callCounts = new Map<string, number>();

  constructor(private readonly options: BillingAdapterOptions) {
    const auth = new GoogleAuth({ authClient: options.authClient });
    // The API object's own rootUrl: `google.options({ rootUrl })` would not move its methods' URLs.
    this.api = lazily(async () => {
      const { cloudbilling_v1 } = await import('googleapis/build/src/apis/cloudbilling/v1.js');
      return new cloudbilling_v1.Cloudbilling({ auth, rootUrl: options.rootUrl ?? 'https://cloudbilling.googleapis.com/' });
    });
  }

  private count(method: string): void {
    this.callCounts.set(method, (this.callCounts.get(method) ?? 0) + 1);
  }

  async listSkus(serviceId: string, currency: string): Promise<CloudResult<SkuLike[]>> {
    const skus: SkuLike[] = [];
    const seen = new Set<string>();
    let pageToken: string | null = null;
    const extra = this.options.retries !== undefined ? { retryConfig: { retry: this.options.retries } } : {};
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        this.count('services.skus.list');
        const skusApi = (await this.api()).services.skus;
        const token = pageToken;
        const response: { data: cloudbilling_v1.Schema$ListSkusResponse } = await googleapisCall(
          DEFAULT_REST_POLICY,
          { idempotent: true },
          (options) =>
            skusApi.list(
              {
                parent: `services/${serviceId}`,
                currencyCode: currency,
                pageSize: this.options.pageSize ?? 5000,
                ...(token !== null ? { pageToken: token } : {}),
              },
              options,
            ),
          extra,
        );
        skus.push(...(response.data.skus ?? []));
        const next: string = response.data.nextPageToken ?? '';
        if (next === '') return { ok: true, value: skus };
        if (seen.has(next)) break;
        seen.add(next);
        pageToken = next;
      }
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
    return { ok: false, failure: { kind: 'other', message: `The Cloud Billing Catalog kept paging past ${MAX_PAGES} pages of services/${serviceId}.` } };
  }
}
