/** What the daily digest and the budget alerts say. */
import type { CostNoticeEvent, DigestFacts } from '../../domain/cost-notice.js';
import { formatUsd } from '../../domain/money.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { mention } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, header, section, truncate } from './messages.js';
import { perHourText, priceBasisText } from './price-parts.js';

const MAX_LINES = 15;

function more(n: number): string {
  return n > 0 ? `\n…and ${n} more` : '';
}

/** ` (2 training jobs ran: $12.40 of it)`: the jobs' share of a total that already holds it. */
function jobsText(d: DigestFacts): string {
  if (d.jobs === undefined || d.jobs.count === 0) return '';
  return ` (${d.jobs.count} training ${d.jobs.count === 1 ? 'job' : 'jobs'} ran: ${formatUsd(d.jobs.total)} of it)`;
}

function digestMessage(d: DigestFacts): SlackMessage {
  const blocks: KnownBlock[] = [header(`GPU spend on ${d.day}`)];
  const people = d.byPerson.slice(0, MAX_LINES).map((p) => `• ${mention(p.owner)}: ${formatUsd(p.total)}`);
  blocks.push(
    section(
      d.byPerson.length === 0
        ? `*Yesterday:* nothing was spent.`
        : `*Yesterday:* ${formatUsd(d.total)}${jobsText(d)}\n${people.join('\n')}${more(d.byPerson.length - people.length)}`,
    ),
  );
  const burn = d.running.reduce((sum, r) => sum + r.perHour, 0);
  const running = d.running
    .slice(0, MAX_LINES)
    .map((r) => `• \`${escapeMrkdwn(truncate(r.name, 63)).replace(/`/g, "'")}\`${r.kind === 'job' ? ' (training job)' : ''} (${mention(r.owner)}): ${perHourText(r.perHour)}`);
  blocks.push(
    section(
      d.running.length === 0
        ? '*Running now:* nothing.'
        : `*Running now:* ${runningCount(d.running)}, ≈ ${perHourText(burn)}\n${running.join('\n')}${more(d.running.length - running.length)}`,
    ),
  );
  if (d.idleStops > 0) {
    blocks.push(
      section(
        `*Idle stops:* ${d.idleStops} yesterday, saving an estimated ${formatUsd(d.idleSaved)} (the VM's hourly price until the box was started again, or until now).`,
      ),
    );
  }
  blocks.push(contextLine(priceBasisText(d.sources, d.missing)));
  const text = `GPU spend on ${d.day}: ${formatUsd(d.total)}${jobsText(d)}; running now: ${d.running.length} (≈ ${perHourText(burn)}); idle stops saved ≈ ${formatUsd(d.idleSaved)} (estimate, list price).`;
  return { text: fallbackText(text), blocks };
}

function budgetMessage(e: Extract<CostNoticeEvent, { type: 'budget-alert' }>): SlackMessage {
  const whose = e.scope === 'team' ? 'The team’s' : e.who !== null ? `${mention(e.who)}’s` : 'A';
  const emoji = e.threshold >= 100 ? ':rotating_light:' : e.threshold >= 90 ? ':warning:' : ':moneybag:';
  const reached = e.threshold >= 100 ? 'is used up' : `has reached ${e.threshold}%`;
  const sentence = `${emoji} ${whose} GPU budget for ${e.month} ${reached}: ${formatUsd(e.spent)} of ${formatUsd(e.budget)} spent this month.`;
  const blocks: KnownBlock[] = [section(sentence), contextLine(`${priceBasisText(e.sources)} · \`/gpu cost --month\` shows where it went`)];
  return { text: fallbackText(sentence), blocks };
}

export function costNoticeMessage(event: CostNoticeEvent, _ctx: unknown): SlackMessage {
  return event.type === 'cost-digest' ? digestMessage(event.digest) : budgetMessage(event);
}

/** `2 boxes`, `1 training job`, `2 boxes and 1 training job`. */
function runningCount(running: DigestFacts['running']): string {
  const jobs = running.filter((r) => r.kind === 'job').length;
  const boxes = running.length - jobs;
  const parts = [
    ...(boxes > 0 ? [`${boxes} ${boxes === 1 ? 'box' : 'boxes'}`] : []),
    ...(jobs > 0 ? [`${jobs} training ${jobs === 1 ? 'job' : 'jobs'}`] : []),
  ];
  return parts.join(' and ');
}
