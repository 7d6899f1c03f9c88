/**
 * The composite indexes the bot's queries need, read from firestore.indexes.json (the file the Firebase
 * CLI deploys as it is), so `gpubot doctor` checks a deployment against the same list an operator deploys.
 */
import { readFile } from 'node:fs/promises';
import type { RequiredIndex } from '../domain/doctor-checks.js';

/** Beside package.json: two levels up from src/store/ and from dist/store/ alike (the image copies it to /app). */
const INDEXES_FILE = new URL('../../firestore.indexes.json', import.meta.url);

export async function requiredIndexes(file: URL = INDEXES_FILE): Promise<RequiredIndex[]> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  const list = (parsed as { indexes?: unknown } | null)?.indexes;
  if (!Array.isArray(list)) throw new Error(`${file.pathname} has no "indexes" list`);
  return list.map((raw: unknown, i): RequiredIndex => {
    const index = raw as { collectionGroup?: unknown; queryScope?: unknown; fields?: unknown };
    const fields = Array.isArray(index.fields) ? (index.fields as { fieldPath?: unknown; order?: unknown }[]) : [];
    if (typeof index.collectionGroup !== 'string' || fields.length === 0) throw new Error(`${file.pathname}: index ${i} needs a collectionGroup and fields`);
    return {
      collectionGroup: index.collectionGroup,
      queryScope: typeof index.queryScope === 'string' ? index.queryScope : 'COLLECTION',
      fields: fields.map((f) => ({ fieldPath: String(f.fieldPath), order: typeof f.order === 'string' ? f.order : 'ASCENDING' })),
    };
  });
}
