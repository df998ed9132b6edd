/**
 * Rules of the code's shape that a reviewer would otherwise have to remember:
 * - src/model/ is pure: no I/O, no clocks, no Math.random, no timers, no process (determinism rests on it);
 * - nothing outside src/cli/ imports the command line (the CLI sits on top, the library never reaches up), and the
 *   command line reaches the library through src/api.ts, the package's public API;
 * - no two modules of src/ import each other, directly or in a longer loop.
 * Each checker is shown to catch a planted offence, so a broken checker cannot pass silently.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.ts';

const SRC = path.join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

/** Source without comments and string contents, so prose ("no Math.random here") is not code. */
function codeOnly(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '""');
}

const IMPURE: [RegExp, string][] = [
  [/\bMath\.random\b/, 'Math.random (use the seeded streams of src/model/prng.ts)'],
  // Date.parse and new Date(instant) are pure; reading the clock is not.
  [/\bDate\.now\b|\bnew Date\(\s*\)|(?<!new )\bDate\(\s*\)/, 'Date.now / new Date() (wall clock)'],
  [/\bperformance\b/, 'performance (wall clock)'],
  [/\bprocess\b/, 'process (environment, clock, I/O)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, 'timers'],
  [/\bconsole\b/, 'console (I/O)'],
  [/\b(fetch|require)\s*\(/, 'fetch/require'],
  [/\bcrypto\.getRandomValues\b/, 'crypto randomness'],
];

/** Problems in one model file: impure globals in its code, and imports of Node's modules or anything outside src/model and src/config types. */
function impurities(src: string): string[] {
  const out: string[] = [];
  const code = codeOnly(src);
  for (const [re, what] of IMPURE) if (re.test(code)) out.push(what);
  for (const m of src.matchAll(/^\s*import\s+(type\s+)?[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[2];
    if (spec.startsWith('node:') || /^(fs|os|net|http|https|child_process|worker_threads|path|crypto|url)(\/|$)/.test(spec))
      out.push(`imports ${spec}`);
  }
  return out;
}

function importsOf(file: string): { spec: string; resolved: string | null }[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({
    spec: m[1],
    resolved: m[1].startsWith('.') ? path.resolve(path.dirname(file), m[1]) : null,
  }));
}

/** One import cycle in the graph, as a list of files, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of graph.keys()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

describe('architecture', () => {
  it('keeps src/model free of I/O, clocks, timers and Math.random', () => {
    const planted =
      "import { readFileSync } from 'node:fs';\n// Math.random in a comment is fine\nconst x = Math.random();\nconst t = Date.now();\n";
    assert.deepEqual(
      impurities(planted).sort(),
      ['Date.now / new Date() (wall clock)', 'Math.random (use the seeded streams of src/model/prng.ts)', 'imports node:fs'].sort(),
    );
    assert.deepEqual(impurities("/** no Math.random, no Date.now() here */\nconst s = 'process';\n"), []);
    const files = tsFiles(path.join(SRC, 'model'));
    assert.ok(files.length > 10);
    const found = files.flatMap((f) => impurities(readFileSync(f, 'utf8')).map((p) => `${path.relative(ROOT, f)}: ${p}`));
    assert.deepEqual(found, []);
  });

  it('lets nothing outside src/cli import the command line', () => {
    const cli = path.join(SRC, 'cli');
    const found = tsFiles(SRC)
      .filter((f) => !f.startsWith(cli + path.sep) && f !== path.join(SRC, 'cli.ts'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.resolved?.startsWith(cli + path.sep))
          .map((i) => `${path.relative(ROOT, f)} imports ${i.spec}`),
      );
    assert.deepEqual(found, []);
  });

  it('keeps the command line a thin layer: it reaches the library through src/api.ts', () => {
    // What src/cli may import besides api.ts: errors, its own terminal I/O (output planner, capped reads), the
    // terminal renderers it prints with, and the race's hidden test-only switch for a broken store.
    const allowed = [
      'api.ts',
      'errors.ts',
      'io/',
      'report/',
      'check/trace.ts',
      'sweep/report.ts',
      'sweep/progress.ts',
      'memory/seqlock.ts',
      'cli/',
      'cli.ts',
    ];
    const outside = (file: string, spec: string) => {
      const rel = path
        .relative(SRC, path.resolve(path.dirname(file), spec))
        .split(path.sep)
        .join('/');
      return spec.startsWith('.') && !allowed.some((a) => (a.endsWith('/') ? rel.startsWith(a) : rel === a));
    };
    assert.equal(outside(path.join(SRC, 'cli', 'commands', 'x.ts'), '../../engine/result.ts'), true, 'a planted offence is caught');
    assert.equal(outside(path.join(SRC, 'cli', 'commands', 'x.ts'), '../../api.ts'), false);
    const found = tsFiles(path.join(SRC, 'cli')).flatMap((f) =>
      importsOf(f)
        .filter((i) => outside(f, i.spec))
        .map((i) => `${path.relative(ROOT, f)} imports ${i.spec}`),
    );
    assert.deepEqual(found, []);
  });

  it('has no import cycles in src', () => {
    assert.deepEqual(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
      ['a', 'b', 'c', 'a'],
    );
    const graph = new Map<string, string[]>();
    for (const f of tsFiles(SRC))
      graph.set(
        f,
        importsOf(f).flatMap((i) => (i.resolved ? [i.resolved] : [])),
      );
    const cycle = findCycle(graph);
    assert.equal(cycle, null, cycle ? `import cycle: ${cycle.map((f) => path.relative(ROOT, f)).join(' -> ')}` : '');
  });
});
