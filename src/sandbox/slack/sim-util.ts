/** Small helpers the Slack simulator's surfaces share: reading arguments, minting ids, error answers, request bodies. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { CallRecord, Json, SentRequest, StateValues } from './types.js';

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(args: Json, key: string): string | undefined {
  const v = args[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function flag(args: Json, key: string): boolean {
  const v = args[key];
  return v === true || v === 'true' || v === '1' || v === 1;
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomChars(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length] ?? '';
  return out;
}

export function randomId(prefix: string, length = 10): string {
  return prefix + randomChars(ALNUM, length);
}

export function fail(error: string, extra: Json = {}): Json {
  return { ok: false, error, ...extra };
}

export function errorMessages(problems: string[]): Json {
  return { response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
}

/** Gives every block without a block_id one, as Slack does when it stores blocks. */
export function withBlockIds(blocks: Json[]): Json[] {
  return blocks.map((b) => (typeof b.block_id === 'string' ? { ...b } : { ...b, block_id: randomChars(BASE62, 5) }));
}

export function asBlocks(value: unknown): Json[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isRecord);
}

/** Finds an interactive element by action_id (and block_id when given) in blocks. */
export function findElement(blocks: Json[], actionId: string, blockId: string | undefined): { element: Json; blockId: string } | undefined {
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

export const MULTI_STATE_KEYS: Readonly<Record<string, string>> = {
  checkboxes: 'selected_options',
  multi_static_select: 'selected_options',
  multi_external_select: 'selected_options',
  multi_users_select: 'selected_users',
  multi_conversations_select: 'selected_conversations',
  multi_channels_select: 'selected_channels',
};

/** Empty values for every input block, the way Slack reports fields nobody filled in. */
export function emptyStateValues(blocks: Json[]): StateValues {
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
export function firstMultipartPart(body: Buffer, contentType: string): Buffer | undefined {
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

export function multipartFields(body: Buffer, contentType: string): Json {
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

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** How Slack posts a payload to a request URL: commands as form fields, events as JSON, the rest as `payload=`. */
export function httpBody(kind: SentRequest['kind'], payload: Json): { contentType: string; rawBody: string } {
  if (kind === 'event') return { contentType: 'application/json', rawBody: JSON.stringify(payload) };
  const form = kind === 'command' ? new URLSearchParams(Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)])) : new URLSearchParams({ payload: JSON.stringify(payload) });
  return { contentType: 'application/x-www-form-urlencoded', rawBody: form.toString() };
}

export function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

export function describeCall(call: CallRecord): string {
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
