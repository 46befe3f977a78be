// The folders of src/ are layers (docs/architecture.md): imports between them must form no cycle,
// and the browser SDK (src/client/) must import nothing outside itself. Every kind of import
// counts, `import type` and `export ... from` too: a type-only cycle still ties two layers together.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { ERROR_CODES } from '../../src/errors';
import { SERVER_ERROR_CODES } from '../../src/client/constants';

const SRC = path.resolve(__dirname, '..', '..', 'src');

interface ImportEdge {
  /** Importing file, relative to src/. */
  from: string;
  /** Imported file (or the unresolved target), relative to src/. */
  to: string;
  specifier: string;
}

function listTsFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listTsFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.ts')) files.push(full);
  }
  return files.sort();
}

/** Every module specifier a file names: imports, re-exports, import-equals, require(), import(), import('x').T. */
function moduleSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The file a relative specifier names, as Node and TypeScript resolve it; the bare target when none exists. */
function resolveRelative(fromFile: string, specifier: string): string {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, path.join(base, 'index.ts'), base.replace(/\.js$/, '.ts')];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? base;
}

function relativeImports(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of listTsFiles(SRC)) {
    for (const specifier of moduleSpecifiers(file)) {
      // Bare specifiers are packages, not layers of this repository.
      if (!specifier.startsWith('.')) continue;
      edges.push({ from: path.relative(SRC, file), to: path.relative(SRC, resolveRelative(file, specifier)), specifier });
    }
  }
  return edges;
}

/** The layer of a path relative to src/: its top-level folder, or the file itself when it sits directly in src/. */
function layerOf(relPath: string): string {
  if (relPath.startsWith('..')) return `(outside src) ${relPath}`;
  const [first] = relPath.split(path.sep);
  return first;
}

/**
 * The intended order, lowest first, as docs/architecture.md gives it: a layer imports only layers
 * below it or beside it (one rank). src/client/ is not ranked: it stands alone.
 */
const LAYER_ORDER: readonly (readonly string[])[] = [
  ['util', 'errors.ts', 'log.ts', 'config', 'auth'],
  ['rpc', 'limits'],
  ['sdp'],
  ['media'],
  ['streams'],
  ['cluster'],
  ['signaling', 'http'],
  ['node'],
  ['index.ts', 'cli'],
];

function rankOf(layer: string): number | undefined {
  const rank = LAYER_ORDER.findIndex((peers) => peers.includes(layer));
  return rank === -1 ? undefined : rank;
}

type LayerGraph = Map<string, Map<string, ImportEdge[]>>;

function layerGraph(edges: ImportEdge[]): LayerGraph {
  const graph: LayerGraph = new Map();
  for (const edge of edges) {
    const from = layerOf(edge.from);
    const to = layerOf(edge.to);
    if (!graph.has(from)) graph.set(from, new Map());
    if (!graph.has(to)) graph.set(to, new Map());
    if (from === to) continue;
    const targets = graph.get(from)!;
    if (!targets.has(to)) targets.set(to, []);
    targets.get(to)!.push(edge);
  }
  return graph;
}

/** Strongly connected components with more than one layer (Tarjan): each holds at least one cycle. */
function tangledComponents(graph: LayerGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...graph.get(v)!.keys()].sort()) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components;
}

/** One shortest cycle through `start` that stays inside `component` (breadth-first). */
function cycleThrough(graph: LayerGraph, component: string[], start: string): string[] {
  const inside = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...graph.get(v)!.keys()].sort()) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const cycle = [v];
        while (cycle[0] !== start) cycle.unshift(previous.get(cycle[0])!);
        return [...cycle, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`no cycle through ${start} in ${component.join(', ')}: the component is not strongly connected`);
}

/**
 * Each tangle as readable text: its layers, one cycle, the imports behind every step of it, and any
 * other import between layers of the tangle (each of those may close a further cycle).
 */
function describeCycles(graph: LayerGraph): string[] {
  return tangledComponents(graph).map((component) => {
    const cycle = cycleThrough(graph, component, component[0]);
    const onCycle = new Set(cycle.slice(0, -1).map((from, i) => `${from} -> ${cycle[i + 1]}`));
    const steps = cycle.slice(0, -1).map((from, i) => {
      const to = cycle[i + 1];
      const imports = graph
        .get(from)!
        .get(to)!
        .map((e) => `      ${e.from} imports '${e.specifier}' (${e.to})`);
      return [`    ${from} -> ${to}:`, ...imports].join('\n');
    });
    const others = component.flatMap((from) =>
      [...graph.get(from)!.entries()]
        .filter(([to]) => component.includes(to) && !onCycle.has(`${from} -> ${to}`))
        .map(([to, imports]) => `    also ${from} -> ${to}: ${imports.map((e) => e.from).join(', ')}`),
    );
    return [`cycle ${cycle.join(' -> ')} (layers tangled together: ${component.join(', ')})`, ...steps, ...others].join('\n');
  });
}

