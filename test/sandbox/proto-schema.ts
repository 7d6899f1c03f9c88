/**
 * Checks JSON against the Compute protos shipped with `@google-cloud/compute` (protobufjs JSON form).
 *
 * How protos.json stores things: namespaces and messages nest under `nested`; a message has `fields`
 * keyed by the name already in lowerCamelCase (the generator does not keep snake_case), each with
 * `type`, optional `rule: 'repeated'` and, for maps, `keyType`. Enums are nested types with `values`.
 * Compute declares most enum-valued fields as `string` and puts the allowed values in a nested enum
 * named after the field (`Instance.status` -> `Instance.Status`); a few (`Operation.status`) use the
 * enum type directly. Both are checked. `UNDEFINED_*` values are proto defaults that the API never
 * sends, so they count as bad values.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

interface ProtoField {
  type: string;
  rule?: string;
  keyType?: string;
  options?: Record<string, unknown>;
}

interface ProtoMethod {
  requestType: string;
  responseType: string;
  options?: Record<string, unknown>;
}

interface ProtoNode {
  nested?: Record<string, ProtoNode>;
  fields?: Record<string, ProtoField>;
  values?: Record<string, number>;
  methods?: Record<string, ProtoMethod>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const INTEGER_32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INTEGER_64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export interface HttpRoute {
  /** `Instances.Insert` */
  rpc: string;
  /** `instances.insert`, as the sandbox names its methods. */
  method: string;
  verb: string;
  pattern: RegExp;
  requestType: string;
  responseType: string;
  /** The message the HTTP body carries, when the method has one. */
  bodyType?: string;
}

export class ProtoSchema {
  private readonly packagePath = ['google', 'cloud', 'compute', 'v1'];

  constructor(private readonly root: ProtoNode) {}

