/** Turns what Google's client libraries throw into the CloudFailure kinds the controllers decide by. */
import type { CloudFailure } from '../app/ports.js';

// gRPC status codes, as google-gax reports them even for REST calls.
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;
const INVALID_ARGUMENT = 3;
const FAILED_PRECONDITION = 9;
const UNAUTHENTICATED = 16;

const QUOTA_NAME = /Quota '([A-Z0-9_]+)' exceeded/;

/** Classifies an error Compute returned inside an operation (`operation.error.errors[]`). */
export function classifyOperationError(code: string | null | undefined, message: string | null | undefined): CloudFailure {
  const text = message ?? code ?? 'unknown error';
  const c = code ?? '';
  if (c.startsWith('ZONE_RESOURCE_POOL_EXHAUSTED') || c === 'RESOURCE_NOT_AVAILABLE') return { kind: 'stockout', message: text, code: c };
  if (c.includes('QUOTA')) return withQuota({ kind: 'quota', message: text, code: c });
  if (c === 'RESOURCE_NOT_FOUND' || c === 'NOT_FOUND') return { kind: 'not-found', message: text, code: c };
  if (c === 'RESOURCE_ALREADY_EXISTS' || c === 'ALREADY_EXISTS') return { kind: 'already-exists', message: text, code: c };
  if (c === 'INTERNAL_ERROR' || c === 'SERVICE_UNAVAILABLE') return { kind: 'transient', message: text, code: c };
  return { kind: 'other', message: text, code: c };
}

/**
 * The HTTP status of a failed call, where there was an answer. `@google-cloud/compute`'s REST transport
 * fetches through the auth client, whose gaxios rejects any status outside 2xx before google-gax reads
 * the body: those errors are GaxiosErrors (`status`, `response`), like googleapis' own.
 */
export function httpStatusOf(error: unknown): number | null {
  const e = error as { status?: unknown; response?: { status?: unknown } } | null;
  if (e === null || typeof e !== 'object') return null;
  const status = [e.status, e.response?.status].find((v) => typeof v === 'number');
  return typeof status === 'number' ? status : null;
}

/**
 * What Google said, for a person: `error.message` of Google's error body (google.rpc.Status, or
 * Compute's `{error: {code, message, errors}}`), which gaxios leaves as the error's whole message
 * when nothing above it parsed the body.
 */
export function googleMessage(error: unknown): string {
  const e = error as { message?: unknown; response?: { data?: unknown } } | null;
  const data = e?.response?.data;
  const fromBody = (body: unknown): string | null => {
    const inner = (body as { error?: { message?: unknown } } | null)?.error?.message;
    return typeof inner === 'string' && inner !== '' ? inner : null;
  };
  if (typeof data === 'object' && data !== null) return fromBody(data) ?? fallbackMessage(error);
  const text = typeof data === 'string' ? data : typeof e?.message === 'string' ? e.message : '';
  if (text.trimStart().startsWith('{')) {
    try {
      return fromBody(JSON.parse(text)) ?? fallbackMessage(error);
    } catch {
      // not JSON after all: the text is the message
    }
  }
  return fallbackMessage(error);
}

function fallbackMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Classifies an error thrown by a client library call (HTTP or gRPC status). */
export function classifyThrown(error: unknown): CloudFailure {
  const e = error as { code?: unknown; status?: unknown; message?: unknown; response?: { status?: unknown } };
  const message = googleMessage(error);
  // gax errors carry a number `code`; gaxios (googleapis) errors an HTTP `status` and a string `code`.
  const numeric = [e.status, e.response?.status, e.code].find((v) => typeof v === 'number' || (typeof v === 'string' && /^\d{3}$/.test(v)));
  const code = numeric === undefined ? null : Number(numeric);
  if (QUOTA_NAME.test(message) || /QUOTA_EXCEEDED/.test(message)) return withQuota({ kind: 'quota', message, code: 'QUOTA_EXCEEDED' });
  if (/ZONE_RESOURCE_POOL_EXHAUSTED|does not have enough resources available/.test(message)) {
    return { kind: 'stockout', message, code: 'ZONE_RESOURCE_POOL_EXHAUSTED' };
  }
  switch (code) {
    case 404:
    case NOT_FOUND:
      return { kind: 'not-found', message };
    case 409:
    case ALREADY_EXISTS:
      return { kind: 'already-exists', message };
    case 401:
    case 403:
    case PERMISSION_DENIED:
    case UNAUTHENTICATED:
      return { kind: 'permission', message };
    case 429:
    case RESOURCE_EXHAUSTED:
      return withQuota({ kind: /quota/i.test(message) ? 'quota' : 'transient', message });
    case 400:
    case INVALID_ARGUMENT:
    case FAILED_PRECONDITION:
      return { kind: 'invalid', message };
    default:
      return { kind: 'transient', message };
  }
}

function withQuota(failure: CloudFailure): CloudFailure {
  const quota = QUOTA_NAME.exec(failure.message)?.[1];
  return quota === undefined ? failure : { ...failure, quota };
}
