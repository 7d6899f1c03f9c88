/**
 * The ports live in one place: every file in src/app/ports/ is re-exported by src/app/ports.ts, which
 * holds nothing else, and no port file imports the index back (that made the import cycles).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

const index = readFileSync('src/app/ports.ts', 'utf8');
const portFiles = readdirSync('src/app/ports').filter((name) => name.endsWith('.ts')).sort();

test('ports.ts re-exports every port file and declares nothing of its own', () => {
  const reexported = [...index.matchAll(/^export \* from '\.\/ports\/([a-z-]+)\.js';$/gm)].map((m) => `${m[1] ?? ''}.ts`).sort();
  assert.deepEqual(reexported, portFiles);
  const code = index.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/^export \* from .*$/gm, '').trim();
  assert.equal(code, '', 'ports.ts holds only re-exports');
});

test('no port file imports the index', () => {
  for (const name of portFiles) {
    const text = readFileSync(`src/app/ports/${name}`, 'utf8');
    assert.doesNotMatch(text, /from '\.\.\/ports\.js'/, `${name} imports ../ports.js`);
  }
});
