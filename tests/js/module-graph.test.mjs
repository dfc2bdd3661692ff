// Packlab's module structure, read from the source: no module of the
// library (src/) or of the page (www/) imports a module that imports it
// back, directly or through others. A cycle is where a layer stops being
// one; this keeps the map in docs/architecture.md true.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function filesUnder(directory, extension) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return filesUnder(path, extension);
    return path.endsWith(extension) ? [path] : [];
  });
}

/**
 * The strongly connected components of more than one module (Tarjan), each
 * a list of module names: every module in one reaches every other.
 */
function cycles(edges) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** `src/a/b.rs` → `a::b`; `src/a/mod.rs` → `a`; the crate root is `crate`. */
function rustModuleName(file) {
  const parts = relative(join(ROOT, 'src'), file).replace(/\.rs$/, '').split('/');
  if (parts.at(-1) === 'mod') parts.pop();
  return parts.length === 1 && parts[0] === 'lib' ? 'crate' : parts.join('::');
}

/** The source a module's code sees: no comments, no inline test module (private or shared with other tests). */
function rustCode(file) {
  let text = readFileSync(file, 'utf8');
  const tests = text.search(/#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod tests/);
  if (tests >= 0) text = text.slice(0, tests);
  return text
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('\n')
    .replace(/pub\((?:super|crate|in [^)]*)\)/g, 'pub');
}

/**
 * The modules of the library each module imports: every path through
 * `crate::`, `super::` or a child module's name, resolved to the longest
 * module it names. `use super::{a::X, Y}` imports module `a` and, for `Y`,
 * the parent.
 */
function rustImports() {
  // The binary is its own crate: it sees the library only through `packlab::`.
  const files = filesUnder(join(ROOT, 'src'), '.rs').filter((file) => !file.includes('/bin/'));
  const modules = new Set(files.map(rustModuleName));
  const edges = new Map();
  for (const file of files) {
    const module = rustModuleName(file);
    const parent = module === 'crate' ? null : module.split('::').slice(0, -1).join('::') || 'crate';
    const base = { crate: 'crate', super: parent, self: module };
    const targets = new Set();
    const resolvePath = (start, segments) => {
      let best = start;
      let path = start === 'crate' ? [] : start.split('::');
      for (const segment of segments) {
        path = [...path, segment];
        if (!modules.has(path.join('::'))) break;
        best = path.join('::');
      }
      if (best !== module) targets.add(best);
    };
    const code = rustCode(file);
    for (const [, root, rest, group] of code.matchAll(
      /\b(crate|super|self)\b((?:::[a-z_][a-z0-9_]*)*)(?:::\{([^}]*)\})?/g,
    )) {
      const start = base[root];
      if (start === null) continue;
      const segments = rest.split('::').filter(Boolean);
      if (group === undefined) {
        resolvePath(start, segments);
      } else {
        for (const item of group.split(',')) {
          const first = item.trim().split('::')[0];
          if (first) resolvePath(start, [...segments, first]);
        }
      }
    }
    // A parent's own `child::item` paths (its `mod child;` and re-exports).
    const prefix = module === 'crate' ? '' : `${module}::`;
    for (const [, name] of code.matchAll(/(?<![:\w])([a-z_][a-z0-9_]*)::/g)) {
      if (modules.has(prefix + name)) targets.add(prefix + name);
    }
    edges.set(module, targets);
  }
  return edges;
}

/** The page's modules and the modules each imports (`import … from './x.js'`). */
function javascriptImports() {
  const files = filesUnder(join(ROOT, 'www'), '.js');
  const edges = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set();
    for (const [, specifier] of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g)) {
      targets.add(relative(ROOT, resolve(dirname(file), specifier)));
    }
    for (const [, specifier] of text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      targets.add(relative(ROOT, resolve(dirname(file), specifier)));
    }
    edges.set(relative(ROOT, file), targets);
  }
  return edges;
}

test('the library has no import cycle, the crate root aside', () => {
  const edges = rustImports();
  // The crate root only declares modules and re-exports the public API;
  // a module naming `crate::Histogram` means the histogram module.
  edges.delete('crate');
  for (const targets of edges.values()) targets.delete('crate');
  assert.ok(edges.size > 40, `only ${edges.size} modules found under src/`);
  assert.ok(edges.get('analysis::report').has('analysis::analyser'), 'the reader missed an import');
  assert.deepEqual(cycles(edges), []);
});

test('the page has no import cycle', () => {
  const edges = javascriptImports();
  assert.ok(edges.size > 20, `only ${edges.size} modules found under www/`);
  assert.ok(edges.get('www/app.js').size > 5, 'the reader missed the controller’s imports');
  assert.deepEqual(cycles(edges), []);
});

test('a cycle through three modules is found', () => {
  const edges = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['c'])],
    ['c', new Set(['a', 'd'])],
    ['d', new Set()],
  ]);
  assert.deepEqual(cycles(edges), [['a', 'b', 'c']]);
});
