/**
 * Checks JSON and requests against a Google API discovery document (the files in
 * test/fixtures/discovery/), so the sandbox answers as Google's schema says and the adapters ask as it
 * says.
 *
 * How discovery documents describe things: `schemas.<Name>` is an object schema with `properties`; a
 * property has a `type` (`string`, `integer`, `number`, `boolean`, `object`, `array`, `any`) and maybe
 * a `format` (`int64` and `uint64` are decimal strings, `google-datetime` RFC 3339, `google-duration`
 * seconds with an `s`, `byte` base64), an `enum`, `items` (arrays), `additionalProperties` (maps) or a
 * `$ref` to another schema. Methods live under `resources.<r>.resources.<r>.methods.<m>` with an `id`
 * (`monitoring.projects.timeSeries.list`), `httpMethod`, `path`/`flatPath`, `parameters` (each with a
 * `location` of `path` or `query`, maybe `repeated`, `enum`, `pattern`, `required`), `request` and
 * `response` `$ref`s; the document's top-level `parameters` apply to every method.
 *
 * Enum values ending in `_UNSPECIFIED` are proto defaults that a well-formed message never carries;
 * they count as problems unless `allowUnspecified` is set.
 */
import { readFileSync } from 'node:fs';

export interface DiscoveryProperty {
  type?: string;
  format?: string;
  $ref?: string;
  items?: DiscoveryProperty;
  additionalProperties?: DiscoveryProperty;
  properties?: Record<string, DiscoveryProperty>;
  enum?: string[];
  repeated?: boolean;
  location?: string;
  pattern?: string;
  required?: boolean;
}

export interface DiscoveryMethod {
  id: string;
  httpMethod: string;
  path: string;
  flatPath?: string;
  parameters?: Record<string, DiscoveryProperty>;
  request?: { $ref: string };
  response?: { $ref: string };
}

interface DiscoveryResource {
  methods?: Record<string, DiscoveryMethod>;
  resources?: Record<string, DiscoveryResource>;
}

interface DiscoveryDocument {
  name: string;
  servicePath?: string;
  parameters?: Record<string, DiscoveryProperty>;
  schemas: Record<string, DiscoveryProperty>;
  resources?: Record<string, DiscoveryResource>;
}

export interface ValidateOptions {
  /** Accept `*_UNSPECIFIED` enum values (they are never right in what the sandbox sends). */
  allowUnspecified?: boolean;
}

export interface RequestToCheck {
  method: string;
  /** URL path as the server saw it, e.g. `/v3/projects/p/timeSeries`. */
  path: string;
  query: URLSearchParams;
  body?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const DECIMAL = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export class DiscoverySchema {
  private readonly methods = new Map<string, DiscoveryMethod>();

  constructor(private readonly doc: DiscoveryDocument) {
    const walk = (resources: Record<string, DiscoveryResource> | undefined) => {
      for (const resource of Object.values(resources ?? {})) {
        for (const method of Object.values(resource.methods ?? {})) this.methods.set(method.id, method);
        walk(resource.resources);
      }
    };
    walk(doc.resources);
  }

  static load(file: string | URL): DiscoverySchema {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isObject(parsed) || !isObject(parsed.schemas)) throw new Error(`${String(file)} is not a discovery document`);
    return new DiscoverySchema(parsed as unknown as DiscoveryDocument);
  }

  method(id: string): DiscoveryMethod {
    const method = this.methods.get(id);
    if (!method) throw new Error(`no method ${id} in the ${this.doc.name} discovery document`);
    return method;
  }

  /** Problems found in `value` as a `schemaName`; empty when it conforms. */
  validate(schemaName: string, value: unknown, options: ValidateOptions = {}): string[] {
    const problems: string[] = [];
    if (!this.doc.schemas[schemaName]) return [`${schemaName} is not a schema of ${this.doc.name}`];
    this.value({ $ref: schemaName }, value, schemaName, problems, options);
    return problems;
  }

  /** Problems in a response body of a method (its `response` schema). */
  validateResponse(methodId: string, body: unknown, options: ValidateOptions = {}): string[] {
    const ref = this.method(methodId).response?.$ref;
    if (ref === undefined) return body === undefined || (isObject(body) && Object.keys(body).length === 0) ? [] : [`${methodId} has no response body`];
    return this.validate(ref, body, options);
  }

