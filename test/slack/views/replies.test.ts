import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUsd } from '../../../src/domain/money.js';
import { BUNDLED_AS_OF, hourlyPrice } from '../../../src/domain/prices.js';
import { deletePrompt, requestedMessage } from '../../../src/slack/views/replies.js';
import {
  ALL_STATUSES,
  CATALOG_PRICES,
  CHANNEL,
  HOSTILE,
  PRICES,
  assertBlockKit,
  assertNoRawMarkup,
  buttonsIn,
  makeBox,
  makeBoxIn,
  occurrences,
  textOf,
} from './fixtures.js';

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

  it('says nothing about money without prices', () => {
    const m = requestedMessage(makeBoxIn('requested'));
    assert.ok(!JSON.stringify(m).includes('$'));
    assert.ok(!textOf(m.blocks).includes('list price'));
  });

  it('with prices, says what an N1 + T4 box costs per hour while running, part by part, and per month stopped', () => {
    const box = makeBoxIn('requested');
    const text = textOf(requestedMessage(box, PRICES).blocks);
    const price = hourlyPrice(box.spec, PRICES);
    assert.ok(text.includes(`≈ ${formatUsd(price.running)}/h while running`), text);
    assert.ok(text.includes(`${formatUsd(price.stoppedPerMonth)}/month for the disk while stopped`), text);
    // By hand: T4 $0.35 + 8 vCPU × $0.031611 + 30 GB × $0.004237 + 200 GB × $0.10 / 744 h = $0.7569.
    assert.ok(text.includes('≈ $0.76/h while running (GPU $0.35, vCPU $0.25, RAM $0.13, disk $0.03), $20.00/month for the disk while stopped'), text);
  });

  it('says once that the figures are list prices, and the date and reason of bundled ones', () => {
    const m = requestedMessage(makeBoxIn('requested'), PRICES);
    const text = textOf(m.blocks);
    assert.equal(occurrences(text, 'list price,'), 1, text);
    assert.ok(text.includes(`prices as of ${BUNDLED_AS_OF} (${PRICES.source.note ?? ''})`), text);
    assertBlockKit('message', m);
  });

  it('gives no date for prices read from the catalogue today, and the reason for older ones', () => {
    const today = textOf(requestedMessage(makeBoxIn('requested'), CATALOG_PRICES).blocks);
    assert.ok(today.endsWith('· list price'), today);
    assert.ok(!today.includes('as of'));
    const older = { ...CATALOG_PRICES, source: { kind: 'catalog' as const, asOf: '2026-07-01', note: 'the Cloud Billing API could not be reached' } };
    assert.ok(textOf(requestedMessage(makeBoxIn('requested'), older).blocks).includes('list price, prices as of 2026-07-01 (the Cloud Billing API could not be reached)'));
  });

  it('prices a Spot box at Spot prices and says so', () => {
    const box = makeBoxIn('requested', { spec: { spot: true } });
    const text = textOf(requestedMessage(box, PRICES).blocks);
    const spot = hourlyPrice(box.spec, PRICES);
    assert.ok(spot.running < hourlyPrice(makeBoxIn('requested').spec, PRICES).running);
    assert.ok(text.includes(`≈ ${formatUsd(spot.running)}/h while running at Spot prices`), text);
  });

  it('says plainly that an H100 1g box is Spot because Compute sells that shape only as Spot or Flex-start, priced at Spot rates', () => {
    const box = makeBoxIn('requested', { spec: { gpu: 'h100', machineType: 'a3-highgpu-1g', spot: true } });
    const text = textOf(requestedMessage(box, PRICES).blocks);
    assert.ok(text.includes('`a3-highgpu-1g` is sold only as Spot or Flex-start VMs, so this box is Spot'), text);
    assert.ok(text.includes('`--flex-start --max-run 8h`'), text);
    assert.ok(text.includes(`≈ ${formatUsd(hourlyPrice(box.spec, PRICES).running)}/h while running at Spot prices`), text);
  });

  it('says a Flex-start box runs for its maximum run and then stops, and that its price is an upper bound', () => {
    const box = makeBoxIn('requested', { spec: { gpu: 'h100', machineType: 'a3-highgpu-1g', spot: false, provisioning: 'flex-start', flexMaxRunMs: 6 * 3_600_000 } });
    const text = textOf(requestedMessage(box, PRICES).blocks);
    assert.ok(text.includes('Flex-start (6h at most per run)'), text);
    assert.ok(text.includes('so this box is Flex-start: it starts when Google Cloud has capacity, then runs uninterrupted for at most 6h'), text);
    assert.ok(text.includes('at on-demand rates (Flex-start is billed lower, so this is an upper bound)'), text);
    assertBlockKit('message', requestedMessage(box, PRICES));
  });

  it('says what it could not price instead of showing a lower figure as the whole', () => {
    const box = makeBoxIn('requested', { spec: { machineType: 'e2-standard-4' } });
    const text = textOf(requestedMessage(box, PRICES).blocks);
    assert.ok(text.includes('no price for machine type e2-standard-4, counted as $0'), text);
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
      const hostilePrices = { ...PRICES, region: HOSTILE, source: { kind: 'bundled' as const, asOf: HOSTILE, note: HOSTILE } };
      for (const m of [
        deletePrompt(makeBoxIn(status, { name: HOSTILE })),
        requestedMessage(makeBoxIn(status, { name: HOSTILE, channel: '<!channel>' })),
        requestedMessage(makeBoxIn(status, { name: HOSTILE, channel: '<!channel>', spec: { machineType: HOSTILE, region: HOSTILE } }), hostilePrices),
      ]) {
        assertBlockKit('message', m);
        assertNoRawMarkup(m);
      }
    });
  }
});
