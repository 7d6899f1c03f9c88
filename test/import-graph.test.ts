/**
 * The import-graph lint rules (scripts/lint/import-graph.js) catch what they are for: a cycle, type-only
 * included, named file by file; an import against the layers as eslint.config.js sets them; a waiver
 * left after its edge is gone. Each case is a small tree of files written to a temporary folder and
 * linted with ESLint itself, under the layer options read from the project's own configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const projectLint = new ESLint({ cwd: process.cwd() });
// A plain JavaScript module (ESLint loads it as is); typed here by what ESLint takes.
const plugin = ((await import(pathToFileURL(resolve('scripts/lint/import-graph.js')).href)) as { default: ESLint.Plugin }).default;

async function ruleEntry(file: string, rule: string): Promise<Linter.RuleEntry | undefined> {
  const config = (await projectLint.calculateConfigForFile(file)) as { rules?: Record<string, Linter.RuleEntry> };
  return config.rules?.[rule];
}

/** Lints a tree of files (path -> text) with the project's layer options and the given cycle waivers. */
async function lintTree(files: Record<string, string>, waive: { from: string; to: string; until: string }[] = []): Promise<Map<string, string[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'import-graph-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const layers = await ruleEntry('src/domain/box.ts', 'import-graph/layers');
    assert.ok(Array.isArray(layers), 'eslint.config.js sets import-graph/layers for src/');
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tseslint.parser },
          plugins: { 'import-graph': plugin },
          rules: { 'import-graph/no-cycle': ['error', { waive }], 'import-graph/layers': layers },
        },
      ],
    });
    const results = await eslint.lintFiles(Object.keys(files));
    return new Map(results.map((r) => [r.filePath.slice(dir.length + 1).split('\\').join('/'), r.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the project config turns both rules on for src/, the cycle rule everywhere', async () => {
  for (const file of ['src/domain/box.ts', 'src/app/ports.ts', 'src/sandbox/embedded.ts']) {
    const cycle = await ruleEntry(file, 'import-graph/no-cycle');
    assert.equal(Array.isArray(cycle) ? cycle[0] : cycle, 2, `no-cycle is an error in ${file}`);
    const layers = await ruleEntry(file, 'import-graph/layers');
    assert.equal(Array.isArray(layers) ? layers[0] : layers, 2, `layers is an error in ${file}`);
  }
  const inTests = await ruleEntry('test/import-graph.test.ts', 'import-graph/no-cycle');
  assert.equal(Array.isArray(inTests) ? inTests[0] : inTests, 2);
});

test('an index that re-exports a port file which imports back from it is a cycle, though every import is type-only', async () => {
  const found = await lintTree({
    'src/app/ports.ts': "export * from './ports/idle.js';\nexport interface Clock { now(): number }\n",
    'src/app/ports/idle.ts': "import type { Clock } from '../ports.js';\nexport interface IdlePort { clock: Clock }\n",
    'src/app/use-case.ts': "import type { IdlePort } from './ports.js';\nexport const use = (p: IdlePort): number => p.clock.now();\n",
  });
  assert.deepEqual(found.get('src/app/ports/idle.ts'), ['import-graph/no-cycle: Import cycle: src/app/ports/idle.ts -> src/app/ports.ts -> src/app/ports/idle.ts. Move what both sides need into a file that imports neither (ports into src/app/ports/, shared rules into src/domain/).']);
  assert.equal(found.get('src/app/ports.ts')?.length, 1);
  assert.deepEqual(found.get('src/app/use-case.ts'), [], 'a file that only leans on the cycle is not in it');
});

test('a longer cycle is named file by file, through import() and import types too', async () => {
  const found = await lintTree({
    'src/domain/a.ts': "export type B = import('./b.js').B;\n",
    'src/domain/b.ts': "export async function load(): Promise<unknown> { return import('./c.js'); }\nexport type B = string;\n",
    'src/domain/c.ts': "export type { B } from './a.js';\n",
  });
  assert.match(found.get('src/domain/a.ts')?.join() ?? '', /src\/domain\/a\.ts -> src\/domain\/b\.ts -> src\/domain\/c\.ts -> src\/domain\/a\.ts/);
  assert.match(found.get('src/domain/c.ts')?.join() ?? '', /src\/domain\/c\.ts -> src\/domain\/a\.ts -> src\/domain\/b\.ts -> src\/domain\/c\.ts/);
});

test('ports split into files that import each other, never their index, have no cycle', async () => {
  const found = await lintTree({
    'src/app/ports.ts': "export * from './ports/common.js';\nexport * from './ports/idle.js';\n",
    'src/app/ports/common.ts': 'export interface Clock { now(): number }\n',
    'src/app/ports/idle.ts': "import type { Clock } from './common.js';\nexport interface IdlePort { clock: Clock }\n",
  });
  assert.deepEqual([...found.values()].flat(), []);
});

test('a waived edge leaves its cycle out, and a waiver whose edge is gone is reported', async () => {
  const waive = [{ from: 'src/domain/a.ts', to: 'src/domain/b.ts', until: 'the one result type' }];
  const cycle = { 'src/domain/a.ts': "import type { B } from './b.js';\nexport type A = B;\n", 'src/domain/b.ts': "import type { A } from './a.js';\nexport type B = string | A[];\n" };
  assert.deepEqual([...(await lintTree(cycle, waive)).values()].flat(), []);
  const gone = await lintTree({ 'src/domain/a.ts': 'export type A = string;\n', 'src/domain/b.ts': "import type { A } from './a.js';\nexport type B = A;\n" }, waive);
  assert.deepEqual(gone.get('src/domain/a.ts'), ['import-graph/no-cycle: The waiver for src/domain/a.ts -> src/domain/b.ts (the one result type) is no longer needed: this file no longer imports it. Delete the waiver.']);
});

test('imports against the layers are refused, each naming the rule it breaks', async () => {
  const found = await lintTree({
    'src/domain/rule.ts': "import type { Port } from '../app/port.js';\nexport type Rule = Port;\n",
    'src/app/port.ts': "import type { Logger } from '../log.js';\nexport interface Port { log: Logger }\n",
    'src/app/use-case.ts': "import type { Rule } from '../domain/rule.js';\nimport type { Port } from './port.js';\nexport type UseCase = [Rule, Port];\n",
    'src/log.ts': 'export interface Logger { info(message: string): void }\n',
    'src/store/box-store.ts': 'export const store = 1;\n',
    'src/gcp/compute.ts': 'export const compute = 1;\n',
    'src/slack/listener.ts': "import { store } from '../store/box-store.js';\nimport type { UseCase } from '../app/use-case.js';\nexport async function gcp(): Promise<number> { return (await import('../gcp/compute.js')).compute + store; }\nexport type L = UseCase;\n",
    'src/sandbox/compute.ts': "import type { Rule } from '../domain/rule.js';\nexport type S = Rule;\n",
    'src/sandbox/embedded.ts': "import type { Logger } from '../log.js';\nimport { store } from '../store/box-store.js';\nexport type E = Logger;\nexport const e = store;\n",
  });
  const rules = (file: string): string[] => (found.get(file) ?? []).map((m) => m.replace(/\(.*$/, '').trim());
  assert.deepEqual(rules('src/domain/rule.ts'), ['import-graph/layers: domain/ may not import app']);
  assert.deepEqual(rules('src/app/port.ts'), ['import-graph/layers: app/ may not import log']);
  assert.deepEqual(rules('src/app/use-case.ts'), []);
  assert.deepEqual(rules('src/slack/listener.ts'), ['import-graph/layers: slack/ may not import store', 'import-graph/layers: slack/ may not import gcp']);
  assert.deepEqual(rules('src/sandbox/compute.ts'), ['import-graph/layers: sandbox/ may not import domain']);
  assert.deepEqual(rules('src/sandbox/embedded.ts'), ['import-graph/layers: sandbox/ may not import store'], 'embedded.ts may name the bot\'s types, not load its code');
});