  /**
   * Problems in a request to a method: the HTTP verb, the path against the method's path template and
   * its parameter patterns, every query parameter (known to the method or to every method, repeated
   * only when it may be, values of the right type, format and enum), and the body against `request`.
   */
  validateRequest(methodId: string, request: RequestToCheck, options: ValidateOptions = {}): string[] {
    const method = this.method(methodId);
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

    const global = this.doc.parameters ?? {};
    for (const key of new Set(request.query.keys())) {
      const p = params[key]?.location === 'query' ? params[key] : global[key];
      const values = request.query.getAll(key);
      if (!p) {
        problems.push(`${methodId}: unknown query parameter ${key}`);
        continue;
      }
      if (values.length > 1 && p.repeated !== true) problems.push(`${methodId}: query parameter ${key} is not repeated but was sent ${values.length} times`);
      for (const value of values) this.queryValue(p, value, `${methodId}?${key}`, problems, options);
    }
    for (const [name, p] of Object.entries(params)) {
      if (p.required === true && p.location === 'query' && !request.query.has(name)) problems.push(`${methodId}: required query parameter ${name} is missing`);
    }

    const ref = method.request?.$ref;
    if (ref !== undefined) this.value({ $ref: ref }, request.body, `${methodId} body`, problems, options);
    else if (request.body !== undefined) problems.push(`${methodId}: takes no body`);
    return problems;
  }

  private queryValue(p: DiscoveryProperty, value: string, where: string, problems: string[], options: ValidateOptions): void {
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    if (p.enum) {
      this.enumValue(p.enum, value, where, problems, options);
      return;
    }
    switch (p.type) {
      case 'integer':
        if (!DECIMAL.test(value)) bad(`an ${p.format ?? 'integer'}`);
        else this.integerRange(p.format, Number(value), where, problems);
        return;
      case 'number':
        if (value.trim() === '' || Number.isNaN(Number(value))) bad('a number');
        return;
      case 'boolean':
        if (value !== 'true' && value !== 'false') bad('true or false');
        return;
      default:
        this.stringFormat(p.format, value, where, problems);
    }
  }

  private enumValue(allowed: readonly string[], value: unknown, where: string, problems: string[], options: ValidateOptions): void {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      problems.push(`${where}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    } else if (options.allowUnspecified !== true && value.endsWith('_UNSPECIFIED')) {
      problems.push(`${where}: ${value} is a proto default, never a meaningful value`);
    }
  }

  private integerRange(format: string | undefined, n: number, where: string, problems: string[]): void {
    if (format === 'int32' && (n < -(2 ** 31) || n > 2 ** 31 - 1)) problems.push(`${where}: ${n} is out of int32 range`);
    if (format === 'uint32' && (n < 0 || n > 2 ** 32 - 1)) problems.push(`${where}: ${n} is out of uint32 range`);
  }

  private stringFormat(format: string | undefined, value: string, where: string, problems: string[]): void {
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    if ((format === 'int64' || format === 'uint64') && !DECIMAL.test(value)) bad(`an ${format} as a decimal string`);
    else if (format === 'uint64' && value.startsWith('-')) bad('a uint64');
    else if (format === 'google-datetime' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) bad('an RFC 3339 timestamp');
    else if (format === 'google-duration' && !DURATION.test(value)) bad('a duration in seconds, like "300s"');
    else if (format === 'byte' && !BASE64.test(value)) bad('base64 bytes');
  }

  private value(p: DiscoveryProperty, value: unknown, where: string, problems: string[], options: ValidateOptions): void {
    if (p.$ref !== undefined) {
      const schema = this.doc.schemas[p.$ref];
      if (!schema) {
        problems.push(`${where}: unknown schema ${p.$ref}`);
        return;
      }
      this.value(schema, value, where, problems, options);
      return;
    }
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    switch (p.type) {
      case 'any':
        return;
      case 'string':
        if (typeof value !== 'string') bad(p.format === 'int64' || p.format === 'uint64' ? `an ${p.format} as a decimal string` : 'a string');
        else if (p.enum) this.enumValue(p.enum, value, where, problems, options);
        else this.stringFormat(p.format, value, where, problems);
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) bad(`an ${p.format ?? 'integer'}`);
        else this.integerRange(p.format, value, where, problems);
        return;
      case 'number':
        if (typeof value !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(String(value))) bad('a number');
        return;
      case 'boolean':
        if (typeof value !== 'boolean') bad('a boolean');
        return;
      case 'array':
        if (!Array.isArray(value)) bad('an array');
        else if (p.items) value.forEach((item: unknown, i) => this.value(p.items ?? {}, item, `${where}[${i}]`, problems, options));
        return;
      case 'object': {
        if (!isObject(value)) {
          bad('an object');
          return;
        }
        const properties = p.properties ?? {};
        for (const [key, fieldValue] of Object.entries(value)) {
          const field = properties[key] ?? p.additionalProperties;
          const at = p.properties?.[key] ? `${where}.${key}` : `${where}[${JSON.stringify(key)}]`;
          if (!field) problems.push(`${where}: no field '${key}' in the schema`);
          else this.value(field, fieldValue, at, problems, options);
        }
        return;
      }
      default:
        problems.push(`${where}: the schema has no type the validator knows (${String(p.type)})`);
    }
  }
}
