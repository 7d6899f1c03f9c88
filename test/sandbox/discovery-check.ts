/**
 * Checks JSON against a Google API discovery document (test/fixtures/discovery/, copies of Google's
 * own): every field exists in the schema with the right type, every enum value is one the schema lists,
 * and request bodies carry no output-only fields.
 *
 * How discovery documents describe things: `schemas` by id, each `type: object` with `properties`
 * (or `additionalProperties` for maps); a property has a `type` (`string`, `integer`, `number`,
 * `boolean`, `array` with `items`, `object`, `any`) or a `$ref`, and may have a `format` (`int64` and
 * `uint64` travel as decimal strings, `google-datetime` as RFC 3339), an `enum`, and `readOnly`.
 * `*_UNSPECIFIED` enum values are proto defaults the APIs never send, so they count as bad values.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Property {
  type?: string;
  $ref?: string;
  format?: string;
  enum?: string[];
  items?: Property;
  properties?: Record<string, Property>;
  additionalProperties?: Property;
  readOnly?: boolean;
}

interface Method {
  id: string;
  httpMethod: string;
  flatPath?: string;
  path: string;
  request?: { $ref: string };
  response?: { $ref: string };
}

interface Resource {
  methods?: Record<string, Method>;
  resources?: Record<string, Resource>;
}

interface DiscoveryDoc {
  name: string;
  version: string;
  schemas: Record<string, Property>;
  resources?: Record<string, Resource>;
}

export interface ValidateOptions {
  /** A request body: output-only (`readOnly`) fields are problems too. */
  request?: boolean;
}

export interface RestMethod {
  /** `aiplatform.projects.locations.customJobs.create` */
  id: string;
  verb: string;
  /** Matches the URL path the client builds (with a leading `/`). */
  pattern: RegExp;
  request: string | null;
  response: string | null;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'discovery');

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const INT32 = { min: -2147483648, max: 2147483647 };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class DiscoverySchema {
  private methodList: RestMethod[] | null = null;

  constructor(private readonly doc: DiscoveryDoc) {}

  /** Loads `test/fixtures/discovery/<file>`, e.g. `aiplatform.v1.json`. */
  static load(file: string): DiscoverySchema {
    const parsed: unknown = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
    if (!isObject(parsed) || !isObject(parsed.schemas)) throw new Error(`${file} is not a discovery document`);
    return new DiscoverySchema(parsed as unknown as DiscoveryDoc);
  }

  get name(): string {
    return `${this.doc.name}.${this.doc.version}`;
  }

  hasSchema(id: string): boolean {
    return Object.hasOwn(this.doc.schemas, id);
  }

  /** Problems found in `value` as an instance of schema `id`; empty when it conforms. */
  validate(id: string, value: unknown, options: ValidateOptions = {}): string[] {
    const problems: string[] = [];
    if (!this.hasSchema(id)) return [`${id} is not a schema of ${this.name}`];
    this.check({ $ref: id }, value, id, options, problems);
    return problems;
  }

  private check(prop: Property, value: unknown, where: string, options: ValidateOptions, problems: string[]): void {
    if (prop.$ref !== undefined) {
      const schema = this.doc.schemas[prop.$ref];
      if (schema === undefined) {
        problems.push(`${where}: unknown schema ${prop.$ref}`);
        return;
      }
      this.check(schema, value, where, options, problems);
      return;
    }
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    switch (prop.type) {
      case 'any':
        return;
      case 'string':
        if (typeof value !== 'string') return void bad(`a string${prop.format ? ` (${prop.format})` : ''}`);
        if ((prop.format === 'int64' || prop.format === 'uint64') && !/^-?\d+$/.test(value)) return void bad(`an ${prop.format} as a decimal string`);
        if (prop.format === 'google-datetime' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) return void bad('an RFC 3339 timestamp');
        if (prop.format === 'byte' && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return void bad('base64 bytes');
        if (prop.enum !== undefined && (!prop.enum.includes(value) || value.endsWith('_UNSPECIFIED'))) {
          problems.push(`${where}: ${JSON.stringify(value)} is not one of ${prop.enum.filter((v) => !v.endsWith('_UNSPECIFIED')).join(', ')}`);
        }
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) return void bad(`an integer${prop.format ? ` (${prop.format})` : ''}`);
        if (prop.format === 'int32' && (value < INT32.min || value > INT32.max)) bad('an int32');
        if (prop.format === 'uint32' && (value < 0 || value > 4294967295)) bad('a uint32');
        return;
      case 'number':
        if (typeof value !== 'number') bad('a number');
        return;
      case 'boolean':
        if (typeof value !== 'boolean') bad('a boolean');
        return;
      case 'array':
        if (!Array.isArray(value)) return void bad('an array');
        value.forEach((item: unknown, i) => this.check(prop.items ?? { type: 'any' }, item, `${where}[${i}]`, options, problems));
        return;
      case 'object':
      case undefined: {
        if (!isObject(value)) return void bad('an object');
        for (const [key, fieldValue] of Object.entries(value)) {
          const at = `${where}.${key}`;
          const field = prop.properties?.[key];
          if (field !== undefined && Object.hasOwn(prop.properties ?? {}, key)) {
            if (options.request === true && field.readOnly === true) problems.push(`${at}: output only, not for a request`);
            this.check(field, fieldValue, at, options, problems);
          } else if (prop.additionalProperties !== undefined) {
            this.check(prop.additionalProperties, fieldValue, `${where}[${JSON.stringify(key)}]`, options, problems);
          } else {
            problems.push(`${at}: no field '${key}' in this schema`);
          }
        }
        return;
      }
      default:
        problems.push(`${where}: the document uses a type this checker does not know: ${prop.type}`);
    }
  }

  /** Every REST method of the document, with a pattern for the URL paths the clients build. */
  methods(): RestMethod[] {
    if (this.methodList !== null) return this.methodList;
    const out: RestMethod[] = [];
    const walk = (resources: Record<string, Resource> | undefined) => {
      for (const resource of Object.values(resources ?? {})) {
        for (const method of Object.values(resource.methods ?? {})) {
          const template = method.flatPath ?? method.path;
          const source = template
            .split(/(\{[^}]+\})/)
            .map((part) => (part.startsWith('{') ? '[^/:]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
            .join('');
          out.push({
            id: method.id,
            verb: method.httpMethod,
            pattern: new RegExp(`^/${source}$`),
            request: method.request?.$ref ?? null,
            response: method.response?.$ref ?? null,
          });
        }
        walk(resource.resources);
      }
    };
    walk(this.doc.resources);
    this.methodList = out;
    return out;
  }

  /** The method a request hits, by verb and path. */
  methodFor(verb: string, path: string): RestMethod | undefined {
    return this.methods().find((m) => m.verb === verb && m.pattern.test(path));
  }
}
