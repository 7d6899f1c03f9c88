/** The simulator's `conversations.*` methods: DMs and group DMs opened, channel info, joins, history and threads. */
import { fail, flag, randomId, str } from './sim-util.js';
import type { Json, SimMessage } from './types.js';
import type { Workspace } from './workspace.js';

export class ConversationMethods {
  constructor(private readonly workspace: Workspace) {}

  readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'conversations.open': (a) => this.openConversation(a),
    'conversations.info': (a) => this.conversationInfo(a),
    'conversations.join': (a) => this.join(a),
    'conversations.history': (a) => this.history(a),
    'conversations.replies': (a) => this.replies(a),
  };

  private openConversation(a: Json): Json {
    const channel = str(a, 'channel');
    if (channel !== undefined) {
      const target = this.workspace.existingChannel(channel);
      return 'error' in target ? fail(target.error) : { ok: true, channel: { id: target.channel } };
    }
    const users = (str(a, 'users') ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
    if (users.length === 0) return fail('users_list_not_supplied');
    for (const u of users) if (this.workspace.user(u) === undefined) return fail('user_not_found');
    const [only] = users;
    if (users.length === 1 && only !== undefined) {
      const already = this.workspace.dmByUser.has(only);
      return { ok: true, no_op: already, already_open: already, channel: { id: this.workspace.dmChannel(only) } };
    }
    // A group DM: one stable id per set of people.
    const key = [...users].sort().join(',');
    let id = [...this.workspace.channelNames].find(([, n]) => n === `mpdm-${key}`)?.[0];
    if (id === undefined) {
      id = randomId('G');
      this.workspace.channelNames.set(id, `mpdm-${key}`);
    }
    return { ok: true, channel: { id } };
  }

  private conversationInfo(a: Json): Json {
    const id = str(a, 'channel');
    if (id === undefined || this.workspace.unknownChannels.has(id) || !/^[CGD][A-Z0-9]+$/.test(id)) return fail('channel_not_found');
    const im = id.startsWith('D');
    return {
      ok: true,
      channel: {
        id,
        name: this.workspace.channelName(id),
        is_channel: id.startsWith('C'),
        is_group: id.startsWith('G'),
        is_im: im,
        is_private: !id.startsWith('C'),
        is_member: !this.workspace.withoutBot.has(id),
        ...(im ? { user: this.workspace.userByDm.get(id) } : {}),
      },
    };
  }

  private join(a: Json): Json {
    const id = str(a, 'channel');
    if (id === undefined || this.workspace.unknownChannels.has(id) || !/^[CGD][A-Z0-9]+$/.test(id)) return fail('channel_not_found');
    if (!id.startsWith('C')) return fail('method_not_supported_for_channel_type');
    this.workspace.withoutBot.delete(id);
    return { ok: true, channel: { id, name: this.workspace.channelName(id), is_member: true } };
  }

  private page(items: SimMessage[], a: Json, withMetadata: boolean): Json {
    const limit = Math.max(1, Math.min(1000, Number(str(a, 'limit') ?? '100') || 100));
    const cursor = str(a, 'cursor');
    const offset = cursor === undefined || cursor === '' ? 0 : Number(Buffer.from(cursor, 'base64').toString('utf8').replace('offset:', '')) || 0;
    const slice = items.slice(offset, offset + limit);
    const more = offset + limit < items.length;
    return {
      ok: true,
      messages: slice.map((m) => this.workspace.wire(m, withMetadata)),
      has_more: more,
      response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '' },
    };
  }

  private inRange(ts: string, a: Json): boolean {
    const oldest = str(a, 'oldest');
    const latest = str(a, 'latest');
    const inclusive = flag(a, 'inclusive');
    const t = Number(ts);
    if (oldest !== undefined && oldest !== '' && (inclusive ? t < Number(oldest) : t <= Number(oldest))) return false;
    if (latest !== undefined && latest !== '' && (inclusive ? t > Number(latest) : t >= Number(latest))) return false;
    return true;
  }

  private history(a: Json): Json {
    const target = this.workspace.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const newestFirst = this.workspace.messages(target.channel).filter((m) => this.inRange(m.ts, a)).reverse();
    return { ...this.page(newestFirst, a, flag(a, 'include_all_metadata')), pin_count: 0 };
  }

  private replies(a: Json): Json {
    const target = this.workspace.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const thread = this.workspace.thread(target.channel, str(a, 'ts') ?? '');
    if (thread.length === 0) return fail('thread_not_found');
    const [parent, ...rest] = thread;
    const inRange = rest.filter((m) => this.inRange(m.ts, a));
    return this.page(parent === undefined ? inRange : [parent, ...inRange], a, flag(a, 'include_all_metadata'));
  }
}
