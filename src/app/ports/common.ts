/** What every use case and controller needs whatever it does: the time, a logger, who is an admin, a way to wake the worker. */

export interface Clock {
  now(): number;
}

export type LogFields = Record<string, unknown>;

/** Structured logs; src/log.ts writes them as Cloud Logging reads them. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface Policy {
  isAdmin(userId: string): boolean;
}

/** Wakes the worker after a listener recorded an intent, so people do not wait for the next tick. */
export interface Nudge {
  nudge(): void;
}
