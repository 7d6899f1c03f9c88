/**
 * Who may call what: `auth.test`, and which token each method takes. The bot token's scopes against
 * each method's are checked in web-api-server.ts with method-scopes.ts, before any surface runs.
 */
import type { Json } from './types.js';
import type { Workspace } from './workspace.js';

/** Web API methods that take the app-level token; every other method takes the bot token. */
export const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

export class AuthMethods {
  constructor(private readonly workspace: Workspace) {}

  readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${this.workspace.teamDomain}.slack.com/`,
      team: this.workspace.teamDomain,
      user: this.workspace.botName,
      team_id: this.workspace.teamId,
      user_id: this.workspace.botUserId,
      bot_id: this.workspace.botId,
      is_enterprise_install: false,
    }),
  };
}
