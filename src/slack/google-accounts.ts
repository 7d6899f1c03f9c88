/**
 * A person's Google account for the inverting proxy's single-user mode: the configured mapping first,
 * else the email of their Slack profile. users.info needs `users:read`, and its profile carries `email`
 * only when the token also has `users:read.email` (docs.slack.dev/reference/methods/users.info and
 * docs.slack.dev/reference/scopes/users.read.email). It assumes the Slack address is also the person's
 * Google account, which holds where both come from the same identity provider; where it does not, the
 * mapping (GPUBOT_GOOGLE_ACCOUNTS) says otherwise.
 */
import type { WebClient } from '@slack/web-api';
import type { AccountLookup, GoogleAccountsPort } from '../app/ports.js';
import { isGoogleAccountAddress } from '../domain/jupyter-access.js';
import { slackError } from './delivery.js';

/** Slack errors that asking again will not fix. */
const FINAL_ERRORS = new Set(['user_not_found', 'missing_scope', 'not_allowed_token_type', 'invalid_auth', 'account_inactive']);

/**
 * How long an address read from a profile is reused. Each box's create looks its owner up; one person's
 * ten boxes asked in a minute, or a tick retrying a create, would otherwise ask Slack each time (users.info
 * is rate limited, and a 429 holds the create back). A changed address reaches new boxes after this.
 */
const REMEMBER_MS = 10 * 60_000;

export class SlackGoogleAccounts implements GoogleAccountsPort {
  private readonly remembered = new Map<string, { address: string; at: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly mapping: ReadonlyMap<string, string>,
    private readonly now: () => number = Date.now,
  ) {}

  async accountOf(userId: string): Promise<AccountLookup> {
    const mapped = this.mapping.get(userId);
    if (mapped !== undefined) return { ok: true, address: mapped };
    const known = this.remembered.get(userId);
    if (known !== undefined && this.now() - known.at < REMEMBER_MS) return { ok: true, address: known.address };
    const found = await this.ask(userId);
    // Only an address is remembered: a refusal may be fixed (a scope granted) at any moment.
    if (found.ok) this.remembered.set(userId, { address: found.address, at: this.now() });
    return found;
  }

  private async ask(userId: string): Promise<AccountLookup> {
    let email: unknown;
    try {
      const res = await this.client.users.info({ user: userId });
      email = res.user?.profile?.email;
    } catch (error) {
      const code = slackError(error);
      if (code !== null && FINAL_ERRORS.has(code)) {
        return { ok: false, kind: 'none', reason: `Slack refused to say who <@${userId}> is (${code}); the app needs the users:read and users:read.email scopes.` };
      }
      return { ok: false, kind: 'unavailable', reason: code ?? (error instanceof Error ? error.message : String(error)) };
    }
    if (typeof email === 'string' && isGoogleAccountAddress(email)) return { ok: true, address: email };
    return {
      ok: false,
      kind: 'none',
      reason: `Slack shows no email address for <@${userId}> (the app needs the users:read.email scope, and the profile an address).`,
    };
  }
}
