/**
 * A simulated Firestore Admin REST API (v1): `projects.databases.get` and
 * `projects.databases.collectionGroups.indexes.list`, written from the REST reference
 * (cloud.google.com/firestore/docs/reference/rest/v1/projects.databases and
 * .../projects.databases.collectionGroups.indexes, read December 2026; no discovery document of it is
 * kept here). What it holds is what was deployed into it: `deployIndexes()` takes a firestore.indexes.json
 * as the Firebase CLI would. As the reference says of `Index.fields`, Firestore appends `__name__` as
 * the last field, with the direction of the last field given. Fault switches: `dropIndex()`,
 * `setIndexState()`, `dropDatabase()`, `useDatastoreMode()`.
 */
import { createHash } from 'node:crypto';
import { googleError, type SandboxHandler, type SandboxRequest, type SandboxResponse } from './server.js';

interface IndexField {
  fieldPath: string;
  order: string;
}

interface StoredIndex {
  id: string;
  collectionGroup: string;
  queryScope: string;
  fields: IndexField[];
  state: 'READY' | 'CREATING' | 'NEEDS_REPAIR';
}

export interface FirestoreAdminSandboxOptions {
  project: string;
  /** The region or multi-region the database was created in. */
  locationId?: string;
}

const PAGE_SIZE = 100;

export class FirestoreAdminSandbox implements SandboxHandler {
  readonly project: string;
  readonly calls: { method: string; path: string }[] = [];
  private readonly databases = new Map<string, { type: 'FIRESTORE_NATIVE' | 'DATASTORE_MODE'; indexes: StoredIndex[] }>();
  private readonly locationId: string;

  constructor(options: FirestoreAdminSandboxOptions) {
    this.project = options.project;
    this.locationId = options.locationId ?? 'nam5';
    this.databases.set('(default)', { type: 'FIRESTORE_NATIVE', indexes: [] });
  }

  /** Deploys a firestore.indexes.json (its `indexes` list), every index READY, as after the build finished. */
  deployIndexes(file: { indexes?: readonly { collectionGroup: string; queryScope?: string; fields: readonly { fieldPath: string; order?: string }[] }[] }, databaseId = '(default)'): void {
    const db = this.database(databaseId);
    for (const index of file.indexes ?? []) {
      const fields = index.fields.map((f) => ({ fieldPath: f.fieldPath, order: f.order ?? 'ASCENDING' }));
      const last = fields[fields.length - 1];
      if (last !== undefined && last.fieldPath !== '__name__') fields.push({ fieldPath: '__name__', order: last.order });
      const queryScope = index.queryScope ?? 'COLLECTION';
      const id = 'CICAgO' + createHash('sha256').update(JSON.stringify([index.collectionGroup, queryScope, fields])).digest('hex').slice(0, 10);
      db.indexes.push({ id, collectionGroup: index.collectionGroup, queryScope, fields, state: 'READY' });
    }
  }

  /** Fault switch: the index over these fields (in order, `__name__` aside) is gone. */
  dropIndex(collectionGroup: string, fieldPaths: readonly string[], databaseId = '(default)'): void {
    const db = this.database(databaseId);
    const before = db.indexes.length;
    const kept = db.indexes.filter((i) => !(i.collectionGroup === collectionGroup && sameFields(i.fields, fieldPaths)));
    if (kept.length === before) throw new Error(`no index on ${collectionGroup} (${fieldPaths.join(', ')}) to drop`);
    db.indexes.splice(0, db.indexes.length, ...kept);
  }

  /** Fault switch: an index still building (CREATING) or broken (NEEDS_REPAIR). */
  setIndexState(collectionGroup: string, fieldPaths: readonly string[], state: StoredIndex['state'], databaseId = '(default)'): void {
    const index = this.database(databaseId).indexes.find((i) => i.collectionGroup === collectionGroup && sameFields(i.fields, fieldPaths));
    if (index === undefined) throw new Error(`no index on ${collectionGroup} (${fieldPaths.join(', ')})`);
    index.state = state;
  }

  /** Fault switch: the project has no such database. */
  dropDatabase(databaseId = '(default)'): void {
    this.databases.delete(databaseId);
  }

  /** Fault switch: the database was created in Datastore mode, which the bot's client cannot use. */
  useDatastoreMode(databaseId = '(default)'): void {
    this.database(databaseId).type = 'DATASTORE_MODE';
  }

  private database(id: string): { type: 'FIRESTORE_NATIVE' | 'DATASTORE_MODE'; indexes: StoredIndex[] } {
    const db = this.databases.get(id);
    if (db === undefined) throw new Error(`no database ${id}`);
    return db;
  }

  handle(req: SandboxRequest): SandboxResponse | null {
    const m = /^\/v1\/projects\/([^/]+)\/databases\/([^/]+)(?:\/collectionGroups\/([^/]+)\/indexes)?$/.exec(req.path);
    if (m === null || req.method !== 'GET' || m[1] !== this.project) return null;
    const databaseId = m[2] ?? '';
    const group = m[3];
    const db = this.databases.get(databaseId);
    const dbName = `projects/${this.project}/databases/${databaseId}`;
    if (group === undefined) {
      this.calls.push({ method: 'projects.databases.get', path: req.path });
      if (db === undefined) return googleError(404, 'NOT_FOUND', `Project '${this.project}' or database '${databaseId}' does not exist.`);
      return {
        status: 200,
        body: {
          name: dbName,
          uid: createHash('sha256').update(dbName).digest('hex').slice(0, 32),
          createTime: '2026-01-05T09:00:00.000000Z',
          updateTime: '2026-01-05T09:00:00.000000Z',
          locationId: this.locationId,
          type: db.type,
          concurrencyMode: 'PESSIMISTIC',
          appEngineIntegrationMode: 'DISABLED',
          etag: createHash('sha256').update(`${dbName}:${db.type}`).digest('base64').slice(0, 16),
        },
      };
    }
    this.calls.push({ method: 'projects.databases.collectionGroups.indexes.list', path: req.path });
    if (db === undefined) return googleError(404, 'NOT_FOUND', `Project '${this.project}' or database '${databaseId}' does not exist.`);
    // `-` lists every collection group's indexes (the reference's note on `parent`).
    const all = db.indexes.filter((i) => group === '-' || i.collectionGroup === group);
    const start = Number(req.query.get('pageToken') ?? '0') || 0;
    const size = Math.max(1, Math.min(PAGE_SIZE, Number(req.query.get('pageSize') ?? String(PAGE_SIZE)) || PAGE_SIZE));
    const page = all.slice(start, start + size).map((i) => ({
      name: `${dbName}/collectionGroups/${i.collectionGroup}/indexes/${i.id}`,
      queryScope: i.queryScope,
      apiScope: 'ANY_API',
      fields: i.fields,
      state: i.state,
    }));
    const next = start + size < all.length ? String(start + size) : undefined;
    return { status: 200, body: { indexes: page, ...(next !== undefined ? { nextPageToken: next } : {}) } };
  }
}

function sameFields(fields: readonly IndexField[], paths: readonly string[]): boolean {
  const own = fields.filter((f, i) => !(i === fields.length - 1 && f.fieldPath === '__name__'));
  return own.length === paths.length && own.every((f, i) => f.fieldPath === paths[i]);
}
