/**
 * A local stand-in for one VM's metadata server, as a program on the box sees it: for running the box
 * agent (and other on-box scripts) for real in tests and in the console.
 *
 * Written from Compute Engine's documentation:
 * - https://cloud.google.com/compute/docs/metadata/querying-metadata : every request carries
 *   `Metadata-Flavor: Google` (refused with 403 otherwise) and every answer does too; a missing key is
 *   404; `?wait_for_change=true` holds the request until the value differs from the one whose `ETag`
 *   is given as `last_etag`, or until `timeout_sec` passes, then answers the current value with its ETag
 *   (a `last_etag` that is already stale answers at once).
 * - https://cloud.google.com/compute/docs/metadata/manage-guest-attributes : the guest writes
 *   `PUT /computeMetadata/v1/instance/guest-attributes/NAMESPACE/KEY` with the value as body, and only
 *   when the instance metadata `enable-guest-attributes` is `TRUE`; reading them back works the same way.
 * - https://cloud.google.com/compute/docs/access/authenticate-workloads : the default service account's
 *   token at `instance/service-accounts/default/token`, JSON `{access_token, expires_in, token_type}`.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetadataServerOptions {
  project: string;
  /** Instance metadata (custom attributes) at start. */
  attributes?: Readonly<Record<string, string>>;
}

interface Waiter {
  key: string;
  etag: string;
  answer: () => void;
}

const PREFIX = '/computeMetadata/v1/';

function etagOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

export class MetadataServerSandbox {
  private readonly attributes = new Map<string, string>();
  private readonly guest = new Map<string, string>();
  private readonly waiters = new Set<Waiter>();
  /** Requests refused for lack of the Metadata-Flavor header (a well-behaved client makes none). */
  refusedWithoutFlavor = 0;

  constructor(private readonly options: MetadataServerOptions) {
    for (const [k, v] of Object.entries(options.attributes ?? {})) this.attributes.set(k, v);
  }

  /** Sets (or with null removes) an instance metadata key, as `instances.setMetadata` would; waiting readers answer. */
  setAttribute(key: string, value: string | null): void {
    if (value === null) this.attributes.delete(key);
    else this.attributes.set(key, value);
    for (const w of [...this.waiters]) if (w.key === key && etagOf(this.attributes.get(key) ?? '') !== w.etag) w.answer();
  }

  /** A guest attribute the box wrote, or null. */
  guestAttribute(namespace: string, key: string): string | null {
    return this.guest.get(`${namespace}/${key}`) ?? null;
  }

  /** Every guest attribute under a namespace, as `getGuestAttributes` with a query path would list them. */
  guestAttributes(namespace: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.guest) if (k.startsWith(`${namespace}/`)) out[k.slice(namespace.length + 1)] = v;
    return out;
  }

  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          for (const w of [...this.waiters]) w.answer();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://metadata.google.internal');
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      if (res.writableEnded) return;
      res.writeHead(status, { 'Metadata-Flavor': 'Google', 'content-type': 'application/text', ...headers });
      res.end(text);
    };
    if (req.headers['metadata-flavor'] !== 'Google') {
      this.refusedWithoutFlavor++;
      send(403, 'Missing Metadata-Flavor:Google header.');
      return;
    }
    if (!url.pathname.startsWith(PREFIX)) {
      send(404, 'Not Found');
      return;
    }
    const path = url.pathname.slice(PREFIX.length);
    if (path === 'project/project-id' && req.method === 'GET') {
      send(200, this.options.project);
      return;
    }
    if (path === 'instance/service-accounts/default/token' && req.method === 'GET') {
      send(200, JSON.stringify({ access_token: 'sandbox-box-token', expires_in: 3599, token_type: 'Bearer' }), { 'content-type': 'application/json' });
      return;
    }
    const guest = /^instance\/guest-attributes\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)$/.exec(path);
    if (guest !== null) {
      if (this.attributes.get('enable-guest-attributes')?.toUpperCase() !== 'TRUE') {
        send(403, 'Guest attributes endpoint access is disabled.');
        return;
      }
      const id = `${guest[1] ?? ''}/${guest[2] ?? ''}`;
      if (req.method === 'PUT') {
        this.guest.set(id, body);
        send(200, '');
        return;
      }
      const value = this.guest.get(id);
      if (req.method === 'GET' && value !== undefined) send(200, value);
      else send(404, 'Not Found');
      return;
    }
    const attribute = /^instance\/attributes\/([A-Za-z0-9_-]+)$/.exec(path);
    if (attribute !== null && req.method === 'GET') {
      const key = attribute[1] ?? '';
      const current = () => this.attributes.get(key);
      const reply = () => {
        const value = current();
        if (value === undefined) send(404, 'Not Found');
        else send(200, value, { ETag: etagOf(value) });
      };
      if (url.searchParams.get('wait_for_change') !== 'true') {
        reply();
        return;
      }
      const last = url.searchParams.get('last_etag') ?? '0';
      const value = current();
      if (value !== undefined && etagOf(value) !== last) {
        reply();
        return;
      }
      const seconds = Math.min(Number(url.searchParams.get('timeout_sec') ?? 300) || 300, 3600);
      const waiter: Waiter = {
        key,
        etag: value === undefined ? '' : last,
        answer: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reply();
        },
      };
      const timer = setTimeout(() => waiter.answer(), seconds * 1000);
      this.waiters.add(waiter);
      res.on('close', () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      });
      return;
    }
    send(404, 'Not Found');
  }
}
