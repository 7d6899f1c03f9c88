/**
 * A local Cloud Storage (JSON API v1) holding objects in memory: the staging bucket that boxes upload
 * their code to and jobs write outputs into. Its own HTTP server, since uploads and downloads carry raw
 * bytes rather than the JSON the shared sandbox server parses.
 *
 * Written from the storage v1 discovery document (revision of December 2026, kept beside the tests) and
 * https://cloud.google.com/storage/docs/json_api/v1/objects (insert, list, get, delete):
 * - simple upload: `POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name=NAME`, the bytes as body;
 * - `GET /storage/v1/b/{bucket}/o?prefix=&pageToken=&maxResults=` lists `storage#objects`, names in
 *   lexicographic order (https://cloud.google.com/storage/docs/listing-objects);
 * - `GET /storage/v1/b/{bucket}/o/{object}` is the Object resource, with `alt=media` its bytes;
 * - `DELETE /storage/v1/b/{bucket}/o/{object}` answers 204 with no body.
 * `{object}` is the name percent-encoded as one path segment (`/` written `%2F`).
 *
 * The JSON calls (list, get without `alt=media`, delete) are also served on the shared sandbox server
 * (`handle`), so a client whose root URL is GCP_ENDPOINT reaches the same objects; bytes only here.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { googleError, type SandboxHandler, type SandboxRequest, type SandboxResponse } from './server.js';

export interface StoredObject {
  bucket: string;
  name: string;
  bytes: Buffer;
  contentType: string;
  generation: string;
  timeCreated: string;
}

export interface StorageSandboxOptions {
  /** Buckets that exist; any other answers 404 as Cloud Storage does for a missing bucket. */
  buckets: readonly string[];
  now?: () => number;
  /** Largest page a list answers; Cloud Storage's own maximum is 1000. */
  maxPageSize?: number;
}

/** One call as the stand-in saw it, for tests that check what was asked. */
export interface StorageCall {
  method: 'objects.insert' | 'objects.list' | 'objects.get' | 'objects.delete';
  bucket: string;
  object: string | null;
  status: number;
}

export class StorageSandbox implements SandboxHandler {
  readonly calls: StorageCall[] = [];
  private readonly objects = new Map<string, StoredObject>();
  private readonly buckets: Set<string>;
  private readonly now: () => number;
  private generation = 1_700_000_000_000_000;

  constructor(private readonly options: StorageSandboxOptions) {
    this.buckets = new Set(options.buckets);
    this.now = options.now ?? (() => Date.now());
  }

