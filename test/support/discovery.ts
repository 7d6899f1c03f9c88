/**
 * Checks JSON and requests against a Google API discovery document (test/fixtures/discovery/, copies
 * of Google's own): every field of a value exists in its schema with the right JSON type and format,
 * every enum value is one the schema lists, request bodies carry no output-only fields, and every query
 * parameter is one the method (or Google's standard set) declares, with a value of the right type.
 *
 * How discovery documents describe things: `schemas` maps a name to `{type: 'object', properties}`
 * (or `additionalProperties` for maps); a property has a `type` (`string`, `integer`, `number`,
 * `boolean`, `array` with `items`, `object`, `any`) or a `$ref` to another schema, and may have a
 * `format` (`int64` and `uint64` travel as decimal strings, `google-datetime` as RFC 3339,
 * `google-duration` as seconds with an `s`, `byte` as base64), an `enum`, and `readOnly`. Methods live
 * under `resources.<r>.resources.<r>.methods.<m>` with an `id` (`monitoring.projects.timeSeries.list`),
 * `httpMethod`, `path`/`flatPath`, `parameters` (each with a `location` of `path` or `query`, maybe
 * `repeated`, `enum`, `pattern`, `required`), and `request`/`response` `$ref`s; the document's
 * top-level `parameters` apply to every method.
 *
 * Google leaves unset fields out rather than sending null, so a null counts as a problem; so does an
 * enum value ending in `_UNSPECIFIED`, a proto default that a well-formed message never carries.
 */
import { readFileSync } from 'node:fs';

export interface DiscoveryProperty {
  id?: string;
  type?: string;
  $ref?: string;
  format?: string;
  enum?: string[];
  items?: DiscoveryProperty;
  properties?: Record<string, DiscoveryProperty>;
  additionalProperties?: DiscoveryProperty;
  readOnly?: boolean;
}

export interface DiscoveryParameter extends DiscoveryProperty {
  location?: 'query' | 'path';
  required?: boolean;
  repeated?: boolean;
  pattern?: string;
}

export interface DiscoveryMethod {
  id: string;
  httpMethod: string;
  path: string;
  flatPath?: string;
  parameters?: Record<string, DiscoveryParameter>;
  request?: { $ref: string };
  response?: { $ref: string };
}

interface DiscoveryResource {
  methods?: Record<string, DiscoveryMethod>;
  resources?: Record<string, DiscoveryResource>;
}

export interface DiscoveryDocument {
  name: string;
  version: string;
  servicePath?: string;
  schemas: Record<string, DiscoveryProperty>;
  parameters?: Record<string, DiscoveryParameter>;
  resources?: Record<string, DiscoveryResource>;
}

export interface ValidateOptions {
  /** A request body: output-only (`readOnly`) fields are problems too. */
  request?: boolean;
}

export interface RequestToCheck {
  method: string;
  /** URL path as the server saw it, e.g. `/v3/projects/p/timeSeries`. */
  path: string;
  query: URLSearchParams;
  body?: unknown;
}

