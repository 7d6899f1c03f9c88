/** The simulator's `users.info`: a person as Slack describes them (name, time zone, admin or bot). */
import { fail, str } from './sim-util.js';
import type { Json } from './types.js';
import type { Workspace } from './workspace.js';

export class UserMethods {
  constructor(private readonly workspace: Workspace) {}

  readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'users.info': (a) => this.userInfo(a),
  };

  private userInfo(a: Json): Json {
    const user = this.workspace.user(str(a, 'user') ?? '');
    if (user === undefined) return fail('user_not_found');
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: this.workspace.teamId,
        name: user.name,
        deleted: false,
        real_name: user.realName,
        tz: user.tz,
        tz_label: user.tz,
        tz_offset: user.tzOffset,
        profile: {
          real_name: user.realName,
          display_name: user.name,
          // "email: only with the users:read.email scope" (docs.slack.dev/reference/methods/users.info,
          // and docs.slack.dev/reference/scopes/users.read.email).
          ...(user.email === undefined || !this.workspace.scopes.has('users:read.email') ? {} : { email: user.email }),
          team: this.workspace.teamId,
        },
        is_admin: user.isAdmin,
        is_owner: false,
        is_bot: user.isBot,
        is_app_user: false,
        updated: Math.floor(Date.now() / 1000),
      },
    };
  }
}
