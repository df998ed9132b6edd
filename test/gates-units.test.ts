/**
 * The gates' arithmetic, case by case: units in conditions, limits relative to a baseline, which conditions can
 * be decided before a run ends, what a missing value does, and near-name suggestions.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Encoder } from '@msgpack/msgpack';
import { digestHashes } from '../src/engine/digest-encoding.ts';
import { DIGEST_FIELDS, digestOf, type RunResult } from '../src/engine/result.ts';
import { compareResults } from '../src/gates/baseline.ts';
import { checkDigest, DIGEST_PARTS, digestKey, digestParts } from '../src/gates/digest.ts';
import {
  compare,
  failsForGood,
  parseCondition,
  parseRelativeCondition,
  relativeLimit,
  splitMetricCondition,
} from '../src/gates/conditions.ts';
import { brokenRule } from '../src/engine/live.ts';
import { abortRules, compileThresholds, evaluateThresholds } from '../src/gates/thresholds.ts';
import { InputError } from '../src/errors.ts';
import { nearNames } from '../src/suggest.ts';

/** Just enough of a result for dns.* and clients.* metrics. */
function fakeResult(violations: number, errorRate: number | null): RunResult {
  return {
    reachedS: 100,
    partial: false,
    phases: [{ name: 'before', fromS: 0, toS: 100 }],
    scenario: { dns: { faults: [] }, actions: [] },
    dns: {
      violations: Array.from({ length: violations }, () => ({ invariant: 'monotonic', atS: 1 })),
      emptyIntervals: [],
      stuckIntervals: [],
      stuck: false,
    },
    clients: errorRate === null ? null : { errorRate, phases: [] },
    ec2: null,
    perf: {},
  } as unknown as RunResult;
}

describe('conditions', () => {
  it("converts units to the metric's own", () => {
    assert.equal(parseCondition('<= 250ms', 's').value, 0.25);
    assert.equal(parseCondition('<= 2m', 'ms').value, 120_000);
    assert.equal(parseCondition('< 1h', 's').value, 3600);
    assert.equal(parseCondition('< 5%', 'ratio').value, 0.05);
    assert.equal(parseCondition('<0.05', 'ratio').value, 0.05);
    assert.equal(parseCondition('== 0', 'count').value, 0);
    assert.equal(parseCondition('>= 1.5e3', 'count').value, 1500);
    assert.equal(parseCondition('<=250ms', 'ms').text, '<= 250ms');
    // A negative absolute limit (a timeline offset); + stays refused below (it means "relative" in baseline gates).
    assert.equal(parseCondition('> -1.5m', 's').value, -90);
    assert.equal(parseCondition('>-90s', 's').text, '> -90s');
    for (const [bad, unit] of [
      ['< 5%', 'ms'],
      ['< 5ms', 'ratio'],
      ['< 5furlongs', 's'],
      ['5', 'count'],
      ['=< 5', 'count'],
      ['< +5', 'count'],
      ['', 'count'],
    ]) {
      assert.throws(() => parseCondition(bad, unit), Error, `${bad} on ${unit}`);
    }
  });

  it('sets baseline limits: +N% scales, +N adds, no sign is absolute', () => {
    const lim = (c: string, unit: string, base: number) => relativeLimit(parseRelativeCondition(c, unit), base);
    assert.equal(lim('> +10%', 'ms', 200), 220.00000000000003);
    assert.equal(lim('> -5%', 'ms', 200), 190);
    assert.equal(lim('> +0.01', 'ratio', 0.2), 0.21000000000000002);
    assert.equal(lim('> +30s', 's', 100), 130);
    assert.equal(lim('> +250ms', 's', 1), 1.25);
    assert.equal(lim('> 3', 'count', 1000), 3);
    assert.equal(lim('> +10%', 'count', 0), 0, 'ten per cent of nothing is nothing');
  });

  it('decides early only upper bounds on counts that can only grow', () => {
    assert.equal(failsForGood(1, '==', 0), true);
    assert.equal(failsForGood(0, '==', 0), false);
    assert.equal(failsForGood(5, '<', 5), true);
    assert.equal(failsForGood(4, '<', 5), false);
    assert.equal(failsForGood(5, '<=', 5), false);
    assert.equal(failsForGood(0, '>', 3), false, 'a lower bound may still be met');
    assert.equal(failsForGood(9, '!=', 9), false);
    assert.equal(compare(3, '!=', 3), false);
  });

  it('splits METRIC<VALUE at the first operator', () => {
    assert.deepEqual(splitMetricCondition('dns.violations==0'), { metric: 'dns.violations', condition: '==0' });
    assert.deepEqual(splitMetricCondition(' clients.outage.latencyMs.p99 <= 250ms'), {
      metric: 'clients.outage.latencyMs.p99',
      condition: '<= 250ms',
    });
    assert.deepEqual(splitMetricCondition('dns.violations.never-delete-active>0'), {
      metric: 'dns.violations.never-delete-active',
      condition: '>0',
    });
    assert.equal(splitMetricCondition('just words'), null);
  });
});

