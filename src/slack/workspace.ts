/**
 * The Slack side of `gpubot doctor`: which scopes the bot token carries and whether the bot is in a
 * channel, read through the Slack Web API client.
 */
import type { WebClient } from '@slack/web-api';
import type { Membership, Reading, SlackWorkspacePort } from '../app/ports/deployment.js';

export class SlackWorkspace implements SlackWorkspacePort {
  constructor(private readonly client: WebClient) {}

  async grantedScopes(): Promise<Reading<readonly string[]>> {
    try {
      // Every Web API answer carries the token's scopes in `x-oauth-scopes`; the client puts them in
      // response_metadata.scopes (docs.slack.dev/authentication/tokens, "granted scopes"). auth.test needs none.
      const res = await this.client.auth.test();
      const scopes = res.response_metadata?.scopes;
      if (scopes === undefined) return { ok: false, kind: 'other', reason: 'Slack did not say which scopes the token has (no x-oauth-scopes header)' };
      return { ok: true, value: scopes.filter((s) => s !== '') };
    } catch (error) {
      return failure(error);
    }
  }

  async membership(channel: string): Promise<Reading<Membership>> {
    try {
      // conversations.info needs channels:read for public channels and groups:read for private ones
      // (docs.slack.dev/reference/methods/conversations.info); `is_member` says whether the bot is in it.
      const res = await this.client.conversations.info({ channel });
      return { ok: true, value: res.channel?.is_member === true ? 'member' : 'not-member' };
    } catch (error) {
      if (slackError(error)?.error === 'channel_not_found') return { ok: true, value: 'not-found' };
      return failure(error);
    }
  }
}

interface SlackErrorData {
  error?: string;
  needed?: string;
  provided?: string;
}

function slackError(error: unknown): SlackErrorData | null {
  const data = (error as { data?: unknown } | null)?.data;
  return typeof data === 'object' && data !== null ? (data as SlackErrorData) : null;
}

function failure(error: unknown): Reading<never> {
  const data = slackError(error);
  if (data?.error === 'missing_scope') {
    return { ok: false, kind: 'permission', reason: `missing_scope: the token lacks ${data.needed ?? 'a scope'}` };
  }
  if (data?.error !== undefined) return { ok: false, kind: 'other', reason: data.error };
  return { ok: false, kind: 'other', reason: error instanceof Error ? error.message : String(error) };
}
