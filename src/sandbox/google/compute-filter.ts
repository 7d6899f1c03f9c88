/**
 * Compute Engine's list `filter` expressions and page tokens.
 *
 * Supported: `field OP value` with OP one of `=`, `!=`, `>`, `<`, `>=`, `<=`, `:` (`:*` tests that a
 * key is present), `eq` / `ne` (RE2 full match); values bare or quoted with `"` or `'`; fields are dotted
 * paths into the resource JSON (`labels.managed-by`, `scheduling.provisioningModel`); expressions combine
 * with `AND`, `OR`, `NOT`, parentheses, or side by side (an implicit AND), so both
 * `labels.a = "b" AND status = RUNNING` and `(labels.a = b) (status = RUNNING)` work.
 */

export class FilterError extends Error {}

type Op = '=' | '!=' | '>' | '<' | '>=' | '<=' | ':' | 'eq' | 'ne';

type Node =
  | { kind: 'cmp'; field: string[]; op: Op; value: string }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node };

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Node {
    const node = this.or();
    this.space();
    if (this.pos < this.text.length) throw new FilterError(`unexpected '${this.text.slice(this.pos)}'`);
    return node;
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private keyword(word: string): boolean {
    this.space();
    const next = this.text.slice(this.pos, this.pos + word.length);
    const after = this.text[this.pos + word.length] ?? ' ';
    if (next === word && /[\s(]/.test(after)) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  private or(): Node {
    let left = this.and();
    while (this.keyword('OR')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Node {
    let left = this.unary();
    for (;;) {
      if (this.keyword('AND')) {
        left = { kind: 'and', left, right: this.unary() };
        continue;
      }
      this.space();
      const c = this.text[this.pos];
      if (c === undefined || c === ')' || this.peekKeyword('OR')) return left;
      left = { kind: 'and', left, right: this.unary() };
    }
  }

  private peekKeyword(word: string): boolean {
    const saved = this.pos;
    const found = this.keyword(word);
    this.pos = saved;
    return found;
  }

  private unary(): Node {
    if (this.keyword('NOT')) return { kind: 'not', inner: this.unary() };
    this.space();
    if (this.text[this.pos] === '-') {
      this.pos++;
      return { kind: 'not', inner: this.unary() };
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.or();
      this.space();
      if (this.text[this.pos] !== ')') throw new FilterError('missing )');
      this.pos++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Node {
    this.space();
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z0-9_.\-/]/.test(this.text[this.pos] ?? '')) this.pos++;
    const field = this.text.slice(start, this.pos);
    if (field === '') throw new FilterError(`expected a field at '${this.text.slice(start)}'`);
    const op = this.operator();
    const value = this.value();
    return { kind: 'cmp', field: field.split('.'), op, value };
  }

  private operator(): Op {
    this.space();
    for (const symbol of ['!=', '>=', '<=', '=', '>', '<', ':'] as const) {
      if (this.text.startsWith(symbol, this.pos)) {
        this.pos += symbol.length;
        return symbol;
      }
    }
    for (const word of ['eq', 'ne'] as const) {
      if (this.keyword(word)) return word;
    }
    throw new FilterError(`expected an operator at '${this.text.slice(this.pos)}'`);
  }

  private value(): string {
    this.space();
    const quote = this.text[this.pos];
    if (quote === '"' || quote === "'") {
      const end = this.text.indexOf(quote, this.pos + 1);
      if (end < 0) throw new FilterError('unterminated string');
      const value = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return value;
    }
    const start = this.pos;
    while (this.pos < this.text.length && !/[\s()]/.test(this.text[this.pos] ?? '')) this.pos++;
    if (this.pos === start) throw new FilterError('expected a value');
    return this.text.slice(start, this.pos);
  }
}

export type ResourcePredicate = (resource: Readonly<Record<string, unknown>>) => boolean;

/** Compiles a filter; an empty or absent filter matches everything. Throws FilterError. */
export function compileFilter(filter: string | null | undefined): ResourcePredicate {
  if (filter == null || filter.trim() === '') return () => true;
  const tree = new Parser(filter).parse();
  return (resource) => evaluate(tree, resource);
}

function lookup(resource: unknown, path: readonly string[]): unknown {
  let at: unknown = resource;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function compare(actual: string, expected: string): number {
  const a = Number(actual);
  const b = Number(expected);
  if (actual !== '' && expected !== '' && Number.isFinite(a) && Number.isFinite(b)) return a - b;
  return actual < expected ? -1 : actual > expected ? 1 : 0;
}

function fullMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(text);
  } catch {
    throw new FilterError(`invalid regular expression '${pattern}'`);
  }
}

function evaluate(node: Node, resource: Readonly<Record<string, unknown>>): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, resource) && evaluate(node.right, resource);
    case 'or':
      return evaluate(node.left, resource) || evaluate(node.right, resource);
    case 'not':
      return !evaluate(node.inner, resource);
    case 'cmp': {
      const raw = lookup(resource, node.field);
      const actual = scalarText(raw);
      switch (node.op) {
        case ':':
          return node.value === '*' ? raw !== undefined : actual !== undefined && actual.includes(node.value);
        case '=':
          return actual === node.value;
        case '!=':
          return actual !== node.value;
        case 'eq':
          return actual !== undefined && fullMatch(node.value, actual);
        case 'ne':
          return actual === undefined || !fullMatch(node.value, actual);
        case '>':
          return actual !== undefined && compare(actual, node.value) > 0;
        case '<':
          return actual !== undefined && compare(actual, node.value) < 0;
        case '>=':
          return actual !== undefined && compare(actual, node.value) >= 0;
        case '<=':
          return actual !== undefined && compare(actual, node.value) <= 0;
      }
    }
  }
  return false;
}

export class PageError extends Error {
  constructor(
    readonly field: 'maxResults' | 'pageToken',
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

/** Compute's page size: 500 when unset or 0, at most 500. */
export function pageSize(query: URLSearchParams): number {
  const raw = query.get('maxResults');
  if (raw === null || raw === '') return 500;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new PageError('maxResults', raw, 'Must be a non-negative integer.');
  if (n > 500) throw new PageError('maxResults', raw, 'Must be less than or equal to 500.');
  return n === 0 ? 500 : n;
}

const TOKEN_PREFIX = 'sbx1:';

function pageOffset(query: URLSearchParams): number {
  const token = query.get('pageToken');
  if (token === null || token === '') return 0;
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const offset = decoded.startsWith(TOKEN_PREFIX) ? Number(decoded.slice(TOKEN_PREFIX.length)) : NaN;
  if (!Number.isInteger(offset) || offset < 0) throw new PageError('pageToken', token, 'Invalid page token.');
  return offset;
}

/** One page of `items` per `maxResults` and `pageToken`; throws PageError on bad paging input. */
export function paginate<T>(items: readonly T[], query: URLSearchParams): { page: T[]; nextPageToken?: string } {
  const size = pageSize(query);
  const offset = pageOffset(query);
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  if (next >= items.length) return { page };
  return { page, nextPageToken: Buffer.from(`${TOKEN_PREFIX}${next}`, 'utf8').toString('base64url') };
}
