/**
 * Replies through a response_url (and in a slash command's ack): Slack replaces or deletes the message a
 * click came from, or posts a new one, visible to the person alone unless `response_type` is `in_channel`.
 */
import { errorMessages, fail, flag, isRecord, str, withBlockIds } from './sim-util.js';
import type { ApiResult, Json, ResponseUrlContext, SimEphemeral, SimMessage } from './types.js';
import type { Workspace } from './workspace.js';

const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

export class ResponseUrlReplies {
  constructor(
    private readonly workspace: Workspace,
    /** Records the post as a call with method `response_url`, as the simulator records Web API calls. */
    private readonly record: (method: string, args: Json, result: ApiResult) => ApiResult,
  ) {}

  post(id: string, body: Buffer): ApiResult {
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return this.record('response_url', { id }, { status: 400, body: fail('invalid_payload') });
    }
    const args: Json = isRecord(payload) ? { ...payload } : {};
    const context = this.workspace.responseUrls.get(id);
    if (context === undefined) return this.record('response_url', args, { status: 404, body: fail('not_found') });
    if (Date.now() - context.createdAt > RESPONSE_URL_TTL_MS) {
      this.workspace.violation('response_url', ['response_url used more than 30 minutes after it was issued']);
      return this.record('response_url', args, { status: 404, body: fail('expired_url') });
    }
    if (context.uses >= RESPONSE_URL_MAX_USES) {
      this.workspace.violation('response_url', [`response_url used more than ${RESPONSE_URL_MAX_USES} times`]);
      return this.record('response_url', args, { status: 404, body: fail('used_url') });
    }
    context.uses += 1;
    const outcome = this.applyReply(context, args, 'response_url');
    if (outcome !== undefined) {
      return this.record('response_url', args, { status: 400, body: fail(outcome.error, errorMessages(outcome.problems)) });
    }
    return this.record('response_url', args, { status: 200, body: { ok: true } });
  }

  /**
   * Applies a reply sent through a response_url (or as the body of a slash command's ack) to the model:
   * replace or delete the message it came from, or post a new one (visible to the person alone unless
   * `response_type` is `in_channel`).
   */
  applyReply(
    context: ResponseUrlContext,
    reply: Json,
    source: 'response_url' | 'command_response',
  ): { error: string; problems: string[] } | undefined {
    const original = context.original;
    if (flag(reply, 'delete_original')) {
      if (original !== undefined) this.removeOriginal(context.channel, original);
      delete context.original;
      return undefined;
    }
    const content = this.workspace.content(reply, source);
    if ('error' in content) return { error: content.error, problems: content.problems ?? [] };
    const text = content.text ?? '';
    const blocks = withBlockIds(content.blocks ?? []);
    if (flag(reply, 'replace_original') && original !== undefined) {
      if (original.ephemeral) {
        const e = this.workspace.ephemeralLog.find((m) => m.ts === original.ts && m.user === context.userId);
        if (e !== undefined) {
          e.text = text;
          e.blocks = blocks;
          e.updates += 1;
          this.workspace.changed({ kind: 'ephemeral', message: e, updated: true });
          return undefined;
        }
      } else {
        const m = this.workspace.message(context.channel, original.ts);
        if (m !== undefined) {
          m.text = text;
          m.blocks = blocks;
          m.edited = { user: this.workspace.botUserId, ts: this.workspace.nextTs() };
          m.updates += 1;
          this.workspace.changed({ kind: 'message', message: m, updated: true });
          return undefined;
        }
      }
    }
    const threadTs = str(reply, 'thread_ts') ?? context.threadTs;
    if (reply.response_type === 'in_channel') {
      const root = threadTs === undefined ? undefined : this.workspace.message(context.channel, threadTs);
      const message: SimMessage = {
        channel: context.channel,
        ts: this.workspace.nextTs(),
        user: this.workspace.botUserId,
        fromBot: true,
        text,
        blocks,
        updates: 0,
        ...(root === undefined ? {} : { threadTs: root.threadTs ?? root.ts }),
      };
      this.workspace.append(message);
      context.original = { ts: message.ts, ephemeral: false };
    } else {
      const message: SimEphemeral = {
        channel: context.channel,
        ts: this.workspace.nextTs(),
        user: context.userId,
        text,
        blocks,
        source,
        updates: 0,
        ...(threadTs === undefined ? {} : { threadTs }),
      };
      this.workspace.ephemeralLog.push(message);
      this.workspace.changed({ kind: 'ephemeral', message, updated: false });
      // A command's later replies may replace this one, as Slack lets them.
      if (original === undefined) context.original = { ts: message.ts, ephemeral: true };
    }
    return undefined;
  }

  removeOriginal(channel: string, original: { ts: string; ephemeral: boolean }): void {
    if (original.ephemeral) {
      const index = this.workspace.ephemeralLog.findIndex((e) => e.ts === original.ts);
      const removed = this.workspace.ephemeralLog[index];
      if (removed !== undefined) {
        this.workspace.ephemeralLog.splice(index, 1);
        this.workspace.changed({ kind: 'ephemeral_deleted', message: removed });
      }
      return;
    }
    const log = this.workspace.channelLog.get(channel) ?? [];
    const index = log.findIndex((m) => m.ts === original.ts);
    const removed = log[index];
    if (removed !== undefined) {
      log.splice(index, 1);
      this.workspace.changed({ kind: 'message_deleted', message: removed });
    }
  }
}
