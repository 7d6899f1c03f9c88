/**
 * Firestore for tests: the emulator scripts/test.ts started, one fresh project id per call so tests
 * never see each other's documents.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Firestore } from '@google-cloud/firestore';
import { createFirestore } from '../../src/store/firestore.js';

export function emulatorHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (host === undefined || host === '') {
    throw new Error('FIRESTORE_EMULATOR_HOST is not set: run tests with `npm test` (scripts/test.ts starts the emulator).');
  }
  return host;
}

/** Which emulator serves the tests: the official one, or the in-process npm one (see DEVELOPERS.md). */
export function emulatorKind(): 'official' | 'lite' {
  return process.env.GPUBOT_TEST_FIRESTORE === 'lite' ? 'lite' : 'official';
}

/**
 * What a box store must be told about the emulator the tests run on: the npm one ignores preconditions,
 * so the store's one-round-trip create (which rests on them) is left off there. The test chooses; the
 * store does not probe.
 */
export function boxStoreOptions(): { honoursPreconditions: boolean } {
  return { honoursPreconditions: emulatorKind() === 'official' };
}

export function freshProjectId(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function testFirestore(projectId = freshProjectId()): Firestore {
  return createFirestore({ projectId, emulatorHost: emulatorHost() });
}

/** What the npm emulator does not do, each with the words printed when a test is skipped for it. */
const GAPS = {
  'transaction locking': 'the npm emulator does not lock transactions',
  preconditions: 'the npm emulator ignores preconditions',
  'null filters': 'the npm emulator ignores `== null` filters',
  cursors: 'the npm emulator ignores query cursors',
  'collection-group queries': 'the npm emulator ignores collection-group queries',
  'nested-field filters': 'the npm emulator cannot filter on a nested field (such as `event.type`)',
  'merged map keys': 'the npm emulator drops, in merges and updates, map keys that need quoting (`managed-by`) and maps written over null',
  'whole-document set': 'the npm emulator keeps, on a plain set, fields the new data lacks',
  'ordered queries': 'the npm emulator does not order query results, so a limit keeps the wrong documents',
} as const;

export type EmulatorGap = keyof typeof GAPS;

/**
 * For tests whose result depends on something the npm emulator does not do (see GAPS and
 * DEVELOPERS.md): there the test is skipped with the reason printed, never passed.
 */
export function needsOfficialEmulator(t: TestContext, gap: EmulatorGap): boolean {
  if (emulatorKind() === 'official') return true;
  t.skip(`needs the official Firestore emulator (Google Cloud CLI): ${GAPS[gap]}`);
  return false;
}
