/**
 * A local stand-in for Slack: it serves the Web API the way `@slack/web-api` calls it (point the client at
 * `<url>/api/`), keeps a model of what each conversation shows, and plays Slack's side towards the bot by
 * sending signed slash commands, button clicks, view submissions and events to the bot's `/slack/events`.
 * It also speaks Socket Mode: `apps.connections.open` (with the app-level token) hands out a loopback
 * WebSocket URL, and while the bot holds such a connection every request goes to it as an envelope
 * instead of over HTTP, and the bot's acknowledgement comes back as the answer.
 * Tests and the embedded demo console both drive the bot through it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkBlockKit, type BlockKitSurface } from './block-kit-limits.js';
import { readManifestBotScopes } from './manifest.js';
import { acceptedScopes, METHOD_SCOPES, missingScope, ScopeGrant, type ConversationType } from './method-scopes.js';
import { signSlackRequest } from './signing.js';
import { HttpFaults } from '../http-faults.js';
import { acceptUpgrade, refuseUpgrade, type WebSocketConnection } from './websocket.js';

export type Json = Record<string, unknown>;

/** One Web API call (or response_url post, recorded with method `response_url`) and what it was answered. */
export interface CallRecord {
  method: string;
  /** The decoded arguments; JSON-valued fields (`blocks`, `view`, `metadata`, ...) parsed; the token left out. */
  args: Json;
  /** Epoch milliseconds. */
  at: number;
  status: number;
  response: Json;
}

/** Something Slack would have refused or complained about; tests assert there are none. */
export interface Violation {
  /** The Web API method, `response_url`, `command_response` or `ack`. */
  source: string;
  problems: string[];
  at: number;
}

export interface SimMessage {
  channel: string;
  ts: string;
  /** On a reply: the parent's ts. On a parent with replies: its own ts, as Slack reports it. */
  threadTs?: string;
  user: string;
  fromBot: boolean;
  text: string;
  blocks: Json[];
  attachments?: unknown[];
  metadata?: Json;
  files?: Json[];
  edited?: { user: string; ts: string };
  replyBroadcast?: boolean;
  /** How many times chat.update or a response_url replaced it. */
  updates: number;
}

export interface SimEphemeral {
  channel: string;
  /** The `message_ts` Slack answers with; also how a click on it refers to it. */
  ts: string;
  /** The only person who sees it. */
  user: string;
  threadTs?: string;
  text: string;
  blocks: Json[];
  source: 'chat.postEphemeral' | 'response_url' | 'command_response';
  updates: number;
}

export interface SimView {
  id: string;
  userId: string;
  type: 'modal' | 'home';
  hash: string;
  /** The view as the app sent it, with a block_id added to every block that had none (as Slack does). */
  spec: Json;
  rootViewId: string | null;
  previousViewId: string | null;
}

export interface SimUser {
  id: string;
  name: string;
  realName: string;
  tz: string;
  tzOffset: number;
  email?: string;
  isAdmin: boolean;
  isBot: boolean;
}

export interface SimUpload {
  fileId: string;
  filename: string;
  declaredLength: number;
  bytes?: Buffer;
  title?: string;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  completed: boolean;
}

/** What changed in the conversation model; the console prints from these. */
export type SimChange =
  | { kind: 'message'; message: SimMessage; updated: boolean }
  | { kind: 'message_deleted'; message: SimMessage }
  | { kind: 'ephemeral'; message: SimEphemeral; updated: boolean }
  | { kind: 'ephemeral_deleted'; message: SimEphemeral }
  | { kind: 'view'; view: SimView; action: 'opened' | 'updated' | 'pushed' | 'closed' }
  | { kind: 'home'; view: SimView };

/** An open Socket Mode connection from the bot. */
export interface SocketModeConnection {
  id: string;
  /** The URL the bot connected to, as `apps.connections.open` gave it. */
  url: string;
  /** Epoch milliseconds. */
  connectedAt: number;
}

export type SocketModeChange =
  | { kind: 'connected'; connection: SocketModeConnection }
  | { kind: 'disconnected'; connection: SocketModeConnection; code: number; reason: string };

export interface SimulatorEvents {
  call: [CallRecord];
  change: [SimChange];
  socket: [SocketModeChange];
}

export interface SlackSimulatorOptions {
  /** The token the bot must present; default `xoxb-test`. */
  botToken?: string;
  /** Used to sign what is sent to the bot; default `sandbox-signing-secret`. */
  signingSecret?: string;
  /** The app-level token (`xapp-...`) that may call `apps.connections.open` for Socket Mode; default `xapp-test`. */
  appToken?: string;
  /**
   * The bot token's scopes. Default: what the app manifest grants (`oauth_config.scopes.bot` of
   * `manifestPath`), as installing the app from it would; a method without its scope gets `missing_scope`.
   */
  grantedScopes?: Iterable<string>;
  /** The manifest the default scopes come from; default the repository's `manifest.yml`. */
  manifestPath?: string;
  /** The app-level token's scopes; default `connections:write`, which Socket Mode needs. */
  appTokenScopes?: Iterable<string>;
  /** The bot's request URL, e.g. `http://127.0.0.1:3000/slack/events`; can be set later through `botUrl`. */
  botUrl?: string;
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  botName?: string;
  /** Channel names by id, for payloads and for the console. */
  channels?: Record<string, string>;
  /** Channels that exist but the bot is not a member of: posting there fails with `not_in_channel`. */
  channelsWithoutBot?: Iterable<string>;
  /** Channels the bot cannot see at all: `channel_not_found`. */
  unknownChannels?: Iterable<string>;
  /** People the simulator knows; anyone else with a `U`/`W` id is made up on first sight. */
  users?: Iterable<Partial<Omit<SimUser, 'email'>> & { id: string; email?: string | null }>;
  /** How long a trigger_id can be exchanged for a modal; Slack allows 3 s. */
  triggerTtlMs?: number;
  /** Slack gives up on an answer from the bot after 3 s; slower acks are recorded as violations. */
  ackTimeoutMs?: number;
  port?: number;
}

export interface SentRequest {
  kind: 'command' | 'action' | 'view_submission' | 'view_closed' | 'event';
  /** The bot's request URL, or for Socket Mode the WebSocket URL of the connection it went over. */
  url: string;
  contentType: string;
  /** Exactly the bytes that were signed and sent (for Socket Mode: the envelope's JSON text, unsigned). */
  rawBody: string;
  /** The decoded payload (the form fields of a command; the JSON of everything else). */
  payload: Json;
  timestamp: string;
  headers: Record<string, string>;
  /** For commands and actions: the response_url minted for this request. */
  responseUrl?: string;
  /** Set when it went over a Socket Mode connection: the envelope's id, which the bot's ack must name. */
  envelopeId?: string;
}

