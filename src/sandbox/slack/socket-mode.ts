/**
 * The simulator's Socket Mode: `apps.connections.open` (with the app-level token) hands out a one-use
 * loopback WebSocket URL; while the bot holds such a connection, requests go to it as envelopes and the
 * bot's acknowledgement comes back as the answer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { isRecord, randomId } from './sim-util.js';
import type { BotResponse, Json, SentRequest, SignOverrides, SocketModeChange, SocketModeConnection } from './types.js';
import { acceptUpgrade, refuseUpgrade, type WebSocketConnection } from './websocket.js';
import type { Workspace } from './workspace.js';

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

export interface PendingAck {
  resolve(payload: unknown): void;
  reject(error: Error): void;
}

export interface SocketLink {
  info: SocketModeConnection;
  ws: WebSocketConnection;
  /** Envelopes sent on this connection and not yet acknowledged, by envelope_id. */
  pending: Map<string, PendingAck>;
}

export interface SocketModeOptions {
  /** Slack gives up on an ack after this long; later acks are recorded as violations. */
  ackTimeoutMs: number;
  /** The simulator's record of every request sent to the bot; envelopes are added to it. */
  sent: SentRequest[];
  emitSocket: (change: SocketModeChange) => void;
}

export class SocketMode {
  /** Tickets in URLs `apps.connections.open` handed out and nobody has connected with yet. */
  private readonly socketTickets = new Set<string>();
  private readonly links: SocketLink[] = [];
  private nextLink = 0;
  private readonly ackTimeoutMs: number;
  private readonly sent: SentRequest[];
  private readonly emitSocket: (change: SocketModeChange) => void;

  constructor(
    private readonly workspace: Workspace,
    options: SocketModeOptions,
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs;
    this.sent = options.sent;
    this.emitSocket = options.emitSocket;
  }

  readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'apps.connections.open': () => this.openConnection(),
  };

  /** Ends every connection at once (the simulator is closing: upgraded sockets are no longer the HTTP server's). */
  terminateAll(): void {
    for (const link of [...this.links]) link.ws.terminate();
  }

  /** `apps.connections.open`: a one-use WebSocket URL, on this server's loopback address (Slack's is wss://). */
  private openConnection(): Json {
    const ticket = randomUUID();
    this.socketTickets.add(ticket);
    const url = `${this.workspace.url.replace(/^http:/, 'ws:')}/link/?ticket=${ticket}&app_id=${this.workspace.appId}`;
    return { ok: true, url };
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.socketTickets.delete(ticket)) {
      // Only a URL from apps.connections.open opens a connection, and only once.
      refuseUpgrade(socket, 401, 'Unauthorized', 'unknown or already used ticket');
      return;
    }
    const ws = acceptUpgrade(req, socket, head);
    if (ws === undefined) return;
    const info: SocketModeConnection = { id: randomId('L'), url: `${this.workspace.url.replace(/^http:/, 'ws:')}${req.url ?? '/'}`, connectedAt: Date.now() };
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
      this.emitSocket({ kind: 'disconnected', connection: info, code, reason });
    });
    ws.sendText(
      JSON.stringify({
        type: 'hello',
        num_connections: this.links.length,
        debug_info: { host: 'applink-sandbox', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.workspace.appId },
      }),
    );
    this.emitSocket({ kind: 'connected', connection: info });
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
      this.workspace.violation('socket_mode', [`the bot sent something that is no acknowledgement: ${text.slice(0, 200)}`]);
      return;
    }
    const pending = link.pending.get(envelopeId);
    if (pending === undefined) {
      this.workspace.violation('ack', [`the bot acknowledged envelope ${envelopeId}, which was not sent on this connection or was already acknowledged`]);
      return;
    }
    link.pending.delete(envelopeId);
    pending.resolve(message.payload);
  }

  /** The bot's open Socket Mode connections, oldest first. */
  connections(): SocketModeConnection[] {
    return this.links.filter((l) => l.ws.open).map((l) => ({ ...l.info }));
  }

  /**
   * Sends Slack's `disconnect` message on every open connection (reasons Slack uses: `warning`,
   * `refresh_requested`, `link_disabled`); the bot is expected to close it and open a new one.
   * Returns how many connections were told.
   */
  disconnect(reason = 'refresh_requested'): number {
    const open = this.links.filter((l) => l.ws.open);
    for (const link of open) link.ws.sendText(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sandbox' } }));
    return open.length;
  }

  /** Drops every Socket Mode connection without a closing handshake, as a network failure would. */
  drop(): void {
    for (const link of [...this.links]) link.ws.terminate();
  }

  /** Slack spreads envelopes over an app's open connections; this takes them in turn. */
  pick(): SocketLink | undefined {
    const open = this.links.filter((l) => l.ws.open);
    if (open.length === 0) return undefined;
    const link = open[this.nextLink % open.length];
    this.nextLink += 1;
    return link;
  }

  async deliver(link: SocketLink, request: Omit<SentRequest, 'url' | 'timestamp' | 'headers'>, sign: SignOverrides): Promise<BotResponse> {
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
      this.workspace.violation('ack', [`the bot acknowledged a ${request.kind} after ${elapsedMs} ms; Slack gives up after ${this.ackTimeoutMs} ms`]);
    }
    const empty = payload === undefined || payload === null || (isRecord(payload) && Object.keys(payload).length === 0);
    if (empty) return { status: 200, body: '', text: '', headers: {}, request: sent, elapsedMs };
    return { status: 200, body: payload, text: JSON.stringify(payload), headers: {}, request: sent, elapsedMs };
  }
}
