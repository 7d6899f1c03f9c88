/**
 * One local HTTP server for every simulated Google REST API (Compute, Vertex AI, Monitoring, Billing).
 * Each API is a handler that claims the requests it knows; the server only does transport: parse the
 * URL and JSON body, ask each handler in turn, write the JSON answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpFaults } from '../http-faults.js';

export interface SandboxRequest {
  method: string;
  /** URL path, percent-decoded (`/compute/v1/projects/p/zones/z/instances/x`). */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body; `undefined` when the request had none. */
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface SandboxResponse {
  status: number;
  /** Serialized as JSON; `undefined` sends an empty body. */
  body: unknown;
  headers?: Readonly<Record<string, string>>;
}

export interface SandboxHandler {
  /** Answers a request this handler owns, or returns null so the next handler may take it. */
  handle(req: SandboxRequest): Promise<SandboxResponse | null> | SandboxResponse | null;
}

export interface GoogleErrorItem {
  domain?: string;
  reason: string;
  message: string;
  [key: string]: unknown;
}

export interface GoogleErrorEnvelope {
  error: {
    code: number;
    message: string;
    status?: string;
    errors: GoogleErrorItem[];
    details?: unknown[];
  };
}

const CANONICAL_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

// The reasons Google's older (Apiary) surfaces put in errors[].reason for each canonical status.
const REASON_BY_CANONICAL: Readonly<Record<string, string>> = {
  INVALID_ARGUMENT: 'badRequest',
  UNAUTHENTICATED: 'authError',
  PERMISSION_DENIED: 'forbidden',
  NOT_FOUND: 'notFound',
  ALREADY_EXISTS: 'alreadyExists',
  ABORTED: 'aborted',
  FAILED_PRECONDITION: 'conditionNotMet',
  RESOURCE_EXHAUSTED: 'rateLimitExceeded',
  CANCELLED: 'cancelled',
  INTERNAL: 'backendError',
  UNIMPLEMENTED: 'notImplemented',
  UNAVAILABLE: 'backendError',
  DEADLINE_EXCEEDED: 'deadlineExceeded',
};

const CANONICAL_STATUS = /^[A-Z][A-Z_]+$/;

/**
 * Google's JSON error envelope. The second argument is either an Apiary reason (`notFound`,
 * `alreadyExists`, `quotaExceeded`), in which case `status` is derived from the HTTP code
 * (`alreadyExists` gives `ALREADY_EXISTS`), or a canonical status (`RESOURCE_EXHAUSTED`), in which
 * case the reason is the conventional one for it.
 */
export function googleError(
  code: number,
  reasonOrStatus: string,
  message: string,
  errors?: readonly GoogleErrorItem[],
): SandboxResponse {
  const isStatus = CANONICAL_STATUS.test(reasonOrStatus);
  const status = isStatus
    ? reasonOrStatus
    : reasonOrStatus === 'alreadyExists'
      ? 'ALREADY_EXISTS'
      : (CANONICAL_BY_HTTP[code] ?? (code >= 500 ? 'INTERNAL' : 'UNKNOWN'));
  const reason = isStatus ? (REASON_BY_CANONICAL[reasonOrStatus] ?? 'unknown') : reasonOrStatus;
  const envelope: GoogleErrorEnvelope = {
    error: {
      code,
      message,
      status,
      errors: errors ? [...errors] : [{ domain: 'global', reason, message }],
    },
  };
  return { status: code, body: envelope };
}

export interface StartGoogleSandboxOptions {
  handlers: readonly SandboxHandler[];
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1: the sandbox is never reachable from outside the machine. */
  host?: string;
  /** Called with errors a handler threw; the client gets a 500 either way. */
  onError?: (error: unknown, req: SandboxRequest) => void;
  /** Faults every API here can be made to show (5xx, 429, hangs, lagging listings); none by default. */
  faults?: HttpFaults;
}

export interface GoogleSandbox {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  host: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

class BodyError extends Error {
  constructor(readonly response: SandboxResponse) {
    super('request body rejected');
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyError(googleError(413, 'badRequest', 'Request payload size exceeds the limit.')));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BodyError(googleError(400, 'parseError', `Invalid JSON payload received. ${detail}`));
  }
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BodyError(googleError(400, 'badRequest', `Invalid URL path: ${raw}`));
  }
}

async function toSandboxRequest(req: http.IncomingMessage): Promise<SandboxRequest> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const text = await readBody(req);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: decodePath(url.pathname),
    query: url.searchParams,
    body: parseJson(text),
    headers: req.headers,
  };
}

function send(res: http.ServerResponse, response: SandboxResponse): void {
  const payload = response.body === undefined ? '' : JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(payload),
    ...response.headers,
  });
  res.end(payload);
}

async function dispatch(
  handlers: readonly SandboxHandler[],
  req: SandboxRequest,
  onError: StartGoogleSandboxOptions['onError'],
): Promise<SandboxResponse> {
  try {
    for (const handler of handlers) {
      const answer = await handler.handle(req);
      if (answer) return answer;
    }
  } catch (error) {
    onError?.(error, req);
    const detail = error instanceof Error ? error.message : String(error);
    return googleError(500, 'backendError', `Internal error in the sandbox: ${detail}`);
  }
  return googleError(404, 'notFound', `The requested URL ${req.path} was not found on this server.`);
}

/** Starts the server; `close()` also drops keep-alive connections the client libraries hold open. */
export async function startGoogleSandbox(options: StartGoogleSandboxOptions): Promise<GoogleSandbox> {
  const host = options.host ?? '127.0.0.1';
  const { handlers, onError } = options;
  const server = http.createServer((req, res) => {
    const answer = (): Promise<SandboxResponse> =>
      toSandboxRequest(req)
        .then((request) => dispatch(handlers, request, onError))
        .catch((error: unknown) => {
          if (error instanceof BodyError) return error.response;
          const detail = error instanceof Error ? error.message : String(error);
          return googleError(400, 'badRequest', `Could not read the request: ${detail}`);
        });
    const faults = options.faults;
    const outcome = faults === undefined ? answer().then((response) => ({ kind: 'answer' as const, answer: response })) : faults.around(req.method ?? 'GET', req.url ?? '/', answer);
    outcome
      .then((o) => (o.kind === 'drop' ? res.destroy() : send(res, o.answer)))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