export interface BotResponse {
  /** The HTTP status; over Socket Mode 200 once the envelope is acknowledged. */
  status: number;
  /**
   * Parsed JSON when the bot answered JSON, else the text ('' for an empty ack). Over Socket Mode: the
   * ack's `payload`, or '' when it carried none (or an empty one), as an empty HTTP ack reads.
   */
  body: unknown;
  text: string;
  headers: Record<string, string>;
  request: SentRequest;
  elapsedMs: number;
}

export interface ViewSubmissionResponse extends BotResponse {
  /** What the submission did to the modal, as Slack would apply the bot's answer. */
  outcome: 'closed' | 'cleared' | 'updated' | 'pushed' | 'errors' | 'failed';
  /** Present when the bot answered `response_action: 'errors'`: block_id -> message. */
  errors?: Record<string, string>;
}

interface SignOverrides {
  /** Sign with this secret instead of the simulator's (a forged request). */
  signingSecret?: string;
  /** Send this `X-Slack-Request-Timestamp` instead of now (a stale request). */
  timestamp?: number | string;
  retryNum?: number;
  retryReason?: string;
}

export interface CommandOptions extends SignOverrides {
  /** Default `/gpu`. */
  command?: string;
  text?: string;
  userId: string;
  channelId: string;
  teamId?: string;
  /** Generated (unique per invocation, as Slack does) unless given. */
  triggerId?: string;
  userName?: string;
  channelName?: string;
}

export interface SelectedOption {
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  value: string;
}

export interface ActionOptions extends SignOverrides {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  /** The conversation of the message the element is on (a `U` id means that person's DM with the bot). */
  channelId?: string;
  /** The message the element is on (a channel message or an ephemeral one). */
  messageTs?: string;
  /** The modal or Home tab the element is on. */
  viewId?: string;
  /** Element type; taken from the message or view when found there, else `button`. */
  type?: string;
  selectedOption?: SelectedOption;
  triggerId?: string;
}

/** `view.state.values` as Slack sends it: block_id -> action_id -> value. */
export type StateValues = Record<string, Record<string, Json>>;

export interface ViewSubmissionOptions extends SignOverrides {
  userId: string;
  /** Default: the modal on top of this person's stack. */
  viewId?: string;
  /** Used when no modal is open (a submission made up by a test), or to override the open one's. */
  callbackId?: string;
  privateMetadata?: string;
  values?: StateValues;
  triggerId?: string;
}

export interface EventOptions extends SignOverrides {
  eventId?: string;
  teamId?: string;
}

interface TriggerInfo {
  userId: string;
  createdAt: number;
  used: boolean;
}

interface ResponseUrlContext {
  channel: string;
  userId: string;
  /** The message the click came from; what replace_original and delete_original act on. */
  original?: { ts: string; ephemeral: boolean };
  threadTs?: string;
  uses: number;
  createdAt: number;
}

interface ApiResult {
  status: number;
  body: Json;
  headers?: Record<string, string>;
}

type Target = { channel: string } | { error: string };
type Content =
  | { text: string | undefined; blocks: Json[] | undefined; attachments: unknown[] | undefined }
  | { error: string; problems?: string[] };

/** Fields the Web API client sends JSON-encoded inside a form body. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files', 'user_auth_blocks', 'file_uploads']);
const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;
const MAX_VIEW_STACK = 3;
const HOME_VIEW_MAX_BYTES = 250_000;
/** Web API methods that take the app-level token; every other method takes the bot token. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);
/** The envelope type each kind of request travels in over Socket Mode. */
const ENVELOPE_TYPES: Readonly<Record<SentRequest['kind'], string>> = {
  command: 'slash_commands',
  action: 'interactive',
  view_submission: 'interactive',
  view_closed: 'interactive',
  event: 'events_api',
};
/** Whether Slack reads a payload in the ack: a command's reply, a view submission's response_action. */
const ACCEPTS_RESPONSE_PAYLOAD: Readonly<Record<SentRequest['kind'], boolean>> = {
  command: true,
  action: false,
  view_submission: true,
  view_closed: false,
  event: false,
};
/**
 * How long past `ackTimeoutMs` the simulator keeps waiting for a Socket Mode ack before it gives up on
 * the test's behalf (a late ack is still recorded as a violation, as a slow HTTP answer is).
 */
const SOCKET_ACK_GRACE_MS = 30_000;

interface PendingAck {
  resolve(payload: unknown): void;
  reject(error: Error): void;
}

