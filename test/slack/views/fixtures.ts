/** Boxes for view tests, and the checks every Block Kit payload in them must pass. */
import assert from 'node:assert/strict';
import type { Box, BoxStatus } from '../../../src/domain/box.js';
import { ALL_STATUSES, CHANNEL, MIN, OWNER, PROJECT, T0, makeBox, type BoxOverrides } from '../../support/boxes.js';

export { ALL_STATUSES, CHANNEL, MIN, OWNER, PROJECT, T0, makeBox, type BoxOverrides };
import { checkBlockKit, type BlockKitSurface } from '../../../src/sandbox/slack/block-kit-limits.js';
import { bundledPrices, type PriceTable } from '../../../src/domain/prices.js';

/** The bundled us-central1 list prices: dated, with a note, as shown when the catalogue cannot be read. */
export const PRICES: PriceTable = bundledPrices('us-central1');

/** The same prices as if read from the catalogue today: no date or note to show. */
export const CATALOG_PRICES: PriceTable = { ...PRICES, source: { kind: 'catalog', asOf: '2026-07-14' } };

/** How many times `part` occurs in `text`. */
export function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** A box as it would look in `status`: no zone before creation, no link unless ready, a failure if failed. */
export function makeBoxIn(status: BoxStatus, overrides: BoxOverrides = {}): Box {
  const at = T0 + 10 * MIN;
  const fields: BoxOverrides = {
    status,
    history: [...makeBox().history, { status, at }],
    updatedAt: at,
    zone: status === 'requested' ? null : 'us-central1-a',
    jupyterUrl: status === 'ready' ? makeBox().jupyterUrl : null,
    desired: status === 'stopped' || status === 'stopping' ? 'stopped' : status === 'deleting' || status === 'deleted' || status === 'failed' ? 'deleted' : 'running',
  };
  if (status === 'failed') {
    fields.failure = {
      code: 'QUOTA_EXCEEDED',
      message: "The project is out of quota `NVIDIA_T4_GPUS` in us-central1: Quota 'NVIDIA_T4_GPUS' exceeded. Limit: 0.0 in region us-central1.",
      hint: 'Ask your admin to raise `NVIDIA_T4_GPUS` for us-central1, or pick a GPU or region with quota left.',
    };
  }
  return makeBox({ ...fields, ...overrides });
}

/** Text that would ping, link or mention if it reached mrkdwn unescaped, repeated past every limit. */
export const HOSTILE_UNIT = '<!channel> <!here|here> <@U999HOSTILE> <#C999HOSTILE> <https://evil.example/x|click me> & ';
export const HOSTILE = HOSTILE_UNIT.repeat(40);

/** Every way the hostile text could have survived as markup. */
export const RAW_MARKUP = ['<!channel>', '<!here', '<@U999HOSTILE>', '<#C999HOSTILE>', '<https://evil.example'];

export function assertBlockKit(surface: BlockKitSurface, payload: unknown, what = ''): void {
  const problems = checkBlockKit(surface, payload);
  assert.deepEqual(problems, [], `${what} breaks Block Kit limits:\n${problems.join('\n')}`);
}

/** Asserts that none of the hostile markup survived anywhere in the payload (blocks and fallback text). */
export function assertNoRawMarkup(payload: unknown, what = ''): void {
  const json = JSON.stringify(payload);
  for (const raw of RAW_MARKUP) assert.ok(!json.includes(raw), `${what} contains raw ${raw}`);
}

interface ButtonLike {
  type: string;
  action_id?: string;
  value?: string;
  url?: string;
  style?: string;
  text?: { text: string };
  confirm?: { title?: { text: string }; text: { text: string }; confirm?: { text: string }; deny?: { text: string }; style?: string };
}

/** Every button anywhere in a list of blocks, in order (actions elements and section accessories). */
export function buttonsIn(blocks: readonly unknown[]): ButtonLike[] {
  const out: ButtonLike[] = [];
  for (const block of blocks as { type: string; elements?: ButtonLike[]; accessory?: ButtonLike }[]) {
    if (block.type === 'actions') out.push(...(block.elements ?? []).filter((e) => e.type === 'button'));
    if (block.accessory?.type === 'button') out.push(block.accessory);
  }
  return out;
}

/** The text of every block, joined: what a reader sees, markup included. */
export function textOf(blocks: readonly unknown[]): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'text' && typeof v === 'string') parts.push(v);
        else walk(v);
      }
    }
  };
  walk(blocks);
  return parts.join('\n');
}