const FIXTURES = new URL('../fixtures/discovery/', import.meta.url);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const DECIMAL = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const RANGES: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Discovery {
  private readonly methods = new Map<string, { method: DiscoveryMethod; pattern: RegExp }>();

  constructor(readonly doc: DiscoveryDocument) {
    const walk = (resources: Record<string, DiscoveryResource> | undefined) => {
      for (const resource of Object.values(resources ?? {})) {
        for (const method of Object.values(resource.methods ?? {})) {
          const template = `/${doc.servicePath ?? ''}${method.flatPath ?? method.path}`.replace(/\/+/g, '/');
          const source = template
            .split(/(\{[^}]+\})/)
            .map((part) => (part.startsWith('{') ? '[^/:]+' : escape(part)))
            .join('');
          this.methods.set(method.id, { method, pattern: new RegExp(`^${source}$`) });
        }
        walk(resource.resources);
      }
    };
    walk(doc.resources);
  }

  /** Loads `test/fixtures/discovery/<file>`, e.g. `aiplatform.v1.json`. */
  static load(file: string): Discovery {
    const parsed: unknown = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8'));
    if (!isObject(parsed) || !isObject(parsed.schemas)) throw new Error(`${file} is not a discovery document`);
    return new Discovery(parsed as unknown as DiscoveryDocument);
  }

  /** `monitoring v3` */
  get name(): string {
    return `${this.doc.name} ${this.doc.version}`;
  }

  /** A method by its id, e.g. `cloudbilling.services.skus.list`. */
  method(id: string): DiscoveryMethod | undefined {
    return this.methods.get(id)?.method;
  }

  /** The method a request hits, by HTTP verb and URL path (with a leading `/`). */
  methodFor(verb: string, path: string): DiscoveryMethod | undefined {
    for (const { method, pattern } of this.methods.values()) {
      if (method.httpMethod === verb.toUpperCase() && pattern.test(path)) return method;
    }
    return undefined;
  }

  /** Problems found in `value` as an instance of schema `schemaName`; empty when it conforms. */
  validate(schemaName: string, value: unknown, options: ValidateOptions = {}): string[] {
    if (!Object.hasOwn(this.doc.schemas, schemaName)) return [`${schemaName} is not a schema of ${this.name}`];
    const problems: string[] = [];
    this.value({ $ref: schemaName }, value, schemaName, problems, options);
    return problems;
  }

  /** Problems in a response body of a method (its `response` schema). */
  validateResponse(methodId: string, body: unknown): string[] {
    const method = this.method(methodId);
    if (method === undefined) return [`${methodId} is not a method of ${this.name}`];
    const ref = method.response?.$ref;
    if (ref === undefined) return body === undefined || (isObject(body) && Object.keys(body).length === 0) ? [] : [`${methodId} has no response body`];
    return this.validate(ref, body);
  }

  /**
   * Problems with a query string for a method: parameters neither the method nor every method knows,
   * a parameter given more than once that is not repeated, values of the wrong type, format or enum,
   * and required parameters left out.
   */
  validateQuery(methodId: string, query: URLSearchParams): string[] {
    const method = this.method(methodId);
    if (method === undefined) return [`${methodId} is not a method of ${this.name}`];
    const problems: string[] = [];
    const params = method.parameters ?? {};
    for (const key of new Set(query.keys())) {
      const own = Object.hasOwn(params, key) ? params[key] : undefined;
      const p = own?.location === 'query' ? own : Object.hasOwn(this.doc.parameters ?? {}, key) ? this.doc.parameters?.[key] : undefined;
      if (p === undefined) {
        problems.push(`${methodId}: unknown query parameter ${key}`);
        continue;
      }
      const values = query.getAll(key);
      if (values.length > 1 && p.repeated !== true) problems.push(`${methodId}: query parameter ${key} is not repeated but was sent ${values.length} times`);
      for (const value of values) this.queryValue(p, value, `${methodId}?${key}`, problems);
    }
    for (const [name, p] of Object.entries(params)) {
      if (p.required === true && p.location === 'query' && !query.has(name)) problems.push(`${methodId}: required query parameter ${name} is missing`);
    }
    return problems;
  }

  /**
   * Problems in a request to a method: the HTTP verb, the path against the method's path template and
   * its parameter patterns, the query string (as `validateQuery`), and the body against `request`
   * (output-only fields included).
   */
  validateRequest(methodId: string, request: RequestToCheck): string[] {
    const method = this.method(methodId);
    if (method === undefined) return [`${methodId} is not a method of ${this.name}`];
    const problems: string[] = [];
    if (request.method.toUpperCase() !== method.httpMethod) problems.push(`${methodId}: sent with ${request.method}, the method is ${method.httpMethod}`);

    const params = method.parameters ?? {};
    const pathNames: string[] = [];
    const template = `/${this.doc.servicePath ?? ''}${method.path}`.replace(/\/+/g, '/');
    const pattern = template.replace(/[.*?^$()|[\]\\]/g, '\\$&').replace(/\{(\+?)([^}]+)\}/g, (_m, plus: string, name: string) => {
      pathNames.push(name);
      return plus === '+' ? '(.+)' : '([^/]+)';
    });
    const match = new RegExp(`^${pattern}$`).exec(request.path);
    if (!match) problems.push(`${methodId}: path ${request.path} does not fit ${template}`);
    else {
      pathNames.forEach((name, i) => {
        const value = match[i + 1] ?? '';
        const p = params[name];
        if (p?.pattern !== undefined && !new RegExp(p.pattern).test(value)) problems.push(`${methodId}: path parameter ${name}=${value} does not match ${p.pattern}`);
      });
    }

    problems.push(...this.validateQuery(methodId, request.query));

    const ref = method.request?.$ref;
    if (ref !== undefined) this.value({ $ref: ref }, request.body, `${methodId} body`, problems, { request: true });
    else if (request.body !== undefined) problems.push(`${methodId}: takes no body`);
    return problems;
  }

  private queryValue(p: DiscoveryParameter, value: string, where: string, problems: string[]): void {
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    if (p.enum !== undefined) {
      this.enumValue(p.enum, value, where, problems);
      return;
    }
    switch (p.type) {
      case 'integer':
        if (!DECIMAL.test(value)) bad(`an integer${p.format !== undefined ? ` (${p.format})` : ''}`);
        else this.integerRange(p.format, Number(value), where, problems);
        return;
      case 'number':
        if (value.trim() === '' || !Number.isFinite(Number(value))) bad('a number');
        return;
      case 'boolean':
        if (value !== 'true' && value !== 'false') bad('true or false');
        return;
      default:
        this.stringFormat(p.format, value, where, problems);
    }
  }

  private enumValue(allowed: readonly string[], value: string, where: string, problems: string[]): void {
    if (!allowed.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    else if (value.endsWith('_UNSPECIFIED')) problems.push(`${where}: ${value} is a proto default, never a meaningful value`);
  }

  private integerRange(format: string | undefined, n: number, where: string, problems: string[]): void {
    const range = RANGES[format ?? 'int32'];
    if (range !== undefined && (n < range[0] || n > range[1])) problems.push(`${where}: ${n} is outside ${format ?? 'int32'}`);
  }

  private stringFormat(format: string | undefined, value: string, where: string, problems: string[]): void {
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    if ((format === 'int64' || format === 'uint64') && !DECIMAL.test(value)) bad(`an ${format} as a decimal string`);
    else if (format === 'uint64' && value.startsWith('-')) bad('a uint64');
    else if (format === 'google-datetime' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) bad('an RFC 3339 timestamp');
    else if (format === 'google-duration' && !DURATION.test(value)) bad('a duration in seconds, like "300s"');
    else if (format === 'byte' && !BASE64.test(value)) bad('base64 bytes');
  }

  private value(declared: DiscoveryProperty, value: unknown, where: string, problems: string[], options: ValidateOptions): void {
    let p = declared;
    if (declared.$ref !== undefined) {
      const schema = Object.hasOwn(this.doc.schemas, declared.$ref) ? this.doc.schemas[declared.$ref] : undefined;
      if (schema === undefined) {
        problems.push(`${where}: unknown schema ${declared.$ref}`);
        return;
      }
      p = schema;
    }
    if (p.type === 'any') return;
    if (value === null) {
      problems.push(`${where}: null (Google leaves unset fields out)`);
      return;
    }
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    const format = p.format !== undefined ? ` (${p.format})` : '';
    switch (p.type) {
      case 'string':
        if (typeof value !== 'string') bad(`a string${format}`);
        else {
          this.stringFormat(p.format, value, where, problems);
          if (p.enum !== undefined) this.enumValue(p.enum, value, where, problems);
        }
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) bad(`an integer${format}`);
        else this.integerRange(p.format, value, where, problems);
        return;
      case 'number':
        // Proto3 JSON writes the special doubles as strings.
        if (typeof value !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(String(value))) bad(`a number${format}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') bad('a boolean');
        return;
      case 'array':
        if (!Array.isArray(value)) bad('an array');
        else value.forEach((item: unknown, i) => this.value(p.items ?? { type: 'any' }, item, `${where}[${i}]`, problems, options));
        return;
      case 'object': {
        const name = declared.$ref ?? p.id;
        if (!isObject(value)) {
          bad(`an object${name !== undefined ? ` (${name})` : ''}`);
          return;
        }
        const properties = p.properties ?? {};
        for (const [key, fieldValue] of Object.entries(value)) {
          const field = Object.hasOwn(properties, key) ? properties[key] : undefined;
          if (field !== undefined) {
            if (options.request === true && field.readOnly === true) problems.push(`${where}.${key}: output only, not for a request`);
            this.value(field, fieldValue, `${where}.${key}`, problems, options);
          } else if (p.additionalProperties !== undefined) {
            this.value(p.additionalProperties, fieldValue, `${where}[${JSON.stringify(key)}]`, problems, options);
          } else {
            problems.push(`${where}.${key}: no field '${key}' in ${name ?? 'this object'}`);
          }
        }
        return;
      }
      default:
        problems.push(`${where}: the document uses a type this validator does not know: ${String(p.type)}`);
    }
  }
}
