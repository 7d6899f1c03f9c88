import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxStatus } from '../../../src/domain/box.js';
import { ACTIONS, boxCard } from '../../../src/slack/views/box-card.js';
import {
  ALL_STATUSES,
  HOSTILE,
  MIN,
  OWNER,
  PROJECT,
  T0,
  assertBlockKit,
  assertNoRawMarkup,
  buttonsIn,
  makeBox,
  makeBoxIn,
  textOf,
} from './fixtures.js';

const ctx = { now: T0 + 22 * MIN, project: PROJECT };

describe('boxCard', () => {
  it('shows the name in bold, the GPU, machine, zone, Spot, disk and owner', () => {
    const card = boxCard(makeBox({ spec: { gpuCount: 2, spot: true, diskGb: 300 } }), ctx);
    const text = textOf(card.blocks);
    assert.match(text, /^\*exp42\*$/m);
    assert.ok(text.includes('NVIDIA T4 × 2'));
    assert.ok(text.includes('n1-standard-8'));
    assert.ok(text.includes('*Zone*\nus-central1-a'));
    assert.ok(text.includes('*Spot*\nYes'));
    assert.ok(text.includes('300 GB'));
    assert.ok(text.includes(`<@${OWNER}>`));
  });

  it('shows the region while no zone is chosen', () => {
    const text = textOf(boxCard(makeBoxIn('requested'), ctx).blocks);
    assert.ok(text.includes('*Region*\nus-central1 (zone not chosen yet)'));
  });

  const statusLines: [BoxStatus, string][] = [
    ['requested', 'Queued'],
    ['creating', 'Creating in zone us-central1-a'],
    ['booting', 'Booting: installing the driver and starting Jupyter'],
    ['ready', 'Ready: <https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab|open JupyterLab>'],
    ['stopping', 'Stopping'],
    ['stopped', 'Stopped: the disk and files are kept; only the disk is billed'],
    ['starting', 'Starting'],
    ['deleting', 'Deleting'],
    ['deleted', 'Deleted'],
    ['failed', "Failed: The project is out of quota `NVIDIA_T4_GPUS` in us-central1: Quota 'NVIDIA_T4_GPUS' exceeded."],
  ];
  for (const [status, line] of statusLines) {
    it(`says "${line.slice(0, 40)}" when ${status}`, () => {
      assert.ok(textOf(boxCard(makeBoxIn(status), ctx).blocks).includes(line));
    });
  }

  it('says what to do when failed', () => {
    const text = textOf(boxCard(makeBoxIn('failed'), ctx).blocks);
    assert.ok(text.includes('*What to do:* Ask your admin to raise `NVIDIA_T4_GPUS` for us-central1'));
  });

  it('says which zones had no capacity while creating', () => {
    const box = makeBoxIn('creating', {
      zone: 'us-central1-c',
      zonesTried: [
        { zone: 'us-central1-a', outcome: 'stockout', message: 'no', at: T0 },
        { zone: 'us-central1-b', outcome: 'stockout', message: 'no', at: T0 + MIN },
      ],
    });
    const text = textOf(boxCard(box, ctx).blocks);
    assert.ok(text.includes('Creating in zone us-central1-c (no capacity in us-central1-a and us-central1-b)'));
  });

  it('points to Connect when a ready box has no Jupyter link', () => {
    const card = boxCard(makeBoxIn('ready', { jupyterUrl: null }), ctx);
    assert.ok(textOf(card.blocks).includes('Ready: use Connect for the tunnel command'));
    assert.ok(!buttonsIn(card.blocks).some((b) => b.action_id === 'box_open'));
  });

  it('says a preempted box was preempted', () => {
    const box = makeBoxIn('stopped', { history: [...makeBox().history, { status: 'stopped', at: T0 + 9 * MIN, note: 'preempted' }] });
    assert.ok(textOf(boxCard(box, ctx).blocks).includes('Stopped (preempted by Google Cloud: Spot)'));
  });

  const expected: Record<BoxStatus, string[]> = {
    requested: ['box_delete'],
    creating: ['box_delete'],
    booting: ['box_delete'],
    ready: ['box_open', 'box_connect', 'box_stop', 'box_delete'],
    stopping: ['box_delete'],
    stopped: ['box_start', 'box_delete'],
    starting: ['box_delete'],
    deleting: [],
    deleted: [],
    failed: [],
  };
  for (const status of ALL_STATUSES) {
    it(`offers ${expected[status].join(', ') || 'no buttons'} when ${status}`, () => {
      const card = boxCard(makeBoxIn(status), ctx);
      const buttons = buttonsIn(card.blocks);
      assert.deepEqual(
        buttons.map((b) => b.action_id),
        expected[status],
      );
      for (const b of buttons) assert.equal(b.value, 'bx7k2m9q');
      if (buttons.length === 0) assert.ok(!card.blocks.some((b) => b.type === 'actions'));
    });
  }

  it('exports the action ids', () => {
    assert.deepEqual(ACTIONS, { stop: 'box_stop', start: 'box_start', delete: 'box_delete', connect: 'box_connect' });
  });

  it('opens JupyterLab with a link button, Start is primary and Stop is plain', () => {
    const ready = buttonsIn(boxCard(makeBox(), ctx).blocks);
    const open = ready.find((b) => b.action_id === 'box_open');
    assert.equal(open?.url, 'https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab');
    assert.equal(ready.find((b) => b.action_id === 'box_stop')?.style, undefined);
    const start = buttonsIn(boxCard(makeBoxIn('stopped'), ctx).blocks).find((b) => b.action_id === 'box_start');
    assert.equal(start?.style, 'primary');
  });

  it('asks before Delete, saying the disk goes too', () => {
    const del = buttonsIn(boxCard(makeBox(), ctx).blocks).find((b) => b.action_id === 'box_delete');
    assert.equal(del?.style, 'danger');
    assert.equal(del?.confirm?.text.text, 'Delete exp42? Its disk and every file on it are deleted too.');
    assert.equal(del?.confirm?.confirm?.text, 'Delete');
    assert.equal(del?.confirm?.deny?.text, 'Keep it');
    assert.equal(del?.confirm?.style, 'danger');
  });

  it('says when it was requested in Slack date format, and how long it has been in its status', () => {
    const card = boxCard(makeBox(), ctx);
    const context = card.blocks.at(-1);
    assert.equal(context?.type, 'context');
    const text = textOf([context]);
    assert.ok(text.includes(`Requested <!date^${T0 / 1000}^{date_short_pretty} {time}|2026-07-14 09:30 UTC>`), text);
    assert.ok(text.includes('Ready for 16m'), text);
    assert.ok(
      text.includes(`<https://console.cloud.google.com/compute/instancesDetail/zones/us-central1-a/instances/exp42?project=${PROJECT}|Cloud console>`),
    );
  });

  it('has a plain fallback text naming the box and its status', () => {
    assert.equal(boxCard(makeBox(), ctx).text, 'exp42: Ready (NVIDIA T4 × 1, us-central1-a)');
  });

  for (const status of ALL_STATUSES) {
    it(`stays within Block Kit limits and escapes hostile text when ${status}`, () => {
      const box = makeBoxIn(status, {
        name: HOSTILE,
        jupyterUrl: status === 'ready' ? 'javascript:alert(1)' : null,
        zonesTried: [{ zone: '<!channel>', outcome: 'stockout', message: HOSTILE, at: T0 }],
        spec: { machineType: HOSTILE },
        ...(status === 'failed' ? { failure: { code: 'X', message: HOSTILE, hint: HOSTILE } } : {}),
      });
      const card = boxCard(box, ctx);
      assertBlockKit('message', card, `boxCard(${status})`);
      assertNoRawMarkup(card, `boxCard(${status})`);
      assert.ok(!JSON.stringify(card).includes('javascript:'));
    });
  }

  it('ignores an owner that is not a Slack user id instead of forming markup from it', () => {
    const card = boxCard(makeBox({ owner: '<!channel>' }), ctx);
    assertNoRawMarkup(card);
  });
});
