/**
 * The Slack simulator's model of one workspace: its people, channels and DMs, what each conversation
 * shows, the modals and Home tabs people have open, the trigger_ids and response_urls it handed out,
 * and what Slack would have refused (violations). The Web API surfaces (chat.ts, conversations.ts,
 * views.ts, files.ts, ...) read and change it; SlackSimulator (web-api-server.ts) serves them.
 */
import { randomBytes } from 'node:crypto';
import { checkBlockKit, type BlockKitSurface } from './block-kit-limits.js';
import type { ConversationType, ScopeGrant } from './method-scopes.js';
import { asBlocks, BASE62, emptyStateValues, flag, isRecord, randomChars, randomId, str, withBlockIds } from './sim-util.js';
import type {
  Content,
  Json,
  ResponseUrlContext,
  SimChange,
  SimEphemeral,
  SimMessage,
  SimUpload,
  SimUser,
  SimView,
  StateValues,
  Target,
  TriggerInfo,
  Violation,
} from './types.js';

/** Who the workspace and the app are, as Slack names them in payloads and answers. */
export interface WorkspaceIdentity {
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  botName: string;
}

export interface WorkspaceOptions {
  identity: WorkspaceIdentity;
  /** The bot token's scopes (shared with the simulator's `scopes`). */
  scopes: ScopeGrant;
  triggerTtlMs: number;
  /** The simulator's base URL, once it listens: response_urls and upload URLs point there. */
  baseUrl: () => string;
  onChange: (change: SimChange) => void;
}

export class Workspace {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly botName: string;
  readonly scopes: ScopeGrant;
  readonly triggerTtlMs: number;
  private readonly baseUrl: () => string;
  private readonly onChange: (change: SimChange) => void;
  private lastTs = { sec: 0, micro: 0 };

  readonly channelNames = new Map<string, string>();
  readonly withoutBot = new Set<string>();
  readonly unknownChannels = new Set<string>();
  readonly people = new Map<string, SimUser>();
  readonly dmByUser = new Map<string, string>();
  readonly userByDm = new Map<string, string>();

  readonly channelLog = new Map<string, SimMessage[]>();
  readonly ephemeralLog: SimEphemeral[] = [];
  readonly viewStacks = new Map<string, SimView[]>();
  readonly homes = new Map<string, SimView>();
  readonly triggers = new Map<string, TriggerInfo>();
  readonly responseUrls = new Map<string, ResponseUrlContext>();
  readonly uploads: SimUpload[] = [];
  readonly violations: Violation[] = [];

  constructor(options: WorkspaceOptions) {
    ({ teamId: this.teamId, teamDomain: this.teamDomain, botUserId: this.botUserId, botId: this.botId, appId: this.appId, botName: this.botName } = options.identity);
    this.scopes = options.scopes;
    this.triggerTtlMs = options.triggerTtlMs;
    this.baseUrl = options.baseUrl;
    this.onChange = options.onChange;
  }

  get url(): string {
    return this.baseUrl();
  }

  /** Forgets every message, view, trigger, response_url, upload and violation; keeps people and channels. */
  reset(): void {
    this.violations.length = 0;
    this.uploads.length = 0;
    this.channelLog.clear();
    this.ephemeralLog.length = 0;
    this.viewStacks.clear();
    this.homes.clear();
    this.triggers.clear();
    this.responseUrls.clear();
  }

  addUser(user: Partial<Omit<SimUser, 'email'>> & { id: string; email?: string | null }): SimUser {
    const name = user.name ?? user.id.toLowerCase();
    const full: SimUser = {
      id: user.id,
      name,
      realName: user.realName ?? name,
      tz: user.tz ?? 'UTC',
      tzOffset: user.tzOffset ?? 0,
      isAdmin: user.isAdmin ?? false,
      isBot: user.isBot ?? false,
      // Every member of a workspace signs in with an email address, so a person made up here has one
      // too (a test that needs a profile without one passes `email: null`); bots have none.
      ...(user.email === null || (user.isBot ?? false) ? {} : { email: user.email ?? `${name}@example.com` }),
    };
    this.people.set(user.id, full);
    return full;
  }

  /** Known people, and anyone with a user-shaped id (made up on first sight). */
  user(id: string): SimUser | undefined {
    const known = this.people.get(id);
    if (known !== undefined) return known;
    if (!/^[UW][A-Z0-9]{2,}$/.test(id)) return undefined;
    return this.addUser({ id });
  }

  setChannelName(id: string, name: string): void {
    this.channelNames.set(id, name);
  }

