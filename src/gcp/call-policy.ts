/**
 * How long one Google call may take and how it is tried again, the same for every adapter whichever
 * client library makes the call: googleapis' generated clients (gaxios underneath) and
 * `@google-cloud/compute` (google-gax's REST transport, which fetches through the auth client).
 */
import { AuthClient } from 'google-auth-library';
import type { Common } from 'googleapis';

/** Timeout and retries of each call. */
export interface RestPolicy {
  /** Each attempt is abandoned after this long. */
  timeoutMs: number;
  /** Attempts after the first, for 408, 429, 5xx and no answer at all (timeouts included). */
  retries: number;
  /** Before the first retry; later ones back off exponentially. */
  firstRetryDelayMs: number;
  /** No single wait between attempts is longer. */
  maxRetryDelayMs: number;
}

/**
 * 20 s an attempt, two retries: a call gives up within about a minute, well inside the worker lease
 * (renewed during the tick), while a Compute insert, which answers in a second or two, gets room for
 * a slow zone. Without a timeout neither library gives up on a connection that hangs (gaxios sets
 * none by default, and google-gax's REST transport ignores its own deadline), and one hung call would
 * stall the whole tick.
 */
export const DEFAULT_REST_POLICY: Readonly<RestPolicy> = Object.freeze({ timeoutMs: 20_000, retries: 2, firstRetryDelayMs: 250, maxRetryDelayMs: 5_000 });

/** What a call may be retried as: reads always; a POST only when it carries an idempotency key (Compute's requestId). */
export interface CallBehaviour {
  /** A repeat of this call has no second effect (a read, or a write carrying a requestId). */
  idempotent: boolean;
}

const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'];

/**
 * Per-call options for a googleapis generated method (its second argument): gaxios' `timeout` and
 * `retryConfig`, which googleapis-common passes through to gaxios. gaxios retries 408, 429 and 5xx and
 * unanswered attempts itself; `retryConfig` in `extra` overrides fields (a test asking for fewer retries).
 */
export function googleapisCallOptions(policy: Readonly<RestPolicy>, behaviour: CallBehaviour, extra: { retryConfig?: Common.MethodOptions['retryConfig'] } = {}): Common.MethodOptions {
  return {
    timeout: policy.timeoutMs,
    retryConfig: {
      retry: policy.retries,
      noResponseRetries: policy.retries,
      retryDelay: policy.firstRetryDelayMs,
      retryDelayMultiplier: 2,
      maxRetryDelay: policy.maxRetryDelayMs,
      httpMethodsToRetry: behaviour.idempotent ? [...IDEMPOTENT_METHODS, 'POST'] : IDEMPOTENT_METHODS,
      ...extra.retryConfig,
    },
  };
}

/**
 * Runs one call, trying it again while `again(error)` says so, at most `policy.retries` more times,
 * with exponential back-off. A call that is not idempotent is never tried again.
 */
export async function withRetries<T>(policy: Readonly<RestPolicy>, behaviour: CallBehaviour, again: (error: unknown) => boolean, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!behaviour.idempotent || attempt >= policy.retries || !again(error)) throw error;
      await sleep(Math.min(policy.firstRetryDelayMs * 2 ** attempt, policy.maxRetryDelayMs));
    }
  }
}

/**
 * One call of a googleapis generated method by the policy: gaxios retries the statuses (with the
 * options above), and an attempt its own timeout aborted, which gaxios reports as a plain AbortError
 * and does not retry, is retried here.
 */
export function googleapisCall<T>(
  policy: Readonly<RestPolicy>,
  behaviour: CallBehaviour,
  send: (options: Common.MethodOptions) => Promise<{ data: T }>,
  extra: { retryConfig?: Common.MethodOptions['retryConfig'] } = {},
): Promise<{ data: T }> {
  return withRetries(policy, behaviour, isTimedOut, () => send(googleapisCallOptions(policy, behaviour, extra)));
}

/**
 * A value built on first use and kept; a build that failed is tried again next time. The client
 * libraries are loaded this way, so neither start-up nor a listener pays for parsing them.
 */
export function lazily<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | null = null;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = null;
      throw error;
    });
    return built;
  };
}

/** An attempt that got no answer before its timeout: no response, and aborted. */
export function isTimedOut(error: unknown): boolean {
  const e = error as { response?: unknown; name?: unknown; code?: unknown; cause?: { name?: unknown } } | null;
  if (e === null || typeof e !== 'object' || e.response !== undefined) return false;
  return [e.name, e.code, e.cause?.name].some((v) => v === 'AbortError' || v === 'TimeoutError');
}

/**
 * The auth client handed to `@google-cloud/compute`: it signs as the given one and puts a timeout on
 * every request. google-gax's REST transport fetches through `authClient.fetch()` and sets no timeout
 * of its own (its `timeout` call option only becomes a gRPC deadline), so a hung answer is abandoned
 * here, by gaxios' own `timeout` request option.
 */
export class TimedAuthClient extends AuthClient {
  constructor(
    private readonly inner: AuthClient,
    private readonly timeoutMs: number,
  ) {
    super({ universeDomain: inner.universeDomain });
  }

  override request<T>(options: RequestOptions): ReturnType<typeof AuthClient.prototype.request<T>> {
    return this.inner.request<T>({ ...options, timeout: this.timeoutMs });
  }

  override getRequestHeaders(url?: string | URL): Promise<Headers> {
    return this.inner.getRequestHeaders(url);
  }

  override getAccessToken(): ReturnType<AuthClient['getAccessToken']> {
    return this.inner.getAccessToken();
  }
}

/** gaxios' request options, as google-auth-library's own build of gaxios declares them. */
type RequestOptions = Parameters<AuthClient['request']>[0];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
