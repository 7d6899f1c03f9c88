/**
 * The audit trail: who did what to which box, job or policy, when, and from where. Each entry is
 * written in the same transaction as the change it records, under a key made from what caused it (the
 * Slack request, or the record's revision for a tick), so a retried request or transaction writes the
 * same document again rather than a second entry.
 */
import { duration, utcAt } from './time.js';

/**
 * Every action the trail records, as data: `/gpu help audit` lists each (slack/views/gpu-help.ts), and
 * its test holds that list to this one, so a new action cannot go unexplained.
 */
export const AUDIT_ACTIONS = [
  'create',
  'stop',
  'start',
  'delete',
  'withdraw',
  'keep',
  'approve',
  'deny',
  'policy-change',
  /** A channel bound to a team (project, region, budget), or its binding changed or cleared (`/gpu team`). */
  'team-bind',
  'team-clear',
  'idle-stop',
  'job-submit',
  'job-cancel',
  /** A request nobody decided on ended by itself (the bot's doing, seen by a tick). */
  'expire',
  /** A VM stopped, started or deleted outside gpubot (the console, gcloud), as a tick found it. */
  'console-stop',
  'console-start',
  'console-delete',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Where the action came from: a slash command, a button, a modal form, the worker's tick, or outside
 * gpubot (the Google Cloud console or gcloud, as a tick saw its result).
 */
export type AuditSource = 'command' | 'button' | 'form' | 'tick' | 'console';

export interface AuditEntry {
  /** What caused it, unique per change: the document id is derived from it. */
  key: string;
  at: number;
  /** A Slack user id, or `gpubot` for what the bot did on its own (an idle stop). */
  who: string;
  action: AuditAction;
  targetKind: 'box' | 'job' | 'policy' | 'team';
  targetId: string;
  /** The box's or job's name, as people search for it. */
  targetName: string;
  via: AuditSource;
  /** The conversation it was asked from, when there was one. */
  channel: string | null;
  /** A few words more: the idle cause, a keep's length, a GPU shape. */
  detail: string | null;
}

/** The bot itself, as the `who` of what no person asked for. */
export const BOT_ACTOR = 'gpubot';

/**
 * The `who` of a change made outside gpubot (the console, gcloud): the tick sees the VM's new state,
 * not who caused it.
 */
export const OUTSIDE_ACTOR = 'outside';

/** How long entries are kept by default (GPUBOT_AUDIT_DAYS): a year and a little, so last year's month can be read. */
export const DEFAULT_AUDIT_KEEP_DAYS = 400;

/**
 * A listener's request key says where it came from: `cmd:` slash commands, `act:` buttons, `view:`
 * modal submissions (listeners/commands, listeners/actions/box-action.ts, listeners/views).
 */
export function sourceOfRequest(requestKey: string): AuditSource {
  if (requestKey.startsWith('act:')) return 'button';
  if (requestKey.startsWith('view:')) return 'form';
  if (requestKey.startsWith('cmd:')) return 'command';
  return 'tick';
}

/** An entry for something a person asked for through Slack. */
export function requestedEntry(
  asker: { userId: string; channelId: string; requestKey: string },
  action: AuditAction,
  target: { kind: AuditEntry['targetKind']; id: string; name: string },
  at: number,
  detail: string | null = null,
): AuditEntry {
  return {
    key: `${asker.requestKey}|${action}|${target.id}`,
    at,
    who: asker.userId,
    action,
    targetKind: target.kind,
    targetId: target.id,
    targetName: target.name,
    via: sourceOfRequest(asker.requestKey),
    channel: asker.channelId === '' ? null : asker.channelId,
    detail,
  };
}

/**
 * An entry for what a tick found or did on its own: keyed by the record's revision it changes, so a
 * tick that runs again (or a second replica) writes the same document, one entry per change.
 */
export function tickEntry(
  record: { kind: AuditEntry['targetKind']; id: string; name: string; rev: number; channel: string | null },
  action: AuditAction,
  at: number,
  opts: { via?: AuditSource; who?: string; detail?: string | null } = {},
): AuditEntry {
  return {
    key: `${action}|${record.id}|${record.rev}`,
    at,
    who: opts.who ?? BOT_ACTOR,
    action,
    targetKind: record.kind,
    targetId: record.id,
    targetName: record.name,
    via: opts.via ?? 'tick',
    channel: record.channel,
    detail: opts.detail ?? null,
  };
}

/** When an entry written at `at` may be deleted by the TTL policy. */
export function auditExpiry(at: number, keepDays: number): Date {
  return utcAt(at).add(duration({ days: keepDays })).toDate();
}
