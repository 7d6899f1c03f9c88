import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFlags, type FlagTable } from '../../src/domain/command-flags.js';
import { parseGpuCommand } from '../../src/domain/gpu-command.js';
import { parseTrainCommand } from '../../src/domain/train-command.js';
import { parseFromBox } from '../../src/domain/train-from-box-flags.js';

type Spec = 'zone' | 'spot';
const known: Readonly<Record<string, Spec>> = { zone: 'zone', 'max-run': 'zone', spot: 'spot' };

function table(switches: 'checked' | 'as-written', seen: string[] = []): FlagTable<Spec> {
  return {
    find: (name, written) => {
      const spec = known[name];
      return spec === undefined ? { refused: { code: 'UNKNOWN_FLAG', message: `no ${written}` } } : { spec };
    },
    isSwitch: (spec) => spec === 'spot',
    example: (flag) => `${flag} us-central1-a`,
    switches,
    check: (use) => {
      seen.push(use.flag);
      return use.value === 'refuse-me' ? { code: 'CHECKED', message: `${use.flag} refused` } : null;
    },
  };
}

test('the reader splits positionals, flags in both forms, switches and the words after --', () => {
  const read = readFlags(['exp42', '--zone', ' us-east1-b ', '--MAX_RUN=8h', '--spot', '--', '--zone', 'x'], table('checked'));
  assert.ok(read.ok);
  assert.deepEqual(read.value.positionals, ['exp42']);
  assert.deepEqual(
    read.value.flags.map(({ flag, value, untrimmed }) => ({ flag, value, untrimmed })),
    [
      { flag: '--zone', value: 'us-east1-b', untrimmed: ' us-east1-b ' },
      { flag: '--max-run', value: '8h', untrimmed: '8h' },
      { flag: '--spot', value: 'true', untrimmed: 'true' },
    ],
  );
  // Flags after `--` belong to whoever comes after: a script's arguments or more positionals.
  assert.deepEqual(read.value.afterDashes, ['--zone', 'x']);
});

test('a value never comes from the next flag or from --', () => {
  for (const words of [['--zone', '--spot'], ['--zone', '--'], ['--zone'], ['--zone=  ']]) {
    const read = readFlags(words, table('checked'));
    assert.equal(read.ok, false, words.join(' '));
    if (!read.ok) assert.deepEqual(read.error, { code: 'MISSING_VALUE', message: '`--zone` needs a value, like `--zone us-central1-a`.' });
  }
});

test('checked switches read yes/no words and refuse the rest; as-written switches keep what was typed', () => {
  const off = readFlags(['--spot=No'], table('checked'));
  assert.ok(off.ok);
  assert.equal(off.value.flags[0]?.value, 'false');
  const odd = readFlags(['--spot=maybe'], table('checked'));
  assert.equal(odd.ok, false);
  if (!odd.ok) assert.equal(odd.error.code, 'BAD_VALUE');
  const kept = readFlags(['--spot=maybe'], table('as-written'));
  assert.ok(kept.ok);
  assert.equal(kept.value.flags[0]?.value, 'maybe');
});

test('errors come in the order of the words: a refused flag stops the reading before later ones', () => {
  const seen: string[] = [];
  const read = readFlags(['--zone', 'refuse-me', '--nope', 'x'], table('checked', seen));
  assert.equal(read.ok, false);
  if (!read.ok) assert.equal(read.error.code, 'CHECKED');
  assert.deepEqual(seen, ['--zone']);
  const unknownFirst = readFlags(['--nope', '--zone', 'refuse-me'], table('checked'));
  assert.equal(unknownFirst.ok, false);
  if (!unknownFirst.ok) assert.deepEqual(unknownFirst.error, { code: 'UNKNOWN_FLAG', message: 'no --nope' });
});

test('/gpu, /train submit and /train --from-box answer a missing value through the one reader, each with its own example', () => {
  const gpu = parseGpuCommand('up exp42 --zone');
  assert.equal(gpu.ok, false);
  if (!gpu.ok) assert.equal(gpu.error.message, '`--zone` needs a value, like `--zone us-central1-a`.');
  const train = parseTrainCommand('submit job1 --region', { today: '2026-12-03' });
  assert.equal(train.ok, false);
  if (!train.ok) assert.equal(train.error.message, '`--region` needs a value, like `--region us-central1`.');
  const fromBox = parseFromBox('submit', ['job1', '--from-box', 'exp42', '--dir']);
  assert.equal(fromBox.ok, false);
  if (!fromBox.ok) assert.equal(fromBox.error.message, '`--dir` needs a value, like `--dir projects/census`.');
});

test('/train --from-box refuses a flag given twice where it stands, before an unknown flag after it', () => {
  const read = parseFromBox('submit', ['job1', '--from-box', 'exp42', '--dir', 'a', '--dir', 'b', '--bogus']);
  assert.equal(read.ok, false);
  if (!read.ok) assert.deepEqual(read.error, { code: 'CONFLICTING_FLAGS', message: '`--dir` is given twice. Keep one.' });
});
