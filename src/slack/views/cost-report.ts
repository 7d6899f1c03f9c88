/** The answer to `/gpu cost`: totals by person, by box and by training job over the period, and what the figures are. */
import { NO_TEAM, type CostReport, type CostWho } from '../../domain/cost-report.js';
import { formatUsd } from '../../domain/money.js';
import { LIMITS, type KnownBlock, type EphemeralMessage } from './block-kit.js';
import { mention } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate } from './messages.js';
import { priceBasisText } from './price-parts.js';

/** Lines per list: a long tail says little. */
const MAX_LINES = 15;

export interface CostAnswerContext {
  /** Whose spend: `your`, `<@U123>'s`, `the team's`. */
  whose: string;
  /** Everyone's spend: split it by team too, when any channel is a team's (`/gpu team`). */
  byTeam?: boolean;
}

/**
 * A titled list in one section: at most MAX_LINES lines, and fewer if they would not fit the 3,000
 * characters a section holds (escaping can make a name several times longer), then `…and N more`.
 */
function listSection(title: string, items: readonly string[]): KnownBlock {
  const tail = (n: number): string => (n > 0 ? `\n…and ${n} more` : '');
  let text = title;
  let shown = 0;
  for (const item of items.slice(0, MAX_LINES)) {
    const next = `${text}\n${item}`;
    if ([...next].length + [...tail(items.length - shown - 1)].length > LIMITS.sectionText) break;
    text = next;
    shown++;
  }
  return section(text + tail(items.length - shown));
}

/** A box or job name as a code span: its own backticks would end the span early. */
function nameText(name: string): string {
  return `\`${escapeMrkdwn(truncate(name, 63)).replace(/`/g, "'")}\``;
}

export function whoseText(who: CostWho): string {
  if (who.kind === 'me') return 'Your';
  if (who.kind === 'all') return 'The team’s';
  if (who.kind === 'team') return 'This channel’s team’s';
  return `${mention(who.userId)}’s`;
}

export function costAnswer(report: CostReport, ctx: CostAnswerContext): EphemeralMessage {
  const head = `:moneybag: ${ctx.whose} spend ${report.period.label}: *${formatUsd(report.total)}*`;
  const blocks: KnownBlock[] = [section(head)];
  if (ctx.byTeam === true && report.byTeam.some((t) => t.key !== NO_TEAM)) {
    // Each team by its channel; spend asked for outside any team's channel is its own line.
    blocks.push(listSection('*By team*', report.byTeam.map((t) => `• ${t.key === NO_TEAM ? 'No team' : `<#${t.key}>`}: ${formatUsd(t.total)}`)));
  }
  if (report.byPerson.length > 1 || (report.byPerson.length === 1 && (ctx.whose === 'The team’s' || ctx.whose === 'This channel’s team’s'))) {
    blocks.push(listSection('*By person*', report.byPerson.map((p) => `• ${mention(p.key)}: ${formatUsd(p.total)}`)));
  }
  const showOwner = report.byPerson.length > 1;
  const owner = (who: string): string => (showOwner ? ` (${mention(who)})` : '');
  if (report.byBox.length > 0) {
    blocks.push(listSection('*By box*', report.byBox.map((b) => `• ${nameText(b.name)}${owner(b.owner)}: ${formatUsd(b.total)}`)));
  }
  if (report.byJob.length > 0) {
    const jobsTotal = report.byJob.reduce((sum, j) => sum + j.total, 0);
    blocks.push(
      listSection(
        `*Training jobs* (${report.byJob.length}, ${formatUsd(jobsTotal)})`,
        report.byJob.map((j) => `• ${nameText(j.name)}${owner(j.owner)}: ${formatUsd(j.total)}`),
      ),
    );
  }
  if (report.byBox.length === 0 && report.byJob.length === 0) blocks.push(section('No box or training job cost anything in this period.'));
  const notes = [
    priceBasisText(report.sources, report.missing),
    'boxes per second with a one-minute minimum per start, disks billed while stopped; training jobs per second at Vertex AI training rates; UTC days',
  ];
  if (report.unpriced > 0) notes.push(`${report.unpriced} ${report.unpriced === 1 ? 'box or job' : 'boxes or jobs'} left out: their prices did not load in time`);
  blocks.push(contextLine(notes.join(' · ')));
  const text = `${ctx.whose} spend ${report.period.label}: ${formatUsd(report.total)} (list price)`;
  return { response_type: 'ephemeral', text: fallbackText(text), blocks };
}

/** The chart's title: the period and its largest day, since the image itself has no lettering. */
export function chartTitle(report: CostReport, whose: string): string {
  const max = Math.max(0, ...report.byDay.map((d) => d.total));
  return `${whose.replace(/<@([A-Z0-9]+)>/g, '$1')} daily spend, ${report.period.label} (UTC days, list price): ${formatUsd(report.total)} in all, largest day ${formatUsd(max)}`;
}
