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

/** Classifies an error thrown by a client library call (HTTP or gRPC status). */
export function classifyThrown(error: unknown): CloudFailure {
  const e = error as { code?: unknown; status?: unknown; message?: unknown; response?: { status?: unknown } };
  const message = typeof e.message === 'string' ? e.message : String(error);
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
