import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletePrompt, requestedMessage } from '../../../src/slack/views/replies.js';
import { ALL_STATUSES, CHANNEL, HOSTILE, assertBlockKit, assertNoRawMarkup, buttonsIn, makeBox, makeBoxIn, textOf } from './fixtures.js';

describe('requestedMessage', () => {
  it('says what the box will be and where its card is, to the asker only', () => {
    const m = requestedMessage(makeBoxIn('requested', { spec: { spot: true } }));
    assert.equal(m.response_type, 'ephemeral');
    const text = textOf(m.blocks);
    assert.ok(text.includes('`exp42`: NVIDIA T4 × 1, n1-standard-8, region us-central1, 200 GB disk, Spot'), text);
    assert.ok(text.includes(`<#${CHANNEL}>`));
    assertBlockKit('message', m);
  });

  it('points to the DM when the box was asked for outside a channel', () => {
    assert.ok(textOf(requestedMessage(makeBox({ channel: 'U0123ABCD' })).blocks).includes('your DM with me'));
  });
});

describe('deletePrompt', () => {
  it('asks, with a Delete button that does it and Stop offered instead for a running box', () => {
    const m = deletePrompt(makeBox());
    assert.ok(textOf(m.blocks).includes('Delete `exp42`? Its disk and every file on it are deleted too.'));
    const buttons = buttonsIn(m.blocks);
    assert.deepEqual(
      buttons.map((b) => [b.action_id, b.text?.text, b.style]),
      [
        ['box_delete', 'Delete', 'danger'],
        ['box_stop', 'Stop instead', undefined],
      ],
    );
  });

  it('has nothing to delete for a box already gone', () => {
    assert.equal(buttonsIn(deletePrompt(makeBoxIn('deleted')).blocks).length, 0);
  });

  for (const status of ALL_STATUSES) {
    it(`stays within limits and escapes a hostile name when ${status}`, () => {
      for (const m of [deletePrompt(makeBoxIn(status, { name: HOSTILE })), requestedMessage(makeBoxIn(status, { name: HOSTILE, channel: '<!channel>' }))]) {
        assertBlockKit('message', m);
        assertNoRawMarkup(m);
      }
    });
  }
});
