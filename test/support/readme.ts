/**
 * The shell commands of README.md, as a person pasting them would run them: the ```sh blocks in order,
 * `\` continuations joined, whole-line comments dropped, and the `NAME=value` lines that set the names
 * the later commands use.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));

export interface ShellLine {
  /** One logical command line, continuations joined with a space. */
  text: string;
  /** The README line it starts on (1-based), for failure messages. */
  line: number;
}

export interface ReadmeShell {
  /** `NAME=value` lines (no command), in order: what the commands after them may use. */
  assignments: ShellLine[];
  /** Every line that runs gcloud. */
  gcloud: ShellLine[];
}

/** The logical lines of every ```sh block of a Markdown text. */
export function shellLines(markdown: string): ShellLine[] {
  const lines = markdown.split('\n');
  const out: ShellLine[] = [];
  let inBlock = false;
  let indent = 0;
  let pending: ShellLine | null = null;
  lines.forEach((raw, index) => {
    const fence = /^(\s*)```(\w*)\s*$/.exec(raw);
    if (fence !== null) {
      if (!inBlock && fence[2] === 'sh') {
        inBlock = true;
        indent = fence[1]?.length ?? 0;
      } else if (inBlock) {
        inBlock = false;
      }
      return;
    }
    if (!inBlock) return;
    const line = raw.slice(Math.min(indent, raw.length - raw.trimStart().length)).trimEnd();
    if (pending === null && (line.trim() === '' || line.trim().startsWith('#'))) return;
    const continued = line.endsWith('\\');
    const part = continued ? line.slice(0, -1).trim() : line.trim();
    pending = pending === null ? { text: part, line: index + 1 } : { text: `${pending.text} ${part}`, line: pending.line };
    if (!continued) {
      out.push(pending);
      pending = null;
    }
  });
  return out;
}

export function readmeShell(markdown: string = readFileSync(README_PATH, 'utf8')): ReadmeShell {
  const lines = shellLines(markdown);
  return {
    assignments: lines.filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=\S*(\s+#.*)?$/.test(l.text)),
    gcloud: lines.filter((l) => /(^|[|;&]\s*)gcloud\s/.test(l.text)),
  };
}

/**
 * The words of a command line after `$NAME` is replaced by the assignments' values (only the simple
 * quoting the README uses: double quotes around a word).
 */
export function words(line: string, assignments: readonly ShellLine[]): string[] {
  const values = new Map<string, string>();
  const expand = (text: string): string => text.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => values.get(name) ?? '');
  for (const a of assignments) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)/.exec(a.text);
    if (match !== null) values.set(match[1] ?? '', expand(match[2] ?? ''));
  }
  const out: string[] = [];
  for (const m of line.replace(/\s+#.*$/, '').matchAll(/"([^"]*)"|(\S+)/g)) out.push(expand(m[1] ?? m[2] ?? ''));
  return out;
}

/** The value of `--name value` or `--name=value` in a command's words; null when absent. */
export function flagValue(argv: readonly string[], name: string): string | null {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === `--${name}`) return argv[i + 1] ?? null;
    if (word.startsWith(`--${name}=`)) return word.slice(name.length + 3);
  }
  return null;
}

/** Every value of a repeated flag (`--field-config a --field-config b`). */
export function flagValues(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === `--${name}`) out.push(argv[i + 1] ?? '');
    else if (word.startsWith(`--${name}=`)) out.push(word.slice(name.length + 3));
  }
  return out;
}