interface SocketLink {
  info: SocketModeConnection;
  ws: WebSocketConnection;
  /** Envelopes sent on this connection and not yet acknowledged, by envelope_id. */
  pending: Map<string, PendingAck>;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(args: Json, key: string): string | undefined {
  const v = args[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function flag(args: Json, key: string): boolean {
  const v = args[key];
  return v === true || v === 'true' || v === '1' || v === 1;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomChars(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length] ?? '';
  return out;
}

function randomId(prefix: string, length = 10): string {
  return prefix + randomChars(ALNUM, length);
}

function fail(error: string, extra: Json = {}): Json {
  return { ok: false, error, ...extra };
}

function errorMessages(problems: string[]): Json {
  return { response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
}

/** Gives every block without a block_id one, as Slack does when it stores blocks. */
function withBlockIds(blocks: Json[]): Json[] {
  return blocks.map((b) => (typeof b.block_id === 'string' ? { ...b } : { ...b, block_id: randomChars(BASE62, 5) }));
}

function asBlocks(value: unknown): Json[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isRecord);
}

/** Finds an interactive element by action_id (and block_id when given) in blocks. */
function findElement(blocks: Json[], actionId: string, blockId: string | undefined): { element: Json; blockId: string } | undefined {
  for (const block of blocks) {
    const id = typeof block.block_id === 'string' ? block.block_id : '';
    if (blockId !== undefined && id !== blockId) continue;
    const candidates: unknown[] = [];
    if (Array.isArray(block.elements)) candidates.push(...block.elements);
    if (block.accessory !== undefined) candidates.push(block.accessory);
    if (block.element !== undefined) candidates.push(block.element);
    for (const element of candidates) {
      if (isRecord(element) && element.action_id === actionId) return { element, blockId: id };
    }
  }
  return undefined;
}

const MULTI_STATE_KEYS: Readonly<Record<string, string>> = {
  checkboxes: 'selected_options',
  multi_static_select: 'selected_options',
  multi_external_select: 'selected_options',
  multi_users_select: 'selected_users',
  multi_conversations_select: 'selected_conversations',
  multi_channels_select: 'selected_channels',
};

/** Empty values for every input block, the way Slack reports fields nobody filled in. */
function emptyStateValues(blocks: Json[]): StateValues {
  const values: StateValues = {};
  for (const block of blocks) {
    if (block.type !== 'input' || typeof block.block_id !== 'string' || !isRecord(block.element)) continue;
    const element = block.element;
    if (typeof element.action_id !== 'string' || typeof element.type !== 'string') continue;
    const type = element.type;
    let empty: Json;
    const multiKey = MULTI_STATE_KEYS[type];
    if (multiKey !== undefined) {
      empty = { type, [multiKey]: [] };
    } else if (type === 'static_select' || type === 'external_select' || type === 'radio_buttons') {
      empty = { type, selected_option: null };
    } else if (type === 'users_select') empty = { type, selected_user: null };
    else if (type === 'conversations_select') empty = { type, selected_conversation: null };
    else if (type === 'channels_select') empty = { type, selected_channel: null };
    else if (type === 'datepicker') empty = { type, selected_date: null };
    else if (type === 'timepicker') empty = { type, selected_time: null };
    else if (type === 'datetimepicker') empty = { type, selected_date_time: null };
    else empty = { type, value: null };
    values[block.block_id] = { [element.action_id]: empty };
  }
  return values;
}

/** Reads the bytes of the first part of a multipart/form-data body. */
function firstMultipartPart(body: Buffer, contentType: string): Buffer | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const start = body.indexOf(delimiter);
  if (start < 0) return undefined;
  const headersEnd = body.indexOf('\r\n\r\n', start);
  if (headersEnd < 0) return undefined;
  const end = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
  return body.subarray(headersEnd + 4, end < 0 ? body.length : end);
}

function multipartFields(body: Buffer, contentType: string): Json {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  const fields: Json = {};
  if (boundary === undefined) return fields;
  for (const part of body.toString('latin1').split(`--${boundary}`)) {
    const name = /name="([^"]+)"/.exec(part)?.[1];
    const split = part.indexOf('\r\n\r\n');
    if (name === undefined || split < 0 || /filename="/.test(part.slice(0, split))) continue;
    fields[name] = Buffer.from(part.slice(split + 4).replace(/\r\n$/, ''), 'latin1').toString('utf8');
  }
  return fields;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** How Slack posts a payload to a request URL: commands as form fields, events as JSON, the rest as `payload=`. */
function httpBody(kind: SentRequest['kind'], payload: Json): { contentType: string; rawBody: string } {
  if (kind === 'event') return { contentType: 'application/json', rawBody: JSON.stringify(payload) };
  const form = kind === 'command' ? new URLSearchParams(Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)])) : new URLSearchParams({ payload: JSON.stringify(payload) });
  return { contentType: 'application/x-www-form-urlencoded', rawBody: form.toString() };
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function describeCall(call: CallRecord): string {
  const parts: string[] = [];
  for (const key of ['channel', 'user', 'user_id', 'ts', 'thread_ts', 'view_id', 'trigger_id']) {
    const v = str(call.args, key);
    if (v !== undefined) parts.push(`${key}=${v}`);
  }
  const text = str(call.args, 'text');
  if (text !== undefined) parts.push(`text=${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}`);
  const outcome = call.response.ok === true ? 'ok' : String(call.response.error ?? `HTTP ${call.status}`);
  return `${call.method} ${parts.join(' ')} -> ${outcome}`;
}

export class SlackSimulator extends EventEmitter<SimulatorEvents> {
  readonly calls: CallRecord[] = [];
  readonly violations: Violation[] = [];
  readonly uploads: SimUpload[] = [];
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
  private readonly triggerTtlMs: number;
  private readonly ackTimeoutMs: number;
  private lastTs = { sec: 0, micro: 0 };

  private readonly channelNames = new Map<string, string>();
  private readonly withoutBot = new Set<string>();
  private readonly unknownChannels = new Set<string>();
  private readonly people = new Map<string, SimUser>();
  private readonly appScopes: ScopeGrant;
  private readonly dmByUser = new Map<string, string>();
  private readonly userByDm = new Map<string, string>();