  channelName(id: string): string {
    const named = this.channelNames.get(id);
    if (named !== undefined) return named;
    if (id.startsWith('D')) return 'directmessage';
    return id;
  }

  /** Makes the bot a member of a channel (or not): `chat.postMessage` there then works (or fails `not_in_channel`). */
  setBotMembership(channel: string, member: boolean): void {
    if (member) this.withoutBot.delete(channel);
    else this.withoutBot.add(channel);
  }

  /** The DM channel between the bot and a person; the same id every time. */
  dmChannel(userId: string): string {
    const existing = this.dmByUser.get(userId);
    if (existing !== undefined) return existing;
    let id = `D${userId.slice(1)}`;
    while (this.userByDm.has(id)) id = randomId('D');
    this.dmByUser.set(userId, id);
    this.userByDm.set(id, userId);
    return id;
  }

  /** The person a DM channel is with, if `channel` is one. */
  dmUser(channel: string): string | undefined {
    return this.userByDm.get(channel);
  }

  /** What the channel shows now: top-level messages (and broadcast replies), oldest first. */
  messages(channel: string): SimMessage[] {
    const id = channel.startsWith('U') || channel.startsWith('W') ? this.dmChannel(channel) : channel;
    return (this.channelLog.get(id) ?? []).filter((m) => m.threadTs === undefined || m.threadTs === m.ts || m.replyBroadcast === true);
  }

  /** A thread: its parent then its replies, oldest first; empty when there is no such message. */
  thread(channel: string, ts: string): SimMessage[] {
    const log = this.channelLog.get(channel) ?? [];
    const parent = log.find((m) => m.ts === ts);
    if (parent === undefined) return [];
    const root = parent.threadTs ?? parent.ts;
    return log.filter((m) => m.ts === root || m.threadTs === root);
  }

  message(channel: string, ts: string): SimMessage | undefined {
    return this.channelLog.get(channel)?.find((m) => m.ts === ts);
  }

  /** Messages only `userId` sees, oldest first (optionally in one channel). */
  ephemerals(userId: string, channel?: string): SimEphemeral[] {
    return this.ephemeralLog.filter((e) => e.user === userId && (channel === undefined || e.channel === channel));
  }

  /** The bot's DM conversation with a person (top-level messages). */
  dms(userId: string): SimMessage[] {
    return this.messages(this.dmChannel(userId));
  }

  /** The modal stack a person has open, bottom first. */
  openViews(userId: string): SimView[] {
    return [...(this.viewStacks.get(userId) ?? [])];
  }

  topView(userId: string): SimView | undefined {
    const stack = this.viewStacks.get(userId);
    return stack?.[stack.length - 1];
  }

  homeView(userId: string): SimView | undefined {
    return this.homes.get(userId);
  }

  /** Finds a modal (anyone's) or a Home tab by id. */
  view(viewId: string): SimView | undefined {
    for (const stack of this.viewStacks.values()) {
      const found = stack.find((v) => v.id === viewId);
      if (found !== undefined) return found;
    }
    for (const home of this.homes.values()) if (home.id === viewId) return home;
    return undefined;
  }

