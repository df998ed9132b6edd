/**
 * Sweep building blocks against known answers: Wilson intervals (published values), quantiles (numpy's default),
 * ranges, the spec's validation messages, the plan's points and its common random numbers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.ts';
import { parseOutcomes } from '../src/sweep/outcomes.ts';
import { planSweep, runSpec, shardRuns } from '../src/sweep/plan.ts';
import { parseVaryOption, rangeValues, validateSpec } from '../src/sweep/spec.ts';
import { quantileSorted, shareOf, spreadOf, wilson } from '../src/sweep/stats.ts';

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  assert.fail('expected an InputError');
}

describe('sweep statistics', () => {
  it('Wilson intervals match published values', () => {
    // statsmodels proportion_confint(10, 100, method="wilson") = (0.05522, 0.17437)
    const a = wilson(10, 100);
    assert.ok(Math.abs(a.lo - 0.05522) < 1e-4 && Math.abs(a.hi - 0.17437) < 1e-4, JSON.stringify(a));
    // 0 of 1,000: [0, z^2 / (n + z^2)] = [0, 0.003827]
    const z = wilson(0, 1000);
    assert.equal(z.lo, 0);
    assert.ok(Math.abs(z.hi - 0.0038268) < 1e-6, JSON.stringify(z));
    const all = wilson(50, 50);
    assert.equal(all.hi, 1);
    assert.ok(all.lo > 0.92 && all.lo < 0.93);
    assert.deepEqual(wilson(0, 0), { lo: 0, hi: 1 });
    // Inside [0, 1] and around the share, for every k of a small n.
    for (let k = 0; k <= 20; k++) {
      const w = wilson(k, 20);
      assert.ok(w.lo >= 0 && w.hi <= 1 && w.lo <= k / 20 && k / 20 <= w.hi);
    }
  });

  it('quantiles interpolate as numpy does, and nulls do not count', () => {
    const v = [1, 2, 3, 4, 10];
    assert.equal(quantileSorted(v, 0.5), 3);
    const near = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
    near(quantileSorted(v, 0.95), 8.8); // numpy.percentile([1,2,3,4,10], 95)
    near(quantileSorted(v, 0.05), 1.2);
    const s = spreadOf([null, 4, 1, 10, null, 3, 2]);
    assert.deepEqual([s.n, s.median, s.min, s.max], [5, 3, 1, 10]);
    near(s.p5, 1.2);
    near(s.p95, 8.8);
    assert.deepEqual(shareOf([true, false, false, true]).yes, 2);
  });
});

describe('sweep specs', () => {
  it('ranges include both ends without float drift', () => {
    assert.deepEqual(rangeValues(0, 1, { step: 0.1 }), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    assert.deepEqual(rangeValues(10, 0, { step: 5 }), [10, 5, 0]);
    assert.deepEqual(rangeValues(1, 2, { count: 3 }), [1, 1.5, 2]);
  });

  it('--vary reads lists, JSON values and ranges', () => {
    const p: string[] = [];
    assert.deepEqual(parseVaryOption('dns.protocol=legacy,fenced', p), ['dns.protocol', ['legacy', 'fenced']]);
    assert.deepEqual(parseVaryOption('clients.retry.budget=null,{"ratio":0.1,"burst":5}', p), [
      'clients.retry.budget',
      [null, { ratio: 0.1, burst: 5 }],
    ]);
    assert.deepEqual(parseVaryOption('x.y=1:2:0.5', p), ['x.y', { from: 1, to: 2, step: 0.5 }]);
    assert.deepEqual(parseVaryOption('x.y={"dist":"uniform","minS":1,"maxS":2}', p), ['x.y', { dist: 'uniform', minS: 1, maxS: 2 }]);
    assert.deepEqual(p, []);
    parseVaryOption('novalue', p);
    assert.match(p[0], /expected PATH=/);
  });

  it('lists every problem with its path', () => {
    const problems = problemsOf(() =>
      validateSpec(
        {
          base: 'dns-race',
          seeds: 0,
          vary: { 'dns.faults[0].stallS': { dist: 'uniform', minS: 'a' }, 'a..b': [1], 'x.y': { from: 1, to: 2 }, 'z.w': [] },
          outcomes: { bad: 'dns.emptyS >> 1' },
          report: { region: 'nope' },
        },
        null,
      ),
    );
    const text = problems.join('\n');
    assert.match(text, /^seeds: must be >= 1$/m);
    // Schema problems come first; the vary entries are checked once the shape is right.
    const outcomes = {
      bad: 'dns.emptyS >> 1',
      unit: 'dns.emptyS > 5%',
      typo: 'dns.emptys > 0',
      ok: 'clients.recoveredAfterRepairS <= 5m',
      gone: 'ec2.leasesRecoveredAfterS missing',
    };
    const vary = problemsOf(() =>
      validateSpec(
        {
          base: 'dns-race',
          vary: { 'dns.faults[0].stallS': { dist: 'uniform', minS: 'a' }, 'a..b': [1], 'x.y': { from: 1, to: 2 }, 'z.w': [] },
          report: { region: 'nope' },
          outcomes,
        },
        null,
      ),
    ).join('\n');
    // Outcomes read conditions as thresholds do: the gates' syntax and units, the catalogue's names.
    assert.match(vary, /^outcomes\.bad: ">> 1": expected an operator .*; must read METRIC CONDITION/m);
    assert.match(vary, /^outcomes\.unit: "> 5%": % is for ratios only \(this metric is in s\)/m);
    assert.match(vary, /^outcomes\.typo: dns\.emptys: unknown metric \(did you mean dns\.emptyS/m);
    assert.doesNotMatch(vary, /outcomes\.(ok|gone)/);
    assert.match(vary, /vary\.dns\.faults\[0\]\.stallS\.minS: must be a number/);
    assert.match(vary, /vary\.a\.\.b: 'a\.\.b' is not a scenario path/);
    assert.match(vary, /vary\.x\.y: must be a list of values, a range/);
    assert.match(vary, /vary\.z\.w: must list at least one value/);
    assert.match(vary, /report\.region: 'nope' is not one of the outcomes/);
  });

  it('outcomes compare a metric with a number, null meaning no', () => {
    const [gt, ex, mins, neg] = parseOutcomes({
      a: 'dns.emptyS > 0',
      b: 'ec2.leasesRecoveredAfterS exists',
      c: 'clients.recoveredAfterRepairS <= 5m',
      d: 'timeline.leases-recovered >= -90s',
    });
    assert.equal(mins.test(300), true, "minutes convert to the metric's seconds");
    assert.equal(mins.test(301), false);
    assert.equal(neg.test(-90), true);
    assert.equal(neg.test(-91), false);
    assert.equal(gt.test(0), false);
    assert.equal(gt.test(0.5), true);
    assert.equal(gt.test(null), false);
    assert.equal(ex.test(null), false);
    assert.equal(ex.test(0), true);
  });
});

describe('sweep plans', () => {
  const spec = (extra: Record<string, unknown> = {}) =>
    validateSpec(
      {
        base: 'dns-race',
        set: ['clients=null', 'dns.faults[0].kind=stall', 'dns.faults[0].stallS=60'],
        seeds: 5,
        vary: {
          'dns.protocol': ['legacy', 'fenced'],
          'dns.cleanup.keepGenerations': { from: 5, to: 15, step: 5 },
          'dns.faults[0].stallS': { dist: 'uniform', minS: 30, maxS: 90 },
        },
        ...extra,
      },
      null,
    );

  it('a grid has every combination; the draws and seeds of a replicate are the same at every point', () => {
    const plan = planSweep(spec());
    assert.equal(plan.points.length, 6);
    assert.equal(plan.runs, 30);
    const seen = new Set<number>();
    for (let r = 0; r < plan.runs; r++) {
      const s = runSpec(plan, r);
      const twin = runSpec(plan, (r + plan.spec.seeds) % plan.runs);
      assert.equal(s.seed, twin.seed);
      assert.deepEqual(s.draws, twin.draws);
      const x = s.draws['dns.faults[0].stallS'];
      assert.ok(x >= 30 && x <= 90);
      if (s.point === 0) seen.add(s.seed);
    }
    assert.equal(seen.size, 5, 'replicates have distinct seeds');
    // Another sweep seed gives other seeds and draws.
    const other = planSweep(spec({ seed: 2 }));
    assert.notEqual(runSpec(other, 0).seed, runSpec(plan, 0).seed);
    assert.notEqual(other.id, plan.id);
  });

  it('one-at-a-time moves one parameter from the baseline, scaling the base value', () => {
    const plan = planSweep(
      validateSpec(
        {
          base: 'aws-2025-10-20',
          design: 'one-at-a-time',
          seedFrom: 'scenario',
          vary: { 'ec2.dwfm.hosts': { factors: [0.5, 1.5], integer: true }, 'ec2.network.capacityPerS': { factors: [0.5] } },
        },
        null,
      ),
    );
    assert.equal(plan.points.length, 4);
    assert.deepEqual(plan.points[0].sets, []);
    assert.deepEqual(plan.points[1].sets, ['ec2.dwfm.hosts=50']);
    assert.deepEqual(plan.points[2].sets, ['ec2.dwfm.hosts=150']);
    assert.deepEqual(plan.points[3].sets, ['ec2.network.capacityPerS=150']);
    assert.equal(runSpec(plan, 0).seed, 20251020, 'replicate 0 is the shipped seed');
  });

  it('labelled parameters write plus + times x value to their paths', () => {
    const plan = planSweep(
      validateSpec(
        { base: 'dns-race', vary: { outageMin: { values: [10, 20], paths: { 'actions[0].atS': { times: 60, plus: 656 } } } } },
        null,
      ),
    );
    assert.deepEqual(
      plan.points.map((p) => p.sets),
      [['actions[0].atS=1256'], ['actions[0].atS=1856']],
    );
  });

  it('refuses a point whose scenario is invalid, naming the point', () => {
    const problems = problemsOf(() => planSweep(validateSpec({ base: 'dns-race', vary: { 'dns.planner.periodS': [5, -1] } }, null)));
    assert.deepEqual(problems, [
      'point 1 (dns.planner.periodS=-1): dns.planner.periodS: must be >= 0.01 (a shorter period would schedule too many events)',
    ]);
  });

  it('shards take every N-th run and cover each run exactly once', () => {
    const all = [0, 1, 2].flatMap((i) => shardRuns(10, { index: i, count: 3 }));
    assert.deepEqual(
      all.sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(shardRuns(10, { index: 1, count: 3 }), [1, 4, 7]);
  });
});
