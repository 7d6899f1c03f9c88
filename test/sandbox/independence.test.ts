/** The stand-ins stay independent witnesses: the lint rule that keeps them so, and the wire contracts both sides name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { BUSY_KERNELS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC } from '../../src/domain/notebook-activity-script.js';
import * as sandboxMonitoring from '../../src/sandbox/google/monitoring.js';

test('the notebook metric types the sandbox serves are the ones the box script writes and the bot reads', () => {
  assert.equal(sandboxMonitoring.BUSY_KERNELS_METRIC, BUSY_KERNELS_METRIC);
  assert.equal(sandboxMonitoring.NOTEBOOK_IDLE_SECONDS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC);
});

test('lint fails a stand-in that imports the bot, and lets embedded.ts name the bot types it wires', async () => {
  const eslint = new ESLint();
  const problems = async (code: string, filePath: string) =>
    (await eslint.lintText(code, { filePath })).flatMap((r) => r.messages).filter((m) => m.ruleId === 'import-graph/layers');
  for (const [code, filePath] of [
    ["import { GPUS } from '../../domain/gpus.js';\nexport const x = GPUS;\n", 'src/sandbox/google/vertex.ts'],
    ["import { VertexAdapter } from '../../gcp/vertex.js';\nexport const x = VertexAdapter;\n", 'src/sandbox/google/vertex.ts'],
    ["import type { Clock } from '../../app/ports.js';\nexport type X = Clock;\n", 'src/sandbox/slack/web-api-server.ts'],
    ["import { JOBS } from '../store/job-store.js';\nexport const x = JOBS;\n", 'src/sandbox/embedded.ts'],
  ] as const) {
    assert.equal((await problems(code, filePath)).length, 1, `${filePath}: ${code.split('\n')[0] ?? ''}`);
  }
  for (const [code, filePath] of [
    ["import type { Clock } from '../app/ports.js';\nexport type X = Clock;\n", 'src/sandbox/embedded.ts'],
    ["import { SlackSimulator } from '../slack/web-api-server.js';\nexport const x = SlackSimulator;\n", 'src/sandbox/console/console.ts'],
  ] as const) {
    assert.deepEqual(await problems(code, filePath), [], `${filePath}: ${code.split('\n')[0] ?? ''}`);
  }
});
