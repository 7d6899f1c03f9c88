/**
 * Reads the text of an ML Engine job config file (`gcloud ai-platform jobs submit training --config`),
 * which gcloud takes as YAML or JSON, into a tree of strings, lists and maps. Only the YAML people write
 * in such files is read: block mappings and lists, `- key: value` items, one-line `[a, b]` lists,
 * quoted and plain scalars, comments. Anchors, tags, multi-line strings and `{...}` maps are refused with
 * the line they are on, rather than half-read. Scalars stay text: the reader of each field decides
 * what a number or a switch is, so `1.10` is never read as `1.1` where text was meant.
 */
import type { Parsed } from './result.js';

export type ConfigValue = string | null | ConfigValue[] | ConfigMap;
export interface ConfigMap {
  [key: string]: ConfigValue;
}

export function isConfigMap(value: ConfigValue | undefined): value is ConfigMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Longer text is refused before it is read: a study's config is a few dozen lines. */
export const MAX_CONFIG_LENGTH = 20_000;

interface Line {
  no: number;
  indent: number;
  text: string;
}

class ConfigSyntaxError extends Error {
  constructor(
    readonly lineNo: number,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): Parsed<ConfigValue> => ({ ok: false, error: { code: 'BAD_CONFIG', message } });

/** The tree a config text holds; a JSON text (starting with `{`) is read as JSON. */
export function readConfigText(text: string): Parsed<ConfigValue> {
  if (text.length > MAX_CONFIG_LENGTH) return bad(`The config is ${text.length} characters; I read at most ${MAX_CONFIG_LENGTH}. Paste only its \`trainingInput\` part.`);
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('{')) {
    try {
      return { ok: true, value: fromJson(JSON.parse(trimmed)) };
    } catch (error) {
      return bad(`The config starts like JSON but is not: ${error instanceof Error ? error.message : String(error)}. Paste the file as it is, YAML or JSON.`);
    }
  }
  try {
    const lines = splitLines(trimmed);
    if (lines.length === 0) return bad('The config is empty. Paste the text of your `hptuning.yaml`.');
    const reader = new BlockReader(lines);
    const first = lines[0];
    const value = reader.block(first?.indent ?? 0);
    const left = reader.peek();
    if (left !== undefined) throw new ConfigSyntaxError(left.no, 'this line is indented less than the lines before it, or not as a key or a `- ` item');
    return { ok: true, value };
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return bad(`Line ${error.lineNo} of the config: ${error.message}. Check its indentation (spaces, not tabs) and paste it again.`);
    throw error;
  }
}

function fromJson(value: unknown): ConfigValue {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value === 'object') {
    const out: ConfigMap = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromJson(v);
    return out;
  }
  return String(value);
}

/** Lines without comments and blanks, with their indentation; tabs in indentation are refused, as YAML does. */
function splitLines(text: string): Line[] {
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const no = i + 1;
    const body = stripComment(raw).replace(/\s+$/, '');
    if (body.trim() === '') return;
    const indent = /^ */.exec(body)?.[0].length ?? 0;
    if (body[indent] === '\t') throw new ConfigSyntaxError(no, 'indentation uses a tab; YAML indents with spaces');
    const content = body.slice(indent);
    if (content === '---' || content === '...') return;
    out.push({ no, indent, text: content });
  });
  return out;
}

/** The line without its `# comment`; a `#` inside quotes, or not after a space, is text. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== null) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

/** `key: rest` at the start of a line; the key may be quoted. */
const KEY = /^(?:"([^"]*)"|'([^']*)'|([^\s"'#:[\]{}-][^:]*?|-[^\s:][^:]*?))\s*:(?:\s+(.*))?$/;

class BlockReader {
  private at = 0;
  constructor(private readonly lines: Line[]) {}

  peek(): Line | undefined {
    return this.lines[this.at];
  }

  /** A block mapping or list whose lines start at `indent`. */
  block(indent: number): ConfigValue {
    const line = this.peek();
    if (line === undefined) return null;
    if (isItem(line.text)) return this.list(indent);
    return this.map(indent);
  }

