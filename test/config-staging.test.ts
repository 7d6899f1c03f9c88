import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, SANDBOX_STAGING_BUCKET, loadConfig } from '../src/config.js';

const REAL = { GOOGLE_CLOUD_PROJECT: 'ml-lab-prod', SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' };

test('GPUBOT_STAGING_BUCKET: a name or gs:// URL; unset, --from-box is off on a real cloud and the sandbox has its own bucket', () => {
  assert.equal(loadConfig({ ...REAL, GPUBOT_STAGING_BUCKET: 'gs://ml-lab-gpubot-staging/' }).stagingBucket, 'ml-lab-gpubot-staging');
  assert.equal(loadConfig({ ...REAL, GPUBOT_STAGING_BUCKET: 'ml-lab.staging_1' }).stagingBucket, 'ml-lab.staging_1');
  assert.equal(loadConfig(REAL).stagingBucket, null);
  assert.equal(loadConfig({}).stagingBucket, SANDBOX_STAGING_BUCKET);
  assert.throws(
    () => loadConfig({ ...REAL, GPUBOT_STAGING_BUCKET: 'Has Spaces' }),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('GPUBOT_STAGING_BUCKET') && p.includes('bucket name')),
  );
});

test('GPUBOT_AGENT_TIMEOUT is a duration, 10 minutes unless said', () => {
  assert.equal(loadConfig({}).agentTimeoutMs, 10 * 60_000);
  assert.equal(loadConfig({ GPUBOT_AGENT_TIMEOUT: '20m' }).agentTimeoutMs, 20 * 60_000);
  assert.throws(() => loadConfig({ GPUBOT_AGENT_TIMEOUT: 'soon' }), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('GPUBOT_AGENT_TIMEOUT')));
});
