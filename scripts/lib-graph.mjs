// `npm run graph`: the lib-level import graph of libs/*/src (spec files left out), checked against
// docs/architecture.md. It prints
//   - each lib's floor: 1 + the highest floor of the libs it imports (@fanmesh/contracts, the
//     contract artifacts, is floor 0), and the longest chain;
//   - circles between libs, and circles between the files of one lib (relative imports; a circle
//     closed only by an `import type` is erased at run time, but it still ties the files together,
//     so it counts, and is marked as such);
//   - the refactor's progress figures: `.query(` calls outside *.repository.ts and migrations, and
//     listener-array registrations (`onSomething(listener`).
// It exits 1 when a floor is above MAX_FLOOR or when there is any circle.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ts = createRequire(import.meta.url)('typescript');
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_FLOOR = 5;
const CONTRACTS = '@fanmesh/contracts';
const rel = (p) => relative(ROOT, p).split(sep).join('/');

/** Every file under dir (recursively) that passes keep. */
function walk(dir, keep, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}
const isSource = (p) => /\.tsx?$/.test(p) && !/\.spec\.tsx?$/.test(p) && !p.endsWith('.d.ts');

/** The module specifiers a file uses: static imports/exports, import(), require(); `runtime` is false for type-only ones. */
function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      found.push({ spec: node.moduleSpecifier.text, runtime: !typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, runtime: !node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) found.push({ spec: node.arguments[0].text, runtime: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ spec: node.argument.literal.text, runtime: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A relative specifier resolved to a file, as the compiler would (x.ts, x.tsx, x/index.ts). */
function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx'), base.replace(/\.js$/, '.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const libs = readdirSync(join(ROOT, 'libs'))
  .filter((name) => existsSync(join(ROOT, 'libs', name, 'src')))
  .sort();
const aliasOf = (lib) => `@fanmesh/${lib}`;
/** The lib a path is in (by alias), the contract artifacts, or null. */
function libOfPath(p) {
  const r = rel(p);
  const lib = /^libs\/([^/]+)\//.exec(r)?.[1];
  if (lib) return aliasOf(lib);
  return r.startsWith('contracts/artifacts/') || r === 'contracts/artifacts' ? CONTRACTS : null;
}

const deps = new Map(libs.map((l) => [aliasOf(l), new Map()])); // lib -> dep -> first file that imports it
const fileEdges = new Map(); // lib -> Map(file -> Set(file)): relative imports inside the lib
const typeOnlyEdges = new Set(); // `from\0to` pairs only imported with `import type`
const relativeCrossings = [];
for (const lib of libs) {
  const me = aliasOf(lib);
  const edges = new Map();
  fileEdges.set(me, edges);
  for (const file of walk(join(ROOT, 'libs', lib, 'src'), isSource)) {
    edges.set(file, edges.get(file) ?? new Set());
    for (const { spec, runtime } of importsOf(file)) {
      let target = null;
      if (spec.startsWith('@fanmesh/')) target = spec.split('/').slice(0, 2).join('/');
      else if (spec.startsWith('.')) {
        const resolved = resolveRelative(file, spec);
        const owner = resolved ? libOfPath(resolved) : libOfPath(resolve(dirname(file), spec));
        if (owner && owner !== me) {
          target = owner;
          relativeCrossings.push(`${rel(file)}: '${spec}' (${owner})`);
        } else if (resolved) {
          const key = `${file}\0${resolved}`;
          if (!edges.get(file).has(resolved) && !runtime) typeOnlyEdges.add(key);
          else if (runtime) typeOnlyEdges.delete(key);
          edges.get(file).add(resolved);
        }
      }
      if (target && target !== me && !deps.get(me).has(target)) deps.get(me).set(target, rel(file));
      if (target === me) deps.get(me).set(me, rel(file)); // a lib importing its own alias: a circle through its index
    }
  }
}

/** Strongly connected components (Tarjan) of a graph given as Map(node -> iterable of nodes). */
function components(graph) {
  let index = 0;
  const idx = new Map(),
    low = new Map(),
    stack = [],
    on = new Set(),
    out = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        c.push(w);
      } while (w !== v);
      out.push(c);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}
/** One concrete circle inside a component, as a path that returns to its start. */
function circleIn(graph, comp) {
  const inside = new Set(comp);
  const start = comp[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const libGraph = new Map([...deps].map(([lib, d]) => [lib, [...d.keys()].filter((x) => x !== CONTRACTS)]));
const libCircles = components(libGraph)
  .filter((c) => c.length > 1 || libGraph.get(c[0]).includes(c[0]))
  .map((c) => circleIn(libGraph, c));

// Floors: on the component graph, so that a circle does not loop forever (its libs share a floor).
const floor = new Map([[CONTRACTS, 0]]);
const via = new Map();
const compOf = new Map();
for (const c of components(libGraph)) for (const lib of c) compOf.set(lib, c);
const floorOf = (lib, seen = new Set()) => {
  if (floor.has(lib)) return floor.get(lib);
  if (seen.has(lib)) return 0;
  seen.add(lib);
  let best = 0,
    bestDep = null;
  for (const dep of deps.get(lib)?.keys() ?? []) {
    if (dep !== CONTRACTS && !deps.has(dep)) continue; // an alias with no folder yet
    if (compOf.get(dep) === compOf.get(lib) && dep !== CONTRACTS) continue;
    const f = floorOf(dep, seen);
    if (bestDep === null || f > best) {
      best = f;
      bestDep = dep;
    }
  }
  floor.set(lib, 1 + best);
  via.set(lib, bestDep);
  return 1 + best;
};
for (const lib of deps.keys()) floorOf(lib);
const chainFrom = (lib) => {
  const chain = [lib];
  for (let x = via.get(lib); x; x = via.get(x)) chain.push(x);
  return chain;
};

console.log('Lib floors (1 + the highest floor imported; @fanmesh/contracts = 0):');
const byFloor = [...deps.keys()].sort((a, b) => floor.get(a) - floor.get(b) || a.localeCompare(b));
for (const lib of byFloor) {
  const d = [...deps.get(lib).keys()].filter((x) => x !== lib).sort();
  console.log(`  ${String(floor.get(lib)).padStart(2)}  ${lib.padEnd(20)} ${d.length ? `-> ${d.join(', ')}` : '(imports no lib)'}`);
}
const top = byFloor[byFloor.length - 1];
const longest = chainFrom(top);
console.log(`\nLongest chain (${floor.get(top)} floors): ${longest.join(' -> ')}`);
const tooHigh = byFloor.filter((l) => floor.get(l) > MAX_FLOOR);
if (tooHigh.length) console.log(`Above floor ${MAX_FLOOR}: ${tooHigh.map((l) => `${l} (${floor.get(l)})`).join(', ')}`);

console.log(`\nCircles between libs: ${libCircles.length}`);
for (const c of libCircles) {
  console.log(`  ${c.join(' -> ')}`);
  for (let i = 0; i < c.length - 1; i++) console.log(`      ${c[i]} imports ${c[i + 1]} in ${deps.get(c[i]).get(c[i + 1])}`);
}

const fileCircles = [];
for (const [lib, edges] of fileEdges) {
  for (const c of components(edges)) {
    if (c.length > 1 || edges.get(c[0]).has(c[0])) {
      const path = circleIn(edges, c);
      const typeOnly = path.slice(1).some((to, i) => typeOnlyEdges.has(`${path[i]}\0${to}`));
      fileCircles.push({ lib, path: path.map(rel), typeOnly });
    }
  }
}
console.log(`Circles between the files of one lib (relative imports): ${fileCircles.length}`);
for (const { lib, path, typeOnly } of fileCircles) console.log(`  ${lib}: ${path.join(' -> ')}${typeOnly ? '   (closed by an import type: no run-time cycle, still a tie)' : ''}`);

if (relativeCrossings.length) {
  console.log(`\nRelative imports into another lib (counted above as its alias; import it as the alias): ${relativeCrossings.length}`);
  for (const r of relativeCrossings) console.log(`  ${r}`);
}

// Progress figures of the refactor.
const everySource = [...libs.flatMap((l) => walk(join(ROOT, 'libs', l, 'src'), isSource)), ...walk(join(ROOT, 'apps', 'api', 'src'), isSource)].filter(
  (f) => !rel(f).endsWith('apps/api/src/metadata.ts'),
);
const count = (files, re) => {
  const hits = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const n = text.match(re)?.length ?? 0;
    if (n) hits.push([rel(f), n]);
  }
  return { total: hits.reduce((s, [, n]) => s + n, 0), hits };
};
// libs/db is the kernel that runs queries (its typed helpers, the embedded pool): not counted.
const outsideRepositories = everySource.filter((f) => !f.endsWith('.repository.ts') && !/[/\\]migrations[/\\]/.test(f) && !/libs[/\\]db[/\\]src[/\\]/.test(f));
const queries = count(outsideRepositories, /\.query\(/g);
// Listener arrays between contexts: a kernel may still signal its own instance (identity tells the socket gateway a session ended).
const CONTEXTS = ['venues', 'access', 'devices', 'coverage', 'sensing', 'moments', 'rewards', 'drops', 'polls'];
const listeners = count(
  everySource.filter((f) => CONTEXTS.some((c) => f.includes(`libs/${c}/src/`))),
  /\bon[A-Z]\w*\(listener/g,
);
console.log('\nRefactor progress (both must be 0):');
console.log(`  .query( outside *.repository.ts and migrations: ${queries.total}`);
for (const [f, n] of queries.hits) console.log(`      ${n}  ${f}`);
console.log(`  listener-array registrations (onX(listener): ${listeners.total}`);
for (const [f, n] of listeners.hits) console.log(`      ${n}  ${f}`);

// Bookkeeping: a lib folder that the tooling does not know about yet.
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
const nest = existsSync(join(ROOT, 'nest-cli.json')) ? JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) : { projects: {} };
for (const lib of libs) {
  if (!tsconfig.compilerOptions.paths[aliasOf(lib)]) console.log(`warning: libs/${lib} has no ${aliasOf(lib)} in tsconfig.json paths`);
  if (!nest.projects?.[lib]) console.log(`warning: libs/${lib} is not a project in nest-cli.json`);
}

const failures = [
  ...(tooHigh.length ? [`floors above ${MAX_FLOOR}`] : []),
  ...(libCircles.length ? ['circles between libs'] : []),
  ...(fileCircles.length ? ['circles between files'] : []),
  ...(queries.total ? ['SQL outside repositories'] : []),
  ...(listeners.total ? ['listener arrays in contexts'] : []),
];
if (failures.length) {
  console.log(`\ngraph: FAILED (${failures.join(', ')})`);
  process.exit(1);
}
console.log('\ngraph: ok');
