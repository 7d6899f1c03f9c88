import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestWord, editDistance, quoteUserText, splitShellWords } from '../../src/domain/shell-words.js';

function words(text: string): string[] {
  const result = splitShellWords(text);
  assert.ok(result.ok, `${JSON.stringify(text)} should split: ${result.ok ? '' : result.error.message}`);
  return result.words;
}

test('splitShellWords splits, quotes and escapes like a POSIX shell', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['   ', []],
    ['up exp42', ['up', 'exp42']],
    ['  up   exp42  ', ['up', 'exp42']],
    ["'a b' c", ['a b', 'c']],
    ["'a\\b'", ['a\\b']],
    ["'say \"hi\"'", ['say "hi"']],
    ['"a b" c', ['a b', 'c']],
    ['"a \\"b\\" \\\\ \\$ \\` \\x"', ['a "b" \\ $ ` \\x']],
    ['"it\'s"', ["it's"]],
    ['a\\ b', ['a b']],
    ["\\'", ["'"]],
    ['\\"quoted\\"', ['"quoted"']],
    ['a"b c"d', ['ab cd']],
    ["a'b'\"c\"", ['abc']],
    ["a '' b", ['a', '', 'b']],
    ['""', ['']],
    ['--flag=', ['--flag=']],
    ['--flag="a b"', ['--flag=a b']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(words(text), expected, JSON.stringify(text));
});