  private readonly channelLog = new Map<string, SimMessage[]>();
  private ephemeralLog: SimEphemeral[] = [];
  private readonly viewStacks = new Map<string, SimView[]>();
  private readonly homes = new Map<string, SimView>();
  private readonly triggers = new Map<string, TriggerInfo>();
  private readonly responseUrls = new Map<string, ResponseUrlContext>();
  private readonly rateLimits = new Map<string, { remaining: number; retryAfterSec: number }>();
  private readonly failures: { method: string; channel: string | undefined; remaining: number; error: string; afterDoing: boolean }[] = [];
  /** Tickets in URLs `apps.connections.open` handed out and nobody has connected with yet. */
  private readonly socketTickets = new Set<string>();
  private readonly links: SocketLink[] = [];
  private nextLink = 0;

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
    this.triggerTtlMs = options.triggerTtlMs ?? 3000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3000;
    this.port = options.port ?? 0;
    this.scopes = new ScopeGrant(options.grantedScopes ?? readManifestBotScopes(options.manifestPath));
    this.appScopes = new ScopeGrant(options.appTokenScopes ?? ['connections:write']);
    for (const [id, name] of Object.entries(options.channels ?? {})) this.channelNames.set(id, name);
    for (const id of options.channelsWithoutBot ?? []) this.withoutBot.add(id);
    for (const id of options.unknownChannels ?? []) this.unknownChannels.add(id);
    for (const u of options.users ?? []) this.addUser(u);
    this.people.set(this.botUserId, {
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
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
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
    for (const link of [...this.links]) link.ws.terminate();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive sockets from the bot's HTTP client would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Configuration

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
    this.violations.length = 0;
    this.uploads.length = 0;
    this.sent.length = 0;
    this.channelLog.clear();
    this.ephemeralLog = [];
    this.viewStacks.clear();
    this.homes.clear();
    this.triggers.clear();
    this.responseUrls.clear();
    this.rateLimits.clear();
    this.failures.length = 0;
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
        return this.responseUrlPost(path.slice('/response/'.length), body);
      } else if (req.method === 'POST' && path.startsWith('/upload/')) {
        return this.upload(path.slice('/upload/'.length), body, contentType);
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
    return channel === undefined ? undefined : this.conversationType(channel);
  }

  private conversationType(id: string): ConversationType | undefined {
    if (id.startsWith('C')) return 'public';
    if (id.startsWith('D')) return 'im';
    if (id.startsWith('G')) return this.channelName(id).startsWith('mpdm-') ? 'mpim' : 'private';
    return undefined;
  }

  private record(method: string, args: Json, result: ApiResult): ApiResult {
    const call: CallRecord = { method, args, at: Date.now(), status: result.status, response: result.body };
    this.calls.push(call);
    this.emit('call', call);
    return result;
  }

  private violation(source: string, problems: string[]): void {
    this.violations.push({ source, problems, at: Date.now() });
  }

  private changed(change: SimChange): void {
    this.emit('change', change);
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

  // ---------------------------------------------------------------------------------------------------------
  // Web API methods

  private readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${this.teamDomain}.slack.com/`,
      team: this.teamDomain,
      user: this.botName,
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (a) => this.postMessage(a),
    'chat.update': (a) => this.update(a),
    'chat.delete': (a) => this.deleteMessage(a),
    'chat.postEphemeral': (a) => this.postEphemeral(a),
    'chat.getPermalink': (a) => this.permalink(a),
    'conversations.open': (a) => this.openConversation(a),
    'conversations.info': (a) => this.conversationInfo(a),
    'conversations.join': (a) => this.join(a),
    'conversations.history': (a) => this.history(a),
    'conversations.replies': (a) => this.replies(a),
    'users.info': (a) => this.userInfo(a),
    'views.open': (a) => this.viewsOpen(a),
    'views.push': (a) => this.viewsPush(a),
    'views.update': (a) => this.viewsUpdate(a),
    'views.publish': (a) => this.viewsPublish(a),
    'files.getUploadURLExternal': (a) => this.uploadUrl(a),
    'files.completeUploadExternal': (a) => this.completeUpload(a),
    'apps.connections.open': () => this.openConnection(),
  };

  /** Where a post to `channel` lands; a user id means that person's DM with the bot. */
  private postTarget(channel: string | undefined): Target {
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
  private existingChannel(id: string | undefined): Target {
    if (id === undefined || id === '' || this.unknownChannels.has(id) || !/^[CGD][A-Z0-9]+$/.test(id)) {
      return { error: 'channel_not_found' };
    }
    if (this.withoutBot.has(id)) return { error: 'not_in_channel' };
    return { channel: id };
  }

  private content(args: Json, source: string): Content {
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

  private metadata(args: Json): Json | undefined | { error: string } {
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
  private append(message: SimMessage): void {
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
  private threadRoot(source: string, channel: string, threadTs: string | undefined): { root?: string } | { error: string } {
    if (threadTs === undefined || threadTs === '') return {};
    const parent = this.message(channel, threadTs);
    if (parent === undefined) {
      this.violation(source, [`thread_ts ${threadTs} is no message in ${channel}`]);
      return { error: 'thread_not_found' };
    }
    return { root: parent.threadTs ?? parent.ts };
  }

  private postMessage(a: Json): Json {
    let target = this.postTarget(str(a, 'channel'));
    // chat:write.public lets an app post in a public channel it has not joined; only messages, not files
    // (docs.slack.dev/reference/scopes/chat.write.public).
    const channel = str(a, 'channel') ?? '';
    if ('error' in target && target.error === 'not_in_channel' && this.conversationType(channel) === 'public' && this.scopes.has('chat:write.public')) {
      target = { channel };
    }
    if ('error' in target) return fail(target.error);
    const content = this.content(a, 'chat.postMessage');
    if ('error' in content) return fail(content.error, errorMessages(content.problems ?? []));
    if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) return fail('no_text');
    const metadata = this.metadata(a);
    if (metadata !== undefined && 'error' in metadata) return fail(String(metadata.error));
    const thread = this.threadRoot('chat.postMessage', target.channel, str(a, 'thread_ts'));
    if ('error' in thread) return fail(thread.error);
    const message: SimMessage = {
      channel: target.channel,
      ts: this.nextTs(),
      user: this.botUserId,
      fromBot: true,
      text: content.text ?? '',
      blocks: withBlockIds(content.blocks ?? []),
      updates: 0,
      ...(thread.root === undefined ? {} : { threadTs: thread.root }),
      ...(thread.root !== undefined && flag(a, 'reply_broadcast') ? { replyBroadcast: true } : {}),
      ...(content.attachments === undefined ? {} : { attachments: content.attachments }),
      ...(metadata === undefined ? {} : { metadata }),
    };
    this.append(message);
    return { ok: true, channel: message.channel, ts: message.ts, message: this.wire(message) };
  }

  private update(a: Json): Json {
    const target = this.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const message = this.message(target.channel, str(a, 'ts') ?? '');
    if (message === undefined) return fail('message_not_found');
    if (!message.fromBot) return fail('cant_update_message');
    const content = this.content(a, 'chat.update');
    if ('error' in content) return fail(content.error, errorMessages(content.problems ?? []));
    if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) return fail('no_text');
    const metadata = this.metadata(a);
    if (metadata !== undefined && 'error' in metadata) return fail(String(metadata.error));
    // As documented for chat.update: leaving out a field keeps what the message had.
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = withBlockIds(content.blocks);
    if (content.attachments !== undefined) message.attachments = content.attachments;
    if (metadata !== undefined) message.metadata = metadata;
    message.edited = { user: this.botUserId, ts: this.nextTs() };
    message.updates += 1;
    this.changed({ kind: 'message', message, updated: true });
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text, message: this.wire(message) };
  }

  private deleteMessage(a: Json): Json {
    const target = this.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const log = this.channelLog.get(target.channel) ?? [];
    const index = log.findIndex((m) => m.ts === str(a, 'ts'));
    const message = log[index];
    if (message === undefined) return fail('message_not_found');
    if (!message.fromBot) return fail('cant_delete_message');
    log.splice(index, 1);
    this.changed({ kind: 'message_deleted', message });
    return { ok: true, channel: message.channel, ts: message.ts };
  }

  private postEphemeral(a: Json): Json {
    const target = this.postTarget(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const userId = str(a, 'user');
    if (userId === undefined || this.user(userId) === undefined) return fail('user_not_found');
    const content = this.content(a, 'chat.postEphemeral');
    if ('error' in content) return fail(content.error, errorMessages(content.problems ?? []));
    if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) return fail('no_text');
    const threadTs = str(a, 'thread_ts');
    const message: SimEphemeral = {
      channel: target.channel,
      ts: this.nextTs(),
      user: userId,
      text: content.text ?? '',
      blocks: withBlockIds(content.blocks ?? []),
      source: 'chat.postEphemeral',
      updates: 0,
      ...(threadTs === undefined || threadTs === '' ? {} : { threadTs }),
    };
    this.ephemeralLog.push(message);
    this.changed({ kind: 'ephemeral', message, updated: false });
    return { ok: true, message_ts: message.ts };
  }

  private permalink(a: Json): Json {
    const channel = str(a, 'channel');
    const ts = str(a, 'message_ts');
    if (channel === undefined || ts === undefined) return fail('invalid_arguments');
    const message = this.message(channel, ts);
    if (message === undefined) return fail('message_not_found');
    const base = `https://${this.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
    const inThread = message.threadTs !== undefined && message.threadTs !== message.ts;
    return {
      ok: true,
      channel,
      permalink: inThread ? `${base}?thread_ts=${message.threadTs ?? ''}&cid=${channel}` : base,
    };
  }

  private openConversation(a: Json): Json {
    const channel = str(a, 'channel');
    if (channel !== undefined) {
      const target = this.existingChannel(channel);
      return 'error' in target ? fail(target.error) : { ok: true, channel: { id: target.channel } };
    }
    const users = (str(a, 'users') ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
    if (users.length === 0) return fail('users_list_not_supplied');
    for (const u of users) if (this.user(u) === undefined) return fail('user_not_found');
    const [only] = users;
    if (users.length === 1 && only !== undefined) {
      const already = this.dmByUser.has(only);
      return { ok: true, no_op: already, already_open: already, channel: { id: this.dmChannel(only) } };
    }
    // A group DM: one stable id per set of people.
    const key = [...users].sort().join(',');
    let id = [...this.channelNames].find(([, n]) => n === `mpdm-${key}`)?.[0];
    if (id === undefined) {
      id = randomId('G');
      this.channelNames.set(id, `mpdm-${key}`);
    }
    return { ok: true, channel: { id } };
  }

  private conversationInfo(a: Json): Json {
    const id = str(a, 'channel');
    if (id === undefined || this.unknownChannels.has(id) || !/^[CGD][A-Z0-9]+$/.test(id)) return fail('channel_not_found');
    const im = id.startsWith('D');
    return {
      ok: true,
      channel: {
        id,
        name: this.channelName(id),
        is_channel: id.startsWith('C'),
        is_group: id.startsWith('G'),
        is_im: im,
        is_private: !id.startsWith('C'),
        is_member: !this.withoutBot.has(id),
        ...(im ? { user: this.userByDm.get(id) } : {}),
      },
    };
  }

  private join(a: Json): Json {
    const id = str(a, 'channel');
    if (id === undefined || this.unknownChannels.has(id) || !/^[CGD][A-Z0-9]+$/.test(id)) return fail('channel_not_found');
    if (!id.startsWith('C')) return fail('method_not_supported_for_channel_type');
    this.withoutBot.delete(id);
    return { ok: true, channel: { id, name: this.channelName(id), is_member: true } };
  }

  private page(items: SimMessage[], a: Json, withMetadata: boolean): Json {
    const limit = Math.max(1, Math.min(1000, Number(str(a, 'limit') ?? '100') || 100));
    const cursor = str(a, 'cursor');
    const offset = cursor === undefined || cursor === '' ? 0 : Number(Buffer.from(cursor, 'base64').toString('utf8').replace('offset:', '')) || 0;
    const slice = items.slice(offset, offset + limit);
    const more = offset + limit < items.length;
    return {
      ok: true,
      messages: slice.map((m) => this.wire(m, withMetadata)),
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
    const target = this.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const newestFirst = this.messages(target.channel).filter((m) => this.inRange(m.ts, a)).reverse();
    return { ...this.page(newestFirst, a, flag(a, 'include_all_metadata')), pin_count: 0 };
  }

  private replies(a: Json): Json {
    const target = this.existingChannel(str(a, 'channel'));
    if ('error' in target) return fail(target.error);
    const thread = this.thread(target.channel, str(a, 'ts') ?? '');
    if (thread.length === 0) return fail('thread_not_found');
    const [parent, ...rest] = thread;
    const inRange = rest.filter((m) => this.inRange(m.ts, a));
    return this.page(parent === undefined ? inRange : [parent, ...inRange], a, flag(a, 'include_all_metadata'));
  }

  private userInfo(a: Json): Json {
    const user = this.user(str(a, 'user') ?? '');
    if (user === undefined) return fail('user_not_found');
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: this.teamId,
        name: user.name,
        deleted: false,
        real_name: user.realName,
        tz: user.tz,
        tz_label: user.tz,
        tz_offset: user.tzOffset,
        profile: {
          real_name: user.realName,
          display_name: user.name,
          // "email: only with the users:read.email scope" (docs.slack.dev/reference/methods/users.info,
          // and docs.slack.dev/reference/scopes/users.read.email).
          ...(user.email === undefined || !this.scopes.has('users:read.email') ? {} : { email: user.email }),
          team: this.teamId,
        },
        is_admin: user.isAdmin,
        is_owner: false,
        is_bot: user.isBot,
        is_app_user: false,
        updated: Math.floor(Date.now() / 1000),
      },
    };
  }

  /** Checks a trigger_id the way views.open/push do; returns the person it belongs to. */
  private exchangeTrigger(triggerId: string | undefined): { userId: string } | { error: string } {
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

  private checkView(source: string, surface: BlockKitSurface, view: unknown): Json | { error: string; problems?: string[] } {
    if (!isRecord(view)) return { error: 'invalid_arguments' };
    const problems = checkBlockKit(surface, view);
    if (problems.length > 0) {
      this.violation(source, problems);
      return { error: 'invalid_blocks', problems };
    }
    return { ...view, blocks: withBlockIds(asBlocks(view.blocks) ?? []) };
  }

  private newView(userId: string, type: 'modal' | 'home', spec: Json, root: string | null, previous: string | null): SimView {
    const id = randomId('V');
    return { id, userId, type, hash: this.newHash(), spec, rootViewId: root ?? id, previousViewId: previous };
  }

  private newHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomChars(BASE62, 8)}`;
  }

  private viewsOpen(a: Json): Json {
    const checked = this.checkView('views.open', 'modal', a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    const trigger = this.exchangeTrigger(str(a, 'trigger_id') ?? str(a, 'interactivity_pointer'));
    if ('error' in trigger) return fail(trigger.error);
    const view = this.newView(trigger.userId, 'modal', checked, null, null);
    this.viewStacks.set(trigger.userId, [view]);
    this.changed({ kind: 'view', view, action: 'opened' });
    return { ok: true, view: this.viewOutput(view) };
  }

  private viewsPush(a: Json): Json {
    const checked = this.checkView('views.push', 'modal', a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    const trigger = this.exchangeTrigger(str(a, 'trigger_id') ?? str(a, 'interactivity_pointer'));
    if ('error' in trigger) return fail(trigger.error);
    const stack = this.viewStacks.get(trigger.userId) ?? [];
    const top = stack[stack.length - 1];
    if (top === undefined) return fail('not_found');
    if (stack.length >= MAX_VIEW_STACK) return fail('push_limit_reached');
    const view = this.newView(trigger.userId, 'modal', checked, top.rootViewId, top.id);
    stack.push(view);
    this.changed({ kind: 'view', view, action: 'pushed' });
    return { ok: true, view: this.viewOutput(view) };
  }

  private viewsUpdate(a: Json): Json {
    const viewId = str(a, 'view_id');
    const externalId = str(a, 'external_id');
    let view: SimView | undefined;
    if (viewId !== undefined && viewId !== '') view = this.view(viewId);
    else if (externalId !== undefined && externalId !== '') {
      const all = [...[...this.viewStacks.values()].flat(), ...this.homes.values()];
      view = all.find((v) => v.spec.external_id === externalId);
    } else return fail('invalid_arguments');
    if (view === undefined) return fail('not_found');
    const hash = str(a, 'hash');
    if (hash !== undefined && hash !== '' && hash !== view.hash) return fail('hash_conflict');
    const checked = this.checkView('views.update', view.type, a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    view.spec = checked;
    view.hash = this.newHash();
    if (view.type === 'home') this.changed({ kind: 'home', view });
    else this.changed({ kind: 'view', view, action: 'updated' });
    return { ok: true, view: this.viewOutput(view) };
  }

  private viewsPublish(a: Json): Json {
    const userId = str(a, 'user_id');
    if (userId === undefined || this.user(userId) === undefined) return fail('user_not_found');
    if (a.view !== undefined && JSON.stringify(a.view).length > HOME_VIEW_MAX_BYTES) {
      this.violation('views.publish', [`view is ${JSON.stringify(a.view).length} bytes; Slack refuses more than about ${HOME_VIEW_MAX_BYTES}`]);
      return fail('view_too_large');
    }
    const checked = this.checkView('views.publish', 'home', a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    const existing = this.homes.get(userId);
    const hash = str(a, 'hash');
    if (existing !== undefined && hash !== undefined && hash !== '' && hash !== existing.hash) return fail('hash_conflict');
    const view = existing ?? this.newView(userId, 'home', checked, null, null);
    view.spec = checked;
    view.hash = this.newHash();
    this.homes.set(userId, view);
    this.changed({ kind: 'home', view });
    return { ok: true, view: this.viewOutput(view) };
  }

  private uploadUrl(a: Json): Json {
    const filename = str(a, 'filename');
    const length = Number(str(a, 'length'));
    if (filename === undefined || filename === '' || !Number.isFinite(length) || length <= 0) return fail('invalid_arguments');
    const fileId = randomId('F');
    this.uploads.push({ fileId, filename, declaredLength: length, completed: false });
    return { ok: true, upload_url: `${this.url}/upload/${fileId}`, file_id: fileId };
  }

  private upload(fileId: string, body: Buffer, contentType: string): ApiResult {
    const upload = this.uploads.find((u) => u.fileId === fileId);
    if (upload === undefined) return { status: 404, body: fail('file_not_found') };
    const bytes = contentType.startsWith('multipart/form-data') ? firstMultipartPart(body, contentType) ?? body : body;
    upload.bytes = Buffer.from(bytes);
    return { status: 200, body: { ok: true, bytes: upload.bytes.length } };
  }

  private completeUpload(a: Json): Json {
    if (!Array.isArray(a.files) || a.files.length === 0) return fail('invalid_arguments');
    const done: SimUpload[] = [];
    for (const entry of a.files) {
      if (!isRecord(entry) || typeof entry.id !== 'string') return fail('invalid_arguments');
      const upload = this.uploads.find((u) => u.fileId === entry.id);
      if (upload === undefined || upload.bytes === undefined) return fail('file_not_found');
      if (typeof entry.title === 'string') upload.title = entry.title;
      done.push(upload);
    }
    const channelArg = str(a, 'channel_id') ?? str(a, 'channels')?.split(',')[0];
    let channel: string | undefined;
    if (channelArg !== undefined && channelArg !== '') {
      const target = this.postTarget(channelArg);
      if ('error' in target) return fail(target.error);
      channel = target.channel;
    }
    const thread = channel === undefined ? {} : this.threadRoot('files.completeUploadExternal', channel, str(a, 'thread_ts'));
    if ('error' in thread) return fail(thread.error);
    const comment = str(a, 'initial_comment');
    const files = done.map((u) => ({
      id: u.fileId,
      name: u.filename,
      title: u.title ?? u.filename,
      size: u.bytes?.length ?? 0,
      user: this.botUserId,
      url_private: `https://files.slack.com/files-pri/${this.teamId}-${u.fileId}/${u.filename}`,
    }));
    for (const u of done) {
      u.completed = true;
      if (channel !== undefined) u.channel = channel;
      if (thread.root !== undefined) u.threadTs = thread.root;
      if (comment !== undefined) u.initialComment = comment;
    }
    if (channel !== undefined) {
      this.append({
        channel,
        ts: this.nextTs(),
        user: this.botUserId,
        fromBot: true,
        text: comment ?? '',
        blocks: [],
        files,
        updates: 0,
        ...(thread.root === undefined ? {} : { threadTs: thread.root }),
      });
    }
    return { ok: true, files };
  }

  // ---------------------------------------------------------------------------------------------------------
  // response_url

  private responseUrlPost(id: string, body: Buffer): ApiResult {
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return this.record('response_url', { id }, { status: 400, body: fail('invalid_payload') });
    }
    const args: Json = isRecord(payload) ? { ...payload } : {};
    const context = this.responseUrls.get(id);
    if (context === undefined) return this.record('response_url', args, { status: 404, body: fail('not_found') });
    if (Date.now() - context.createdAt > RESPONSE_URL_TTL_MS) {
      this.violation('response_url', ['response_url used more than 30 minutes after it was issued']);
      return this.record('response_url', args, { status: 404, body: fail('expired_url') });
    }
    if (context.uses >= RESPONSE_URL_MAX_USES) {
      this.violation('response_url', [`response_url used more than ${RESPONSE_URL_MAX_USES} times`]);
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
  private applyReply(
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
    const content = this.content(reply, source);
    if ('error' in content) return { error: content.error, problems: content.problems ?? [] };
    const text = content.text ?? '';
    const blocks = withBlockIds(content.blocks ?? []);
    if (flag(reply, 'replace_original') && original !== undefined) {
      if (original.ephemeral) {
        const e = this.ephemeralLog.find((m) => m.ts === original.ts && m.user === context.userId);
        if (e !== undefined) {
          e.text = text;
          e.blocks = blocks;
          e.updates += 1;
          this.changed({ kind: 'ephemeral', message: e, updated: true });
          return undefined;
        }
      } else {
        const m = this.message(context.channel, original.ts);
        if (m !== undefined) {
          m.text = text;
          m.blocks = blocks;
          m.edited = { user: this.botUserId, ts: this.nextTs() };
          m.updates += 1;
          this.changed({ kind: 'message', message: m, updated: true });
          return undefined;
        }
      }
    }
    const threadTs = str(reply, 'thread_ts') ?? context.threadTs;
    if (reply.response_type === 'in_channel') {
      const root = threadTs === undefined ? undefined : this.message(context.channel, threadTs);
      const message: SimMessage = {
        channel: context.channel,
        ts: this.nextTs(),
        user: this.botUserId,
        fromBot: true,
        text,
        blocks,
        updates: 0,
        ...(root === undefined ? {} : { threadTs: root.threadTs ?? root.ts }),
      };
      this.append(message);
      context.original = { ts: message.ts, ephemeral: false };
    } else {
      const message: SimEphemeral = {
        channel: context.channel,
        ts: this.nextTs(),
        user: context.userId,
        text,
        blocks,
        source,
        updates: 0,
        ...(threadTs === undefined ? {} : { threadTs }),
      };
      this.ephemeralLog.push(message);
      this.changed({ kind: 'ephemeral', message, updated: false });
      // A command's later replies may replace this one, as Slack lets them.
      if (original === undefined) context.original = { ts: message.ts, ephemeral: true };
    }
    return undefined;
  }

  private removeOriginal(channel: string, original: { ts: string; ephemeral: boolean }): void {
    if (original.ephemeral) {
      const index = this.ephemeralLog.findIndex((e) => e.ts === original.ts);
      const removed = this.ephemeralLog[index];
      if (removed !== undefined) {
        this.ephemeralLog.splice(index, 1);
        this.changed({ kind: 'ephemeral_deleted', message: removed });
      }
      return;
    }
    const log = this.channelLog.get(channel) ?? [];
    const index = log.findIndex((m) => m.ts === original.ts);
    const removed = log[index];
    if (removed !== undefined) {
      log.splice(index, 1);
      this.changed({ kind: 'message_deleted', message: removed });
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Socket Mode

  /** `apps.connections.open`: a one-use WebSocket URL, on this server's loopback address (Slack's is wss://). */
  private openConnection(): Json {
    const ticket = randomUUID();
    this.socketTickets.add(ticket);
    const url = `${this.url.replace(/^http:/, 'ws:')}/link/?ticket=${ticket}&app_id=${this.appId}`;
    return { ok: true, url };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.socketTickets.delete(ticket)) {
      // Only a URL from apps.connections.open opens a connection, and only once.
      refuseUpgrade(socket, 401, 'Unauthorized', 'unknown or already used ticket');
      return;
    }
    const ws = acceptUpgrade(req, socket, head);
    if (ws === undefined) return;
    const info: SocketModeConnection = { id: randomId('L'), url: `${this.url.replace(/^http:/, 'ws:')}${req.url ?? '/'}`, connectedAt: Date.now() };
    const link: SocketLink = { info, ws, pending: new Map() };
    this.links.push(link);
    ws.on('message', (text) => this.fromApp(link, text));
    ws.on('close', (code, reason) => {
      const index = this.links.indexOf(link);
      if (index >= 0) this.links.splice(index, 1);
      for (const [id, pending] of link.pending) {
        pending.reject(new Error(`the Socket Mode connection closed (code ${code}) before envelope ${id} was acknowledged`));
      }
      link.pending.clear();
      this.emit('socket', { kind: 'disconnected', connection: info, code, reason });
    });
    ws.sendText(
      JSON.stringify({
        type: 'hello',
        num_connections: this.links.length,
        debug_info: { host: 'applink-sandbox', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.emit('socket', { kind: 'connected', connection: info });
  }

  /** What the bot sent on a connection: acknowledgements `{ envelope_id, payload? }`, and nothing else. */
  private fromApp(link: SocketLink, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    const envelopeId = isRecord(message) && typeof message.envelope_id === 'string' ? message.envelope_id : undefined;
    if (!isRecord(message) || envelopeId === undefined) {
      this.violation('socket_mode', [`the bot sent something that is no acknowledgement: ${text.slice(0, 200)}`]);
      return;
    }
    const pending = link.pending.get(envelopeId);
    if (pending === undefined) {
      this.violation('ack', [`the bot acknowledged envelope ${envelopeId}, which was not sent on this connection or was already acknowledged`]);
      return;
    }
    link.pending.delete(envelopeId);
    pending.resolve(message.payload);
  }

  /** The bot's open Socket Mode connections, oldest first. */
  socketConnections(): SocketModeConnection[] {
    return this.links.filter((l) => l.ws.open).map((l) => ({ ...l.info }));
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
    const open = this.links.filter((l) => l.ws.open);
    for (const link of open) link.ws.sendText(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sandbox' } }));
    return open.length;
  }

  /** Drops every Socket Mode connection without a closing handshake, as a network failure would. */
  dropSockets(): void {
    for (const link of [...this.links]) link.ws.terminate();
  }

  /** Slack spreads envelopes over an app's open connections; this takes them in turn. */
  private pickLink(): SocketLink | undefined {
    const open = this.links.filter((l) => l.ws.open);
    if (open.length === 0) return undefined;
    const link = open[this.nextLink % open.length];
    this.nextLink += 1;
    return link;
  }

  private async deliverOverSocket(link: SocketLink, request: Omit<SentRequest, 'url' | 'timestamp' | 'headers'>, sign: SignOverrides): Promise<BotResponse> {
    if (sign.signingSecret !== undefined || sign.timestamp !== undefined) {
      // Nothing over the socket is signed, so a forged or stale signature cannot be sent this way.
      throw new Error('Socket Mode envelopes carry no signature: signingSecret and timestamp overrides apply to HTTP delivery only');
    }
    const envelopeId = randomUUID();
    const envelope: Json = {
      envelope_id: envelopeId,
      payload: request.payload,
      type: ENVELOPE_TYPES[request.kind],
      accepts_response_payload: ACCEPTS_RESPONSE_PAYLOAD[request.kind],
    };
    if (request.kind === 'event') {
      envelope.retry_attempt = sign.retryNum ?? 0;
      envelope.retry_reason = sign.retryReason ?? '';
    }
    const rawBody = JSON.stringify(envelope);
    const sent: SentRequest = {
      ...request,
      contentType: 'application/json',
      rawBody,
      url: link.info.url,
      timestamp: String(Math.floor(Date.now() / 1000)),
      headers: {},
      envelopeId,
    };
    this.sent.push(sent);
    const started = Date.now();
    const payload = await new Promise<unknown>((resolve, reject) => {
      const giveUp = setTimeout(() => {
        link.pending.delete(envelopeId);
        reject(new Error(`the bot never acknowledged ${request.kind} envelope ${envelopeId} (waited ${this.ackTimeoutMs + SOCKET_ACK_GRACE_MS} ms)`));
      }, this.ackTimeoutMs + SOCKET_ACK_GRACE_MS);
      link.pending.set(envelopeId, {
        resolve: (value) => {
          clearTimeout(giveUp);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(giveUp);
          reject(error);
        },
      });
      try {
        link.ws.sendText(rawBody);
      } catch (error) {
        link.pending.get(envelopeId)?.reject(error instanceof Error ? error : new Error(String(error)));
        link.pending.delete(envelopeId);
      }
    });
    const elapsedMs = Date.now() - started;
    if (elapsedMs > this.ackTimeoutMs) {
      this.violation('ack', [`the bot acknowledged a ${request.kind} after ${elapsedMs} ms; Slack gives up after ${this.ackTimeoutMs} ms`]);
    }
    const empty = payload === undefined || payload === null || (isRecord(payload) && Object.keys(payload).length === 0);
    if (empty) return { status: 200, body: '', text: '', headers: {}, request: sent, elapsedMs };
    return { status: 200, body: payload, text: JSON.stringify(payload), headers: {}, request: sent, elapsedMs };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Slack's side: requests to the bot

  /** Over the bot's Socket Mode connection when it holds one (as Slack does), else signed over HTTP to `botUrl`. */
  private async deliver(request: Omit<SentRequest, 'url' | 'timestamp' | 'headers'>, sign: SignOverrides): Promise<BotResponse> {
    const link = this.pickLink();
    if (link !== undefined) return this.deliverOverSocket(link, request, sign);
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
      this.violation('ack', [`the bot answered a ${request.kind} after ${elapsedMs} ms; Slack gives up after ${this.ackTimeoutMs} ms`]);
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
    const context = id === undefined ? undefined : this.responseUrls.get(id);
    if (context === undefined) return;
    const reply = isRecord(response.body) ? response.body : { text: response.text };
    const problem = this.applyReply(context, reply, 'command_response');
    if (problem !== undefined) this.violation('command_response', problem.problems.length > 0 ? problem.problems : [problem.error]);
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
      const channel = options.channelId === undefined ? undefined : this.postTarget(options.channelId);
      const channelId = channel !== undefined && 'channel' in channel ? channel.channel : options.channelId ?? '';
      const ts = options.messageTs;
      const message = ts === undefined ? undefined : this.message(channelId, ts);
      const ephemeral = ts === undefined || message !== undefined ? undefined : this.ephemeralLog.find((e) => e.ts === ts && e.user === options.userId);
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
    const stack = this.viewStacks.get(options.userId) ?? [];
    let view = options.viewId === undefined ? stack[stack.length - 1] : this.view(options.viewId);
    if (view === undefined) {
      if (options.callbackId === undefined) throw new Error(`${options.userId} has no modal open; pass callbackId to submit one anyway`);
      view = this.newView(options.userId, 'modal', { type: 'modal', callback_id: options.callbackId, title: { type: 'plain_text', text: 'Form' }, blocks: [] }, null, null);
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
    return { ...response, ...this.afterSubmission(options.userId, view, response) };
  }

  private afterSubmission(userId: string, view: SimView, response: BotResponse): Pick<ViewSubmissionResponse, 'outcome' | 'errors'> {
    if (response.status !== 200) return { outcome: 'failed' };
    const body = isRecord(response.body) ? response.body : {};
    const stack = this.viewStacks.get(userId) ?? [];
    const index = stack.findIndex((v) => v.id === view.id);
    switch (body.response_action) {
      case 'errors': {
        const errors: Record<string, string> = {};
        if (isRecord(body.errors)) for (const [k, v] of Object.entries(body.errors)) errors[k] = String(v);
        return { outcome: 'errors', errors };
      }
      case 'update': {
        const checked = this.checkView('view_submission', 'modal', body.view);
        if ('error' in checked) return { outcome: 'failed' };
        view.spec = checked;
        view.hash = this.newHash();
        this.changed({ kind: 'view', view, action: 'updated' });
        return { outcome: 'updated' };
      }
      case 'push': {
        const checked = this.checkView('view_submission', 'modal', body.view);
        if ('error' in checked) return { outcome: 'failed' };
        if (stack.length >= MAX_VIEW_STACK) {
          this.violation('view_submission', ['response_action push beyond 3 stacked views']);
          return { outcome: 'failed' };
        }
        const pushed = this.newView(userId, 'modal', checked, view.rootViewId, view.id);
        stack.push(pushed);
        this.viewStacks.set(userId, stack);
        this.changed({ kind: 'view', view: pushed, action: 'pushed' });
        return { outcome: 'pushed' };
      }
      case 'clear':
        for (const v of stack.splice(0).reverse()) this.changed({ kind: 'view', view: v, action: 'closed' });
        return { outcome: 'cleared' };
      default:
        if (index >= 0) {
          stack.splice(index, 1);
          this.changed({ kind: 'view', view, action: 'closed' });
        }
        return { outcome: 'closed' };
    }
  }

  /** The person closes the top modal (Cancel); the bot hears `view_closed` if the view asked to be told. */
  async closeView(userId: string): Promise<BotResponse | undefined> {
    const stack = this.viewStacks.get(userId) ?? [];
    const view = stack.pop();
    if (view === undefined) return undefined;
    this.changed({ kind: 'view', view, action: 'closed' });
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
    const home = this.homes.get(userId);
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

  /** Where a message is, in words: `#channel`, `DM`, `DM with <user>`. */
  describeChannel(channel: string, viewer?: string): string {
    const dmWith = this.userByDm.get(channel);
    if (dmWith !== undefined) return dmWith === viewer ? 'DM' : `DM with ${this.user(dmWith)?.name ?? dmWith}`;
    return `#${this.channelName(channel)}`;
  }
}

/** Starts a simulator on 127.0.0.1 and resolves once it listens. */
export async function startSlackSimulator(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  return new SlackSimulator(options).start();
}