describe('source layers', () => {
  const edges = relativeImports();

  test('the import scanner sees plain imports, import type, re-exports, require() and import() types', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layers-')), 'sample.ts');
    fs.writeFileSync(
      file,
      [
        "import { a } from './a';",
        "import type { B } from '../b';",
        "export { c } from './c';",
        "export * from './d';",
        "import e = require('./e');",
        "const f = require('./f');",
        "type G = import('./g').G;",
        "const h = import('./h');",
        "import 'side-effect';",
      ].join('\n'),
    );
    try {
      expect(moduleSpecifiers(file)).toEqual(['./a', '../b', './c', './d', './e', './f', './g', './h', 'side-effect']);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  test('the cycle finder names every layer of a tangle, one cycle through them, and the files behind each step', () => {
    const edge = (from: string, to: string): ImportEdge => ({ from, to, specifier: `../${to.replace(/\.ts$/, '')}` });
    const graph = layerGraph([
      edge(path.join('http', 'a.ts'), path.join('node', 'N.ts')),
      edge(path.join('node', 'N.ts'), path.join('http', 'b.ts')),
      edge(path.join('node', 'N.ts'), path.join('media', 'm.ts')),
      edge(path.join('media', 'm.ts'), 'log.ts'),
    ]);
    expect(describeCycles(graph)).toEqual([
      [
        'cycle http -> node -> http (layers tangled together: http, node)',
        '    http -> node:',
        `      ${path.join('http', 'a.ts')} imports '../${path.join('node', 'N')}' (${path.join('node', 'N.ts')})`,
        '    node -> http:',
        `      ${path.join('node', 'N.ts')} imports '../${path.join('http', 'b')}' (${path.join('http', 'b.ts')})`,
      ].join('\n'),
    ]);
    const [threeWay] = describeCycles(
      layerGraph([
        edge(path.join('http', 'a.ts'), path.join('node', 'N.ts')),
        edge(path.join('node', 'N.ts'), path.join('http', 'b.ts')),
        edge(path.join('node', 'N.ts'), path.join('cluster', 'c.ts')),
        edge(path.join('cluster', 'c.ts'), path.join('http', 'a.ts')),
      ]),
    ).map((text) => text.split('\n'));
    expect(threeWay[0]).toBe('cycle cluster -> http -> node -> cluster (layers tangled together: cluster, http, node)');
    expect(threeWay).toContain(`    also node -> http: ${path.join('node', 'N.ts')}`);
    expect(describeCycles(layerGraph([edge(path.join('node', 'N.ts'), path.join('media', 'm.ts'))]))).toEqual([]);
  });

  test('src/ has imports to scan, and every relative import names a file that exists', () => {
    expect(edges.length).toBeGreaterThan(50);
    const missing = edges.filter((e) => !fs.existsSync(path.join(SRC, e.to))).map((e) => `${e.from} imports '${e.specifier}'`);
    expect(missing).toEqual([]);
  });

  test('the folders of src/ import each other without a cycle', () => {
    expect(describeCycles(layerGraph(edges))).toEqual([]);
  });

  test('every layer of src/ has a place in the documented order, and imports only layers below or beside it', () => {
    const layers = new Set(edges.flatMap((e) => [layerOf(e.from), layerOf(e.to)]));
    for (const file of listTsFiles(SRC)) layers.add(layerOf(path.relative(SRC, file)));
    const unranked = [...layers].filter((layer) => layer !== 'client' && rankOf(layer) === undefined);
    expect(unranked).toEqual([]);
    const upward = edges
      .filter((e) => layerOf(e.from) !== 'client' && layerOf(e.to) !== 'client')
      .filter((e) => rankOf(layerOf(e.to))! > rankOf(layerOf(e.from))!)
      .map((e) => `${layerOf(e.from)} -> ${layerOf(e.to)}: ${e.from} imports '${e.specifier}'`);
    expect(upward).toEqual([]);
  });

  test('the browser SDK (src/client/) imports nothing outside src/client/', () => {
    const outside = edges.filter((e) => layerOf(e.from) === 'client' && layerOf(e.to) !== 'client').map((e) => `${e.from} imports '${e.specifier}' (${e.to})`);
    expect(outside).toEqual([]);
  });

  test("the SDK's copy of the server's error codes matches src/errors.ts", () => {
    expect([...SERVER_ERROR_CODES].sort()).toEqual([...ERROR_CODES].sort());
  });
});
