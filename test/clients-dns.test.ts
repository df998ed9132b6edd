// The resolver-client population against an endpoint that empties and comes back: offered load, TTL-driven
// failure onset, negative caching after the repair, serve-stale, and the warm start the TTL curve relies on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { runClientsHarness } from './support/clients-harness.ts';

test('no fault: no errors, offered requests within 1% of count x rate x duration', () => {
  const cfg = clientsSchema.parse({ count: 20_000, ratePerS: 1 });
  const r = runClientsHarness({ clients: cfg, durationS: 100 });
  const s = r.summary;
  const expected = 20_000 * 1 * 100;
  assert.ok(Math.abs(s.requests - expected) / expected < 0.01, `requests ${s.requests} vs ${expected}`);
  assert.equal(s.errorRate, 0);
  assert.deepEqual(s.errors, { 'dns-empty': 0, connect: 0, timeout: 0, throttled: 0 });
  assert.equal(s.amplification, 1);
  assert.equal(s.successes, s.requests);
  // Idle load balancers (rho ~ 0.03): attempt latency is exponential with mean ~4 ms, so p50 ~ 4 ln 2 = 2.8 ms.
  assert.ok(s.attemptLatencyMs.p50 > 2.5 && s.attemptLatencyMs.p50 < 3.2, `p50 ${s.attemptLatencyMs.p50}`);
});

const outage = {
  events: [
    { atS: 30, do: 'empty' as const },
    { atS: 60, do: 'restore' as const },
  ],
  durationS: 80,
  windowS: 1,
};

test('empty endpoint: dns-empty share follows the TTL, then stops within negativeTtlS of the repair', () => {
  const ttlS = 10;
  const ratePerS = 5;
  const negativeTtlS = 5;
  const cfg = clientsSchema.parse({ count: 20_000, ratePerS, ttlS, negativeTtlS, retry: { policy: 'none' } });
  const r = runClientsHarness({ clients: cfg, ...outage });
  const share = (w: (typeof r.windows)[number]) => w.counters.dnsEmpty / w.counters.attempts;
  for (const w of r.windows) {
    if (w.fromS < 30) assert.equal(w.counters.dnsEmpty, 0, `window ${w.fromS}`);
    else if (w.fromS < 30 + ttlS) {
      // An attempt at 30 + x fails iff the client's entry expired by then: the residual life of an entry is
      // uniform over the refresh cycle (ttl + 1/rate), so the share is (x + 1/rate) / (ttl + 1/rate).
      const x = w.fromS - 30 + 0.5;
      const expected = (x + 1 / ratePerS) / (ttlS + 1 / ratePerS);
      assert.ok(Math.abs(share(w) - expected) < 0.03, `window ${w.fromS}: share ${share(w)} vs ${expected}`);
    } else if (w.fromS < 60) assert.equal(share(w), 1, `window ${w.fromS}`);
    else if (w.fromS < 60 + negativeTtlS) {
      // Negative entries written up to the repair keep failing until they expire.
      // Negative entries expire spread over negativeTtlS (+ the gap to the next request).
      const x = w.fromS - 60 + 0.5;
      const expected = 1 - x / (negativeTtlS + 1 / ratePerS);
      assert.ok(Math.abs(share(w) - expected) < 0.06, `window ${w.fromS}: share ${share(w)} vs ${expected}`);
    } else assert.equal(w.counters.dnsEmpty, 0, `window ${w.fromS} still fails after negativeTtlS`);
  }
  // Monotone rise during the TTL.
  const during = r.windows.filter((w) => w.fromS >= 30 && w.fromS < 30 + ttlS).map(share);
  for (let k = 1; k < during.length; k++) assert.ok(during[k] > during[k - 1]);
  // Phases: the outage phase carries the errors, after is clean once negative entries are gone.
  const p = runClientsHarness({
    clients: cfg,
    ...outage,
    phases: [
      { name: 'before', fromS: 0, toS: 30 },
      { name: 'outage', fromS: 30, toS: 60 },
      { name: 'after', fromS: 65, toS: 80 },
    ],
  }).summary.phases;
  assert.equal(p[0].errorRate, 0);
  assert.ok(p[1].errorRate > 0.8);
  assert.equal(p[2].errorRate, 0);
});

test('serve-stale longer than the outage: no dns-empty at all, stale answers instead', () => {
  const cfg = clientsSchema.parse({ count: 10_000, ratePerS: 5, ttlS: 10, negativeTtlS: 5, serveStaleS: 3600 });
  const r = runClientsHarness({ clients: cfg, ...outage });
  assert.equal(r.summary.errors['dns-empty'], 0);
  assert.equal(r.summary.errorRate, 0);
  const stale = r.windows.reduce((a, w) => a + w.counters.staleAnswers, 0);
  assert.ok(stale > 0.5 * 10_000 * 5 * 25, `stale answers ${stale}`);
  // ... and none before the outage or once the endpoint is back (first window after the repair may still).
  for (const w of r.windows) if (w.fromS < 30 || w.fromS >= 61) assert.equal(w.counters.staleAnswers, 0, `window ${w.fromS}`);
});

test('serve-stale shorter than the outage: dns-empty starts ttl + serveStaleS after the emptying', () => {
  const cfg = clientsSchema.parse({ count: 10_000, ratePerS: 5, ttlS: 5, negativeTtlS: 5, serveStaleS: 10, retry: { policy: 'none' } });
  const r = runClientsHarness({ clients: cfg, ...outage });
  for (const w of r.windows) {
    // Stale answers cover serveStaleS past each entry's expiry; entries that expired shortly before the
    // emptying (clients that had not asked since) run out up to ~2 s early.
    if (w.fromS < 37) assert.equal(w.counters.dnsEmpty, 0, `window ${w.fromS}`);
    if (w.fromS < 30 || w.fromS >= 45) assert.equal(w.counters.staleAnswers, 0, `window ${w.fromS}`);
    if (w.fromS >= 46 && w.fromS < 60) assert.equal(w.counters.dnsEmpty, w.counters.attempts, `window ${w.fromS}`);
  }
});

test('cold start (warmStart false): caches refresh in lock-step, so the outage hits nearly at once', () => {
  const cfg = clientsSchema.parse({ count: 10_000, ratePerS: 5, ttlS: 10, negativeTtlS: 5, warmStart: false, retry: { policy: 'none' } });
  const r = runClientsHarness({ clients: cfg, ...outage });
  const w31 = r.windows.find((w) => w.fromS === 32)!;
  // Warm: ~25% by then; cold: the synchronized cohort has expired.
  assert.ok(w31.counters.dnsEmpty / w31.counters.attempts > 0.9);
});
