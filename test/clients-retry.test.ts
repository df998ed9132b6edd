// Retries, the retry budget, the load-dependent service model and coordinated-omission-corrected latency.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { runClientsHarness } from './support/clients-harness.ts';
import { RetryPolicy } from '../src/model/clients/retry.ts';

test('100% failure with N attempts allowed: amplification N (dns-empty and connect alike)', () => {
  for (const N of [1, 3, 6]) {
    const cfg = clientsSchema.parse({
      count: 5000,
      ratePerS: 1,
      retry: { policy: 'exponential', jitter: 'full', baseS: 0.01, capS: 0.1, maxAttempts: N },
    });
    const empty = runClientsHarness({ clients: cfg, durationS: 100, startEmpty: true }).summary;
    assert.equal(empty.successes, 0);
    assert.equal(empty.errors['dns-empty'], empty.attempts);
    // Exactly N attempts per request, but for the chain each client may still have running at the end.
    const inFlight = (s: typeof empty) => N * s.requests - s.attempts;
    assert.ok(inFlight(empty) >= 0 && inFlight(empty) <= (N - 1) * 5000, `dns-empty N=${N}: ${empty.amplification}`);
    assert.ok(Math.abs(empty.amplification - N) / N < 0.005, `dns-empty N=${N}: ${empty.amplification}`);
    assert.equal(empty.errorRate, 1);
    const lbs = 4;
    const down = runClientsHarness({
      clients: cfg,
      durationS: 100,
      loadBalancers: lbs,
      events: Array.from({ length: lbs }, (_, lb) => ({ atS: 0, do: 'lb-down' as const, lb })),
    }).summary;
    assert.equal(down.errors.connect, down.attempts);
    // Chains of N x 1 s: a client is busy most of the time, so the end cuts more chains short.
    assert.ok(inFlight(down) >= 0 && inFlight(down) <= (N - 1) * 5000, `connect N=${N}: ${down.amplification}`);
    assert.ok(down.amplification > N - 0.4, `connect N=${N}: ${down.amplification}`);
    // A connect failure costs the connect timeout (1 s by default): every attempt sits in its bucket.
    assert.ok(Math.abs(down.attemptLatencyMs.p50 - 1000) < 1.1);
  }
});

test('retry budget caps amplification at 1 + ratio (bound: 1 + ratio + burst x clients / requests)', () => {
  const count = 5000;
  const ratio = 0.2;
  const burst = 3;
  const cfg = clientsSchema.parse({
    count,
    ratePerS: 2,
    retry: { policy: 'fixed', jitter: 'none', baseS: 0.01, maxAttempts: 10, budget: { ratio, burst } },
  });
  const r = runClientsHarness({ clients: cfg, durationS: 200, startEmpty: true, windowS: 10 });
  const s = r.summary;
  const bound = 1 + ratio + (burst * count) / s.requests;
  assert.ok(s.amplification <= bound + 1e-9, `amplification ${s.amplification} over the bound ${bound}`);
  // Once the initial burst is spent, retries per request are the earn rate.
  const late = r.windows.filter((w) => w.fromS >= 100);
  const att = late.reduce((a, w) => a + w.counters.attempts, 0);
  const req = late.reduce((a, w) => a + w.counters.requests, 0);
  assert.ok(Math.abs(att / req - (1 + ratio)) < 0.01, `steady amplification ${att / req}`);
  assert.ok(late.every((w) => w.counters.budgetDenied > 0));
  // Without the budget the same failure gives 10x.
  const free = runClientsHarness({ clients: { ...cfg, retry: { ...cfg.retry, budget: null } }, durationS: 50, startEmpty: true }).summary;
  assert.ok(free.amplification > 9.9);
});

