/**
 * `cascadesim check` through the real CLI: legacy breaks every invariant within a small bound and `run` replays
 * the counterexample to the same violation (same invariant, time, endpoint, detail and chain); fenced and
 * locked-check explore their whole bounded space without one; a lone Enactor cannot race with anyone, so even
 * legacy holds; bad options and bad schedules are refused with exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { hasStackTrace, runCli } from './helpers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-check-'));
const SMALL = ['--enactors', '2', '--generations', '4', '--endpoints', '2'];

interface CheckJson {
  protocol: string;
  states: number;
  statesPerS: number;
  complete: boolean;
  holds: string[];
  counterexamples: {
    invariant: string;
    steps: number;
    schedule: { actor: string; atS: number }[];
    violation: { atS: number; endpoint: number; detail: string; chain: string[] };
  }[];
  out: string | null;
}

interface RunJson {
  dns: { violations: { invariant: string; atS: number; endpoint: string; detail: string; chain: string[] }[] };
}

describe('cascadesim check', () => {
  it('legacy: the shortest schedule per invariant, and run replays each to the same violation', async () => {
    for (const invariant of ['monotonic', 'never-delete-active', 'non-empty']) {
      const file = path.join(tmp, `${invariant}.yaml`);
      const r = await runCli(['check', '--protocol', 'legacy', ...SMALL, '--invariant', invariant, '--out', file, '--json']);
      assert.equal(r.code, 99, r.stderr);
      const j = JSON.parse(r.stdout) as CheckJson;
      assert.equal(j.complete, true);
      assert.deepEqual(j.counterexamples.map((c) => c.invariant).sort(), ['monotonic', 'never-delete-active', 'non-empty']);
      assert.deepEqual(j.holds, []);
      const c = j.counterexamples.find((x) => x.invariant === invariant);
      assert.ok(c);
      if (invariant === 'monotonic') {
        // By hand: two plans written, Enactor A checks the older, B checks, locks and applies the newer, A locks
        // and applies: 8 steps, and nothing shorter can regress an endpoint.
        assert.equal(c.steps, 8);
      }
      const run = await runCli(['run', file, '--json', '--workers', '2']);
      assert.equal(run.code, 0, run.stderr);
      const v = (JSON.parse(run.stdout) as RunJson).dns.violations.filter((x) => x.invariant === invariant);
      assert.equal(v.length, 1, JSON.stringify(v));
      assert.equal(v[0].atS, c.violation.atS);
      assert.equal(v[0].detail, c.violation.detail);
      assert.deepEqual(v[0].chain, c.violation.chain);
      // The replay's last violation happens at the schedule's last step: nothing runs after it.
      assert.equal(c.violation.atS, c.schedule[c.schedule.length - 1].atS);
    }
  });

  it('fenced and locked-check: the whole bounded space, no invariant breaks, exit 0', async () => {
    for (const protocol of ['fenced', 'locked-check']) {
      const r = await runCli(['check', '--protocol', protocol, ...SMALL, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as CheckJson;
      assert.equal(j.complete, true);
      assert.deepEqual(j.counterexamples, []);
      assert.deepEqual(j.holds, ['never-delete-active', 'monotonic', 'non-empty']);
      assert.ok(j.states > 100, `${j.states} states`);
    }
  });

  it('fenced with three Enactors and a readable report', async () => {
    const r = await runCli(['check', '--protocol', 'fenced', '--enactors', '3', '--generations', '4', '--endpoints', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /explored [\d,]+ states .* states\/s .*; the whole bounded space/);
    assert.match(r.stdout, /never-delete-active, monotonic, non-empty: hold in every schedule within the bound/);
  });

  it('legacy with a single Enactor: nobody to race, nothing breaks', async () => {
    const r = await runCli(['check', '--protocol', 'legacy', '--enactors', '1', '--generations', '6', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as CheckJson).counterexamples, []);
  });

  it('a step bound shorter than the counterexample finds nothing and says the space was cut off', async () => {
    const r = await runCli(['check', '--protocol', 'legacy', ...SMALL, '--max-steps', '7', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as CheckJson;
    assert.equal(j.complete, false);
    assert.deepEqual(j.counterexamples, []);
  });

  it('bad options and bad schedules: every problem listed, exit 2, no stack trace', async () => {
    const r = await runCli(['check', '--protocol', 'optimistic', '--enactors', '0', '--invariant', 'liveness']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--protocol: must be one of legacy, fenced, locked-check/);
    assert.match(r.stderr, /--enactors: must be an integer from 1/);
    assert.match(r.stderr, /--invariant: must be one of/);
    assert.equal(hasStackTrace(r.stderr), false);

    const good = path.join(tmp, 'monotonic.yaml');
    const s = YAML.parse(readFileSync(good, 'utf8')) as { dns: { schedule: { actor: string; atS: number[] }[] } };
    s.dns.schedule.push({ actor: 'enactor-7', atS: [3, 2] });
    const bad = path.join(tmp, 'bad-schedule.yaml');
    writeFileSync(bad, YAML.stringify(s));
    const v = await runCli(['run', bad]);
    assert.equal(v.code, 2);
    assert.match(v.stderr, /dns\.schedule\[\d\]\.actor: no such Enactor/);
    assert.match(v.stderr, /dns\.schedule\[\d\]\.atS\[1\]: must be later than the time before it/);
  });
});