  private list(indent: number): ConfigValue[] {
    const items: ConfigValue[] = [];
    for (let line = this.peek(); line !== undefined && line.indent === indent && isItem(line.text); line = this.peek()) {
      const rest = line.text.slice(1).replace(/^ +/, '');
      const offset = line.text.length - rest.length;
      if (rest === '') {
        this.at++;
        const next = this.peek();
        items.push(next !== undefined && next.indent > indent ? this.block(next.indent) : null);
      } else if (KEY.test(rest) && !rest.startsWith('[')) {
        // `- key: value` opens a map whose keys line up with `key`.
        this.lines[this.at] = { no: line.no, indent: indent + offset, text: rest };
        items.push(this.map(indent + offset));
      } else {
        this.at++;
        items.push(scalarOrFlow(rest, line.no));
      }
    }
    return items;
  }

  private map(indent: number): ConfigMap {
    const out: ConfigMap = {};
    for (let line = this.peek(); line !== undefined && line.indent === indent && !isItem(line.text); line = this.peek()) {
      const m = KEY.exec(line.text);
      if (!m) throw new ConfigSyntaxError(line.no, `expected \`key: value\`, found ${JSON.stringify(line.text.slice(0, 40))}`);
      const key = (m[1] ?? m[2] ?? m[3] ?? '').trim();
      if (Object.hasOwn(out, key)) throw new ConfigSyntaxError(line.no, `\`${key}\` is given twice`);
      const rest = m[4] ?? '';
      this.at++;
      if (rest !== '') {
        out[key] = scalarOrFlow(rest, line.no);
        continue;
      }
      const next = this.peek();
      if (next !== undefined && next.indent > indent) out[key] = this.block(next.indent);
      // YAML lets a list under a key start at the key's own indentation.
      else if (next !== undefined && next.indent === indent && isItem(next.text)) out[key] = this.list(indent);
      else out[key] = null;
    }
    const line = this.peek();
    if (line !== undefined && line.indent > indent) throw new ConfigSyntaxError(line.no, 'this line is indented more than the key before it allows');
    return out;
  }
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function scalarOrFlow(text: string, no: number): ConfigValue {
  const t = text.trim();
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new ConfigSyntaxError(no, 'a `[...]` list must end on the same line');
    const inner = t.slice(1, -1).trim();
    if (inner === '') return [];
    return splitFlow(inner, no).map((part) => scalar(part, no));
  }
  if (t.startsWith('{')) throw new ConfigSyntaxError(no, '`{...}` maps are not read here; write the keys one per line');
  if (/^[&*!|>]/.test(t)) throw new ConfigSyntaxError(no, 'anchors, tags and multi-line strings are not read here; write the value out');
  return scalar(t, no);
}

function splitFlow(text: string, no: number): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const c of text) {
    if (quote !== null) {
      current += c;
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ',') {
      parts.push(current.trim());
      current = '';
    } else if (c === '[' || c === '{') {
      throw new ConfigSyntaxError(no, 'lists inside `[...]` lists are not read here');
    } else {
      current += c;
    }
  }
  if (quote !== null) throw new ConfigSyntaxError(no, 'a quote is not closed');
  parts.push(current.trim());
  return parts.filter((p, i) => p !== '' || i < parts.length - 1);
}

function scalar(text: string, no: number): string | null {
  const t = text.trim();
  if (t.startsWith('"')) {
    if (t.length < 2 || !t.endsWith('"')) throw new ConfigSyntaxError(no, 'a quote is not closed');
    try {
      const parsed: unknown = JSON.parse(t);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // Fall through: YAML's double-quoted escapes are a superset of JSON's; keep the text between the quotes.
    }
    return t.slice(1, -1);
  }
  if (t.startsWith("'")) {
    if (t.length < 2 || !t.endsWith("'")) throw new ConfigSyntaxError(no, 'a quote is not closed');
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  return t;
}