describe('thresholds and baseline gates', () => {
  it('fails a threshold whose metric has no value in the run, and passes or fails the others by value', () => {
    const t = evaluateThresholds(fakeResult(2, null), ['dns.violations<3', 'dns.violations==0', 'clients.errorRate<1%']);
    assert.deepEqual(
      t.map((x) => [x.metric, x.value, x.ok]),
      [
        ['dns.violations', 2, true],
        ['dns.violations', 2, false],
        ['clients.errorRate', null, false],
      ],
    );
  });

  it('aborts on the first watched upper bound crossed, never on one that can still be met', () => {
    const c = compileThresholds({
      'dns.violations': [{ condition: '== 0', abortOnFail: true }],
      'dns.endpointEmptied': ['== 0'],
      'clients.attempts': [{ condition: '> 10', abortOnFail: true }],
    });
    const live = (v: number, empties = 0) => ({ violations: { monotonic: v }, endpointEmpties: empties, attempts: 0, wallS: 1 });
    const rules = abortRules(c);
    assert.equal(brokenRule(rules, live(0, 3)), null, 'endpointEmptied has no abortOnFail; attempts > 10 may still happen');
    assert.deepEqual(brokenRule(rules, live(1)), { rule: { metric: 'dns.violations', condition: '== 0', op: '==', limit: 0 }, value: 1 });
    assert.throws(() => compileThresholds({ 'clients.errorRate': [{ condition: '< 1%', abortOnFail: true }] }), InputError);
  });

  it('fails a gate when a value appears or vanishes, passes when it is absent from both', () => {
    const base = fakeResult(0, 0.01);
    const g = compareResults(base, fakeResult(1, null), ['dns.violations > +0', 'clients.errorRate > +10%', 'ec2.nlbErrorS > +0']);
    assert.deepEqual(
      g.map((x) => [x.metric, x.failed, x.limit]),
      [
        ['dns.violations', true, 0],
        ['clients.errorRate', true, null],
        ['ec2.nlbErrorS', false, null],
      ],
    );
    assert.equal(compareResults(base, fakeResult(0, 0.0109), ['clients.errorRate > +10%'])[0].failed, false);
    assert.equal(compareResults(base, fakeResult(0, 0.0111), ['clients.errorRate > +10%'])[0].failed, true);
    assert.throws(
      () => compareResults(base, base, ['clients.errorRat > +1%']),
      (e: unknown) => e instanceof InputError && /did you mean clients\.errorRate/.test(e.problems[0]),
    );
  });

  it('suggests names by spelling and by shared segments', () => {
    const names = [
      'clients.errorRate',
      'clients.outage.errorRate',
      'clients.outage.latencyMs.p99',
      'clients.latencyMs.p99',
      'dns.violations',
    ];
    assert.equal(nearNames('clients.errorrate', names)[0], 'clients.errorRate');
    assert.equal(nearNames('clients.outage.p99', names)[0], 'clients.outage.latencyMs.p99');
    assert.deepEqual(nearNames('zzz', names), []);
  });
});

