// The Compute stand-in is a witness only if it does not share the bot's beliefs: its files import
// nothing from the bot's layers, and its rules come from its own catalogue (which names its sources).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '../../src/sandbox/google');
const BOT_LAYERS = ['domain', 'app', 'gcp', 'slack', 'store', 'worker'];

test('the Compute sandbox imports nothing from domain, app, gcp, slack, store or worker', () => {
  const files = readdirSync(DIR).filter((f) => /^compute.*\.ts$/.test(f));
  assert.ok(files.length >= 5, `found ${files.join(', ')}`);
  for (const file of files) {
    const text = readFileSync(join(DIR, file), 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'";]*from\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? '';
      const crossesIntoBot = BOT_LAYERS.some((layer) => new RegExp(`^(\\.\\./)+${layer}/`).test(spec) || spec.includes(`/src/${layer}/`));
      assert.ok(!crossesIntoBot, `${file} imports ${spec}`);
    }
  }
});

test('the Compute catalogue names the documentation pages and dates its rules come from', () => {
  const text = readFileSync(join(DIR, 'compute-catalog.ts'), 'utf8');
  for (const page of ['cloud.google.com/compute/docs/gpus', 'about-flex-start-vms', 'create-flex-start-vm']) {
    assert.ok(text.includes(page), `compute-catalog.ts cites ${page}`);
  }
  assert.match(text, /read 2026-\d\d-\d\d/);
});
