/**
 * Reads the bot token scopes an app manifest grants (`oauth_config.scopes.bot`), so the Slack simulator
 * grants exactly what installing the app from `manifest.yml` would. Slack takes manifests as YAML or
 * JSON (docs.slack.dev/reference/app-manifest); only the part the simulator needs is read here, by a
 * small reader of YAML block mappings and lists, instead of a YAML library for one list.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's `manifest.yml` (three levels above this file, in `src/` and in `dist/` alike). */
export const DEFAULT_MANIFEST_PATH = fileURLToPath(new URL('../../../manifest.yml', import.meta.url));

export class ManifestError extends Error {
  readonly code = 'manifest_unreadable';
}

/** A scalar as YAML writes it: an optional trailing `# comment`, optional quotes. */
function scalar(raw: string): string {
  let value = raw.trim();
  if (value.startsWith('"') || value.startsWith("'")) {
    const quote = value[0] ?? '';
    const end = value.indexOf(quote, 1);
    return end < 0 ? value.slice(1) : value.slice(1, end);
  }
  const comment = value.search(/\s#/);
  if (comment >= 0) value = value.slice(0, comment);
  return value.trim();
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Lines that carry content: no blank lines, no whole-line comments, no document markers. */
function contentLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => {
    const trimmed = line.trim();
    return trimmed !== '' && !trimmed.startsWith('#') && trimmed !== '---';
  });
}

/**
 * The list at `path` (keys of nested block mappings) in a YAML text: `key:` then `- item` lines, or a
 * flow list `key: [a, b]`. Undefined when the path is absent.
 */
export function yamlList(text: string, path: readonly string[]): string[] | undefined {
  const lines = contentLines(text);
  let from = 0;
  let to = lines.length;
  let parentIndent = -1;
  let found: { line: string; index: number } | undefined;
  for (const key of path) {
    found = undefined;
    let childIndent: number | undefined;
    for (let i = from; i < to; i++) {
      const line = lines[i] ?? '';
      const indent = indentOf(line);
      if (indent <= parentIndent) break;
      childIndent ??= indent;
      if (indent !== childIndent) continue;
      const match = /^([^:#]+?)\s*:(?:\s|$)(.*)$/.exec(line.trim());
      if (match !== null && scalar(match[1] ?? '') === key) {
        found = { line, index: i };
        break;
      }
    }
    if (found === undefined) return undefined;
    parentIndent = indentOf(found.line);
    from = found.index + 1;
    to = lines.length;
  }
  if (found === undefined) return undefined;
  const rest = scalar(found.line.trim().replace(/^[^:]+:\s*/, ''));
  if (rest.startsWith('[')) {
    const inner = rest.replace(/^\[/, '').replace(/\]$/, '');
    return inner.split(',').map(scalar).filter((s) => s !== '');
  }
  if (rest !== '') return [rest];
  const items: string[] = [];
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (indentOf(line) < parentIndent || (indentOf(line) === parentIndent && !line.trim().startsWith('- '))) break;
    const trimmed = line.trim();
    if (trimmed.startsWith('- ')) items.push(scalar(trimmed.slice(2)));
    else if (trimmed === '-') items.push('');
  }
  return items;
}

/** The bot scopes a manifest grants, from its YAML or JSON text. */
export function manifestBotScopes(text: string): string[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const parsed: unknown = JSON.parse(trimmed);
    const bot = (parsed as { oauth_config?: { scopes?: { bot?: unknown } } }).oauth_config?.scopes?.bot;
    if (!Array.isArray(bot) || !bot.every((s) => typeof s === 'string')) throw new ManifestError('the manifest has no oauth_config.scopes.bot list');
    return bot;
  }
  const scopes = yamlList(text, ['oauth_config', 'scopes', 'bot']);
  if (scopes === undefined) throw new ManifestError('the manifest has no oauth_config.scopes.bot list');
  return scopes;
}

/** The bot scopes granted by the manifest file at `path` (the repository's `manifest.yml` by default). */
export function readManifestBotScopes(path: string = DEFAULT_MANIFEST_PATH): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ManifestError(`cannot read the Slack app manifest at ${path} (${error instanceof Error ? error.message : String(error)}); pass the scopes to the simulator instead`);
  }
  return manifestBotScopes(text);
}
