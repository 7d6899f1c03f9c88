/** `/gpu audit`'s answer: one line per action, newest first, for the admin who asked. */
import type { AuditEntry } from '../../domain/audit.js';
import { BOT_ACTOR, OUTSIDE_ACTOR } from '../../domain/audit.js';
import type { AuditOf } from '../../domain/gpu-command.js';
import type { EphemeralMessage, KnownBlock } from './block-kit.js';
import { isChannelId } from '../../domain/slack-ids.js';
import { mention, slackDate } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate } from './messages.js';

const VERBS: Readonly<Record<AuditEntry['action'], string>> = {
  create: 'asked for',
  stop: 'stopped',
  start: 'started',
  delete: 'deleted',
  withdraw: 'withdrew the request for',
  keep: 'kept',
  approve: 'approved',
  deny: 'denied',
  'policy-change': 'changed',
  'team-bind': 'bound',
  'team-clear': 'unbound',
  'idle-stop': 'stopped (idle)',
  'job-submit': 'submitted',
  'job-cancel': 'cancelled',
  expire: 'ended for want of a decision the request for',
  'console-stop': 'stopped',
  'console-start': 'started',
  'console-delete': 'deleted',
};

const SOURCES: Readonly<Record<AuditEntry['via'], string>> = { command: 'command', button: 'button', form: 'form', tick: 'idle check', console: 'outside gpubot (console or gcloud)' };

/** Lines per section: a section holds 3000 characters, and a line here stays well under 200. */
const LINES_PER_SECTION = 12;

/** One entry as a line of mrkdwn, user text escaped. */
export function auditLine(e: AuditEntry): string {
  const who = e.who === BOT_ACTOR ? 'gpubot' : e.who === OUTSIDE_ACTOR ? 'someone' : mention(e.who);
  const named = `\`${escapeMrkdwn(truncate(e.targetName, 80)).replace(/`/g, "'")}\``;
  const what = e.targetKind === 'team' ? `the team of ${isChannelId(e.targetId) ? `<#${e.targetId}>` : named}` : `${e.targetKind === 'job' ? 'job' : e.targetKind === 'policy' ? 'the policy' : 'box'} ${named}`;
  const detail = e.detail !== null && e.detail !== '' ? ` (${escapeMrkdwn(truncate(e.detail, 80))})` : '';
  const where = e.channel !== null && isChannelId(e.channel) ? ` in <#${e.channel}>` : '';
  return `${slackDate(e.at)} · ${who} ${VERBS[e.action] ?? escapeMrkdwn(String(e.action))} ${what}${detail} · ${source(e)}${where}`;
}

/** The tick does more than idle checks: an expired request says what ended it. */
function source(e: AuditEntry): string {
  if (e.via === 'tick' && e.action === 'expire') return 'approval expiry';
  return SOURCES[e.via] ?? 'tick';
}

function ofText(of: AuditOf): string {
  if (of.kind === 'name') return ` on \`${escapeMrkdwn(truncate(of.name, 80)).replace(/`/g, "'")}\``;
  if (of.kind === 'user') return ` by ${mention(of.userId)}`;
  return '';
}

export function auditAnswer(entries: readonly AuditEntry[], ctx: { of: AuditOf; days: number; more: boolean }): EphemeralMessage {
  const title = `*Audit${ofText(ctx.of)}*, the last ${ctx.days} day${ctx.days === 1 ? '' : 's'}`;
  if (entries.length === 0) {
    const text = `${title}: nothing recorded.`;
    return { response_type: 'ephemeral', text: fallbackText(text), blocks: [section(text)] };
  }
  const lines = entries.map(auditLine);
  const blocks: KnownBlock[] = [section(`${title} (${entries.length}${ctx.more ? '+' : ''}, newest first)`)];
  for (let i = 0; i < lines.length; i += LINES_PER_SECTION) blocks.push(section(lines.slice(i, i + LINES_PER_SECTION).join('\n')));
  if (ctx.more) blocks.push(contextLine('More happened than one answer holds: name a box or a person, or ask for fewer days.'));
  return { response_type: 'ephemeral', text: fallbackText(`Audit: ${entries.length} actions`), blocks };
}
