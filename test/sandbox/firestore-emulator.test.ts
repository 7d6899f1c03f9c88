/**
 * The npm Firestore emulator is a development dependency: a production install has none, and gpubot
 * started there with no settings names what to set instead of crashing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EmulatorUnavailableError, LITE_EMULATOR_PACKAGE, loadLiteEmulator, startFirestoreEmulator } from '../../src/sandbox/firestore-emulator.js';

test('the npm emulator is found where development dependencies are installed', async () => {
  assert.equal(typeof (await loadLiteEmulator()), 'function');
});

test('with no emulator package, starting the embedded Firestore names the settings to set', async () => {
  await assert.rejects(
    startFirestoreEmulator({ prefer: 'lite', litePackage: '@firestore-emulator/not-installed-here' }),
    (error: unknown) => {
      assert.ok(error instanceof EmulatorUnavailableError);
      assert.equal(error.code, 'FIRESTORE_NOT_CONFIGURED');
      assert.match(error.message, /@firestore-emulator\/not-installed-here is not installed/);
      assert.match(error.message, /GOOGLE_CLOUD_PROJECT/);
      assert.match(error.message, /FIRESTORE_EMULATOR_HOST=host:port/);
      return true;
    },
  );
});

test('gpubot started with no settings, no Google Cloud CLI and no emulator package exits 2 with one line naming the settings', async () => {
  // The environment of a production container: no gpubot settings, nothing on PATH to find gcloud.
  const env: Record<string, string> = { PATH: '/nonexistent', HOME: process.env.HOME ?? '/tmp', GPUBOT_HIDE_PACKAGE: LITE_EMULATOR_PACKAGE, METADATA_SERVER_DETECTION: 'none' };
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/support/hide-package.mjs', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  assert.equal(code, 2, `exit code; stdout:\n${stdout}\nstderr:\n${stderr}`);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.match(lines[0] ?? '', /No Firestore is configured.*gcloud is not installed.*@firestore-emulator\/server is not installed.*GOOGLE_CLOUD_PROJECT.*FIRESTORE_EMULATOR_HOST/);
});