  /** The view as Slack sends it inside payloads and `views.*` answers; `values` for a submission's state. */
  viewOutput(view: SimView, values?: StateValues): Json {
    const spec = view.spec;
    const blocks = asBlocks(spec.blocks) ?? [];
    // A submission reports every input (null when left empty); a freshly opened view reports none.
    const state = values === undefined ? {} : { ...emptyStateValues(blocks), ...values };
    return {
      id: view.id,
      team_id: this.teamId,
      type: view.type,
      blocks,
      private_metadata: str(spec, 'private_metadata') ?? '',
      callback_id: str(spec, 'callback_id') ?? '',
      state: { values: state },
      hash: view.hash,
      title: isRecord(spec.title) ? { emoji: true, ...spec.title } : { type: 'plain_text', text: 'View', emoji: true },
      clear_on_close: flag(spec, 'clear_on_close'),
      notify_on_close: flag(spec, 'notify_on_close'),
      close: isRecord(spec.close) ? { emoji: true, ...spec.close } : null,
      submit: isRecord(spec.submit) ? { emoji: true, ...spec.submit } : null,
      previous_view_id: view.previousViewId,
      root_view_id: view.rootViewId,
      app_id: this.appId,
      external_id: str(spec, 'external_id') ?? '',
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  /** A response_url for `userId` in `channel`, answered by this server (as the bot's `respond()` would use). */
  responseUrl(channel = '', userId = '', original?: { ts: string; ephemeral: boolean }, threadTs?: string): string {
    const id = randomChars(BASE62, 24);
    this.responseUrls.set(id, {
      channel,
      userId,
      uses: 0,
      createdAt: Date.now(),
      ...(original === undefined ? {} : { original }),
      ...(threadTs === undefined ? {} : { threadTs }),
    });
    return `${this.url}/response/${id}`;
  }

  /** A trigger_id as Slack mints them (`<digits>.<digits>.<hex>`), exchangeable once within the TTL. */
  mintTrigger(userId: string, triggerId?: string): string {
    const id = triggerId ?? `${Date.now()}${randomChars('0123456789', 3)}.${randomChars('0123456789', 11)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { userId, createdAt: Date.now(), used: false });
    return id;
  }

  conversationType(id: string): ConversationType | undefined {
    if (id.startsWith('C')) return 'public';
    if (id.startsWith('D')) return 'im';
    if (id.startsWith('G')) return this.channelName(id).startsWith('mpdm-') ? 'mpim' : 'private';
    return undefined;
  }

  violation(source: string, problems: string[]): void {
    this.violations.push({ source, problems, at: Date.now() });
  }

  changed(change: SimChange): void {
    this.onChange(change);
  }

  /** A ts like Slack's: `<epoch seconds>.<6 digits>`, strictly increasing. */
  nextTs(): string {
    const nowMs = Date.now();
    let sec = Math.floor(nowMs / 1000);
    let micro = (nowMs % 1000) * 1000;
    if (sec < this.lastTs.sec || (sec === this.lastTs.sec && micro <= this.lastTs.micro)) {
      sec = this.lastTs.sec;
      micro = this.lastTs.micro + 1;
      if (micro >= 1_000_000) {
        sec += 1;
        micro = 0;
      }
    }
    this.lastTs = { sec, micro };
    return `${sec}.${String(micro).padStart(6, '0')}`;
  }

  /** Where a post to `channel` lands; a user id means that person's DM with the bot. */
  postTarget(channel: string | undefined): Target {
    if (channel === undefined || channel === '') return { error: 'channel_not_found' };
    let id = channel;
    if (channel.startsWith('#')) {
      const name = channel.slice(1);
      const found = [...this.channelNames].find(([, n]) => n === name);
      if (found === undefined) return { error: 'channel_not_found' };
      id = found[0];
    }
    if (/^[UW]/.test(id)) {
      if (this.user(id) === undefined) return { error: 'channel_not_found' };
      return { channel: this.dmChannel(id) };
    }
    return this.existingChannel(id);
  }

  /** A channel id the bot can act in (no user-id shortcut: chat.update and friends need the real id). */
  existingChannel(id: string | undefined): Target {
    if (id === undefined || id === '' || this.unknownChannels.has(id) || !/^[CGD][A-Z0-9]+$/.test(id)) {
      return { error: 'channel_not_found' };
    }
    if (this.withoutBot.has(id)) return { error: 'not_in_channel' };
    return { channel: id };
  }

  content(args: Json, source: string): Content {
    const text = str(args, 'text');
    let blocks: Json[] | undefined;
    if (args.blocks !== undefined) {
      if (!Array.isArray(args.blocks)) return { error: 'invalid_blocks_format' };
      blocks = args.blocks.filter(isRecord);
      if (blocks.length !== args.blocks.length) return { error: 'invalid_blocks_format' };
    }
    let attachments: unknown[] | undefined;
    if (args.attachments !== undefined) {
      if (!Array.isArray(args.attachments)) return { error: 'invalid_attachments' };
      attachments = args.attachments;
    }
    if (text !== undefined && [...text].length > 40000) {
      this.violation(source, [`text: message text is ${[...text].length} characters; the limit is 40000`]);
      return { error: 'msg_too_long' };
    }
    if (blocks !== undefined) {
      const problems = checkBlockKit('message', { blocks });
      if (problems.length > 0) {
        this.violation(source, problems);
        return { error: 'invalid_blocks', problems };
      }
    }
    return { text, blocks, attachments };
  }

  metadata(args: Json): Json | undefined | { error: string } {
    const m = args.metadata;
    if (m === undefined) return undefined;
    if (!isRecord(m)) return { error: 'invalid_metadata_format' };
    if (typeof m.event_type !== 'string' || !isRecord(m.event_payload)) return { error: 'invalid_metadata_schema' };
    return { event_type: m.event_type, event_payload: m.event_payload };
  }

  /** A message as Slack returns it from history and chat.* answers. */
  wire(m: SimMessage, withMetadata = true): Json {
    const out: Json = { type: 'message', ts: m.ts, user: m.user, text: m.text, team: this.teamId };
    if (m.fromBot) {
      out.bot_id = this.botId;
      out.app_id = this.appId;
      out.bot_profile = { id: this.botId, app_id: this.appId, name: this.botName, team_id: this.teamId, deleted: false };
    }
    if (m.blocks.length > 0) out.blocks = m.blocks;
    if (m.attachments !== undefined) out.attachments = m.attachments;
    if (m.files !== undefined) {
      out.files = m.files;
      out.upload = true;
    }
    if (m.threadTs !== undefined) out.thread_ts = m.threadTs;
    if (m.threadTs === m.ts) {
      const replies = (this.channelLog.get(m.channel) ?? []).filter((r) => r.threadTs === m.ts && r.ts !== m.ts);
      out.reply_count = replies.length;
      out.reply_users = [...new Set(replies.map((r) => r.user))];
      out.reply_users_count = new Set(replies.map((r) => r.user)).size;
      out.latest_reply = replies[replies.length - 1]?.ts ?? m.ts;
    } else if (m.threadTs !== undefined) {
      out.parent_user_id = this.message(m.channel, m.threadTs)?.user ?? this.botUserId;
    }
    if (m.edited !== undefined) out.edited = m.edited;
    if (withMetadata && m.metadata !== undefined) out.metadata = m.metadata;
    return out;
  }

  /** Adds a message to a channel's log (a reply marks its parent as a thread parent). */
  append(message: SimMessage): void {
    const log = this.channelLog.get(message.channel) ?? [];
    log.push(message);
    this.channelLog.set(message.channel, log);
    if (message.threadTs !== undefined && message.threadTs !== message.ts) {
      const parent = log.find((m) => m.ts === message.threadTs);
      if (parent !== undefined) parent.threadTs = parent.ts;
    }
    this.changed({ kind: 'message', message, updated: false });
  }

  /** Resolves a thread_ts to its thread's parent, as Slack attaches a reply-to-a-reply to the parent. */
  threadRoot(source: string, channel: string, threadTs: string | undefined): { root?: string } | { error: string } {
    if (threadTs === undefined || threadTs === '') return {};
    const parent = this.message(channel, threadTs);
    if (parent === undefined) {
      this.violation(source, [`thread_ts ${threadTs} is no message in ${channel}`]);
      return { error: 'thread_not_found' };
    }
    return { root: parent.threadTs ?? parent.ts };
  }

  /** Checks a trigger_id the way views.open/push do; returns the person it belongs to. */
  exchangeTrigger(triggerId: string | undefined): { userId: string } | { error: string } {
    if (triggerId === undefined || triggerId === '') return { error: 'invalid_arguments' };
    const trigger = this.triggers.get(triggerId);
    if (trigger === undefined) return { error: 'invalid_trigger_id' };
    if (trigger.used) return { error: 'exchanged_trigger_id' };
    if (Date.now() - trigger.createdAt > this.triggerTtlMs) {
      this.violation('trigger_id', [`trigger_id used ${Date.now() - trigger.createdAt} ms after it was issued; Slack allows ${this.triggerTtlMs} ms`]);
      return { error: 'expired_trigger_id' };
    }
    trigger.used = true;
    return { userId: trigger.userId };
  }

  checkView(source: string, surface: BlockKitSurface, view: unknown): Json | { error: string; problems?: string[] } {
    if (!isRecord(view)) return { error: 'invalid_arguments' };
    const problems = checkBlockKit(surface, view);
    if (problems.length > 0) {
      this.violation(source, problems);
      return { error: 'invalid_blocks', problems };
    }
    return { ...view, blocks: withBlockIds(asBlocks(view.blocks) ?? []) };
  }

  newView(userId: string, type: 'modal' | 'home', spec: Json, root: string | null, previous: string | null): SimView {
    const id = randomId('V');
    return { id, userId, type, hash: this.newHash(), spec, rootViewId: root ?? id, previousViewId: previous };
  }

  newHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomChars(BASE62, 8)}`;
  }

  /** Where a message is, in words: `#channel`, `DM`, `DM with <user>`. */
  describeChannel(channel: string, viewer?: string): string {
    const dmWith = this.userByDm.get(channel);
    if (dmWith !== undefined) return dmWith === viewer ? 'DM' : `DM with ${this.user(dmWith)?.name ?? dmWith}`;
    return `#${this.channelName(channel)}`;
  }
}
