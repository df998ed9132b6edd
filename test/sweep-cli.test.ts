/**
 * Sweeps through the real CLI with real worker threads: the same bytes for any --jobs, shards run as separate
 * processes (as a Kubernetes Indexed Job runs them) merged into exactly the unsharded sweep, --resume after Ctrl-C
 * equal to an uninterrupted sweep, and bad input refused with its path and exit code 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { CLI, hasStackTrace, ROOT, runCli } from './helpers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-sweep-'));
const f = (name: string) => path.join(dir, name);
// race-odds at a reduced size: 3 protocols x 20 seeds, 800 s runs (the stall ends by 720 s).
const SWEEP = ['sweep', 'race-odds', '--seeds', '20', '--set', 'durationS=800'];

function withoutPerf(json: string): unknown {
  const o = JSON.parse(json) as Record<string, unknown>;
  delete o.perf;
  return o;
}

describe('sweep through the CLI', () => {
  let reference: { json: string; bytes: string };

  before(async () => {
    const r = await runCli([...SWEEP, '--jobs', '2', '--out', f('ref.jsonl'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    reference = { json: r.stdout, bytes: readFileSync(f('ref.jsonl'), 'utf8') };
  });

  it('prints P(emptied) with a Wilson interval per protocol; fenced never empties; the result file has one line per run', async () => {
    const s = JSON.parse(reference.json) as {
      points: {
        params: Record<string, string>;
        runs: number;
        outcomes: Record<string, { yes: number; n: number; lo: number; hi: number }>;
      }[];
      perf: { runsPerS: number };
      complete: boolean;
    };
    assert.equal(s.complete, true);
    assert.ok(s.perf.runsPerS > 0);
    const by = Object.fromEntries(s.points.map((p) => [p.params['dns.protocol'], p]));
    assert.deepEqual(Object.keys(by).sort(), ['fenced', 'legacy', 'locked-check']);
    for (const p of ['fenced', 'locked-check']) {
      for (const o of ['emptied', 'monotonic broken', 'active plan deleted']) assert.equal(by[p].outcomes[o].yes, 0, `${p} ${o}`);
      assert.equal(by[p].outcomes.emptied.lo, 0);
      assert.ok(Math.abs(by[p].outcomes.emptied.hi - 0.1611) < 1e-3, 'Wilson upper bound for 0 of 20 is 16.1%');
    }
    // Legacy regresses the endpoint in some runs (short stalls): the same draws, another protocol.
    assert.ok(by.legacy.outcomes['monotonic broken'].yes > 0);
    const lines = reference.bytes.trimEnd().split('\n');
    assert.equal(lines.length, 1 + 60);
    const runs = lines.slice(1).map((l) => (JSON.parse(l) as { run: number }).run);
    assert.deepEqual(
      runs,
      Array.from({ length: 60 }, (_, i) => i),
    );
    // The terminal table: one row per protocol with its interval.
    const t = await runCli(['sweep', 'report', f('ref.jsonl')]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /fenced\s+20\s+0\/20 0% \[0-16\.1\]/);
  });

  it('gives the same bytes and the same summary with --jobs 1', async () => {
    const r = await runCli([...SWEEP, '--jobs', '1', '--out', f('j1.jsonl'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(f('j1.jsonl'), 'utf8'), reference.bytes);
    assert.deepEqual(withoutPerf(r.stdout), withoutPerf(reference.json));
  });

  it('runs shards as separate processes (JOB_COMPLETION_INDEX, --shard I/N) and merges them into the unsharded result', async () => {
    const shards = await Promise.all(
      [0, 1, 2].map((i) =>
        i === 1
          ? runCli([...SWEEP, '--jobs', '1', '--shard', '1/3', '--out', f('s1.jsonl'), '--quiet'])
          : runCli([...SWEEP, '--jobs', '1', '--shard-count', '3', '--out', f(`s${i}.jsonl`), '--quiet'], {
              env: { JOB_COMPLETION_INDEX: String(i) },
            }),
      ),
    );
    for (const s of shards) assert.equal(s.code, 0, s.stderr);
    const sizes = [0, 1, 2].map(
      (i) =>
        readFileSync(f(`s${i}.jsonl`), 'utf8')
          .trimEnd()
          .split('\n').length - 1,
    );
    assert.deepEqual(sizes, [20, 20, 20]);
    const m = await runCli(['sweep', 'merge', f('s2.jsonl'), f('s0.jsonl'), f('s1.jsonl'), '--out', f('merged.jsonl'), '--json']);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(readFileSync(f('merged.jsonl'), 'utf8'), reference.bytes);
    assert.deepEqual(withoutPerf(m.stdout), withoutPerf(reference.json));
    // Two shards only: the merge says what is missing and fails.
    const part = await runCli(['sweep', 'merge', f('s0.jsonl'), f('s1.jsonl'), '--quiet']);
    assert.equal(part.code, 1);
    assert.match(part.stderr, /20 of 60 runs are missing/);
    // A shard of another sweep is refused.
    const other = await runCli(['sweep', 'race-odds', '--seeds', '2', '--set', 'durationS=700', '--out', f('other.jsonl'), '--quiet']);
    assert.equal(other.code, 0, other.stderr);
    const mixed = await runCli(['sweep', 'merge', f('s0.jsonl'), f('other.jsonl')]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /another sweep/);
  });

  it('--resume after Ctrl-C finishes with the same bytes as an uninterrupted sweep', async () => {
    const out = f('resumed.jsonl');
    const child = spawn(process.execPath, [CLI, ...SWEEP, '--jobs', '2', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    // Interrupt as soon as the first run is in the file (header + one line): most of the sweep is still to run.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        if (statSync(out).size > 0 && readFileSync(out, 'utf8').split('\n').length > 2) break;
      } catch {
        // not created yet
      }
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted; keeping the finished runs/);
    const partial = readFileSync(out, 'utf8').trimEnd().split('\n').length - 1;
    assert.ok(partial > 0 && partial < 60, `${partial} runs before the interrupt`);
    const r = await runCli([...SWEEP, '--jobs', '2', '--out', out, '--resume', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`resumed: ${partial} runs were already done`));
    assert.equal(readFileSync(out, 'utf8'), reference.bytes);
    assert.deepEqual(withoutPerf(r.stdout), withoutPerf(reference.json));
    // Resuming a file of another sweep is refused.
    const wrong = await runCli(['sweep', 'race-odds', '--seeds', '3', '--out', out, '--resume']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /holds another sweep/);
  });

  it('--dry-run lists the runs with their seeds and drawn values; --list the built-in sweeps', async () => {
    const d = await runCli(['sweep', 'race-odds', '--seeds', '2', '--dry-run']);
    assert.equal(d.code, 0, d.stderr);
    const runs = d.stdout.split('\n').filter((l) => l.startsWith('run '));
    assert.equal(runs.length, 6);
    assert.match(runs[3], /^run 3 point 1 replicate 1 seed \d+ dns\.faults\[0\]\.stallS=[\d.]+$/);
    // Common random numbers: replicate 1 has the same seed and stall at every point.
    assert.equal(runs[1].replace(/^run \d+ point \d+/, ''), runs[3].replace(/^run \d+ point \d+/, ''));
    const l = await runCli(['sweep', '--list']);
    const names = l.stdout
      .trim()
      .split('\n')
      .map((x) => x.split(/\s+/)[0]);
    for (const n of ['client-ttl', 'metastable-region', 'race-odds', 'race-window', 'retry-policy', 'sensitivity'])
      assert.ok(names.includes(n), n);
  });

  it('refuses bad input with the path and exit code 2, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['sweep', 'race-odds', '--vary', 'dns.protocol=legacy,bogus'], /point 1 \(dns\.protocol="bogus"\): dns\.protocol: must be one of/],
      [['sweep', 'race-odds', '--metric', 'dns.nope'], /dns\.nope: unknown metric/],
      [['sweep', 'race-odds', '--shard', '3/3'], /--shard 3\/3: expected I\/N/],
      [['sweep', 'race-odds', '--shard-count', '3'], /JOB_COMPLETION_INDEX must be set/],
      [['sweep', 'race-odds', '--resume'], /--resume needs --out/],
      [['sweep', 'no-such-sweep'], /no such file, and no built-in sweep/],
      [['sweep', 'race-odds', '--out', path.join(ROOT, 'sweeps', 'race-odds.yaml')], /is the input of the sweep/],
      [['sweep', 'merge', path.join(ROOT, 'package.json')], /not a cascadesim sweep result/],
      [['sweep', 'race-odds', '--seeds', '1', '--out', '/dev/null'], /--out \/dev\/null: not a regular file/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args, { env: { JOB_COMPLETION_INDEX: '' } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
  });
});
