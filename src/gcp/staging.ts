/**
 * The staging bucket over Cloud Storage's JSON API (googleapis' `storage/v1` module only, loaded on its
 * first call, with its own `rootUrl` so GCP_ENDPOINT moves it): list a job's prefix, delete it.
 */
import type { storage_v1 } from 'googleapis/build/src/apis/storage/v1.js';
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import type { CloudResult, StagingPort } from '../app/ports.js';
import { DEFAULT_REST_POLICY, googleapisCall, lazily, type CallBehaviour } from './call-policy.js';
import { classifyThrown, httpStatusOf } from './google-errors.js';

export interface StagingAdapterOptions {
  authClient: AuthClient;
  /** Replaces https://storage.googleapis.com/ (GCP_ENDPOINT); null: Google's. */
  rootUrl: string | null;
}

const READ: CallBehaviour = { idempotent: true };
// objects.delete is idempotent in effect: a repeat finds the object gone (404), which counts as deleted.
const DELETE: CallBehaviour = { idempotent: true };
const MAX_PAGES = 1000;

export class StagingAdapter implements StagingPort {
  private readonly storage: () => Promise<storage_v1.Storage>;

  constructor(options: StagingAdapterOptions) {
    const auth = new GoogleAuth({ authClient: options.authClient });
    this.storage = lazily(async () => {
      const { storage_v1 } = await import('googleapis/build/src/apis/storage/v1.js');
      return new storage_v1.Storage({ auth, rootUrl: options.rootUrl === null ? 'https://storage.googleapis.com/' : withSlash(options.rootUrl) });
    });
  }

  async list(bucket: string, prefix: string): Promise<CloudResult<string[]>> {
    try {
      const storage = await this.storage();
      const names: string[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const { data } = await googleapisCall<storage_v1.Schema$Objects>(DEFAULT_REST_POLICY, READ, (options) =>
          storage.objects.list({ bucket, prefix, fields: 'items(name),nextPageToken', ...(pageToken !== undefined ? { pageToken } : {}) }, options),
        );
        for (const item of data.items ?? []) if (typeof item.name === 'string') names.push(item.name);
        if (typeof data.nextPageToken !== 'string' || data.nextPageToken === '') break;
        pageToken = data.nextPageToken;
      }
      return { ok: true, value: names };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }

  async deletePrefix(bucket: string, prefix: string): Promise<CloudResult<number>> {
    // An empty prefix would be the whole bucket: never what a job's clean-up means.
    if (prefix === '' || prefix === '/') return { ok: false, failure: { kind: 'invalid', message: 'refusing to delete a whole bucket' } };
    const listed = await this.list(bucket, prefix);
    if (!listed.ok) return listed;
    try {
      const storage = await this.storage();
      let deleted = 0;
      for (const object of listed.value) {
        try {
          await googleapisCall(DEFAULT_REST_POLICY, DELETE, (options) => storage.objects.delete({ bucket, object }, options));
          deleted++;
        } catch (error) {
          if (httpStatusOf(error) !== 404) throw error;
        }
      }
      return { ok: true, value: deleted };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
