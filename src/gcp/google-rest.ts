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

/**
 * How long one call may take and how it is retried. Without these, googleapis' request core waits for
 * ever on a connection that hangs (gaxios sets no timeout by default) and one hung call stalls the
 * whole tick; `timeout` and `retryConfig` are the request options googleapis-common passes to gaxios.
 */
export interface RestPolicy {
  /** Each attempt is abandoned after this long. */
  timeoutMs: number;
  /** Attempts after the first, for 408, 429, 5xx and no answer at all (timeouts included). */
  retries: number;
  /** Before the first retry; later ones back off exponentially (gaxios: +0.5 s, +1.5 s, ...). */
  firstRetryDelayMs: number;
  /** No single wait between attempts is longer. */
  maxRetryDelayMs: number;
}

/**
 * 20 s an attempt, two retries: a call gives up within about a minute, well inside the worker lease
 * (renewed during the tick), while a Compute insert, which answers in a second or two, gets room for
 * a slow zone.
 */
export const DEFAULT_REST_POLICY: Readonly<RestPolicy> = Object.freeze({ timeoutMs: 20_000, retries: 2, firstRetryDelayMs: 250, maxRetryDelayMs: 5_000 });

/** What a call may be retried as: GET, DELETE, ... always; POST only when it carries an idempotency key (Compute's requestId). */
export interface CallBehaviour {
  /** A repeat of this POST has no second effect (it carries a requestId), so it may be retried like a GET. */
  idempotent?: boolean;
}

const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'];

/** `{project}`, `{zone}`, `{+parent}`: the placeholders of a path template, which are its required parameters. */
const PLACEHOLDER = /\{\+?([A-Za-z0-9_]+)\}/g;

export class GoogleRest {
  private readonly context: { _options: { auth: GoogleAuth } };
  private readonly root: string;

  /**
   * @param rootUrl the API's host, such as `https://compute.googleapis.com/`, or a local stand-in's
   *   (GCP_ENDPOINT); it is given here, per API, because `google.options({ rootUrl })` moves nothing.
   */
  constructor(
    authClient: AuthClient,
    rootUrl: string,
    private readonly policy: Readonly<RestPolicy> = DEFAULT_REST_POLICY,
  ) {
    this.context = { _options: { auth: new GoogleAuth({ authClient }) } };
    this.root = rootUrl.endsWith('/') ? rootUrl : `${rootUrl}/`;
  }

  /**
   * One call. `path` is the method's template from the API's discovery document (`flatPath` style, as
   * `compute/v1/projects/{project}/zones/{zone}/instances` or `v1/{+parent}/customJobs`); `params`
   * fills its placeholders, the rest go to the query string, and `requestBody` is the JSON body.
   */
  async call<T>(method: RestMethod, path: string, params: Record<string, unknown>, options: RestOptions = {}, behaviour: CallBehaviour = {}): Promise<{ data: T }> {
    const retryable = behaviour.idempotent === true || IDEMPOTENT_METHODS.includes(method);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, params, options, behaviour);
      } catch (error) {
        // gaxios retries statuses (408, 429, 5xx) itself, but not an attempt its own timeout aborted
        // (the fetch it uses reports that as a plain AbortError): those are retried here.
        if (!isTimedOut(error) || !retryable || attempt >= this.policy.retries) throw error;
        await sleep(Math.min(this.policy.firstRetryDelayMs * 2 ** attempt, this.policy.maxRetryDelayMs));
      }
    }
  }

  private once<T>(method: RestMethod, path: string, params: Record<string, unknown>, options: RestOptions, behaviour: CallBehaviour): Promise<{ data: T }> {
    const pathParams = [...path.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
    const { retryConfig, ...rest } = options;
    const retry = {
      retry: this.policy.retries,
      noResponseRetries: this.policy.retries,
      retryDelay: this.policy.firstRetryDelayMs,
      retryDelayMultiplier: 2,
      maxRetryDelay: this.policy.maxRetryDelayMs,
      httpMethodsToRetry: behaviour.idempotent === true ? [...IDEMPOTENT_METHODS, 'POST'] : IDEMPOTENT_METHODS,
      ...(typeof retryConfig === 'object' && retryConfig !== null ? retryConfig : {}),
    };
    return createAPIRequest<T>({
      // The generated clients collapse doubled slashes the same way, after joining root and path.
      options: { url: (this.root + path).replace(/([^:]\/)\/+/g, '$1'), method, apiVersion: '', timeout: this.policy.timeoutMs, retryConfig: retry, ...rest },
      params,
      requiredParams: pathParams,
      pathParams,
      context: this.context,
    });
  }
}

/** An attempt that got no answer before its timeout: no response, and aborted. */
function isTimedOut(error: unknown): boolean {
  const e = error as { response?: unknown; name?: unknown; code?: unknown; cause?: { name?: unknown } } | null;
  if (e === null || typeof e !== 'object' || e.response !== undefined) return false;
  return [e.name, e.code, e.cause?.name].some((v) => v === 'AbortError' || v === 'TimeoutError');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
