/**
 * The server side of a WebSocket (RFC 6455), as much of it as the Slack simulator's Socket Mode needs:
 * the opening handshake over an HTTP upgrade, text messages (fragmented or not), ping/pong and the
 * closing handshake. No extensions and no subprotocols are negotiated, which the RFC allows a server to
 * decline. Written on node:net and node:crypto because no WebSocket server package ships with the app.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** The GUID RFC 6455 section 1.3 appends to Sec-WebSocket-Key before hashing it. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A whole message above this is refused with 1009 rather than buffered without end. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export interface WebSocketEvents {
  /** A complete text message from the peer. */
  message: [string];
  /** A ping from the peer; it has already been answered with a pong. */
  ping: [Buffer];
  /** The connection is gone: the closing handshake ended, or the TCP connection dropped (`code` 1006). */
  close: [number, string];
}

/** The value of Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

/** Answers an upgrade request that will not be accepted with a plain HTTP error, then drops the connection. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, body: string): void {
  const text = `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  socket.end(text);
}

/**
 * Completes the opening handshake for an HTTP upgrade request, or refuses it with 400 when it is not a
 * well-formed version-13 WebSocket request. `head` is whatever the client sent after its headers.
 */
export function acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): WebSocketConnection | undefined {
  const key = req.headers['sec-websocket-key'];
  const upgrade = req.headers.upgrade ?? '';
  const wellFormedKey = typeof key === 'string' && Buffer.from(key, 'base64').length === 16;
  if (req.method !== 'GET' || upgrade.toLowerCase() !== 'websocket' || req.headers['sec-websocket-version'] !== '13' || !wellFormedKey) {
    refuseUpgrade(socket, 400, 'Bad Request', 'not a WebSocket version 13 handshake');
    return undefined;
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' + `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  return new WebSocketConnection(socket, head);
}

function frame(opcode: number, payload: Buffer): Buffer {
  // Server-to-client frames are never masked (RFC 6455 section 5.1).
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([0x80 | opcode, payload.length]);
  } else if (payload.length < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, payload]);
}

export class WebSocketConnection extends EventEmitter<WebSocketEvents> {
  private buffer: Buffer = Buffer.alloc(0);
  /** The opcode and the parts so far of a message sent in fragments. */
  private fragments: { opcode: number; parts: Buffer[]; bytes: number } | null = null;
  private closeSent = false;
  private closed = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly socket: Duplex, head: Buffer) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    // HTTP servers keep sockets half-open after the peer's FIN; a peer that went away is gone for good.
    socket.on('end', () => socket.end());
    socket.on('close', () => this.finish(1006, ''));
    if (head.length > 0) queueMicrotask(() => this.receive(head));
  }

  get open(): boolean {
    return !this.closed && !this.closeSent;
  }

  sendText(text: string): void {
    if (!this.open) throw new Error('the WebSocket is closing or closed');
    this.socket.write(frame(OP_TEXT, Buffer.from(text, 'utf8')));
  }

  ping(data: Buffer = Buffer.alloc(0)): void {
    if (this.open) this.socket.write(frame(OP_PING, data));
  }

  /** Starts the closing handshake; the TCP connection ends once the peer answers (or drops). */
  close(code = 1000, reason = ''): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2, 'utf8');
    this.socket.write(frame(OP_CLOSE, payload));
  }

  /** Drops the TCP connection without a closing handshake, as a network failure would. */
  terminate(): void {
    this.socket.destroy();
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, reason);
  }

  /** Fails the connection as section 7.1.7 says: send a close frame with the reason, then drop it. */
  private fail(code: number, reason: string): void {
    this.close(code, reason);
    this.socket.end();
    this.finish(code, reason);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = this.nextFrame();
      if (parsed === undefined) return;
      this.handle(parsed.fin, parsed.opcode, parsed.payload);
      if (this.closed) return;
    }
  }

  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    const first = b[0] ?? 0;
    const second = b[1] ?? 0;
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    if ((first & 0x70) !== 0) {
      this.fail(1002, 'reserved bits set without a negotiated extension');
      return undefined;
    }
    if ((second & 0x80) === 0) {
      this.fail(1002, 'client frames must be masked');
      return undefined;
    }
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(MAX_MESSAGE_BYTES)) {
        this.fail(1009, 'message too big');
        return undefined;
      }
      length = Number(big);
      offset = 10;
    }
    if (b.length < offset + 4 + length) return undefined;
    const mask = b.subarray(offset, offset + 4);
    const payload = Buffer.from(b.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
    this.buffer = b.subarray(offset + 4 + length);
    return { fin, opcode, payload };
  }

  private handle(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) {
        this.fail(1002, 'control frames must be whole and at most 125 bytes');
        return;
      }
      if (opcode === OP_CLOSE) this.onClose(payload);
      else if (opcode === OP_PING) {
        if (!this.closeSent) this.socket.write(frame(OP_PONG, payload));
        this.emit('ping', payload);
      } else if (opcode !== OP_PONG) this.fail(1002, `unknown control opcode ${opcode}`);
      return;
    }
    if (opcode === OP_CONTINUATION) {
      if (this.fragments === null) {
        this.fail(1002, 'continuation frame without a message to continue');
        return;
      }
      this.fragments.parts.push(payload);
      this.fragments.bytes += payload.length;
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.fragments !== null) {
        this.fail(1002, 'a new message began before the last one ended');
        return;
      }
      this.fragments = { opcode, parts: [payload], bytes: payload.length };
    } else {
      this.fail(1002, `unknown opcode ${opcode}`);
      return;
    }
    if (this.fragments.bytes > MAX_MESSAGE_BYTES) {
      this.fail(1009, 'message too big');
      return;
    }
    if (!fin) return;
    const message = this.fragments;
    this.fragments = null;
    if (message.opcode === OP_BINARY) {
      // Slack sends and expects JSON text; a binary message is a protocol misuse worth refusing loudly.
      this.fail(1003, 'binary messages are not accepted');
      return;
    }
    let text: string;
    try {
      text = this.decoder.decode(Buffer.concat(message.parts));
    } catch {
      this.fail(1007, 'text message is not valid UTF-8');
      return;
    }
    this.emit('message', text);
  }

  private onClose(payload: Buffer): void {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
    if (!this.closeSent) {
      // Echo the peer's close (section 5.5.1), then end the TCP connection: the server closes it first.
      this.closeSent = true;
      this.socket.write(frame(OP_CLOSE, payload.length >= 2 ? payload.subarray(0, 2) : Buffer.alloc(0)));
    }
    this.socket.end();
    this.finish(code, reason);
  }
}
