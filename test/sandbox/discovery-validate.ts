/**
 * Checks JSON values and query strings against a Google API discovery document (the format of
 * test/fixtures/discovery/): every field of a value exists in its schema with the right JSON type and
 * format, every enum value is one the schema lists, and every query parameter is one the method (or
 * Google's standard set) declares.
 *
 * How discovery documents describe JSON: `schemas` maps a name to `{type: 'object', properties}`;
 * a property has a `type` (`string`, `integer`, `number`, `boolean`, `array` with `items`, `object`
 * with `properties` or `additionalProperties`, `any`) or a `$ref` to another schema, and may have
 * `format` (`int32`, `int64` - sent as a decimal string, `double`, `google-datetime`, ...) and `enum`.
 * Google leaves unset fields out rather than sending null, so a null counts as a problem.
 */
import { readFileSync } from 'node:fs';

export interface DiscoverySchema {
  id?: string;
  type?: string;
  $ref?: string;
  format?: string;
  enum?: string[];
  properties?: Record<string, DiscoverySchema>;
  additionalProperties?: DiscoverySchema;
  items?: DiscoverySchema;
}

export interface DiscoveryParameter extends DiscoverySchema {
  location?: 'query' | 'path';
  required?: boolean;
  repeated?: boolean;
  pattern?: string;
}

export interface DiscoveryMethod {
  id: string;
  path: string;
  flatPath?: string;
  httpMethod: string;
  parameters?: Record<string, DiscoveryParameter>;
  response?: { $ref: string };
}

interface DiscoveryResource {
  methods?: Record<string, DiscoveryMethod>;
  resources?: Record<string, DiscoveryResource>;
}

export interface DiscoveryDocument {
  name: string;
  version: string;
  revision?: string;
  schemas: Record<string, DiscoverySchema>;
  parameters?: Record<string, DiscoveryParameter>;
  resources?: Record<string, DiscoveryResource>;
}

