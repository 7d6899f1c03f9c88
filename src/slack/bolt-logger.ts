/** Bolt's logger interface over the project's JSON logger, so Bolt's own lines are structured and redacted. */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../log.js';

export function boltLogger(log: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const text = (parts: unknown[]): string => parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: (...m: unknown[]) => (level === LogLevel.DEBUG ? log.debug(text(m), { source: 'bolt' }) : undefined),
    info: (...m: unknown[]) => log.info(text(m), { source: 'bolt' }),
    warn: (...m: unknown[]) => log.warn(text(m), { source: 'bolt' }),
    error: (...m: unknown[]) => log.error(text(m), { source: 'bolt' }),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