  /** Every object of a bucket under `prefix`, in name order. */
  list(bucket: string, prefix = ''): StoredObject[] {
    return [...this.objects.values()].filter((o) => o.bucket === bucket && o.name.startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(bucket: string, name: string): StoredObject | null {
    return this.objects.get(`${bucket}/${name}`) ?? null;
  }

  /** Writes an object directly, as a job writing its outputs would. */
  put(bucket: string, name: string, bytes: Buffer | string, contentType = 'application/octet-stream'): StoredObject {
    const object: StoredObject = {
      bucket,
      name,
      bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
      contentType,
      generation: String(this.generation++),
      timeCreated: new Date(this.now()).toISOString(),
    };
    this.objects.set(`${bucket}/${name}`, object);
    return object;
  }

  /** The JSON calls on the shared sandbox server, whose paths arrive percent-decoded (an object name keeps its `/`). */
  handle(req: SandboxRequest): SandboxResponse | null {
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(req.path);
    const one = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(req.path);
    if (list === null && one === null) return null;
    if (!/^Bearer \S+/.test(String(req.headers.authorization ?? ''))) {
      return googleError(401, 'required', 'Anonymous caller does not have storage.objects access to the Google Cloud Storage object.');
    }
    const bucket = (list ?? one)?.[1] ?? '';
    if (!this.buckets.has(bucket)) return googleError(404, 'notFound', 'The specified bucket does not exist.');
    if (list !== null && req.method === 'GET') {
      const prefix = req.query.get('prefix') ?? '';
      const max = Math.min(Number(req.query.get('maxResults') ?? 1000) || 1000, this.options.maxPageSize ?? 1000);
      const after = req.query.get('pageToken');
      const all = this.list(bucket, prefix).filter((o) => after === null || o.name > Buffer.from(after, 'base64url').toString());
      const page = all.slice(0, max);
      const last = page.at(-1);
      this.calls.push({ method: 'objects.list', bucket, object: null, status: 200 });
      return {
        status: 200,
        body: {
          kind: 'storage#objects',
          ...(page.length > 0 ? { items: page.map((o) => this.resource(o)) } : {}),
          ...(all.length > page.length && last !== undefined ? { nextPageToken: Buffer.from(last.name).toString('base64url') } : {}),
        },
      };
    }
    if (one !== null && (req.method === 'GET' || req.method === 'DELETE') && req.query.get('alt') !== 'media') {
      const name = one[2] ?? '';
      const method = req.method === 'DELETE' ? 'objects.delete' : 'objects.get';
      const object = this.get(bucket, name);
      if (object === null) {
        this.calls.push({ method, bucket, object: name, status: 404 });
        return googleError(404, 'notFound', `No such object: ${bucket}/${name}`);
      }
      this.calls.push({ method, bucket, object: name, status: req.method === 'DELETE' ? 204 : 200 });
      if (req.method === 'GET') return { status: 200, body: this.resource(object) };
      this.objects.delete(`${bucket}/${name}`);
      return { status: 204, body: undefined };
    }
    return googleError(400, 'invalid', `This stand-in serves objects.list, objects.get and objects.delete here, not ${req.method} ${req.path}.`);
  }

  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  private resource(o: StoredObject): Record<string, unknown> {
    const md5 = createHash('md5').update(o.bytes).digest('base64');
    return {
      kind: 'storage#object',
      id: `${o.bucket}/${o.name}/${o.generation}`,
      selfLink: `https://www.googleapis.com/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}`,
      mediaLink: `https://storage.googleapis.com/download/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: o.generation,
      metageneration: '1',
      contentType: o.contentType,
      storageClass: 'STANDARD',
      // uint64 fields travel as decimal strings in the JSON API.
      size: String(o.bytes.length),
      md5Hash: md5,
      etag: md5,
      timeCreated: o.timeCreated,
      updated: o.timeCreated,
    };
  }

  private answer(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://storage.local');
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(value === undefined ? '' : JSON.stringify(value));
    };
    const error = (status: number, reason: string, message: string) => json(status, { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } });
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      error(401, 'required', 'Anonymous caller does not have storage.objects access to the Google Cloud Storage object.');
      return;
    }
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const one = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    const bucket = decodeURIComponent((upload ?? list ?? one)?.[1] ?? '');
    const record = (method: StorageCall['method'], object: string | null, status: number) => this.calls.push({ method, bucket, object, status });
    if ((upload ?? list ?? one) !== null && !this.buckets.has(bucket)) {
      error(404, 'notFound', 'The specified bucket does not exist.');
      return;
    }
    if (upload !== null && req.method === 'POST') {
      const name = url.searchParams.get('name') ?? '';
      if (url.searchParams.get('uploadType') !== 'media') {
        record('objects.insert', name, 400);
        error(400, 'invalid', 'This stand-in takes simple uploads only (uploadType=media).');
        return;
      }
      if (name === '' || Buffer.byteLength(name) > 1024) {
        record('objects.insert', name, 400);
        error(400, 'required', 'Required parameter: name');
        return;
      }
      const object = this.put(bucket, name, body, req.headers['content-type'] ?? 'application/octet-stream');
      record('objects.insert', name, 200);
      json(200, this.resource(object));
      return;
    }
    if (list !== null && req.method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Math.min(Number(url.searchParams.get('maxResults') ?? 1000) || 1000, this.options.maxPageSize ?? 1000);
      const after = url.searchParams.get('pageToken');
      const all = this.list(bucket, prefix).filter((o) => after === null || o.name > Buffer.from(after, 'base64url').toString());
      const page = all.slice(0, max);
      const last = page.at(-1);
      record('objects.list', null, 200);
      json(200, {
        kind: 'storage#objects',
        ...(page.length > 0 ? { items: page.map((o) => this.resource(o)) } : {}),
        ...(all.length > page.length && last !== undefined ? { nextPageToken: Buffer.from(last.name).toString('base64url') } : {}),
      });
      return;
    }
    if (one !== null) {
      const name = decodeURIComponent(one[2] ?? '');
      const object = this.get(bucket, name);
      const method = req.method === 'DELETE' ? 'objects.delete' : 'objects.get';
      if (object === null) {
        record(method, name, 404);
        error(404, 'notFound', `No such object: ${bucket}/${name}`);
        return;
      }
      record(method, name, req.method === 'DELETE' ? 204 : 200);
      if (req.method === 'DELETE') {
        this.objects.delete(`${bucket}/${name}`);
        res.writeHead(204);
        res.end();
        return;
      }
      if (url.searchParams.get('alt') === 'media') {
        res.writeHead(200, { 'content-type': object.contentType, 'content-length': String(object.bytes.length) });
        res.end(object.bytes);
        return;
      }
      json(200, this.resource(object));
      return;
    }
    error(404, 'notFound', `Not Found: ${req.method ?? ''} ${url.pathname}`);
  }
}
