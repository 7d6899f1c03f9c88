/** What the Slack simulator's surfaces share: the records it keeps, what it sends the bot and what the bot answers. */
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

export interface SignOverrides {
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

/** A trigger_id minted for a person; views.open and views.push exchange it once. */
export interface TriggerInfo {
  userId: string;
  createdAt: number;
  used: boolean;
}

export interface ResponseUrlContext {
  channel: string;
  userId: string;
  /** The message the click came from; what replace_original and delete_original act on. */
  original?: { ts: string; ephemeral: boolean };
  threadTs?: string;
  uses: number;
  createdAt: number;
}

export interface ApiResult {
  status: number;
  body: Json;
  headers?: Record<string, string>;
}

export type Target = { channel: string } | { error: string };
export type Content =
  | { text: string | undefined; blocks: Json[] | undefined; attachments: unknown[] | undefined }
  | { error: string; problems?: string[] };