const INT64 = /^-?\d+$/;
const UINT64 = /^\d+$/;
// RFC 3339, as google-datetime fields are written.
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Discovery {
  constructor(readonly doc: DiscoveryDocument) {}

  static load(file: URL): Discovery {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isObject(parsed) || !isObject(parsed.schemas)) throw new Error(`${file.pathname} is not a discovery document`);
    return new Discovery(parsed as unknown as DiscoveryDocument);
  }

  /** Problems found in `value` as a `schemaName`; empty when it conforms. */
  validate(schemaName: string, value: unknown): string[] {
    const problems: string[] = [];
    if (this.doc.schemas[schemaName] === undefined) return [`${schemaName} is not a schema of ${this.doc.name} ${this.doc.version}`];
    this.check({ $ref: schemaName }, value, schemaName, problems);
    return problems;
  }

  /** A method by its id, e.g. `cloudbilling.services.skus.list`. */
  method(id: string): DiscoveryMethod | undefined {
    const search = (resources: Record<string, DiscoveryResource> | undefined): DiscoveryMethod | undefined => {
      for (const resource of Object.values(resources ?? {})) {
        for (const method of Object.values(resource.methods ?? {})) if (method.id === id) return method;
        const nested = search(resource.resources);
        if (nested) return nested;
      }
      return undefined;
    };
    return search(this.doc.resources);
  }

  /** Problems with a request's query string for the method: unknown parameters, wrong types, bad enum values. */
  validateQuery(methodId: string, query: URLSearchParams): string[] {
    const method = this.method(methodId);
    if (method === undefined) return [`${methodId} is not a method of ${this.doc.name} ${this.doc.version}`];
    const problems: string[] = [];
    const counts = new Map<string, number>();
    for (const [name, text] of query) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const own = method.parameters?.[name];
      const param = own?.location === 'query' ? own : this.doc.parameters?.[name];
      if (param === undefined) {
        problems.push(`query parameter '${name}' is not a parameter of ${methodId}`);
        continue;
      }
      this.checkText(param, text, `?${name}`, problems);
      if ((counts.get(name) ?? 0) > 1 && param.repeated !== true) problems.push(`?${name}: given more than once but not repeated`);
    }
    return problems;
  }

  private resolve(schema: DiscoverySchema, where: string, problems: string[]): DiscoverySchema | null {
    if (schema.$ref === undefined) return schema;
    const target = this.doc.schemas[schema.$ref];
    if (target === undefined) problems.push(`${where}: the document has no schema ${schema.$ref}`);
    return target ?? null;
  }

  private check(declared: DiscoverySchema, value: unknown, where: string, problems: string[]): void {
    const schema = this.resolve(declared, where, problems);
    if (schema === null) return;
    const name = declared.$ref ?? schema.id ?? schema.type ?? 'value';
    if (value === null) {
      problems.push(`${where}: null (Google leaves unset fields out)`);
      return;
    }
    switch (schema.type) {
      case 'object': {
        if (!isObject(value)) {
          problems.push(`${where}: expected a ${name} object, got ${JSON.stringify(value)}`);
          return;
        }
        for (const [key, field] of Object.entries(value)) {
          const property = schema.properties?.[key] ?? schema.additionalProperties;
          if (property === undefined) {
            problems.push(`${where}.${key}: no field '${key}' in ${name}`);
            continue;
          }
          this.check(property, field, schema.properties?.[key] ? `${where}.${key}` : `${where}[${JSON.stringify(key)}]`, problems);
        }
        return;
      }
      case 'array':
        if (!Array.isArray(value)) {
          problems.push(`${where}: expected an array, got ${JSON.stringify(value)}`);
          return;
        }
        value.forEach((item, i) => this.check(schema.items ?? { type: 'any' }, item, `${where}[${i}]`, problems));
        return;
      case 'string':
        if (typeof value !== 'string') {
          problems.push(`${where}: expected a string${schema.format ? ` (${schema.format})` : ''}, got ${JSON.stringify(value)}`);
          return;
        }
        this.checkText(schema, value, where, problems);
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          problems.push(`${where}: expected an integer (${schema.format ?? 'int32'}), got ${JSON.stringify(value)}`);
          return;
        }
        this.checkInteger(schema, value, where, problems);
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${where}: expected a number (${schema.format ?? 'double'}), got ${JSON.stringify(value)}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') problems.push(`${where}: expected a boolean, got ${JSON.stringify(value)}`);
        return;
      case 'any':
      case undefined:
        return;
      default:
        problems.push(`${where}: the schema has a type this validator does not know: ${schema.type}`);
    }
  }

  private checkInteger(schema: DiscoverySchema, value: number, where: string, problems: string[]): void {
    const format = schema.format ?? 'int32';
    const ranges: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };
    const range = ranges[format];
    if (range !== undefined && (value < range[0] || value > range[1])) problems.push(`${where}: ${value} is outside ${format}`);
  }

  /** A string field's content, or a query parameter's text, against the declared type, format and enum. */
  private checkText(schema: DiscoverySchema, text: string, where: string, problems: string[]): void {
    if (schema.enum !== undefined && !schema.enum.includes(text)) {
      problems.push(`${where}: "${text}" is not one of ${schema.enum.join(', ')}`);
      return;
    }
    switch (schema.type) {
      case 'integer': {
        const n = Number(text);
        if (text.trim() === '' || !Number.isInteger(n)) problems.push(`${where}: expected an integer, got "${text}"`);
        else this.checkInteger(schema, n, where, problems);
        return;
      }
      case 'number':
        if (text.trim() === '' || !Number.isFinite(Number(text))) problems.push(`${where}: expected a number, got "${text}"`);
        return;
      case 'boolean':
        if (text !== 'true' && text !== 'false') problems.push(`${where}: expected true or false, got "${text}"`);
        return;
      default:
        break;
    }
    switch (schema.format) {
      case 'int64':
        if (!INT64.test(text)) problems.push(`${where}: expected an int64 as a decimal string, got "${text}"`);
        return;
      case 'uint64':
        if (!UINT64.test(text)) problems.push(`${where}: expected an uint64 as a decimal string, got "${text}"`);
        return;
      case 'google-datetime':
        if (!DATETIME.test(text) || Number.isNaN(Date.parse(text))) problems.push(`${where}: expected an RFC 3339 timestamp, got "${text}"`);
        return;
      default:
        return;
    }
  }
}
