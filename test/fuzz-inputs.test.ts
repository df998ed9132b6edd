/**
 * Fuzzing the loader and the reader (fast-check): random scenario documents (near-valid ones with random values at
 * random paths, and arbitrary JSON), random --set paths, and result files with flipped bytes or, behind a valid
 * checksum, random values at random paths. Each goes through the CLI's own entry (main(), in this process, many
 * cases) and a sample through the built CLI (node dist/cli.js, a capped heap). Asserted: exit code 0 or 2 (never 1
 * or a signal), no stack trace, short lines, each case ending within a generous bound, and no file changed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { decode } from '@msgpack/msgpack';
import fc from 'fast-check';
import YAML from 'yaml';
import { main } from '../src/cli/main.ts';
import { encodeResult, HEADER_BYTES } from '../src/result/file.ts';
import { hasStackTrace, ROOT, runCli, runInProcess, scenario } from './helpers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-fuzz-'));
/** Far above what any case takes; only an endless loop or read would reach it. */
const CASE_BOUND_MS = 15_000;
const SEED = 20251020;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside `v` (objects and lists), at most `limit` of them. */
function pathsOf(v: unknown, limit = 5000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (x: unknown, p: (string | number)[]) => {
    if (out.length >= limit) return;
    if (p.length > 0) out.push(p);
    if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...p, i]));
    else if (x !== null && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, [...p, k]);
  };
  walk(v, []);
  return out;
}

function setAt(root: unknown, p: (string | number)[], value: unknown, remove: boolean): void {
  let node = root as Record<string | number, unknown>;
  for (const seg of p.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (remove && !Array.isArray(node)) delete node[last];
  else node[last] = value;
}

/** Values a hostile document might hold: edge numbers, strings, nesting. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e-300, 1e-9, 1e308, 2 ** 53, 4294967296, 0.5, null, true, '', 'legacy', '1e-9', '__proto__'),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxKeys: 3 }),
);

/** Scenario documents: the filled-in dns-race (with clients and ec2) with random values at random paths, or any JSON. */
function scenarioDocs(): fc.Arbitrary<{ text: string; ext: string }> {
  const base = JSON.parse(JSON.stringify(scenario('dns-race', ['ec2={}']))) as Json;
  const paths = pathsOf(base);
  const mutated = fc.array(fc.tuple(fc.constantFrom(...paths), nastyValue, fc.boolean()), { minLength: 1, maxLength: 4 }).map((muts) => {
    const doc = structuredClone(base);
    for (const [p, v, remove] of muts) {
      try {
        setAt(doc, p, v, remove);
      } catch {
        // An earlier mutation replaced a parent with a scalar: this path is gone.
      }
    }
    return doc as unknown;
  });
  const doc = fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: fc.jsonValue() });
  return fc
    .tuple(doc, fc.constantFrom('json', 'yaml'), fc.boolean(), fc.option(fc.nat(), { nil: undefined }))
    .map(([d, ext, bom, flip]) => {
      let text = ext === 'json' ? JSON.stringify(d) : YAML.stringify(d);
      // Now and then a damaged byte: syntax errors too.
      if (flip !== undefined && text.length > 0) {
        const i = flip % text.length;
        text = text.slice(0, i) + String.fromCharCode((text.charCodeAt(i) + 37) % 128) + text.slice(i + 1);
      }
      return { text: (bom ? '\ufeff' : '') + text, ext };
    });
}

/** --set arguments: known keys, odd names, huge and plain indices, any value; or any string at all. */
function setArgs(): fc.Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom(
      'dns',
      'faults',
      'planner',
      'periodS',
      'enactor',
      'pollS',
      'clients',
      'count',
      'retry',
      'sim',
      'epochS',
      'durationS',
      'ec2',
      'actions',
      'endpoints',
      'x',
      '__proto__',
      'constructor',
    ),
    fc.string({ maxLength: 6 }),
  );
  const index = fc.oneof(fc.nat(3), fc.constantFrom(99, 100000, 99999999, 4294967296), fc.nat());
  const seg = fc.oneof(
    key,
    index.map(String),
    fc.tuple(key, index).map(([k, i]) => `${k}[${i}]`),
  );
  const value = fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 10 }), fc.constantFrom('1e-9', 'null', '[]', '{}', '-1'));
  const structured = fc.tuple(fc.array(seg, { minLength: 1, maxLength: 5 }), value).map(([segs, v]) => `${segs.join('.')}=${v}`);
  return fc.oneof({ weight: 4, arbitrary: structured }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });
}

interface Outcome {
  code: number;
  out: string;
  err: string;
  ms: number;
}

async function inProcess(argv: string[]): Promise<Outcome> {
  let out = '';
  let err = '';
  const t0 = performance.now();
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), outIsTTY: false });
  return { code, out, err, ms: performance.now() - t0 };
}

function assertClean(o: { code: number | null; err: string }, what: string): void {
  assert.ok(o.code === 0 || o.code === 2, `${what}: exit ${o.code}: ${o.err}`);
  assert.equal(hasStackTrace(o.err), false, `${what}: ${o.err}`);
  for (const l of o.err.split('\n')) assert.ok(l.length <= 400, `${what}: a ${l.length}-character line`);
}

/** Names, sizes, times and hashes of the files in dirs: nothing may change but the outputs asked for (none here). */
function snapshot(dirs: string[]): string {
  return dirs
    .flatMap((d) => readdirSync(d).map((f) => path.join(d, f)))
    .sort()
    .map((f) => {
      const st = statSync(f);
      return `${f} ${st.size} ${st.mtimeMs} ${st.size < 1 << 20 ? createHash('sha256').update(readFileSync(f)).digest('hex') : ''}`;
    })
    .join('\n');
}