test('any whitespace separates words: tabs, newlines, non-breaking and ideographic spaces', () => {
  const cases: [string, string[]][] = [
    ['a\tb', ['a', 'b']],
    ['a\nb\r\nc', ['a', 'b', 'c']],
    ['a\u00A0b', ['a', 'b']],
    ['a\u2003b', ['a', 'b']],
    ['a\u3000b', ['a', 'b']],
    ['a\u2028b', ['a', 'b']],
    ['"a\u00A0b"', ['a\u00A0b']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(words(text), expected, JSON.stringify(text));
});

test('backslash-newline joins lines, so a pasted multi-line gcloud command reads as one', () => {
  const pasted = [
    'gcloud compute instances create exp42 \\',
    '  --zone=us-central1-a \\',
    '  --accelerator="type=nvidia-tesla-t4,count=1" \\',
    "  --metadata='install-nvidia-driver=True'",
  ].join('\n');
  assert.deepEqual(words(pasted), [
    'gcloud',
    'compute',
    'instances',
    'create',
    'exp42',
    '--zone=us-central1-a',
    '--accelerator=type=nvidia-tesla-t4,count=1',
    '--metadata=install-nvidia-driver=True',
  ]);
  assert.deepEqual(words('a \\\r\n b'), ['a', 'b']);
  assert.deepEqual(words('ab\\\ncd'), ['abcd']);
  assert.deepEqual(words('"ab\\\ncd"'), ['abcd']);
  // Inside single quotes a backslash is just a backslash.
  assert.deepEqual(words("'ab\\\ncd'"), ['ab\\\ncd']);
});

test("Slack's curly quotes work as plain quotes, and either kind closes the other", () => {
  const cases: [string, string[]][] = [
    ['\u201Ca b\u201D', ['a b']],
    ['\u2018a b\u2019', ['a b']],
    ['\u201Ca b"', ['a b']],
    ['"a b\u201D', ['a b']],
    ["'a b\u2019", ['a b']],
    ['\u2018say \u201Chi\u201D\u2019', ['say \u201Chi\u201D']],
    ['"a \\\u201D b"', ['a \u201D b']],
    ['--image=\u201Cpytorch-2-7\u201D', ['--image=pytorch-2-7']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(words(text), expected, JSON.stringify(text));
});

test('Slack entities are decoded once; an option keeps them for text that did not come from Slack', () => {
  assert.deepEqual(words('&lt;x&gt; a&amp;b'), ['<x>', 'a&b']);
  assert.deepEqual(words('&amp;lt;'), ['&lt;']);
  assert.deepEqual(words('&quot;'), ['&quot;']);
  const raw = splitShellWords('&lt;x&gt;', { slackEntities: false });
  assert.deepEqual(raw.ok ? raw.words : null, ['&lt;x&gt;']);
});

test('characters outside the basic plane survive splitting and escaping whole', () => {
  assert.deepEqual(words('🚀 "👨‍👩‍👧 x"'), ['🚀', '👨‍👩‍👧 x']);
  assert.deepEqual(words('\\🚀'), ['🚀']);
});

test('a trailing backslash with nothing to escape is dropped', () => {
  assert.deepEqual(words('a \\'), ['a']);
  assert.deepEqual(words('a\\'), ['a']);
});

test('an unclosed quote is an UNBALANCED_QUOTE error that shows where it opened', () => {
  const cases: [string, string][] = [
    ['up "exp42 --gpu t4', 'exp42 --gpu t4'],
    ["up 'exp42", 'exp42'],
    ['up \u201Cexp42', 'exp42'],
    ['up "', 'at the end'],
    ['"a\\"', 'a\\"'],
  ];
  for (const [text, shown] of cases) {
    const result = splitShellWords(text);
    assert.equal(result.ok, false, text);
    if (result.ok) continue;
    assert.equal(result.error.code, 'UNBALANCED_QUOTE');
    assert.ok(result.error.message.includes(shown), `${text}: ${result.error.message}`);
    assert.match(result.error.message, /closing quote/);
  }
});

test('an unclosed quote before Slack markup does not echo the markup', () => {
  const result = splitShellWords('up "<@U123> <!channel> &lt;!here&gt;');
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.doesNotMatch(result.error.message, /<[@!#]/);
});

test('quoteUserText shows text safely inside a code span', () => {
  const cases: [string, string][] = [
    ['exp42', '`exp42`'],
    ['<@U123>', '`&lt;@U123&gt;`'],
    ['<!channel>', '`&lt;!channel&gt;`'],
    ['a&b', '`a&amp;b`'],
    ['`rm -rf`', '`\u02CBrm -rf\u02CB`'],
    ['a\nb\tc', '`a b c`'],
    ['a\u202Eb\u200Fc\u0000d', '`a\uFFFDb\uFFFDc\uFFFDd`'],
    ['\uD800x', '`\uFFFDx`'],
    ['👨‍👩‍👧', '`👨‍👩‍👧`'],
    ['', '(nothing)'],
    ['   ', '(nothing)'],
    ['x'.repeat(41), `\`${'x'.repeat(40)}…\``],
    ['x'.repeat(40), `\`${'x'.repeat(40)}\``],
  ];
  for (const [text, expected] of cases) assert.equal(quoteUserText(text), expected, JSON.stringify(text));
});

test('quoteUserText stays short even when every character needs escaping', () => {
  const shown = quoteUserText('&'.repeat(1000));
  assert.ok(shown.length <= 45, shown);
  assert.equal(quoteUserText('abcdef', 3), '`abc…`');
});

test('editDistance counts edits, with a swap of neighbours as one', () => {
  const cases: [string, string, number][] = [
    ['gpu', 'gpu', 0],
    ['gpus', 'gpu', 1],
    ['stpo', 'stop', 1],
    ['delte', 'delete', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ];
  for (const [a, b, d] of cases) assert.equal(editDistance(a, b), d, `${a} ${b}`);
  assert.equal(editDistance('a'.repeat(50), 'b'.repeat(50), 2), 3);
});

test('closestWord suggests near misses and prefixes, and nothing for far-off words', () => {
  const candidates = ['gpu', 'count', 'machine', 'machine-type', 'zone', 'region'];
  const cases: [string, string | null][] = [
    ['gpus', 'gpu'],
    ['GPU', 'gpu'],
    ['conut', 'count'],
    ['mach', 'machine'],
    ['regoin', 'region'],
    ['zones', 'zone'],
    ['xyz', null],
    ['banana', null],
    ['', null],
    ['x'.repeat(1000), null],
  ];
  for (const [word, expected] of cases) assert.equal(closestWord(word, candidates), expected, word);
});
