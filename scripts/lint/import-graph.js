// The project's own lint rules over src/'s import graph: no import cycles (type-only imports included)
// and the layer rules of DESIGN.md "Layout". Written here because no import-graph plugin is among the
// project's dependencies; the TypeScript compiler (a dev dependency) lists each file's imports.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Every specifier a file names: `import`, `import type`, `export … from`, `import()` and `import('…')`
// in types. A type-only edge is an edge: it still ties two files together.
function specifiersOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The .ts file a relative specifier names (NodeNext writes `./x.js` for `./x.ts`), or null. */
export function resolveSpecifier(fromFile, specifier) {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    path.join(base, 'index.ts'),
  ];
  for (const candidate of candidates) {
    if (/\.(m?ts|tsx)$/.test(candidate) && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

// Each file's resolved imports, re-read when the file changed, so an editor's long-lived ESLint stays right.
const edgesCache = new Map();
function importsOf(file, waived = noWaivers) {
  return readImports(file).filter(({ target }) => !waived(file, target));
}
const noWaivers = () => false;
function readImports(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return [];
  }
  const cached = edgesCache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.imports;
  const text = fs.readFileSync(file, 'utf8');
  const imports = [];
  for (const specifier of specifiersOf(text)) {
    const target = resolveSpecifier(file, specifier);
    if (target !== null && !imports.some((i) => i.target === target)) imports.push({ specifier, target });
  }
  edgesCache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, imports });
  return imports;
}

/**
 * The shortest way back to `start` through the graph, beginning with one of its imports: the files in
 * order, `start` first and last; null when `start` is in no cycle.
 */
export function cycleThrough(start, waived = noWaivers) {
  const previous = new Map();
  const queue = [];
  for (const { target } of importsOf(start, waived)) {
    if (target === start) return [start, start];
    if (!previous.has(target)) {
      previous.set(target, start);
      queue.push(target);
    }
  }
  while (queue.length > 0) {
    const file = queue.shift();
    for (const { target } of importsOf(file, waived)) {
      if (target === start) {
        const way = [start];
        for (let at = file; at !== start; at = previous.get(at)) way.push(at);
        way.push(start);
        return [way[0], ...way.slice(1, -1).reverse(), start];
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return null;
}

// The nodes of the current file that name another module, with the specifier they name.
function importNodes(context, onImport) {
  const check = (node, source, typeOnly) => {
    if (source && source.type === 'Literal' && typeof source.value === 'string') onImport(node, source.value, typeOnly);
  };
  return {
    ImportDeclaration: (node) =>
      check(node, node.source, node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'))),
    ExportNamedDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
    ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
    ImportExpression: (node) => check(node, node.source, false),
    TSImportType: (node) => {
      // typescript-eslint 8 puts the specifier in `argument` (a literal type) or `source`, by version.
      const literal = node.source ?? (node.argument && node.argument.literal);
      check(node, literal, true);
    },
  };
}

/**
 * Options: `waive`, a list of `{ from, to, until }` (paths relative to the working directory): edges left
 * out of the graph while another change removes them, each saying which. A waiver whose edge is gone is
 * reported, so it is deleted with the edge rather than left to hide a new one.
 */
const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles among the project files, type-only imports included.' },
    schema: [
      {
        type: 'object',
        properties: {
          waive: {
            type: 'array',
            items: {
              type: 'object',
              properties: { from: { type: 'string' }, to: { type: 'string' }, until: { type: 'string' } },
              required: ['from', 'to', 'until'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      cycle: 'Import cycle: {{way}}. Move what both sides need into a file that imports neither (ports into src/app/ports/, shared rules into src/domain/).',
      staleWaiver: 'The waiver for {{from}} -> {{to}} ({{until}}) is no longer needed: this file no longer imports it. Delete the waiver.',
    },
  },
  create(context) {
    const cwd = context.cwd ?? process.cwd();
    const waivers = (context.options[0]?.waive ?? []).map((w) => ({ ...w, fromFile: path.resolve(cwd, w.from), toFile: path.resolve(cwd, w.to) }));
    const waived = (from, to) => waivers.some((w) => w.fromFile === from && w.toFile === to);
    const file = path.resolve(context.filename);
    const listeners = {};
    const stale = waivers.filter((w) => w.fromFile === file && !readImports(file).some((i) => i.target === w.toFile));
    if (stale.length > 0) {
      listeners.Program = (node) => {
        for (const w of stale) context.report({ node, messageId: 'staleWaiver', data: { from: w.from, to: w.to, until: w.until } });
      };
    }
    const way = cycleThrough(file, waived);
    if (way === null) return listeners;
    const next = way[1];
    const shown = way.map((f) => path.relative(cwd, f)).join(' -> ');
    let reported = false;
    return {
      ...listeners,
      ...importNodes(context, (node, specifier) => {
        if (reported || resolveSpecifier(file, specifier) !== next) return;
        reported = true;
        context.report({ node, messageId: 'cycle', data: { way: shown } });
      }),
    };
  },
};

/**
 * Which layers a layer may import. A file's layer is its first folder under the root (`src/domain/x.ts`
 * is `domain`), or its name without extension at the root (`src/log.ts` is `log`). Options: `root`
 * (relative to the working directory), and `layers`: `{ name: { allow?: [...], deny?: [...], message,
 * typeImportsFrom?: [files that may name denied layers in type-only imports] } }`. A layer may always
 * import itself.
 */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'The dependency rules between src/ layers (DESIGN.md "Layout").' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, layers: { type: 'object' } },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: { layer: '{{from}}/ may not import {{to}} ({{specifier}}): {{why}}' },
  },
  create(context) {
    const [{ root, layers: rules }] = context.options;
    const cwd = context.cwd ?? process.cwd();
    const rootDir = path.resolve(cwd, root);
    const layerOf = (file) => {
      const relative = path.relative(rootDir, file);
      if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
      const [first, ...rest] = relative.split(path.sep);
      return rest.length > 0 ? first : first.replace(/\.[^.]+$/, '');
    };
    const file = path.resolve(context.filename);
    const from = layerOf(file);
    const rule = from === null ? undefined : rules[from];
    if (rule === undefined) return {};
    const relativeFile = path.relative(cwd, file).split(path.sep).join('/');
    const typeImportsAllowed = (rule.typeImportsFrom ?? []).includes(relativeFile);
    return importNodes(context, (node, specifier, typeOnly) => {
      const target = resolveSpecifier(file, specifier);
      if (target === null) return;
      const to = layerOf(target) ?? path.relative(cwd, target);
      if (to === from) return;
      const allowed = rule.allow ? rule.allow.includes(to) : !(rule.deny ?? []).includes(to);
      if (allowed || (typeOnly && typeImportsAllowed)) return;
      context.report({ node, messageId: 'layer', data: { from, to, specifier, why: rule.message } });
    });
  },
};

export default { meta: { name: 'gpubot-import-graph' }, rules: { 'no-cycle': noCycle, layers } };
