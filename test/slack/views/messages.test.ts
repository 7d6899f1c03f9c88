import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apologyMessage,
  errorMessage,
  escapeMrkdwn,
  neutralizeBroadcasts,
  okMessage,
  truncate,
  truncateMrkdwn,
} from '../../../src/slack/views/messages.js';
import { HOSTILE, assertBlockKit, textOf } from './fixtures.js';

describe('escapeMrkdwn', () => {
  it('turns &, < and > into entities so nothing can ping or link', () => {
    assert.equal(escapeMrkdwn('<!channel> & <@U123>'), '&lt;!channel&gt; &amp; &lt;@U123&gt;');
  });

  it('does not escape text that was already escaped once', () => {
    assert.equal(escapeMrkdwn('a &amp; b &lt;c&gt;'), 'a &amp; b &lt;c&gt;');
    assert.equal(escapeMrkdwn('AT&T &ampersand'), 'AT&amp;T &amp;ampersand');
  });
});

describe('truncate', () => {
  it('leaves short text alone and cuts long text to the limit with …', () => {
    assert.equal(truncate('exp42', 5), 'exp42');
    assert.equal(truncate('exp423', 5), 'exp4…');
    assert.equal([...truncate('x'.repeat(5000), 3000)].length, 3000);
  });

  it('counts an emoji as one character and never splits it', () => {
    assert.equal(truncate('🚀🚀🚀', 3), '🚀🚀🚀');
    assert.equal(truncate('🚀🚀🚀🚀', 3), '🚀🚀…');
  });

  it('gives nothing for a limit of zero', () => {
    assert.equal(truncate('abc', 0), '');
  });
});

describe('truncateMrkdwn', () => {
  it('does not leave half an entity at the cut', () => {
    assert.equal(truncateMrkdwn('abc&amp;def', 6), 'abc…');
  });

  it('does not leave an unclosed link or mention at the cut', () => {
    assert.equal(truncateMrkdwn('see <https://example.com|here> now', 12), 'see …');
  });
});

describe('neutralizeBroadcasts', () => {
  it('disarms crowd pings but keeps people, channels and dates', () => {
    const out = neutralizeBroadcasts('<!channel> <!here> <!subteam^S1> <@U1> <#C1> <!date^1^{time}|x>');
    assert.equal(out, '&lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S1&gt; <@U1> <#C1> <!date^1^{time}|x>');
  });
});

describe('errorMessage, okMessage, apologyMessage', () => {
  it('errorMessage says :warning: and the text, to the asker only', () => {
    const m = errorMessage('GPU `a100` needs an A2 machine.');
    assert.equal(m.response_type, 'ephemeral');
    assert.equal(m.text, ':warning: GPU `a100` needs an A2 machine.');
    assert.match(textOf(m.blocks), /^:warning: GPU `a100` needs an A2 machine\.$/);
    assertBlockKit('message', m);
  });

  it('keeps a mention the bot wrote but never a crowd ping', () => {
    const m = errorMessage('`exp42` belongs to <@U0123ABCD>. <!channel>');
    assert.ok(m.text.includes('<@U0123ABCD>'));
    assert.ok(!JSON.stringify(m).includes('<!channel>'));
  });

  it('okMessage confirms, to the asker only', () => {
    const m = okMessage('Stopping `exp42`.');
    assert.equal(m.response_type, 'ephemeral');
    assert.equal(m.text, ':white_check_mark: Stopping `exp42`.');
    assertBlockKit('message', m);
  });

  it('apologyMessage quotes the error id', () => {
    const m = apologyMessage('a1b2c3d4');
    assert.equal(
      m.text,
      'Sorry, something went wrong on my side. If it keeps happening, tell your admin and quote error id `a1b2c3d4`.',
    );
    assertBlockKit('message', m);
  });

  it('stays within limits with a huge text', () => {
    const m = errorMessage(HOSTILE);
    assertBlockKit('message', m, 'errorMessage(HOSTILE)');
    assert.ok(!JSON.stringify(m).includes('<!channel>'));
  });
});
