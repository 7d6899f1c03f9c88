/** Answers to `/gpu` commands that are about one box: only the asker sees them. */
import type { Box } from '../../domain/box.js';
import { hourlyPrice, type PriceTable } from '../../domain/prices.js';
import type { EphemeralMessage, KnownBlock } from './block-kit.js';
import { APPROVAL_WAIT_MS } from '../../domain/box-approval.js';
import { formatDuration } from '../../domain/duration.js';
import { budgetAmounts, deleteButton, gpuText, nameText, placeText, stopButton, withdrawButton } from './box-parts.js';
import { channelRef } from './format.js';
import { escapeMrkdwn, fallbackText, section, truncate } from './messages.js';
import { priceBasisText, runningPriceText, stoppedPriceText } from './price-parts.js';
import { provisioningOf, provisioningSentence } from '../../domain/provisioning.js';

/**
 * A box was asked for: what it will be, what it will cost, and where to watch it. `prices` is the
 * table of the box's region; without it the answer says nothing about money.
 */
export function requestedMessage(box: Box, prices?: PriceTable): EphemeralMessage {
  const name = nameText(box);
  const place = placeText(box);
  const provisioning = provisioningOf(box.spec);
  const flexRun = box.spec.flexMaxRunMs ?? null;
  const what = [
    escapeMrkdwn(gpuText(box)),
    escapeMrkdwn(truncate(box.spec.machineType, 100)),
    `${place.label === 'Zone' ? 'zone' : 'region'} ${escapeMrkdwn(truncate(place.value, 64))}`,
    `${box.spec.diskGb} GB disk`,
    ...(provisioning === 'spot' ? ['Spot'] : provisioning === 'flex-start' ? [`Flex-start (${formatDuration(flexRun ?? 0)} at most per run)`] : []),
  ].join(', ');
  const channel = channelRef(box.channel);
  const where = channel !== null ? `Its card in ${channel} shows progress` : 'Its card in your DM with me shows progress';
  let text = `:hourglass_flowing_sand: Creating \`${name}\`: ${what}. ${where}, and I will DM you when Jupyter is ready.`;
  const a = box.approval;
  if (box.status === 'awaiting-approval' && a !== undefined) {
    const cardWhere = channel !== null ? `its card in ${channel}` : 'its card in your DM with me';
    const reasons: string[] = [];
    if (a.budget !== undefined) {
      const whose = a.budget.scope === 'person' ? 'Your' : "The team's";
      reasons.push(`${whose} GPU budget for ${escapeMrkdwn(truncate(a.budget.month, 16))} is used up (${budgetAmounts(a.budget)}).`);
    }
    for (const r of (a.rules ?? []).filter((r) => r.code !== 'APPROVAL_PAST_BUDGET')) reasons.push(`Policy rule *${escapeMrkdwn(truncate(r.rule, 80))}*: ${escapeMrkdwn(truncate(r.detail, 300))}`);
    text =
      `:raised_hand: \`${name}\` (${what}) waits for an admin's approval: ${reasons.join(' ')} ` +
      `I asked the admins; no VM is created unless one approves. I will DM you their decision, and ${cardWhere} shows it. ` +
      `If nobody decides within ${formatDuration(APPROVAL_WAIT_MS)}, the request ends; delete the box to withdraw it sooner.`;
  }
  // Spot and Flex-start change what the box is; say which applies and why, every time.
  if (provisioning !== 'standard') text += `\n:information_source: ${provisioningSentence(box.spec.machineType, provisioning, flexRun)}`;
  if (prices !== undefined) {
    const price = hourlyPrice(box.spec, prices);
    const basis = priceBasisText([prices.source], price.missing);
    // The price table has no Flex-start rates (Dynamic Workload Scheduler bills its own, lower ones).
    const flex = provisioning === 'flex-start' ? ' at on-demand rates (Flex-start is billed lower, so this is an upper bound)' : '';
    text += `\n:moneybag: ${runningPriceText(price, { spot: box.spec.spot, parts: true })}${flex}, ${stoppedPriceText(price)} · ${basis}`;
  }
  return { response_type: 'ephemeral', text: fallbackText(text), blocks: [section(text)] };
}

/**
 * `/gpu delete NAME` only asks: deleting loses the disk, so the Delete button here does it (this
 * message is the question, so the button asks nothing more). A running box is offered Stop instead.
 */
export function deletePrompt(box: Box): EphemeralMessage {
  const name = nameText(box);
  if (box.status === 'awaiting-approval') {
    const text = `:warning: Withdraw your request for \`${name}\`? It is still waiting for an admin's approval, so no VM or disk exists yet.`;
    return { response_type: 'ephemeral', text: fallbackText(text), blocks: [section(text), { type: 'actions', elements: [withdrawButton(box)] }] };
  }
  if (box.status === 'deleting' || box.status === 'deleted' || box.status === 'failed') {
    const text = `\`${name}\` is already ${box.status === 'deleting' ? 'being deleted' : 'gone'}.`;
    return { response_type: 'ephemeral', text: fallbackText(text), blocks: [section(`:information_source: ${text}`)] };
  }
  const stoppable = box.status === 'ready' || box.status === 'booting' || box.status === 'starting';
  const text =
    `:warning: Delete \`${name}\`? Its disk and every file on it are deleted too.` +
    (stoppable ? ' To keep the files and stop paying for the GPU, stop it instead.' : '');
  const blocks: KnownBlock[] = [
    section(text),
    { type: 'actions', elements: [deleteButton(box, { confirm: false }), ...(stoppable ? [stopButton(box, 'Stop instead')] : [])] },
  ];
  return { response_type: 'ephemeral', text: fallbackText(text), blocks };
}
