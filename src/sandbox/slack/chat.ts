/** The simulator's `chat.*` methods: messages the bot posts, updates and deletes, ephemerals, permalinks. */
import { errorMessages, fail, flag, str, withBlockIds } from './sim-util.js';
import type { Json, SimEphemeral, SimMessage } from './types.js';
import type { Workspace } from './workspace.js';

export class ChatMethods {
  constructor(private readonly workspace: Workspace) {}

  readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'chat.postMessage': (a) => this.postMessage(a),
    'chat.update': (a) => this.update(a),
    'chat.delete': (a) => this.deleteMessage(a),
    'chat.postEphemeral': (a) => this.postEphemeral(a),
    'chat.getPermalink': (a) => this.permalink(a),
  };

  private postMessage(a: Json): Json {
    let target = this.workspace.postTarget(str(a, 'channel'));
    // chat:write.public lets an app post in a public channel it has not joined; only messages, not files
    // (docs.slack.dev/reference/scopes/chat.write.public).
    const channel = str(a, 'channel') ?? '';
    if ('error' in target && target.error === 'not_in_channel' && this.workspace.conversationType(channel) === 'public' && this.workspace.scopes.has('chat:write.public')) {
      target = { channel };
    }
    if ('error' in target) return fail(target.error);
    const content = this.workspace.content(a, 'chat.postMessage');
    if ('error' in content) return fail(content.error, errorMessages(content.problems ?? []));
    if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) return fail('no_text');
    const metadata = this.workspace.metadata(a);
    if (metadata !== undefined && 'error' in metadata) return fail(String(metadata.error));
    const thread = this.workspace.threadRoot('chat.postMessage', target.channel, str(a, 'thread_ts'));
    if ('error' in thread) return fail(thread.error);
    const message: SimMessage = {
      channel: target.channel,
      ts: this.workspace.nextTs(),
      user: this.workspace.botUserId,
      fromBot: true,
      text: content.text ?? '',
      blocks: withBlockIds(content.blocks ?? []),
      updates: 0,
      ...(thread.root === undefined ? {} : { threadTs: thread.root }),
      ...(thread.root !== undefined && flag(a, 'reply_broadcast') ? { replyBroadcast: true } : {}),
      ...(content.attachments === undefined ? {} : { attachments: content.attachments }),
      ...(metadata === undefined ? {} : { metadata }),
    };
    this.workspace.append(message);
    return { ok: true, channel: message.channel, ts: message.ts, message: this.workspace.wire(message) };
  }

  private update(a: Json): Json {
    const target = this.workspace.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const message = this.workspace.message(target.channel, str(a, 'ts') ?? '');
    if (message === undefined) return fail('message_not_found');
    if (!message.fromBot) return fail('cant_update_message');
    const content = this.workspace.content(a, 'chat.update');
    if ('error' in content) return fail(content.error, errorMessages(content.problems ?? []));
    if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) return fail('no_text');
    const metadata = this.workspace.metadata(a);
    if (metadata !== undefined && 'error' in metadata) return fail(String(metadata.error));
    // As documented for chat.update: leaving out a field keeps what the message had.
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = withBlockIds(content.blocks);
    if (content.attachments !== undefined) message.attachments = content.attachments;
    if (metadata !== undefined) message.metadata = metadata;
    message.edited = { user: this.workspace.botUserId, ts: this.workspace.nextTs() };
    message.updates += 1;
    this.workspace.changed({ kind: 'message', message, updated: true });
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text, message: this.workspace.wire(message) };
  }

  private deleteMessage(a: Json): Json {
    const target = this.workspace.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const log = this.workspace.channelLog.get(target.channel) ?? [];
    const index = log.findIndex((m) => m.ts === str(a, 'ts'));
    const message = log[index];
    if (message === undefined) return fail('message_not_found');
    if (!message.fromBot) return fail('cant_delete_message');
    log.splice(index, 1);
    this.workspace.changed({ kind: 'message_deleted', message });
    return { ok: true, channel: message.channel, ts: message.ts };
  }

  private postEphemeral(a: Json): Json {
    const target = this.workspace.postTarget(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const userId = str(a, 'user');
    if (userId === undefined || this.workspace.user(userId) === undefined) return fail('user_not_found');
    const content = this.workspace.content(a, 'chat.postEphemeral');
    if ('error' in content) return fail(content.error, errorMessages(content.problems ?? []));
    if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) return fail('no_text');
    const threadTs = str(a, 'thread_ts');
    const message: SimEphemeral = {
      channel: target.channel,
      ts: this.workspace.nextTs(),
      user: userId,
      text: content.text ?? '',
      blocks: withBlockIds(content.blocks ?? []),
      source: 'chat.postEphemeral',
      updates: 0,
      ...(threadTs === undefined || threadTs === '' ? {} : { threadTs }),
    };
    this.workspace.ephemeralLog.push(message);
    this.workspace.changed({ kind: 'ephemeral', message, updated: false });
    return { ok: true, message_ts: message.ts };
  }

  private permalink(a: Json): Json {
    const channel = str(a, 'channel');
    const ts = str(a, 'message_ts');
    if (channel === undefined || ts === undefined) return fail('invalid_arguments');
    const message = this.workspace.message(channel, ts);
    if (message === undefined) return fail('message_not_found');
    const base = `https://${this.workspace.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
    const inThread = message.threadTs !== undefined && message.threadTs !== message.ts;
    return {
      ok: true,
      channel,
      permalink: inThread ? `${base}?thread_ts=${message.threadTs ?? ''}&cid=${channel}` : base,
    };
  }
}
