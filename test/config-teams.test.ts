/** GPUBOT_SANDBOX_PROJECTS: the sandbox cloud's projects beside GOOGLE_CLOUD_PROJECT, for channels bound to a team's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

test('GPUBOT_SANDBOX_PROJECTS lists project ids, none unless said; anything else is refused by name', () => {
  assert.deepEqual(loadConfig({}).sandboxProjects, []);
  assert.deepEqual(loadConfig({ GPUBOT_SANDBOX_PROJECTS: 'vision-lab, audio-lab' }).sandboxProjects, ['vision-lab', 'audio-lab']);
  assert.throws(
    () => loadConfig({ GPUBOT_SANDBOX_PROJECTS: 'vision-lab,Not_A_Project' }),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('GPUBOT_SANDBOX_PROJECTS has "Not_A_Project"')),
  );
});
