/** The answer to `/gpu cost`: totals by person and by box over the period, and what the figures are. */
import type { CostReport } from '../../domain/cost-report.js';
import { formatUsd } from '../../domain/money.js';
import type { KnownBlock, EphemeralMessage } from './block-kit.js';
import { mention } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate } from './messages.js';
import { priceBasisText } from './price-parts.js';

/** Lines per list: a section holds 3,000 characters, and a long tail says little. */
const MAX_LINES = 15;

export interface CostAnswerContext {
  /** Whose spend: `your`, `<@U123>'s`, `the team's`. */
  whose: string;
}

function lines(items: readonly string[], more: number): string {
  return items.join('\n') + (more > 0 ? `\n…and ${more} more` : '');
}

export function whoseText(who: { kind: 'me' } | { kind: 'user'; userId: string } | { kind: 'all' }): string {
  if (who.kind === 'me') return 'Your';
  if (who.kind === 'all') return 'The team’s';
  return `${mention(who.userId)}’s`;
}

export function costAnswer(report: CostReport, ctx: CostAnswerContext): EphemeralMessage {
  const head = `:moneybag: ${ctx.whose} spend ${report.period.label}: *${formatUsd(report.total)}*`;
  const blocks: KnownBlock[] = [section(head)];
  if (report.byPerson.length > 1 || (report.byPerson.length === 1 && ctx.whose === 'The team’s')) {
    const shown = report.byPerson.slice(0, MAX_LINES).map((p) => `• ${mention(p.key)}: ${formatUsd(p.total)}`);
    blocks.push(section(`*By person*\n${lines(shown, report.byPerson.length - shown.length)}`));
  }
  if (report.byBox.length > 0) {
    const showOwner = report.byPerson.length > 1;
    const shown = report.byBox
      .slice(0, MAX_LINES)
      .map((b) => `• \`${escapeMrkdwn(truncate(b.name, 63)).replace(/`/g, "'")}\`${showOwner ? ` (${mention(b.owner)})` : ''}: ${formatUsd(b.total)}`);
    blocks.push(section(`*By box*\n${lines(shown, report.byBox.length - shown.length)}`));
  } else {
    blocks.push(section('No box cost anything in this period.'));
  }
  if (report.byJob.length > 0) {
    const shown = report.byJob.slice(0, MAX_LINES).map((j) => `• \`${escapeMrkdwn(truncate(j.key, 63))}\`: ${formatUsd(j.total)}`);
    blocks.push(section(`*By job*\n${lines(shown, report.byJob.length - shown.length)}`));
  }
  const notes = [priceBasisText(report.sources, report.missing), 'per second with a one-minute minimum per start; disks billed while stopped; UTC days'];
  if (report.unpriced > 0) notes.push(`${report.unpriced} box(es) left out: their prices did not load in time`);
  blocks.push(contextLine(notes.join(' · ')));
  const text = `${ctx.whose} spend ${report.period.label}: ${formatUsd(report.total)} (list price)`;
  return { response_type: 'ephemeral', text: fallbackText(text), blocks };
}

/** The chart's title: the period and its largest day, since the image itself has no lettering. */
export function chartTitle(report: CostReport, whose: string): string {
  const max = Math.max(0, ...report.byDay.map((d) => d.total));
  return `${whose.replace(/<@([A-Z0-9]+)>/g, '$1')} daily spend, ${report.period.label} (UTC days, list price): ${formatUsd(report.total)} in all, largest day ${formatUsd(max)}`;
}
