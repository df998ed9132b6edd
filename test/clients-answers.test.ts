// The per-worker answer ring (what client caches point into), target choice by weight, and the rate profile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { AnswerRing, Serial } from '../src/model/clients/answers.ts';
import { Arrivals } from '../src/model/clients/arrivals.ts';
import { ClientCore } from '../src/model/clients/core.ts';
import { runClientsHarness } from './support/clients-harness.ts';

const cumOf = (w: number[]) => {
  let c = 0;
  return Float64Array.from(w, (x) => (c += x));
};

test('answer ring: dedupes identical answers, keeps every answer a cache may still use, grows instead of overwriting', () => {
  const keepS = 30;
  const ring = new AnswerRing(4, keepS, 4);
  const lbs = Int32Array.from([0, 1, 2, 3]);
  ring.update(4, lbs, cumOf([1, 1, 1, 1]), 0);
  assert.equal(ring.current, 0);
  ring.update(4, lbs, cumOf([1, 1, 1, 1]), 1);
  assert.equal(ring.current, 0, 'same content, same serial');
  ring.update(0, lbs, cumOf([]), 2);
  assert.equal(ring.current, Serial.EMPTY);
  ring.update(4, lbs, cumOf([1, 1, 1, 1]), 3);
  assert.equal(ring.current, 0, 'restored content reuses its serial');
  // A new answer every second: answers replaced within keepS must survive, so the ring grows.
  const serialsAt: number[] = [];
  for (let t = 4; t < 4 + 100; t++) {
    ring.update(4, lbs, cumOf([1, 1, 1, t]), t);
    serialsAt[t] = ring.current;
  }
  assert.ok(ring.capacity >= keepS + 1 && ring.capacity <= 64, `capacity ${ring.capacity}`);
  const now = 103;
  for (let t = now - keepS + 1; t <= now; t++) {
    const slot = serialsAt[t] & ring.mask;
    const o = slot * ring.targetsMax;
    assert.equal(ring.cumWeight[o + 3] - ring.cumWeight[o + 2], t, `answer of t=${t} was overwritten`);
  }
});

test('target pick follows the weights (alias table), including zero weights', () => {
  const cfg = clientsSchema.parse({});
  const core = new ClientCore(cfg, 5, 5);
  const w = [5, 0, 1, 3, 1];
  core.ring.update(5, Int32Array.from([10, 11, 12, 13, 14].map((x) => x - 10)), cumOf(w), 0);
  const serial = core.ring.current;
  const n = 200_000;
  const hits = new Float64Array(5);
  for (let i = 0; i < n; i++) hits[core.pick(serial, (i + 0.5) / n)]++;
  const total = w.reduce((a, b) => a + b, 0);
  w.forEach((wk, k) => assert.ok(Math.abs(hits[k] / n - wk / total) < 0.001, `target ${k}: ${hits[k] / n} vs ${wk / total}`));
  assert.equal(hits[1], 0);
});

test('rate profile: arrivals follow ratePerS x factor, none while the factor is 0', () => {
  const a = new Arrivals(2, [
    { atS: 10, factor: 0 },
    { atS: 20, factor: 3 },
  ]);
  assert.equal(a.next(0, 1), 0.5);
  assert.equal(a.next(9.5, 2), 20 + (2 - 1) / 6); // 0.5 s at rate 2 spends 1, the rest at rate 6 after the gap
  assert.equal(new Arrivals(1, [{ atS: 5, factor: 0 }]).next(4, 2), Infinity);
  const cfg = clientsSchema.parse({
    count: 20_000,
    ratePerS: 0.5,
    profile: [
      { atS: 20, factor: 3 },
      { atS: 40, factor: 0 },
      { atS: 50, factor: 1 },
    ],
  });
  const r = runClientsHarness({ clients: cfg, durationS: 70, windowS: 10 });
  const expectFactor = [1, 1, 3, 3, 0, 1, 1];
  r.windows.forEach((w, i) => {
    const expected = 20_000 * 0.5 * 10 * expectFactor[i];
    if (expected === 0) {
      // Only requests that arrived before the pause and waited behind a running one start in it.
      assert.equal(w.counters.requests, w.counters.delayedStarts, `window ${i}`);
      assert.ok(w.counters.requests < 10);
    } else assert.ok(Math.abs(w.counters.requests - expected) <= 0.02 * expected, `window ${i}: ${w.counters.requests} vs ${expected}`);
  });
});