let resultBytes: Uint8Array;
let resultObj: Record<string, unknown>;

before(async () => {
  const r = await runInProcess(scenario('dns-race', ['clients.count=500', 'durationS=200']));
  resultBytes = encodeResult(r);
  resultObj = decode(resultBytes.subarray(HEADER_BYTES)) as Record<string, unknown>;
});

/** Bytes that fast-check prints as what was done to them, not as 100 KB of numbers. */
function described(bytes: Uint8Array, what: string): Uint8Array {
  return Object.assign(bytes, { [fc.toStringMethod]: () => what });
}

/** Result files: flipped bytes, a cut, or (behind a valid checksum) random values at random paths. */
function resultFiles(): fc.Arbitrary<Uint8Array> {
  const flipped = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
    const b = resultBytes.slice();
    for (const [i, x] of flips) b[i % b.length] ^= x;
    return described(b, `flipped ${JSON.stringify(flips.map(([i, x]) => [i % b.length, x]))}`);
  });
  const cut = fc.nat().map((n) => described(resultBytes.slice(0, n % resultBytes.length), `cut at ${n % resultBytes.length}`));
  const paths = pathsOf(resultObj, 20_000);
  const reshaped = fc.array(fc.tuple(fc.constantFrom(...paths), nastyValue, fc.boolean()), { minLength: 1, maxLength: 3 }).map((muts) => {
    const o = structuredClone(resultObj);
    for (const [p, v, remove] of muts) {
      try {
        setAt(o, p, v, remove);
      } catch {
        // The parent is gone.
      }
    }
    return described(encodeResult(o as never), `reshaped ${JSON.stringify(muts)}`);
  });
  return fc.oneof(flipped, cut, { weight: 3, arbitrary: reshaped });
}

describe('fuzz: loader and reader', () => {
  it('random scenario documents: validate and show exit 0 or 2, no stack trace, no file changed', async () => {
    const watched = [tmp, path.join(ROOT, 'scenarios')];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(scenarioDocs(), async ({ text, ext }) => {
        const f = path.join(tmp, `doc-${n++}.${ext}`);
        writeFileSync(f, text);
        const before = snapshot(watched);
        for (const argv of [
          ['validate', f],
          ['show', f, '--json'],
        ]) {
          const o = await inProcess(argv);
          assertClean(o, `${argv[0]} of ${text.slice(0, 200)}`);
          assert.ok(o.ms < CASE_BOUND_MS, `${o.ms} ms`);
        }
        assert.equal(snapshot(watched), before);
        unlinkSync(f);
      }),
      { seed: SEED, numRuns: 250 },
    );
  });

  it('random --set paths: show exits 0 or 2, no stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(setArgs(), { minLength: 1, maxLength: 3 }), async (sets) => {
        const o = await inProcess(['show', 'dns-race', '--json', ...sets.flatMap((s) => ['--set', s])]);
        assertClean(o, `--set ${sets.join(' --set ')}`);
        assert.ok(o.ms < CASE_BOUND_MS, `${o.ms} ms`);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('damaged and reshaped result files: report, its exports and compare exit 0 or 2, no stack trace', async () => {
    const good = path.join(tmp, 'good.msgpack');
    writeFileSync(good, resultBytes);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(resultFiles(), fc.constantFrom(['--json'], ['--csv', '-'], ['--hlog', '-'], []), async (bytes, opts) => {
        const f = path.join(tmp, `res-${n++}.msgpack`);
        writeFileSync(f, bytes);
        const before = snapshot([tmp]);
        for (const argv of [
          ['report', f, ...opts],
          ['compare', good, f],
        ]) {
          const o = await inProcess(argv);
          assertClean(o, argv.join(' '));
          assert.ok(o.ms < CASE_BOUND_MS, `${o.ms} ms`);
        }
        assert.equal(snapshot([tmp]), before);
        unlinkSync(f);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('a sample through the built CLI with a capped heap: exit 0 or 2, never a signal', async () => {
    const docs = fc.sample(scenarioDocs(), { seed: SEED + 1, numRuns: 4 });
    const sets = fc.sample(fc.array(setArgs(), { minLength: 1, maxLength: 3 }), { seed: SEED + 2, numRuns: 4 });
    const results = fc.sample(resultFiles(), { seed: SEED + 3, numRuns: 4 });
    const cases: string[][] = [];
    docs.forEach(({ text, ext }, i) => {
      const f = path.join(tmp, `cli-doc-${i}.${ext}`);
      writeFileSync(f, text);
      cases.push(['validate', f]);
    });
    for (const s of sets) cases.push(['show', 'dns-race', ...s.flatMap((x) => ['--set', x])]);
    results.forEach((b, i) => {
      const f = path.join(tmp, `cli-res-${i}.msgpack`);
      writeFileSync(f, b);
      cases.push(['report', f, '--json']);
    });
    const before = snapshot([tmp, path.join(ROOT, 'scenarios')]);
    // Two at a time (two cores); a 256 MB heap: a case that needed more would die of a signal and fail.
    for (let i = 0; i < cases.length; i += 2) {
      const runs = await Promise.all(
        cases.slice(i, i + 2).map((c) => runCli(c, { env: { NODE_OPTIONS: '--max-old-space-size=256' }, timeoutMs: 30_000 })),
      );
      runs.forEach((r, k) => {
        assert.equal(r.signal, null, `${cases[i + k].join(' ')}: killed by ${r.signal}`);
        assertClean({ code: r.code, err: r.stderr }, cases[i + k].join(' '));
      });
    }
    assert.equal(snapshot([tmp, path.join(ROOT, 'scenarios')]), before);
  });
});
