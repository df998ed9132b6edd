/**
 * abortOnFail stops a run at an epoch boundary, judged on that epoch's complete figures: where a run stops is a
 * function of the scenario and seed, not of timing. The same run stops at the same simulated time with the same
 * partial result (digest) for one and two workers, through the real CLI and through the API, and it stops at the
 * first epoch whose figures break the rule: the epoch before did not break it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compileThresholds, loadScenario, metricValue, simulate } from '../src/api.ts';
import { readResultFile } from '../src/result/file.ts';
import { ROOT, runCli } from './helpers.ts';

const GATE_EXAMPLE = path.join(ROOT, 'examples', 'ci', 'dns-race-gate.yaml');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-abort-'));

describe('abortOnFail stops at an epoch boundary, the same one for any worker count', () => {
  it('through the CLI: the first violation stops 1 and 2 workers after its epoch, with byte-identical partial results', async () => {
    // Three seeds: each stops where its own first violation falls, the same for both worker counts.
    const seeds = [1, 2, 3];
    const runs = await Promise.all(
      seeds
        .flatMap((seed) => [1, 2].map((w) => ({ seed, w })))
        .map(async ({ seed, w }) => {
          const out = path.join(dir, `legacy-${seed}-${w}.msgpack`);
          const r = await runCli([
            'run',
            GATE_EXAMPLE,
            '--set',
            'dns.protocol=legacy',
            '--seed',
            String(seed),
            '--workers',
            String(w),
            '--out',
            out,
            '--json',
          ]);
          assert.equal(r.code, 99, r.stderr);
          return { json: JSON.parse(r.stdout) as { stoppedBy: unknown; abortedBy: string }, res: readResultFile(out) };
        }),
    );
    for (const { json, res } of runs) {
      assert.equal(res.partial, true);
      const epochS = res.scenario.sim.epochS;
      const first = Math.min(...res.dns.violations.map((v) => v.atS));
      // Stopped at the end of the epoch of the first violation: not before it, not an epoch later.
      assert.equal(res.reachedS, (Math.floor(first / epochS) + 1) * epochS, `seed ${res.seed}: first violation at ${first}s`);
      assert.deepEqual(res.stoppedBy, { metric: 'dns.violations', condition: '== 0', value: res.dns.violations.length, atS: res.reachedS });
      assert.deepEqual(json.stoppedBy, res.stoppedBy);
      assert.equal(json.abortedBy, 'dns.violations == 0');
    }
    // Byte-identical apart from what is not the model's: the worker count and the wall-clock figures.
    const strip = (f: string) => {
      const r = readResultFile(f) as unknown as Record<string, unknown>;
      delete r.perf;
      delete r.workers;
      return JSON.stringify(r);
    };
    const stops = new Set<number>();
    for (const [k, seed] of seeds.entries()) {
      const [one, two] = [runs[2 * k], runs[2 * k + 1]];
      assert.equal(one.res.seed, seed);
      assert.equal(one.res.digest, two.res.digest, `seed ${seed}`);
      assert.equal(one.res.workers, 1);
      assert.equal(two.res.workers, 2);
      assert.equal(strip(path.join(dir, `legacy-${seed}-1.msgpack`)), strip(path.join(dir, `legacy-${seed}-2.msgpack`)), `seed ${seed}`);
      stops.add(one.res.reachedS);
    }
    console.log(`abortOnFail stops by seed: ${[...stops].join(', ')} s`);
  });

  it('through the API: a limit on clients.attempts stops at the first epoch that crosses it, the same for 1 and 2 workers', async () => {
    // 150 requests/s: each epoch has due pages in both workers' buckets (calendar.ts), and two workers run pages of
    // one epoch at once, so the attempts behind the limit are published by two sources.
    const base = loadScenario('dns-race', {
      set: ['clients.count=20001', 'clients.ratePerS=0.0075', 'durationS=900', 'dns.faults=[]', 'actions=[]'],
    });
    const full = await simulate(base, { inProcess: true });
    const total = metricValue(full, 'clients.attempts') as number;
    for (const share of [0.37, 0.81]) {
      const limit = Math.floor(total * share);
      const rule = compileThresholds([{ metric: 'clients.attempts', condition: `< ${limit}`, abortOnFail: true }]);
      const [a, b] = await Promise.all([
        simulate(base, { inProcess: true, abortThresholds: rule }),
        simulate(base, { workers: 2, abortThresholds: rule }),
      ]);
      assert.equal(a.digest, b.digest, `share ${share}`);
      assert.equal(a.reachedS, b.reachedS);
      assert.equal(a.partial, true);
      const attempts = metricValue(a, 'clients.attempts') as number;
      assert.ok(attempts >= limit, `stopped with ${attempts} attempts, limit ${limit}`);
      assert.equal(a.stoppedBy?.value, attempts, "the figure the engine judged is the result's own");
      // One epoch shorter, the run had not crossed the limit yet.
      const before = await simulate({ ...base, durationS: a.reachedS - base.sim.epochS }, { inProcess: true });
      assert.ok((metricValue(before, 'clients.attempts') as number) < limit);
    }
  });
});