describe('the digest and its parts', () => {
  // A result small enough to spell out, with every field the digest covers distinct.
  const r = {
    ...fakeResult(1, 0.5),
    formatVersion: 1,
    seed: 7,
    events: [{ seq: 0, atS: 1, kind: 'apply' }],
    windows: { clients: [{ index: 0, fromS: 0 }], ec2: [{ index: 0, toS: 10 }] },
    timeline: null,
  } as unknown as RunResult;

  it('hashes the fields in the order every digest so far was written with', () => {
    // The encoding the digest has always had (before the field list was shared with the parts): its bytes pinned.
    const legacy = new Encoder({ ignoreUndefined: true }).encode({
      formatVersion: r.formatVersion,
      partial: r.partial,
      scenario: r.scenario,
      seed: r.seed,
      reachedS: r.reachedS,
      phases: r.phases,
      dns: r.dns,
      events: r.events,
      clients: r.clients,
      regions: r.regions,
      services: r.services,
      windows: r.windows,
      ec2: r.ec2,
      timeline: r.timeline,
    });
    assert.equal(digestOf(r), createHash('sha256').update(legacy).digest('hex'));
  });

  it('hashes the digest and its parts in one chunked pass to the bytes of the plain encodings', () => {
    // Long arrays (encoded in chunks) at every depth the pass walks and below it, with what the encoder treats
    // apart: absent fields, holes, typed arrays, dates, null-prototype objects, long and non-ASCII strings.
    const enc = new Encoder({ ignoreUndefined: true });
    const sha = (v: unknown) => createHash('sha256').update(enc.encode(v)).digest('hex');
    const item = (i: number) => ({
      i,
      atS: i * 0.37,
      neg: -i,
      big: 2 ** 40 + i,
      text: i % 7 === 0 ? `é ${'x'.repeat(i % 300)}` : `t${i}`,
      maybe: i % 3 === 0 ? undefined : i % 2 === 0,
      nested: i % 5 === 0 ? { list: Array.from({ length: i % 40 }, (_, k) => k), when: new Date(1e12 + i) } : null,
      bytes: i % 11 === 0 ? Float64Array.of(i, 0.5) : undefined,
    });
    const long = (n: number) => Array.from({ length: n }, (_, i) => item(i));
    const holes = long(1300);
    delete holes[700];
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: long(600), b: 1 });
    // A map of 16 keys or more takes a 16-bit header, an array of 65536 elements or more a 32-bit one.
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`k${k}`, long(k * 40)]));
    const huge = Array.from({ length: 70_000 }, (_, i) => i);
    for (const n of [0, 15, 16, 512, 513, 1025]) {
      const x = {
        ...r,
        events: n === 1025 ? huge : long(n),
        dns: { ...r.dns, violations: long(n + 3), deeper: { again: { list: long(n) } }, bare, holes, wide },
        windows: { ec2: long(n), clients: long(2 * n), extra: undefined },
        regions: undefined,
      } as unknown as RunResult;
      const fields: Record<string, unknown> = {};
      for (const k of DIGEST_FIELDS) fields[k] = x[k];
      const summary: Record<string, unknown> = {};
      for (const k of DIGEST_FIELDS) if (k !== 'events' && k !== 'windows') summary[k] = x[k];
      const got = digestHashes(x);
      assert.equal(got.digest, sha(fields), `digest, ${n}`);
      assert.deepEqual(
        got.parts,
        { events: sha(x.events), clientWindows: sha(x.windows.clients), ec2Windows: sha(x.windows.ec2), summary: sha(summary) },
        `parts, ${n}`,
      );
    }
  });

  it('splits every field into exactly one part, and the key names the parts that moved', () => {
    const other = { ...r, windows: { ...r.windows, ec2: [{ index: 0, toS: 11 }] }, seed: 8 } as unknown as RunResult;
    const a = { ...r, digest: digestOf(r) };
    const b = { ...other, digest: digestOf(other) };
    const pa = digestParts(a);
    const pb = digestParts(b);
    assert.deepEqual(
      DIGEST_PARTS.filter((p) => pa[p] !== pb[p]),
      ['ec2Windows', 'summary'],
    );
    const check = checkDigest(b, digestKey(a));
    assert.equal(check.ok, false);
    assert.deepEqual(
      check.parts.map((p) => p.part),
      ['ec2Windows', 'summary'],
    );
    assert.equal(checkDigest(a, digestKey(a)).ok, true);
    assert.equal(checkDigest(b, a.digest).parts.length, 0, 'a bare digest names no part');
    // Each field changes exactly one part: none is left out of the parts, none counted twice.
    for (const k of DIGEST_FIELDS) {
      const moved = { ...a, [k]: k === 'windows' ? { clients: [], ec2: [] } : 'changed' } as unknown as RunResult;
      const pm = digestParts(moved);
      const changed = DIGEST_PARTS.filter((p) => pm[p] !== pa[p]);
      assert.deepEqual(changed, k === 'windows' ? ['clientWindows', 'ec2Windows'] : [k === 'events' ? 'events' : 'summary'], k);
    }
  });
});