  static loadCompute(): ProtoSchema {
    const require = createRequire(import.meta.url);
    const packageJson = require.resolve('@google-cloud/compute/package.json');
    const file = path.join(path.dirname(packageJson), 'build', 'protos', 'protos.json');
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isObject(parsed) || !isObject(parsed.nested)) throw new Error('protos.json has no root namespace');
    return new ProtoSchema(parsed as ProtoNode);
  }

  private node(fullPath: readonly string[]): ProtoNode | undefined {
    let at: ProtoNode | undefined = this.root;
    for (const part of fullPath) at = at?.nested?.[part];
    return at;
  }

  /** Resolves a type name as protobuf does: from the innermost scope outwards. */
  private resolve(scope: readonly string[], name: string): { path: string[]; node: ProtoNode } | undefined {
    const parts = name.replace(/^\./, '').split('.');
    if (name.startsWith('.')) {
      const node = this.node(parts);
      return node ? { path: parts, node } : undefined;
    }
    for (let depth = scope.length; depth >= 0; depth--) {
      const candidate = [...scope.slice(0, depth), ...parts];
      const node = this.node(candidate);
      if (node) return { path: candidate, node };
    }
    return undefined;
  }

  /** Problems found in `value` as a JSON `google.cloud.compute.v1.<typeName>`; empty when it conforms. */
  validate(typeName: string, value: unknown): string[] {
    const resolved = this.resolve(this.packagePath, typeName);
    if (!resolved?.node.fields) return [`${typeName} is not a message in google.cloud.compute.v1`];
    const problems: string[] = [];
    this.message(resolved.path, resolved.node, value, typeName, problems);
    return problems;
  }

  private message(typePath: string[], node: ProtoNode, value: unknown, where: string, problems: string[]): void {
    if (!isObject(value)) {
      problems.push(`${where}: expected a ${typePath.join('.')} object, got ${JSON.stringify(value)}`);
      return;
    }
    const fields = new Map<string, ProtoField>();
    for (const [name, field] of Object.entries(node.fields ?? {})) {
      const jsonName = typeof field.options?.json_name === 'string' ? field.options.json_name : lowerCamel(name);
      fields.set(jsonName, field);
    }
    for (const [key, fieldValue] of Object.entries(value)) {
      const field = fields.get(key);
      const at = `${where}.${key}`;
      if (!field) {
        problems.push(`${at}: no field '${key}' in ${typePath.join('.')}`);
        continue;
      }
      // A string field whose allowed values live in a sibling enum named after it.
      const siblingEnum = field.type === 'string' ? node.nested?.[key.charAt(0).toUpperCase() + key.slice(1)] : undefined;
      const check = (item: unknown, itemAt: string) => {
        if (siblingEnum?.values) this.enumValue(siblingEnum, item, itemAt, `${typePath.join('.')}.${key.charAt(0).toUpperCase() + key.slice(1)}`, problems);
        else this.value(typePath, field.type, item, itemAt, problems);
      };
      if (field.keyType) {
        if (!isObject(fieldValue)) problems.push(`${at}: expected a map`);
        else for (const [k, v] of Object.entries(fieldValue)) check(v, `${at}[${JSON.stringify(k)}]`);
      } else if (field.rule === 'repeated') {
        if (!Array.isArray(fieldValue)) problems.push(`${at}: expected an array`);
        else fieldValue.forEach((item: unknown, i) => check(item, `${at}[${i}]`));
      } else {
        check(fieldValue, at);
      }
    }
  }

  private enumValue(node: ProtoNode, value: unknown, where: string, enumName: string, problems: string[]): void {
    const values = node.values ?? {};
    const ok =
      (typeof value === 'string' && value in values && !value.startsWith('UNDEFINED_')) ||
      (typeof value === 'number' && Object.values(values).includes(value));
    if (!ok) problems.push(`${where}: ${JSON.stringify(value)} is not a value of ${enumName}`);
  }

  private value(scope: string[], type: string, value: unknown, where: string, problems: string[]): void {
    const bad = (expected: string) => problems.push(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
    if (type === 'string') {
      if (typeof value !== 'string') bad('a string');
      return;
    }
    if (type === 'bool') {
      if (typeof value !== 'boolean') bad('a boolean');
      return;
    }
    if (INTEGER_32.has(type)) {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) bad(`an ${type}`);
      else if (type.startsWith('u') && n < 0) bad(`an ${type}`);
      return;
    }
    if (INTEGER_64.has(type)) {
      // proto3 JSON writes 64-bit integers as decimal strings; numbers are accepted on input.
      const ok = (typeof value === 'string' && /^-?\d+$/.test(value)) || (typeof value === 'number' && Number.isInteger(value));
      if (!ok) bad(`an ${type} (decimal string)`);
      return;
    }
    if (type === 'double' || type === 'float') {
      if (typeof value !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(String(value))) bad('a number');
      return;
    }
    if (type === 'bytes') {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) bad('base64 bytes');
      return;
    }
    const resolved = this.resolve(scope, type);
    if (!resolved) {
      problems.push(`${where}: unknown type ${type}`);
      return;
    }
    if (resolved.node.values) this.enumValue(resolved.node, value, where, resolved.path.join('.'), problems);
    else this.message(resolved.path, resolved.node, value, where, problems);
  }

  /** The REST routes of the given services, from their `google.api.http` annotations. */
  httpRoutes(services: readonly string[]): HttpRoute[] {
    const pkg = this.node(this.packagePath);
    const routes: HttpRoute[] = [];
    for (const service of services) {
      const methods = pkg?.nested?.[service]?.methods ?? {};
      for (const [rpc, method] of Object.entries(methods)) {
        const options = method.options ?? {};
        for (const verb of ['get', 'post', 'put', 'patch', 'delete']) {
          const template = options[`(google.api.http).${verb}`];
          if (typeof template !== 'string') continue;
          const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`);
          const route: HttpRoute = {
            rpc: `${service}.${rpc}`,
            method: `${service.charAt(0).toLowerCase()}${service.slice(1)}.${rpc.charAt(0).toLowerCase()}${rpc.slice(1)}`,
            verb: verb.toUpperCase(),
            pattern,
            requestType: method.requestType,
            responseType: method.responseType,
          };
          const body = options['(google.api.http).body'];
          if (typeof body === 'string') {
            const request = this.node([...this.packagePath, method.requestType]);
            const bodyField = body === '*' ? undefined : request?.fields?.[lowerCamel(body)];
            route.bodyType = body === '*' ? method.requestType : bodyField?.type ?? method.requestType;
          }
          routes.push(route);
        }
      }
    }
    return routes;
  }
}
