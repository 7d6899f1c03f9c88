/** What the bot says about idle boxes: the warning with Keep and Stop now, the stop, the withdrawal. */
import type { Box } from '../../domain/box.js';
import { formatDuration } from '../../domain/duration.js';
import type { NoticeAudience, NoticeEvent } from '../../domain/notice.js';
import type { Button, KnownBlock, SlackMessage } from './block-kit.js';
import { nameText, startButton, stopButton } from './box-parts.js';
import { slackDate } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate } from './messages.js';
import type { PriceTable } from '../../domain/prices.js';
import { boxMoney, endMoneyText, perHourText, priceBasisText } from './price-parts.js';

export const KEEP_ACTIONS = { keep1h: 'box_keep_1h', keep4h: 'box_keep_4h' } as const;
export const KEEP_LENGTHS_MS: Readonly<Record<string, number>> = { [KEEP_ACTIONS.keep1h]: 3_600_000, [KEEP_ACTIONS.keep4h]: 4 * 3_600_000 };

export type IdleEvent = Extract<
  NoticeEvent,
  { type: 'box-idle-warning' | 'box-idle-stopped' | 'box-idle-cancelled' | 'box-gpu-metrics-missing' | 'box-notebook-reports-missing' }
>;

export function isIdleEvent(event: NoticeEvent): event is IdleEvent {
  return (
    event.type === 'box-idle-warning' ||
    event.type === 'box-idle-stopped' ||
    event.type === 'box-idle-cancelled' ||
    event.type === 'box-gpu-metrics-missing' ||
    event.type === 'box-notebook-reports-missing'
  );
}

function keepButton(box: Box, text: string, actionId: string): Button {
  return { type: 'button', text: { type: 'plain_text', text }, action_id: actionId, value: box.id };
}

export function idleNoticeMessage(
  event: IdleEvent,
  box: Box | null,
  ctx: { now: number; audience: NoticeAudience; prices?: PriceTable },
): SlackMessage {
  const name = box !== null ? nameText(box) : 'the box';
  const lead = ctx.audience === 'thread' ? '' : `*${name}*: `;
  const blocks: KnownBlock[] = [];
  let text: string;
  switch (event.type) {
    case 'box-idle-warning': {
      const stopIn = formatDuration(Math.max(0, event.stopAt - ctx.now));
      if (event.cause === 'hard-limit' && event.blind === true) {
        text = `${lead}sends me no idle signals (no GPU metrics and no notebook reports), so I cannot tell whether it is in use; it reaches the longest running time allowed here: I will stop it at ${slackDate(event.stopAt, '{time}')} (in ${stopIn}). Save your work; the disk and its files are kept.`;
        blocks.push(section(`:alarm_clock: ${text}`));
        if (box !== null) blocks.push({ type: 'actions', elements: [stopButton(box, 'Stop now')] });
      } else if (event.cause === 'hard-limit') {
        text = `${lead}reaches its running-time limit (\`--hours\`): I will stop it at ${slackDate(event.stopAt, '{time}')} (in ${stopIn}), busy or not. Save your work; the disk and its files are kept.`;
        blocks.push(section(`:alarm_clock: ${text}`));
        if (box !== null) blocks.push({ type: 'actions', elements: [stopButton(box, 'Stop now')] });
      } else {
        const since = event.idleSinceMs !== null ? `since ${slackDate(event.idleSinceMs, '{time}')} (${formatDuration(ctx.now - event.idleSinceMs)})` : 'for its whole idle window';
        text = `${lead}has been idle ${since}: GPU, CPU and notebook all quiet. I will stop it at ${slackDate(event.stopAt, '{time}')} (in ${stopIn}) unless you keep it. The disk and its files are kept either way.`;
        blocks.push(section(`:zzz: ${text}`));
        if (box !== null && ctx.prices !== undefined) {
          // What staying up costs is the reason to act: say it beside the buttons.
          const money = boxMoney(box, ctx.prices, ctx.now);
          blocks.push(contextLine(`Running costs ≈ ${perHourText(money.price.running)} · ${priceBasisText([money.cost.source], money.price.missing)}`));
        }
        if (box !== null) {
          blocks.push({
            type: 'actions',
            elements: [keepButton(box, 'Keep 1h', KEEP_ACTIONS.keep1h), keepButton(box, 'Keep 4h', KEEP_ACTIONS.keep4h), stopButton(box, 'Stop now')],
          });
        }
      }
      break;
    }
    case 'box-idle-stopped': {
      const idleFor = event.idleSinceMs !== null ? ` after ${formatDuration(ctx.now - event.idleSinceMs)} idle` : '';
      text =
        event.cause === 'hard-limit'
          ? `${lead}stopped: it reached its running-time limit. The disk and its files are kept; Start brings it back.`
          : `${lead}stopped${idleFor}, as warned. The disk and its files are kept; Start brings it back.`;
      blocks.push(section(`:black_square_for_stop: ${text}`));
      if (box !== null && ctx.prices !== undefined) blocks.push(contextLine(endMoneyText('stop', box, ctx.prices, ctx.now)));
      if (box !== null) blocks.push({ type: 'actions', elements: [startButton(box, 'Start again')] });
      break;
    }
    case 'box-idle-cancelled': {
      const why = event.reasons.length > 0 ? `: ${escapeMrkdwn(truncate(event.reasons.join('; '), 500))}` : '';
      text = `${lead}is busy again${why}. I will not stop it.`;
      blocks.push(section(`:white_check_mark: ${text}`));
      break;
    }
    case 'box-gpu-metrics-missing': {
      text = `${lead}no GPU utilization has arrived from this box, so I judge idleness by its CPU and notebook only. The Ops Agent installs at first boot; if it is still missing, check that the box's service account has \`roles/monitoring.metricWriter\` and that the VM can reach the internet.`;
      blocks.push(section(`:warning: ${text}`));
      blocks.push(contextLine('I will not say this again for this box.'));
      break;
    }
    case 'box-notebook-reports-missing': {
      text = `${lead}no notebook activity reports have arrived from this box, so I judge idleness by its GPU and CPU only: a notebook left open while both stay quiet counts as idle, and I will warn you before stopping it. The box's startup script installs the reporter; it needs \`python3\` on the image and \`roles/monitoring.metricWriter\` for the box's service account.`;
      blocks.push(section(`:warning: ${text}`));
      blocks.push(contextLine('I will not say this again for this box.'));
      break;
    }
  }
  return { text: fallbackText(text.replace(/\*/g, '')), blocks };
}

/** The answer to Keep: until when, and whether the cap cut it short. */
export function keptText(name: string, keepUntil: number, capped: boolean): string {
  const cap = capped ? ' (the longest Keep allowed here)' : '';
  return `Keeping \`${escapeMrkdwn(name)}\` until ${slackDate(keepUntil, '{time}')}${cap}: no idle stop before then. If it is idle after that, I will warn you again first.`;
}
