import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GPU_KEYS } from '../../../src/domain/gpus.js';
import type { KnownBlock } from '../../../src/slack/views/block-kit.js';
import { UP_FORM, readUpForm, upForm, type UpFormState, type UpFormStateValue } from '../../../src/slack/views/up-form.js';
import { assertBlockKit, textOf } from './fixtures.js';

const base = { defaultRegion: 'us-central1', regions: ['us-central1', 'europe-west4', 'us-east1'], privateMetadata: '{"channel":"C0456EFGH"}' };

interface AnyElement {
  type: string;
  action_id: string;
  initial_value?: string;
  initial_option?: { value: string };
  initial_options?: { value: string }[];
  options?: { value: string; text: { text: string } }[];
}

/** What Slack would submit for a form nobody touched: each input's initial value, as view.state.values. */
function submitted(blocks: readonly KnownBlock[]): UpFormState {
  const values: Record<string, Record<string, UpFormStateValue>> = {};
  for (const block of blocks) {
    if (block.type !== 'input' || block.block_id === undefined) continue;
    const e = block.element as unknown as AnyElement;
    const state: UpFormStateValue = { type: e.type };
    if (e.type === 'plain_text_input' || e.type === 'number_input') state.value = e.initial_value ?? null;
    if (e.type === 'static_select') state.selected_option = e.initial_option ?? null;
    if (e.type === 'checkboxes') state.selected_options = e.initial_options ?? [];
    if (e.type === 'radio_buttons') state.selected_option = e.initial_option ?? null;
    values[block.block_id] = { [e.action_id]: state };
  }
  return values;
}

function element(blocks: readonly KnownBlock[], blockId: string): AnyElement {
  const block = blocks.find((b) => b.type === 'input' && b.block_id === blockId);
  assert.ok(block && block.type === 'input', `no input ${blockId}`);
  return block.element as unknown as AnyElement;
}

describe('upForm', () => {
  it('is the "New GPU box" modal with Create and Cancel', () => {
    const view = upForm(base);
    assert.equal(view.type, 'modal');
    assert.equal(view.callback_id, 'gpu_up_form');
    assert.equal(UP_FORM.callbackId, 'gpu_up_form');
    assert.equal(view.title.text, 'New GPU box');
    assert.equal(view.submit?.text, 'Create');
    assert.equal(view.close?.text, 'Cancel');
    assert.equal(view.private_metadata, base.privateMetadata);
    assertBlockKit('modal', view);
  });

  it('asks for name, GPU, count, region, disk and Spot', () => {
    const { blocks } = upForm(base);
    assert.equal(element(blocks, UP_FORM.blocks.name).type, 'plain_text_input');
    assert.deepEqual(
      element(blocks, UP_FORM.blocks.gpu).options?.map((o) => o.value),
      [...GPU_KEYS],
    );
    assert.equal(element(blocks, UP_FORM.blocks.gpu).options?.[0]?.text.text, 'NVIDIA T4 (t4)');
    assert.deepEqual(
      element(blocks, UP_FORM.blocks.count).options?.map((o) => o.value),
      ['1', '2', '4', '8', '16'],
    );
    assert.deepEqual(
      element(blocks, UP_FORM.blocks.region).options?.map((o) => o.value),
      ['us-central1', 'europe-west4', 'us-east1'],
    );
    assert.equal(element(blocks, UP_FORM.blocks.region).initial_option?.value, 'us-central1');
    assert.equal(element(blocks, UP_FORM.blocks.disk).type, 'number_input');
    assert.equal(element(blocks, UP_FORM.blocks.disk).initial_value, '200');
    assert.equal(element(blocks, UP_FORM.blocks.spot).type, 'radio_buttons');
    assert.deepEqual(
      element(blocks, UP_FORM.blocks.spot).options?.map((o) => o.value),
      ['standard', 'spot', 'flex-start'],
    );
    const name = blocks.find((b) => b.type === 'input' && b.block_id === UP_FORM.blocks.name);
    assert.ok(textOf(name ? [name] : []).includes('Lowercase letters, digits and hyphens, starting with a letter'));
  });

  it('round-trips a filled form through readUpForm', () => {
    const values = { name: 'big-run', gpu: 'a100' as const, count: 4, region: 'europe-west4', disk: 500, spot: true, flexStart: false };
    const view = upForm({ ...base, values });
    assertBlockKit('modal', view);
    assert.deepEqual(readUpForm(submitted(view.blocks)), values);
    const flex = { ...values, gpu: 'h100' as const, count: 1, spot: false, flexStart: true };
    assert.deepEqual(readUpForm(submitted(upForm({ ...base, values: flex }).blocks)), flex);
  });

  it('reads an untouched form as the defaults, with no name yet', () => {
    assert.deepEqual(readUpForm(submitted(upForm(base).blocks)), {
      name: '',
      gpu: 't4',
      count: 1,
      region: 'us-central1',
      disk: 200,
      spot: false,
      flexStart: false,
    });
  });

  it('tolerates missing values and leaves numbers it cannot read for validation to refuse', () => {
    assert.deepEqual(readUpForm({}), { name: '', gpu: 't4', count: 1, region: null, disk: 200, spot: false, flexStart: false });
    const odd = readUpForm({
      [UP_FORM.blocks.name]: { [UP_FORM.actions.name]: { type: 'plain_text_input', value: '  exp42 ' } },
      [UP_FORM.blocks.disk]: { [UP_FORM.actions.disk]: { type: 'number_input', value: 'lots' } },
      [UP_FORM.blocks.region]: { [UP_FORM.actions.region]: { type: 'static_select', selected_option: null } },
    });
    assert.equal(odd.name, 'exp42');
    assert.ok(Number.isNaN(odd.disk));
    assert.equal(odd.region, null);
  });

  it('refuses private metadata Slack would refuse, rather than cut it', () => {
    assert.throws(() => upForm({ ...base, privateMetadata: 'x'.repeat(3001) }), RangeError);
  });

  it('stays within limits with odd values and a hundred and fifty regions', () => {
    const regions = Array.from({ length: 150 }, (_, i) => `region-${i}`);
    const view = upForm({ ...base, defaultRegion: 'zz-last1', regions: [...regions, 'x'.repeat(200)], values: { name: 'n'.repeat(500), count: 3, disk: 1.5 } });
    assertBlockKit('modal', view);
    assert.equal(element(view.blocks, UP_FORM.blocks.region).initial_option?.value, 'zz-last1');
  });

  it('sets disk limits when given', () => {
    const disk = element(upForm({ ...base, diskGb: { min: 50, max: 4000 } }).blocks, UP_FORM.blocks.disk) as AnyElement & { min_value?: string; max_value?: string };
    assert.equal(disk.min_value, '50');
    assert.equal(disk.max_value, '4000');
  });
});
