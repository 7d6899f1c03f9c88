/**
 * package.json's `dependencies` are what src/ loads at run time: each one is imported by src/ (not
 * only for its types), and everything the bot's layers import is among them, so a production install
 * (`npm ci --omit=dev`) has what runs and nothing that does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The module specifiers a file loads when it runs: static imports and re-exports that TypeScript
 * keeps (not `import type`, nor braces holding only `type` names), side-effect imports, and `import()`.
 */
export function runtimeSpecifiers(source: string): string[] {
  const found: string[] = [];
  const statement = /^\s*(import|export)\s+([^;]*?)\s*from\s*['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) {
    const clause = (m[2] ?? '').trim();
    if (/^type\s/.test(clause)) continue;
    const braces = /^\{([^}]*)\}$/.exec(clause);
    const names = braces?.[1]?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
    if (braces !== null && names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    found.push(m[3] ?? '');
  }
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) found.push(m[1] ?? '');
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] ?? '');
  return found;
}

/** `@slack/bolt` for `@slack/bolt/dist/x`, `dayjs` for `dayjs/plugin/utc.js`; null for files and Node's own modules. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
  return builtinModules.includes(name) ? null : name;
}

function importsOf(files: readonly string[]): Map<string, string[]> {
  const byPackage = new Map<string, string[]>();
  for (const file of files) {
    for (const specifier of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
      const name = packageOf(specifier);
      if (name !== null) byPackage.set(name, [...(byPackage.get(name) ?? []), file]);
    }
  }
  return byPackage;
}

test('the import reader sees what runs and skips what only types', () => {
  const source = [
    "import dayjs from 'dayjs';",
    "import utc from 'dayjs/plugin/utc.js';",
    "import type { App } from '@slack/bolt';",
    "import { type Firestore, type Transaction } from '@google-cloud/firestore';",
    "import { type AuthClient, OAuth2Client } from 'google-auth-library';",
    "export { thing } from './local.js';",
    "const { FirestoreServer } = await import('@firestore-emulator/server');",
    "import {\n  a,\n  b,\n} from 'multi-line';",
  ].join('\n');
  assert.deepEqual(runtimeSpecifiers(source).map(packageOf).filter((n) => n !== null).sort(), ['@firestore-emulator/server', 'dayjs', 'dayjs', 'google-auth-library', 'multi-line']);
});

test('every runtime dependency in package.json is imported by src/ at run time', () => {
  const imported = importsOf(sourceFiles('src'));
  const unused = Object.keys(pkg.dependencies).filter((name) => !imported.has(name));
  assert.deepEqual(unused, [], 'dependencies nothing in src/ loads: use them, or move them to devDependencies');
});

test('what the bot’s layers load at run time is in dependencies, so a production install has it', () => {
  // src/sandbox is the embedded default's stand-ins; it may load development dependencies (the npm
  // Firestore emulator), and says what is missing when they are absent.
  const files = sourceFiles('src').filter((f) => !f.startsWith(join('src', 'sandbox')));
  const missing = [...importsOf(files)].filter(([name]) => !(name in pkg.dependencies)).map(([name, from]) => `${name} (${[...new Set(from)].join(', ')})`);
  assert.deepEqual(missing, []);
});

test('the Firestore emulator is not a runtime dependency', () => {
  assert.equal('@firestore-emulator/server' in pkg.dependencies, false);
  assert.equal('@firestore-emulator/server' in pkg.devDependencies, true);
});

/** The packages main.ts loads before it runs: its static imports, followed through src/ (not `import()`). */
function loadedAtStart(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8').replace(/\bimport\(\s*['"][^'"]+['"]\s*\)/g, '');
    for (const specifier of runtimeSpecifiers(source)) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier).replace(/\.js$/, '.ts'));
      else {
        const name = packageOf(specifier);
        if (name !== null) packages.add(name);
      }
    }
  };
  visit(entry);
  return packages;
}

test('the charting libraries are loaded when a chart is drawn, not at start-up', () => {
  const atStart = loadedAtStart(join('src', 'main.ts'));
  assert.ok(atStart.has('@slack/bolt') && atStart.has('dayjs'), 'the walk follows main.ts’s imports');
  assert.equal(atStart.has('chart.js'), false);
  assert.equal(atStart.has('@napi-rs/canvas'), false);
});
