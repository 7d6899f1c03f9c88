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

export function freshProjectId(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function testFirestore(projectId = freshProjectId()): Firestore {
  return createFirestore({ projectId, emulatorHost: emulatorHost() });
}

/**
 * For tests whose result depends on transactions locking documents, preconditions, `== null` filters,
 * cursors or collection-group queries: the npm emulator ignores those, so there the test is skipped
 * with the reason printed, never passed.
 */
export function needsOfficialEmulator(t: TestContext): boolean {
  if (emulatorKind() === 'official') return true;
  t.skip('needs the official Firestore emulator (Google Cloud CLI): the npm emulator does not lock transactions');
  return false;
}
