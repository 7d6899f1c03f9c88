/**
 * Which OAuth scope each Web API method the simulator serves needs from a bot token, so a call the
 * app's manifest does not cover is refused with `missing_scope`, as Slack refuses it.
 *
 * Source: Slack's method reference, the "Scopes / Bot token" fact of each method page
 * (https://docs.slack.dev/reference/methods/<method>), and the scope pages' "compatible methods"
 * (https://docs.slack.dev/reference/scopes/<scope>), read December 2026. Conversation methods take a
 * different scope per conversation type (a public channel, a private one, a DM, a group DM).
 */

export type ConversationType = 'public' | 'private' | 'im' | 'mpim';

export type ScopeRule =
  /** No scope: any valid token of the right type may call it. */
  | { kind: 'none' }
  /** Any one of these scopes will do. */
  | { kind: 'any'; scopes: readonly string[] }
  /** The scope depends on the type of the conversation the call is about. */
  | { kind: 'conversation'; scopes: Readonly<Record<ConversationType, string>> };

const CONVERSATIONS_READ = { public: 'channels:read', private: 'groups:read', im: 'im:read', mpim: 'mpim:read' } as const;
const CONVERSATIONS_HISTORY = { public: 'channels:history', private: 'groups:history', im: 'im:history', mpim: 'mpim:history' } as const;
/** conversations.open lists channels:manage, groups:write, im:write and mpim:write; a DM needs im:write. */
const CONVERSATIONS_OPEN = { public: 'channels:manage', private: 'groups:write', im: 'im:write', mpim: 'mpim:write' } as const;

/** Web API method -> what it needs from the bot token (app-level token methods included). */
export const METHOD_SCOPES: Readonly<Record<string, ScopeRule>> = {
  // docs.slack.dev/reference/methods/auth.test: "No scopes required".
  'auth.test': { kind: 'none' },
  // chat.postMessage: chat:write (chat:write.public, in addition, reaches public channels without joining;
  // chat:write.customize changes the name and icon). docs.slack.dev/reference/scopes/chat.write.public
  'chat.postMessage': { kind: 'any', scopes: ['chat:write'] },
  'chat.update': { kind: 'any', scopes: ['chat:write'] },
  'chat.delete': { kind: 'any', scopes: ['chat:write'] },
  'chat.postEphemeral': { kind: 'any', scopes: ['chat:write'] },
  // docs.slack.dev/reference/methods/chat.getPermalink: "No scopes required".
  'chat.getPermalink': { kind: 'none' },
  'conversations.open': { kind: 'conversation', scopes: CONVERSATIONS_OPEN },
  'conversations.info': { kind: 'conversation', scopes: CONVERSATIONS_READ },
  // conversations.join: channels:join (public channels only).
  'conversations.join': { kind: 'any', scopes: ['channels:join'] },
  'conversations.history': { kind: 'conversation', scopes: CONVERSATIONS_HISTORY },
  'conversations.replies': { kind: 'conversation', scopes: CONVERSATIONS_HISTORY },
  // users.info: users:read (the profile's email also needs users:read.email).
  'users.info': { kind: 'any', scopes: ['users:read'] },
  // views.open, views.push, views.update, views.publish: "No scopes required".
  'views.open': { kind: 'none' },
  'views.push': { kind: 'none' },
  'views.update': { kind: 'none' },
  'views.publish': { kind: 'none' },
  // files.getUploadURLExternal and files.completeUploadExternal: files:write.
  'files.getUploadURLExternal': { kind: 'any', scopes: ['files:write'] },
  'files.completeUploadExternal': { kind: 'any', scopes: ['files:write'] },
  // apps.connections.open takes the app-level token, which carries connections:write.
  'apps.connections.open': { kind: 'any', scopes: ['connections:write'] },
};

/** Every scope a rule accepts, as Slack lists them in the `x-accepted-oauth-scopes` header. */
export function acceptedScopes(rule: ScopeRule): string[] {
  if (rule.kind === 'none') return [];
  if (rule.kind === 'any') return [...rule.scopes];
  return [...new Set(Object.values(rule.scopes))];
}

/**
 * The scope a call still needs, or null when `granted` covers it. `type` is the conversation the call is
 * about (for conversation rules); unknown, any of the rule's scopes will do.
 */
export function missingScope(rule: ScopeRule, granted: ReadonlySet<string>, type: ConversationType | undefined): string | null {
  if (rule.kind === 'none') return null;
  if (rule.kind === 'any') return rule.scopes.some((s) => granted.has(s)) ? null : rule.scopes.join(',');
  if (type !== undefined) return granted.has(rule.scopes[type]) ? null : rule.scopes[type];
  const all = acceptedScopes(rule);
  return all.some((s) => granted.has(s)) ? null : all.join(',');
}

/** The scopes a token was granted; tests take one away to play an app installed before it was added. */
export class ScopeGrant {
  private readonly granted: Set<string>;

  constructor(scopes: Iterable<string>) {
    this.granted = new Set(scopes);
  }

  grant(scope: string): void {
    this.granted.add(scope);
  }

  /** The app was installed without this scope (or an admin removed it and reinstalled). */
  revoke(scope: string): void {
    this.granted.delete(scope);
  }

  has(scope: string): boolean {
    return this.granted.has(scope);
  }

  /** In the order they were granted, as `x-oauth-scopes` lists them. */
  list(): string[] {
    return [...this.granted];
  }

  /** For `missingScope`. */
  asSet(): ReadonlySet<string> {
    return this.granted;
  }
}