test('backoff policies: fixed, exponential with cap, jitters within their ranges', () => {
  const base = { baseS: 0.1, capS: 1, maxAttempts: 8, budget: null };
  const fixed = new RetryPolicy({ ...base, policy: 'fixed', jitter: 'none' });
  assert.equal(fixed.delayS(5, 0.3, 0), 0.1);
  const expo = new RetryPolicy({ ...base, policy: 'exponential', jitter: 'none' });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => expo.delayS(n, 0.5, 0)),
    [0.1, 0.2, 0.4, 0.8, 1, 1],
  );
  const full = new RetryPolicy({ ...base, policy: 'exponential', jitter: 'full' });
  assert.equal(full.delayS(3, 0.25, 0), 0.1);
  const equal = new RetryPolicy({ ...base, policy: 'exponential', jitter: 'equal' });
  assert.equal(equal.delayS(3, 0.5, 0), 0.30000000000000004);
  const deco = new RetryPolicy({ ...base, policy: 'exponential', jitter: 'decorrelated' });
  assert.equal(deco.delayS(1, 0, 0.1), 0.1);
  assert.ok(Math.abs(deco.delayS(1, 1, 0.2) - 0.6) < 1e-12);
  assert.equal(deco.delayS(1, 0.99, 5), 1);
  const none = new RetryPolicy({ ...base, policy: 'none', jitter: 'full' });
  assert.equal(none.maxAttempts, 1);
});

test('service model: overload throttles and times out the excess; latency rises with utilisation', () => {
  const cfg = clientsSchema.parse({ count: 20_000, ratePerS: 1, throttleShare: 0.5, retry: { policy: 'none' } });
  const cap = 10_000;
  // rho = 2: excess share 1/2, half throttled, half queued to the deadline; the served half sees rho capped at
  // 0.99 (mean 400 ms), so a further exp(-1000/400) = 8% of it times out.
  const over = runClientsHarness({ clients: cfg, durationS: 30, capacityPerS: cap, fixedOfferedPerS: 2 * cap }).summary;
  const a = over.attempts;
  assert.ok(Math.abs(over.errors.throttled / a - 0.25) < 0.01, `throttled ${over.errors.throttled / a}`);
  assert.ok(Math.abs(over.errors.timeout / a - (0.25 + 0.5 * Math.exp(-1 / 0.4))) < 0.01, `timeout ${over.errors.timeout / a}`);
  // M/M/1 sojourn: median = ln2 x base / (1 - rho).
  for (const rho of [0.5, 0.9]) {
    const s = runClientsHarness({ clients: cfg, durationS: 20, capacityPerS: cap, fixedOfferedPerS: rho * cap }).summary;
    const median = (Math.LN2 * 4) / (1 - rho);
    assert.ok(Math.abs(s.attemptLatencyMs.p50 - median) / median < 0.03, `rho ${rho}: p50 ${s.attemptLatencyMs.p50} vs ${median}`);
    assert.equal(s.errors.throttled, 0);
  }
  // Fed back (the engine's loop): 20k clients x 1/s on 12 x 10k/s is rho ~ 0.17, no errors.
  const fed = runClientsHarness({ clients: cfg, durationS: 20, capacityPerS: cap }).summary;
  assert.equal(fed.errorRate, 0);
});

test('coordinated omission: requests arriving during a long chain wait, and their latency counts from arrival', () => {
  // Every attempt takes the 1 s connect timeout; requests arrive at 2/s: the client falls behind, and the
  // intended-start latency grows with the backlog while per-attempt latency stays at 1 s.
  const cfg = clientsSchema.parse({ count: 1000, ratePerS: 2, retry: { policy: 'none' } });
  const r = runClientsHarness({
    clients: cfg,
    durationS: 60,
    loadBalancers: 2,
    events: [0, 1].map((lb) => ({ atS: 0, do: 'lb-down' as const, lb })),
  });
  const s = r.summary;
  assert.ok(Math.abs(s.attemptLatencyMs.max - 1000) < 1.1);
  assert.ok(s.latencyMs.p50 > 10_000, `intended p50 ${s.latencyMs.p50} ms`);
  assert.ok(r.windows.every((w) => w.index === 0 || w.counters.delayedStarts > 0.9 * w.counters.requests));
  // Backlog: served at 1/s, arriving at 2/s: over 60 s about 60 of ~120 requests get started.
  assert.ok(Math.abs(s.requests / 1000 - 60) < 2, `started per client ${s.requests / 1000}`);
});
