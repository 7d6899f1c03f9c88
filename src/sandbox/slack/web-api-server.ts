/**
 * A local stand-in for Slack: it serves the Web API the way `@slack/web-api` calls it (point the client at
 * `<url>/api/`), keeps a model of what each conversation shows, and plays Slack's side towards the bot by
 * sending signed slash commands, button clicks, view submissions and events to the bot's `/slack/events`.
 * It also speaks Socket Mode: `apps.connections.open` (with the app-level token) hands out a loopback
 * WebSocket URL, and while the bot holds such a connection every request goes to it as an envelope
 * instead of over HTTP, and the bot's acknowledgement comes back as the answer.
 * Tests and the embedded demo console both drive the bot through it.
 *
 * This file is the server and Slack's side of the conversation; the Web API is served by surface, as
 * Slack documents it: workspace.ts (the model they share), auth.ts, chat.ts, response-url.ts,
 * conversations.ts, users.ts, views.ts, files.ts and socket-mode.ts.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { APP_TOKEN_METHODS, AuthMethods } from './auth.js';
import { ChatMethods } from './chat.js';
import { ConversationMethods } from './conversations.js';
import { FileMethods } from './files.js';
import { readManifestBotScopes } from './manifest.js';
import { acceptedScopes, METHOD_SCOPES, missingScope, ScopeGrant, type ConversationType } from './method-scopes.js';
import { ResponseUrlReplies } from './response-url.js';
import { signSlackRequest } from './signing.js';
import { asBlocks, BASE62, describeCall, fail, findElement, flag, headerRecord, httpBody, isRecord, multipartFields, randomChars, randomId, readBody, str } from './sim-util.js';
import { SocketMode } from './socket-mode.js';
import type {
  ActionOptions,
  ApiResult,
  BotResponse,
  CallRecord,
  CommandOptions,
  EventOptions,
  Json,
  SentRequest,
  SignOverrides,
  SimEphemeral,
  SimMessage,
  SimulatorEvents,
  SimUpload,
  SimUser,
  SimView,
  SlackSimulatorOptions,
  SocketModeConnection,
  StateValues,
  ViewSubmissionOptions,
  ViewSubmissionResponse,
  Violation,
} from './types.js';
import { UserMethods } from './users.js';
import { ViewMethods } from './views.js';
import { Workspace } from './workspace.js';
import { HttpFaults } from '../http-faults.js';

export type {
  ActionOptions,
  BotResponse,
  CallRecord,
  CommandOptions,
  EventOptions,
  Json,
  SelectedOption,
  SentRequest,
  SimChange,
  SimEphemeral,
  SimMessage,
  SimulatorEvents,
  SimUpload,
  SimUser,
  SimView,
  SlackSimulatorOptions,
  SocketModeChange,
  SocketModeConnection,
  StateValues,
  ViewSubmissionOptions,
  ViewSubmissionResponse,
  Violation,
} from './types.js';

/** Fields the Web API client sends JSON-encoded inside a form body. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files', 'user_auth_blocks', 'file_uploads']);

export class SlackSimulator extends EventEmitter<SimulatorEvents> {
  readonly calls: CallRecord[] = [];
  readonly violations: Violation[];
  readonly uploads: SimUpload[];
  /** Every request sent to the bot, in order. */
  readonly sent: SentRequest[] = [];
  /**
   * Faults on the Web API as Slack produces them, by method path (`/api/chat.postMessage`): 5xx, 429
   * with Retry-After, calls that hang, answers lost after the message was posted. Empty by default.
   */
  readonly faults = new HttpFaults();
  /** Where the bot listens (its `/slack/events` URL); set it once the bot has a port. */
  botUrl: string | undefined;
  readonly botToken: string;
  readonly signingSecret: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly botName: string;
  readonly verificationToken = 'sandbox-verification-token';
  /** The bot token's scopes: `scopes.revoke('files:write')` plays an app installed without it. */
  readonly scopes: ScopeGrant;

  private readonly server: Server;
  private readonly port: number;
  private baseUrl: string | undefined;
  private readonly ackTimeoutMs: number;
  private readonly appScopes: ScopeGrant;
  private readonly rateLimits = new Map<string, { remaining: number; retryAfterSec: number }>();
  private readonly failures: { method: string; channel: string | undefined; remaining: number; error: string; afterDoing: boolean }[] = [];

  /** The workspace model and the Web API surfaces that serve it. */
  private readonly workspace: Workspace;
  private readonly responses: ResponseUrlReplies;
  private readonly views: ViewMethods;
  private readonly files: FileMethods;
  private readonly socket: SocketMode;
  private readonly handlers: Readonly<Record<string, (args: Json) => Json>>;

  constructor(options: SlackSimulatorOptions = {}) {
    super();
    this.botToken = options.botToken ?? 'xoxb-test';
    this.signingSecret = options.signingSecret ?? 'sandbox-signing-secret';
    this.appToken = options.appToken ?? 'xapp-test';
    this.botUrl = options.botUrl;
    this.teamId = options.teamId ?? 'T0SANDBOX';
    this.teamDomain = options.teamDomain ?? 'sandbox';
    this.botUserId = options.botUserId ?? 'U0GPUBOT';
    this.botId = options.botId ?? 'B0GPUBOT';
    this.appId = options.appId ?? 'A0GPUBOT';
    this.botName = options.botName ?? 'gpubot';
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3000;
    this.port = options.port ?? 0;
    this.scopes = new ScopeGrant(options.grantedScopes ?? readManifestBotScopes(options.manifestPath));
    this.appScopes = new ScopeGrant(options.appTokenScopes ?? ['connections:write']);
    this.workspace = new Workspace({
      identity: { teamId: this.teamId, teamDomain: this.teamDomain, botUserId: this.botUserId, botId: this.botId, appId: this.appId, botName: this.botName },
      scopes: this.scopes,
      triggerTtlMs: options.triggerTtlMs ?? 3000,
      baseUrl: () => this.url,
      onChange: (change) => this.emit('change', change),
    });
    this.violations = this.workspace.violations;
    this.uploads = this.workspace.uploads;
    this.responses = new ResponseUrlReplies(this.workspace, (method, args, result) => this.record(method, args, result));
    this.views = new ViewMethods(this.workspace);
    this.files = new FileMethods(this.workspace);
    this.socket = new SocketMode(this.workspace, { ackTimeoutMs: this.ackTimeoutMs, sent: this.sent, emitSocket: (change) => this.emit('socket', change) });
    this.handlers = {
      ...new AuthMethods(this.workspace).handlers,
      ...new ChatMethods(this.workspace).handlers,
      ...new ConversationMethods(this.workspace).handlers,
      ...new UserMethods(this.workspace).handlers,
      ...this.views.handlers,
      ...this.files.handlers,
      ...this.socket.handlers,
    };
    for (const [id, name] of Object.entries(options.channels ?? {})) this.workspace.channelNames.set(id, name);
    for (const id of options.channelsWithoutBot ?? []) this.workspace.withoutBot.add(id);
    for (const id of options.unknownChannels ?? []) this.workspace.unknownChannels.add(id);
    for (const u of options.users ?? []) this.addUser(u);
    this.workspace.people.set(this.botUserId, {
      id: this.botUserId,
      name: this.botName,
      realName: this.botName,
      tz: 'UTC',
      tzOffset: 0,
      isAdmin: false,
      isBot: true,
    });
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : String(error));
      });
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.socket.upgrade(req, socket, head));
  }

  /** Listens on 127.0.0.1 (port 0 unless told otherwise). */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${address.port}`;
    return this;
  }

  /** `http://127.0.0.1:<port>`; the Web API is under `/api/`. */
  get url(): string {
    if (this.baseUrl === undefined) throw new Error('the Slack simulator is not started');
    return this.baseUrl;
  }

  /** What to give `WebClient`/Bolt as `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    // Upgraded sockets are no longer the HTTP server's to close, and close() waits for every socket.
    this.socket.terminateAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive sockets from the bot's HTTP client would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Configuration

  addUser(user: Partial<Omit<SimUser, 'email'>> & { id: string; email?: string | null }): SimUser {
    return this.workspace.addUser(user);
  }

  /** Known people, and anyone with a user-shaped id (made up on first sight). */
  user(id: string): SimUser | undefined {
    return this.workspace.user(id);
  }

  setChannelName(id: string, name: string): void {
    this.workspace.setChannelName(id, name);
  }

  channelName(id: string): string {
    return this.workspace.channelName(id);
  }

  /** Makes the bot a member of a channel (or not): `chat.postMessage` there then works (or fails `not_in_channel`). */
  setBotMembership(channel: string, member: boolean): void {
    this.workspace.setBotMembership(channel, member);
  }

  /** The next `times` calls to `method` answer HTTP 429 with `Retry-After: retryAfterSec`. */
  rateLimit(method: string, times: number, retryAfterSec = 1): void {
    this.rateLimits.set(method, { remaining: times, retryAfterSec });
  }

  /**
   * The next `times` calls to `method` (to `channel` only, when given) answer `{ ok: false, error }`
   * with HTTP 200, as Slack reports `internal_error` or `fatal_error` (https://api.slack.com/web#errors).
   * With `afterDoing`, the call is carried out first and only its answer is the error: a post that
   * reached Slack while its answer was lost.
   */
  failNext(method: string, times: number, options: { error?: string; channel?: string; afterDoing?: boolean } = {}): void {
    this.failures.push({ method, channel: options.channel, remaining: times, error: options.error ?? 'internal_error', afterDoing: options.afterDoing ?? false });
  }

  /** The DM channel between the bot and a person; the same id every time. */
  dmChannel(userId: string): string {
    return this.workspace.dmChannel(userId);
  }

  /** The person a DM channel is with, if `channel` is one. */
  dmUser(channel: string): string | undefined {
    return this.workspace.dmUser(channel);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reading the record and the conversation model

  callsTo(method: string): CallRecord[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * Resolves with the first recorded call (already made or still to come) that matches; rejects after
   * `timeoutMs` with every recorded call listed, so a failing test says what the bot did instead.
   */
  waitFor(predicate: (call: CallRecord) => boolean, timeoutMs = 2000): Promise<CallRecord> {
    return this.waitUntil(() => this.calls.find(predicate), timeoutMs, 'a matching Web API call');
  }

  /** Resolves with `probe()`'s first truthy value, re-evaluated whenever a call or a change is recorded. */
  waitUntil<T>(probe: () => T | undefined | null | false, timeoutMs = 2000, what = 'the condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void): void => {
        settled = true;
        clearTimeout(timer);
        this.off('call', onEvent);
        this.off('change', onEvent);
        this.off('socket', onEvent);
        outcome();
      };
      const onEvent = (): void => {
        if (settled) return;
        try {
          const value = probe();
          if (value !== undefined && value !== null && value !== false) settle(() => resolve(value));
        } catch (error) {
          settle(() => reject(error instanceof Error ? error : new Error(String(error))));
        }
      };
      const timer = setTimeout(() => {
        const recorded = this.calls.map((c) => `  ${describeCall(c)}`).join('\n') || '  (none)';
        settle(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; recorded calls:\n${recorded}`)));
      }, timeoutMs);
      this.on('call', onEvent);
      this.on('change', onEvent);
      this.on('socket', onEvent);
      onEvent();
    });
  }

  /** Forgets every call, message, view, upload, violation and injected rate limit; keeps the configuration. */
  reset(): void {
    this.calls.length = 0;
    this.sent.length = 0;
    this.workspace.reset();
    this.rateLimits.clear();
    this.failures.length = 0;
  }

  /** What the channel shows now: top-level messages (and broadcast replies), oldest first. */
  messages(channel: string): SimMessage[] {
    return this.workspace.messages(channel);
  }

  /** A thread: its parent then its replies, oldest first; empty when there is no such message. */
  thread(channel: string, ts: string): SimMessage[] {
    return this.workspace.thread(channel, ts);
  }

  message(channel: string, ts: string): SimMessage | undefined {
    return this.workspace.message(channel, ts);
  }

  /** Messages only `userId` sees, oldest first (optionally in one channel). */
  ephemerals(userId: string, channel?: string): SimEphemeral[] {
    return this.workspace.ephemerals(userId, channel);
  }

  /** The bot's DM conversation with a person (top-level messages). */
  dms(userId: string): SimMessage[] {
    return this.workspace.dms(userId);
  }

  /** The modal stack a person has open, bottom first. */
  openViews(userId: string): SimView[] {
    return this.workspace.openViews(userId);
  }

  topView(userId: string): SimView | undefined {
    return this.workspace.topView(userId);
  }

  homeView(userId: string): SimView | undefined {
    return this.workspace.homeView(userId);
  }

  /** Finds a modal (anyone's) or a Home tab by id. */
  view(viewId: string): SimView | undefined {
    return this.workspace.view(viewId);
  }

  /** The view as Slack sends it inside payloads and `views.*` answers; `values` for a submission's state. */
  viewOutput(view: SimView, values?: StateValues): Json {
    return this.workspace.viewOutput(view, values);
  }

  /** A response_url for `userId` in `channel`, answered by this server (as the bot's `respond()` would use). */
  responseUrl(channel = '', userId = '', original?: { ts: string; ephemeral: boolean }, threadTs?: string): string {
    return this.workspace.responseUrl(channel, userId, original, threadTs);
  }

  /** A trigger_id as Slack mints them (`<digits>.<digits>.<hex>`), exchangeable once within the TTL. */
  mintTrigger(userId: string, triggerId?: string): string {
    return this.workspace.mintTrigger(userId, triggerId);
  }

  /** A ts like Slack's: `<epoch seconds>.<6 digits>`, strictly increasing. */
  nextTs(): string {
    return this.workspace.nextTs();
  }

  /** A message as Slack returns it from history and chat.* answers. */
  wire(m: SimMessage, withMetadata = true): Json {
    return this.workspace.wire(m, withMetadata);
  }

  /** Where a message is, in words: `#channel`, `DM`, `DM with <user>`. */
  describeChannel(channel: string, viewer?: string): string {
    return this.workspace.describeChannel(channel, viewer);
  }

  // ---------------------------------------------------------------------------------------------------------
  // HTTP

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    const outcome = await this.faults.around(req.method ?? 'GET', req.url ?? '/', async () => {
      if (req.method === 'POST' && path.startsWith('/api/')) {
        return this.api(decodeURIComponent(path.slice('/api/'.length)), body, contentType, req.headers.authorization);
      } else if (req.method === 'POST' && path.startsWith('/response/')) {
        return this.responses.post(path.slice('/response/'.length), body);
      } else if (req.method === 'POST' && path.startsWith('/upload/')) {
        return this.files.upload(path.slice('/upload/'.length), body, contentType);
      }
      return { status: 404, body: fail('not_found') };
    });
    if (outcome.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const result = outcome.answer;
    res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', ...result.headers });
    res.end(JSON.stringify(result.body));
  }

  private decodeArgs(body: Buffer, contentType: string): Json {
    let raw: Json;
    if (contentType.startsWith('application/json')) {
      const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      raw = isRecord(parsed) ? parsed : {};
    } else if (contentType.startsWith('multipart/form-data')) {
      raw = multipartFields(body, contentType);
    } else {
      raw = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
    const args: Json = {};
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value === 'string' && JSON_FIELDS.has(key)) {
        try {
          args[key] = JSON.parse(value);
        } catch {
          // Kept as the string; the method answers with its own *_format error.
          args[key] = value;
        }
      } else {
        args[key] = value;
      }
    }
    return args;
  }

  private api(method: string, body: Buffer, contentType: string, authorization: string | undefined): ApiResult {
    let args: Json;
    try {
      args = this.decodeArgs(body, contentType);
    } catch {
      return this.record(method, {}, { status: 200, body: fail('invalid_json') });
    }
    const bearer = authorization?.startsWith('Bearer ') === true ? authorization.slice('Bearer '.length) : undefined;
    const token = bearer ?? str(args, 'token');
    delete args.token;

    const limit = this.rateLimits.get(method);
    if (limit !== undefined && limit.remaining > 0) {
      limit.remaining -= 1;
      return this.record(method, args, {
        status: 429,
        body: fail('ratelimited'),
        headers: { 'retry-after': String(limit.retryAfterSec) },
      });
    }
    if (token === undefined || token === '') return this.record(method, args, { status: 200, body: fail('not_authed') });
    const tokenKind = token === this.botToken ? 'bot' : token === this.appToken ? 'app' : undefined;
    if (tokenKind === undefined) return this.record(method, args, { status: 200, body: fail('invalid_auth') });
    // A real token of the wrong kind (the bot token for apps.connections.open, the app token for
    // chat.postMessage) is refused as Slack refuses it, not taken as unknown.
    if (tokenKind !== (APP_TOKEN_METHODS.has(method) ? 'app' : 'bot')) {
      return this.record(method, args, { status: 200, body: fail('not_allowed_token_type') });
    }

    // Every answer to a known token names what it was granted (auth.test is how apps read them), and
    // what the method accepts; @slack/web-api reads both headers into response_metadata.scopes/acceptedScopes.
    const granted = tokenKind === 'app' ? this.appScopes : this.scopes;
    const handler = this.handlers[method];
    const rule = METHOD_SCOPES[method];
    const headers: Record<string, string> = {
      'x-oauth-scopes': granted.list().join(','),
      ...(rule === undefined ? {} : { 'x-accepted-oauth-scopes': acceptedScopes(rule).join(',') }),
    };
    if (handler === undefined || rule === undefined) return this.record(method, args, { status: 200, body: fail('unknown_method'), headers });
    const needed = missingScope(rule, granted.asSet(), this.conversationTypeOf(method, args));
    if (needed !== null) {
      return this.record(method, args, { status: 200, body: fail('missing_scope', { needed, provided: granted.list().join(',') }), headers });
    }
    // Failures queued by failNext() come after the scope check, as Slack checks scopes first.
    const failure = this.failures.find((f) => f.method === method && f.remaining > 0 && (f.channel === undefined || f.channel === str(args, 'channel')));
    if (failure !== undefined) failure.remaining -= 1;
    if (failure !== undefined && !failure.afterDoing) return this.record(method, args, { status: 200, body: fail(failure.error), headers });
    const response = handler(args);
    if (failure !== undefined) return this.record(method, args, { status: 200, body: fail(failure.error), headers });
    return this.record(method, args, { status: 200, body: response, headers });
  }

  /** The type of conversation a call is about, for the methods whose scope depends on it. */
  private conversationTypeOf(method: string, args: Json): ConversationType | undefined {
    if (method === 'conversations.open' && str(args, 'channel') === undefined) {
      const users = (str(args, 'users') ?? '').split(',').filter((u) => u.trim() !== '');
      return users.length > 1 ? 'mpim' : 'im';
    }
    const channel = str(args, 'channel');
    return channel === undefined ? undefined : this.workspace.conversationType(channel);
  }

  private record(method: string, args: Json, result: ApiResult): ApiResult {
    const call: CallRecord = { method, args, at: Date.now(), status: result.status, response: result.body };
    this.calls.push(call);
    this.emit('call', call);
    return result;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Socket Mode (socket-mode.ts)

  /** The bot's open Socket Mode connections, oldest first. */
  socketConnections(): SocketModeConnection[] {
    return this.socket.connections();
  }

  /** Resolves once the bot holds `count` Socket Mode connections (after its hello). */
  waitForSocket(timeoutMs = 5000, count = 1): Promise<SocketModeConnection[]> {
    return this.waitUntil(() => {
      const open = this.socketConnections();
      return open.length >= count ? open : undefined;
    }, timeoutMs, `${count} Socket Mode connection(s)`);
  }

  /**
   * Sends Slack's `disconnect` message on every open connection (reasons Slack uses: `warning`,
   * `refresh_requested`, `link_disabled`); the bot is expected to close it and open a new one.
   * Returns how many connections were told.
   */
  disconnectSockets(reason = 'refresh_requested'): number {
    return this.socket.disconnect(reason);
  }

  /** Drops every Socket Mode connection without a closing handshake, as a network failure would. */
  dropSockets(): void {
    this.socket.drop();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Slack's side: requests to the bot

  /** Over the bot's Socket Mode connection when it holds one (as Slack does), else signed over HTTP to `botUrl`. */
  private async deliver(request: Omit<SentRequest, 'url' | 'timestamp' | 'headers'>, sign: SignOverrides): Promise<BotResponse> {
    const link = this.socket.pick();
    if (link !== undefined) return this.socket.deliver(link, request, sign);
    const url = this.botUrl;
    if (url === undefined) throw new Error('the Slack simulator does not know where the bot listens: set botUrl, or connect it in Socket Mode');
    const timestamp = String(sign.timestamp ?? Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': request.contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(sign.signingSecret ?? this.signingSecret, timestamp, request.rawBody),
    };
    if (sign.retryNum !== undefined) headers['x-slack-retry-num'] = String(sign.retryNum);
    if (sign.retryReason !== undefined) headers['x-slack-retry-reason'] = sign.retryReason;
    const sent: SentRequest = { ...request, url, timestamp, headers };
    this.sent.push(sent);
    const started = Date.now();
    const response = await fetch(url, { method: 'POST', headers, body: request.rawBody });
    const text = await response.text();
    const elapsedMs = Date.now() - started;
    if (elapsedMs > this.ackTimeoutMs) {
      this.workspace.violation('ack', [`the bot answered a ${request.kind} after ${elapsedMs} ms; Slack gives up after ${this.ackTimeoutMs} ms`]);
    }
    let body: unknown = text;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json') || /^\s*[{[]/.test(text)) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, body, text, headers: headerRecord(response.headers), request: sent, elapsedMs };
  }

  private userPayload(userId: string): Json {
    const user = this.user(userId);
    const name = user?.name ?? userId.toLowerCase();
    return { id: userId, username: name, name, team_id: this.teamId };
  }

  /** Sends a slash command, form-encoded and signed as Slack sends it; a reply in the ack is shown as Slack would. */
  async sendCommand(options: CommandOptions): Promise<BotResponse> {
    const channelId = options.channelId;
    const triggerId = this.mintTrigger(options.userId, options.triggerId);
    const responseUrl = this.responseUrl(channelId, options.userId);
    const user = this.user(options.userId);
    const form = new URLSearchParams({
      token: this.verificationToken,
      team_id: options.teamId ?? this.teamId,
      team_domain: this.teamDomain,
      channel_id: channelId,
      channel_name: options.channelName ?? this.channelName(channelId),
      user_id: options.userId,
      user_name: options.userName ?? user?.name ?? options.userId.toLowerCase(),
      command: options.command ?? '/gpu',
      text: options.text ?? '',
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    });
    const rawBody = form.toString();
    const response = await this.deliver(
      { kind: 'command', contentType: 'application/x-www-form-urlencoded', rawBody, payload: Object.fromEntries(form), responseUrl },
      options,
    );
    this.afterCommand(response);
    return response;
  }

  /** A non-empty ack to a slash command is shown to the person, like a response_url reply. */
  private afterCommand(response: BotResponse): void {
    if (response.status !== 200 || response.text === '') return;
    const id = response.request.responseUrl?.split('/response/')[1];
    const context = id === undefined ? undefined : this.workspace.responseUrls.get(id);
    if (context === undefined) return;
    const reply = isRecord(response.body) ? response.body : { text: response.text };
    const problem = this.responses.applyReply(context, reply, 'command_response');
    if (problem !== undefined) this.workspace.violation('command_response', problem.problems.length > 0 ? problem.problems : [problem.error]);
  }

  /** Sends a `block_actions` payload for a click on an element of a message, a modal or the Home tab. */
  async sendAction(options: ActionOptions): Promise<BotResponse> {
    const triggerId = this.mintTrigger(options.userId, options.triggerId);
    const payload: Json = {
      type: 'block_actions',
      user: this.userPayload(options.userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      trigger_id: triggerId,
      team: { id: this.teamId, domain: this.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
    };
    let blocks: Json[] = [];
    let responseUrl: string | undefined;
    if (options.viewId !== undefined) {
      const view = this.view(options.viewId);
      if (view === undefined) throw new Error(`no open view ${options.viewId}`);
      blocks = asBlocks(view.spec.blocks) ?? [];
      payload.container = { type: 'view', view_id: view.id };
      payload.view = this.viewOutput(view);
      payload.state = { values: {} };
    } else {
      const channel = options.channelId === undefined ? undefined : this.workspace.postTarget(options.channelId);
      const channelId = channel !== undefined && 'channel' in channel ? channel.channel : options.channelId ?? '';
      const ts = options.messageTs;
      const message = ts === undefined ? undefined : this.message(channelId, ts);
      const ephemeral = ts === undefined || message !== undefined ? undefined : this.workspace.ephemeralLog.find((e) => e.ts === ts && e.user === options.userId);
      const ephemeralChannel = ephemeral?.channel ?? channelId;
      // A thread's parent carries thread_ts too, but only a reply sits inside the thread.
      const replyTo = message?.threadTs === message?.ts ? undefined : message?.threadTs;
      const threadTs = replyTo ?? ephemeral?.threadTs;
      blocks = message?.blocks ?? ephemeral?.blocks ?? [];
      payload.container = {
        type: 'message',
        message_ts: ts ?? '',
        channel_id: ephemeralChannel,
        is_ephemeral: ephemeral !== undefined,
        ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
      };
      payload.channel = { id: ephemeralChannel, name: this.channelName(ephemeralChannel) };
      if (message !== undefined) payload.message = this.wire(message);
      payload.state = { values: {} };
      const original = ts === undefined ? undefined : { ts, ephemeral: ephemeral !== undefined };
      responseUrl = this.responseUrl(ephemeralChannel, options.userId, original, threadTs);
      payload.response_url = responseUrl;
    }
    const found = findElement(blocks, options.actionId, options.blockId);
    const element = found?.element ?? {};
    const type = options.type ?? (typeof element.type === 'string' ? element.type : 'button');
    const action: Json = {
      type,
      action_id: options.actionId,
      block_id: options.blockId ?? found?.blockId ?? randomChars(BASE62, 5),
      action_ts: this.nextTs(),
    };
    if (type === 'button') {
      action.text = isRecord(element.text) ? { emoji: true, ...element.text } : { type: 'plain_text', text: options.actionId, emoji: true };
      const value = options.value ?? str(element, 'value');
      if (value !== undefined) action.value = value;
      if (typeof element.style === 'string') action.style = element.style;
      if (typeof element.url === 'string') action.url = element.url;
    } else if (options.selectedOption !== undefined) {
      action.selected_option = options.selectedOption;
    } else if (options.value !== undefined) {
      action.value = options.value;
    }
    payload.actions = [action];
    const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.deliver(
      { kind: 'action', contentType: 'application/x-www-form-urlencoded', rawBody, payload, ...(responseUrl === undefined ? {} : { responseUrl }) },
      options,
    );
  }

  /**
   * Submits a modal: by default the one on top of the person's stack, with `values` laid over empty inputs.
   * The bot's answer is applied as Slack applies it (errors keep the modal open; update/push/clear; an
   * empty ack closes the modal).
   */
  async sendViewSubmission(options: ViewSubmissionOptions): Promise<ViewSubmissionResponse> {
    const stack = this.workspace.viewStacks.get(options.userId) ?? [];
    let view = options.viewId === undefined ? stack[stack.length - 1] : this.view(options.viewId);
    if (view === undefined) {
      if (options.callbackId === undefined) throw new Error(`${options.userId} has no modal open; pass callbackId to submit one anyway`);
      view = this.workspace.newView(options.userId, 'modal', { type: 'modal', callback_id: options.callbackId, title: { type: 'plain_text', text: 'Form' }, blocks: [] }, null, null);
    }
    const output = this.viewOutput(view, options.values ?? {});
    if (options.callbackId !== undefined) output.callback_id = options.callbackId;
    if (options.privateMetadata !== undefined) output.private_metadata = options.privateMetadata;
    const payload: Json = {
      type: 'view_submission',
      team: { id: this.teamId, domain: this.teamDomain },
      user: this.userPayload(options.userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      trigger_id: this.mintTrigger(options.userId, options.triggerId),
      view: output,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const response = await this.deliver({ kind: 'view_submission', contentType: 'application/x-www-form-urlencoded', rawBody, payload }, options);
    return { ...response, ...this.views.afterSubmission(options.userId, view, response) };
  }

  /** The person closes the top modal (Cancel); the bot hears `view_closed` if the view asked to be told. */
  async closeView(userId: string): Promise<BotResponse | undefined> {
    const stack = this.workspace.viewStacks.get(userId) ?? [];
    const view = stack.pop();
    if (view === undefined) return undefined;
    this.workspace.changed({ kind: 'view', view, action: 'closed' });
    if (!flag(view.spec, 'notify_on_close')) return undefined;
    const payload: Json = {
      type: 'view_closed',
      team: { id: this.teamId, domain: this.teamDomain },
      user: this.userPayload(userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      view: this.viewOutput(view),
      is_cleared: false,
      is_enterprise_install: false,
      enterprise: null,
    };
    const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.deliver({ kind: 'view_closed', contentType: 'application/x-www-form-urlencoded', rawBody, payload }, {});
  }

  /** Sends an Events API `event_callback` (JSON) wrapping `event`. */
  async sendEvent(event: Json, options: EventOptions = {}): Promise<BotResponse> {
    const teamId = options.teamId ?? this.teamId;
    const payload: Json = {
      token: this.verificationToken,
      team_id: teamId,
      context_team_id: teamId,
      context_enterprise_id: null,
      api_app_id: this.appId,
      event: { event_ts: this.nextTs(), ...event },
      type: 'event_callback',
      event_id: options.eventId ?? randomId('Ev'),
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: teamId, user_id: this.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomChars(BASE62, 40)}`,
    };
    return this.deliver({ kind: 'event', contentType: 'application/json', rawBody: JSON.stringify(payload), payload }, options);
  }

  /** The person opens the bot's Home tab: `app_home_opened`, carrying the Home view already published. */
  async openAppHome(userId: string): Promise<BotResponse> {
    const home = this.workspace.homes.get(userId);
    return this.sendEvent({
      type: 'app_home_opened',
      user: userId,
      channel: this.dmChannel(userId),
      tab: 'home',
      ...(home === undefined ? {} : { view: this.viewOutput(home) }),
    });
  }

  /**
   * Sends a request again with the same body, as Slack retries: `X-Slack-Retry-Num` and
   * `X-Slack-Retry-Reason` set, signed afresh (Slack signs each attempt when it sends it).
   */
  async resend(previous: BotResponse | SentRequest, options: SignOverrides & { retryNum: number }): Promise<BotResponse> {
    const request = 'request' in previous ? previous.request : previous;
    const { kind, payload, responseUrl } = request;
    // A request first sent over Socket Mode holds the envelope; over HTTP it goes as Slack posts it.
    const { contentType, rawBody } = request.envelopeId === undefined ? request : httpBody(kind, payload);
    const response = await this.deliver(
      { kind, contentType, rawBody, payload, ...(responseUrl === undefined ? {} : { responseUrl }) },
      { retryReason: 'http_timeout', ...options },
    );
    if (kind === 'command') this.afterCommand(response);
    return response;
  }
}

/** Starts a simulator on 127.0.0.1 and resolves once it listens. */
export async function startSlackSimulator(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  return new SlackSimulator(options).start();
}
