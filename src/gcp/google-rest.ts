/**
 * Google REST calls made exactly as googleapis' generated clients make them, through googleapis-common's
 * `createAPIRequest` (the same URL templates, query serialisation, retries, headers and errors), without
 * loading the generated modules. Those are 1.4 MB of JavaScript each for Compute and Vertex AI, parsed
 * at every start-up for the handful of methods the bot calls: about a quarter of a second of cold start
 * (measured by `npm run bench`). The adapters keep googleapis' types through type-only imports.
 */
import { createAPIRequest } from 'googleapis-common';
import { GoogleAuth, type AuthClient } from 'google-auth-library';

export type RestMethod = 'GET' | 'POST' | 'DELETE';

/** Per-call options the generated methods accept too, such as `{ retryConfig: { retry: 1 } }`. */
export type RestOptions = Record<string, unknown>;

/** `{project}`, `{zone}`, `{+parent}`: the placeholders of a path template, which are its required parameters. */
const PLACEHOLDER = /\{\+?([A-Za-z0-9_]+)\}/g;

export class GoogleRest {
  private readonly context: { _options: { auth: GoogleAuth } };
  private readonly root: string;

  /**
   * @param rootUrl the API's host, such as `https://compute.googleapis.com/`, or a local stand-in's
   *   (GCP_ENDPOINT); it is given here, per API, because `google.options({ rootUrl })` moves nothing.
   */
  constructor(authClient: AuthClient, rootUrl: string) {
    this.context = { _options: { auth: new GoogleAuth({ authClient }) } };
    this.root = rootUrl.endsWith('/') ? rootUrl : `${rootUrl}/`;
  }

  /**
   * One call. `path` is the method's template from the API's discovery document (`flatPath` style, as
   * `compute/v1/projects/{project}/zones/{zone}/instances` or `v1/{+parent}/customJobs`); `params`
   * fills its placeholders, the rest go to the query string, and `requestBody` is the JSON body.
   */
  call<T>(method: RestMethod, path: string, params: Record<string, unknown>, options: RestOptions = {}): Promise<{ data: T }> {
    const pathParams = [...path.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
    return createAPIRequest<T>({
      // The generated clients collapse doubled slashes the same way, after joining root and path.
      options: { url: (this.root + path).replace(/([^:]\/)\/+/g, '$1'), method, apiVersion: '', ...options },
      params,
      requiredParams: pathParams,
      pathParams,
      context: this.context,
    });
  }
}
