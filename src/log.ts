/**
 * Structured logs, one JSON object per line with the `severity` Cloud Logging reads. Secrets never
 * reach a line: fields named like secrets are dropped to `[redacted]`, and token-shaped strings anywhere
 * in a message or value are masked.
 */

// The shape is the use cases' port (app/ports may import only domain and ports); this file writes it.
import type { LogFields, Logger } from './app/ports/common.js';

export type { LogFields, Logger };

export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

const RANK: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };
const SECRET_KEY = /token|secret|password|authorization|signature|cookie|credential|private.?key/i;
// Slack tokens (xoxb-, xoxp-, xapp-, ...), Google OAuth access tokens (ya29.) and bearer headers.
const SECRET_VALUE = /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|ya29\.[A-Za-z0-9._-]+|Bearer\s+[A-Za-z0-9._~+/=-]+)/g;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUE, '[redacted]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const e: LogFields = { name: value.name, message: redact(value.message, depth + 1) };
    if (value.stack !== undefined) e.stack = redact(value.stack, depth + 1);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) e.code = code;
    return e;
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  const out: LogFields = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: 'debug' | 'info' | 'warning' | 'error';
  write?: (line: string) => void;
  fields?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = RANK[(options.level ?? 'info').toUpperCase() as Severity] ?? RANK.INFO;
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const base = options.fields ?? {};
  const emit = (severity: Severity, message: string, fields?: LogFields): void => {
    if (RANK[severity] < min) return;
    const entry = { severity, message: redact(message), time: new Date().toISOString(), ...(redact({ ...base, ...fields }) as LogFields) };
    try {
      write(JSON.stringify(entry));
    } catch {
      write(JSON.stringify({ severity, message: redact(message), note: 'fields were not serialisable' }));
    }
  };
  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** For tests: collects entries instead of printing them. */
export function memoryLogger(): Logger & { entries: LogFields[] } {
  const entries: LogFields[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => entries.push(JSON.parse(line) as LogFields) });
  return Object.assign(logger, { entries });
}
