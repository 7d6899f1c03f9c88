/** What the box controller needs to know of a person: the Google account their box's Jupyter admits. */

/**
 * `none`: there is no address to use (no mapping, no email in the profile, or the app may not read it),
 * and asking again will not help; `reason` says what would. `unavailable`: the lookup failed for now.
 */
export type AccountLookup = { ok: true; address: string } | { ok: false; kind: 'none' | 'unavailable'; reason: string };

export interface GoogleAccountsPort {
  /** The Google account of a Slack user: the configured mapping first, else their Slack profile's email. */
  accountOf(userId: string): Promise<AccountLookup>;
}
