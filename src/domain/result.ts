/**
 * "A value, or a person's mistake with its message": what every parser and use case returns
 * and listeners answer from. Kept in a file of its own so that parsers of /train and /gpu import it without importing each other.
 */
export interface UserError {
  /** Stable, for code and tests; the message is for people. */
  code: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: UserError };
