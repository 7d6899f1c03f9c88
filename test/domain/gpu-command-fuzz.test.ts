import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGpuCommand, type Parsed } from '../../src/domain/gpu-command.js';
import { isValidBoxName, resolveBoxSpec, type BoxContext } from '../../src/domain/box-request.js';
import { splitShellWords } from '../../src/domain/shell-words.js';
import { HOSTILE, VALUES, hostileCommand, pick, prng } from '../support/hostile-commands.js';

const ctx: BoxContext = {
  defaultRegion: 'us-central1',
  allowedRegions: ['us-central1', 'europe-west4'],
  zonesOffering: (type) => (type === 'nvidia-h100-80gb' ? ['us-central1-a'] : ['us-central1-a', 'us-central1-b', 'europe-west4-a']),
};

function assertSafeAnswer(input: string, result: Parsed<unknown>): void {
  assert.equal(typeof result.ok, 'boolean');
  if (result.ok) return;
  const { code, message } = result.error;
  const at = JSON.stringify(input.slice(0, 80));
  assert.match(code, /^[A-Z_]+$/, at);
  assert.ok(message.trim().length > 0, `${at}: empty message`);
  assert.ok(message.length < 500, `${at}: ${message.length} chars`);
  assert.ok(!message.includes('<@') && !message.includes('<!') && !message.includes('<#'), `${at}: ${message}`);
  assert.ok(!message.includes('<'), `${at}: raw < in ${message}`);
  assert.equal((message.match(/`/g) ?? []).length % 2, 0, `${at}: unbalanced code spans in ${message}`);
  assert.doesNotMatch(message, /[\u0000-\u0008\u000B-\u001F\u202A-\u202E\u2066-\u2069]|\p{Cs}/u, `${at}: control characters in ${message}`);
}

test('1,000 random and hostile command strings each get a safe answer, and none throws', () => {
  const rand = prng(0x9e3779b9);
  let oks = 0;
  for (let i = 0; i < 1000; i++) {
    const input = hostileCommand(rand, i);
    let result: ReturnType<typeof parseGpuCommand>;
    try {
      result = parseGpuCommand(input);
      splitShellWords(input);
    } catch (error) {
      assert.fail(`${JSON.stringify(input.slice(0, 80))} threw ${String(error)}`);
    }
    assertSafeAnswer(input, result);
    if (!result.ok) continue;
    oks++;
    const value = result.value;
    if (value.kind === 'stop' || value.kind === 'start' || value.kind === 'delete' || value.kind === 'connect') {
      assert.ok(isValidBoxName(value.name), value.name);
    }
    if (value.kind === 'up' && value.request !== null) {
      assert.ok(isValidBoxName(value.request.name), value.request.name);
      let spec: ReturnType<typeof resolveBoxSpec>;
      try {
        spec = resolveBoxSpec(value.request, ctx);
      } catch (error) {
        assert.fail(`resolving ${JSON.stringify(value.request)} threw ${String(error)}`);
      }
      assertSafeAnswer(input, spec);
    }
  }
  // A fuzz run where everything is refused would not exercise the happy paths at all.
  assert.ok(oks > 100, `only ${oks} of 1000 parsed`);
});

test('resolveBoxSpec answers safely for requests no parser would produce', () => {
  const rand = prng(42);
  const garbage = [...VALUES, ...HOSTILE, 'x'.repeat(5000)];
  const numbers = [0, -1, 1, 2, 3, 4, 8, 16, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER, 1e309];
  for (let i = 0; i < 300; i++) {
    const request = {
      name: pick(rand, garbage),
      gpu: pick(rand, ['t4', 'l4', 'v100', 'p100', 'a100', 'a100-80gb', 'h100', 'k80', '__proto__', 'toString']),
      gpuCount: pick(rand, numbers),
      machineType: rand() < 0.5 ? null : pick(rand, garbage),
      zone: rand() < 0.5 ? null : pick(rand, garbage),
      region: rand() < 0.5 ? null : pick(rand, garbage),
      diskGb: pick(rand, [...numbers, 200, 50, 4000, 4001]),
      imageFamily: rand() < 0.5 ? null : pick(rand, garbage),
      spot: rand() < 0.5,
    } as Parameters<typeof resolveBoxSpec>[0];
    // Half the time the name is valid so the later checks get their turn.
    if (rand() < 0.5) request.name = 'exp42';
    let result: ReturnType<typeof resolveBoxSpec>;
    try {
      result = resolveBoxSpec(request, ctx);
    } catch (error) {
      assert.fail(`${JSON.stringify(request)} threw ${String(error)}`);
    }
    assertSafeAnswer(JSON.stringify(request), result);
  }
});
