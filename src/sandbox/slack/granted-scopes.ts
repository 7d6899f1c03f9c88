/**
 * The scopes the simulated workspace granted the bot token, as Slack reports them: every Web API answer
 * carries them in the `x-oauth-scopes` header (docs.slack.dev/authentication/tokens; `auth.test` is the
 * cheap way to read them), and a method called without its scope answers `missing_scope` with `needed`
 * and `provided` (docs.slack.dev/reference/methods, each method's "Scopes" and "Errors"; read December
 * 2026). Only the methods listed below are held to their scopes here.
 */

/** Scopes by method and conversation kind: conversations.info needs the read scope of the conversation's kind. */
const CONVERSATION_READ: Readonly<Record<string, string>> = { C: 'channels:read', G: 'groups:read', D: 'im:read' };

export class GrantedScopes {
  private readonly granted: Set<string>;

  constructor(scopes: Iterable<string>) {
    this.granted = new Set(scopes);
  }

  /** Fault switch: the app was installed without this scope. */
  revoke(scope: string): void {
    this.granted.delete(scope);
  }

  grant(scope: string): void {
    this.granted.add(scope);
  }

  has(scope: string): boolean {
    return this.granted.has(scope);
  }

  /** The header every answer to the bot token carries. */
  header(): Record<string, string> {
    return { 'x-oauth-scopes': [...this.granted].join(',') };
  }

  /** Slack's answer when `method` needs a scope the token lacks; null when it may go ahead. */
  refusal(method: string, args: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
    if (method !== 'conversations.info') return null;
    const channel = typeof args.channel === 'string' ? args.channel : '';
    const needed = CONVERSATION_READ[channel.charAt(0)];
    if (needed === undefined || this.granted.has(needed)) return null;
    return { ok: false, error: 'missing_scope', needed, provided: [...this.granted].join(',') };
  }
}

/**
 * The bot scopes a Slack app manifest (YAML) grants: the items of the list under
 * `oauth_config:` / `scopes:` / `bot:`, comments dropped. Enough YAML for the manifest's own layout.
 */
export function manifestBotScopes(manifest: string): string[] {
  const lines = manifest.split('\n');
  const scopes: string[] = [];
  let path: string[] = [];
  let inBot = false;
  let botIndent = -1;
  for (const raw of lines) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (line.trim() === '') continue;
    const indent = line.length - line.trimStart().length;
    const key = /^\s*([A-Za-z_]+):\s*$/.exec(line)?.[1];
    if (inBot) {
      const item = /^\s*-\s*(\S+)\s*$/.exec(line)?.[1];
      if (item !== undefined && indent >= botIndent) {
        scopes.push(item);
        continue;
      }
      inBot = false;
    }
    if (key !== undefined) {
      path = [...path.slice(0, Math.floor(indent / 2)), key];
      if (path.join('.') === 'oauth_config.scopes.bot') {
        inBot = true;
        botIndent = indent;
      }
    }
  }
  return scopes;
}
