// Determinism across shard splits, the memory refusal, the single caller the EC2 model uses, and the
// exponential sampler underneath arrivals and service times.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { regionsSchema, staticEndpoints } from '../src/config/regions-schema.ts';
import { DdbCaller } from '../src/model/clients/ddb-caller.ts';
import { ZigguratExp } from '../src/model/clients/exp-ziggurat.ts';
import { publishFullPlan, runClientsHarness, singleEndpointStore } from './support/clients-harness.ts';
import {
  checkClientMemory,
  checkClientSlots,
  ClientRecords,
  EXT_BYTES,
  estimateClientBytes,
  MAX_RECORD_SLOTS,
  RECORD_BYTES,
  Rec,
  SHARD_OVERHEAD_BYTES,
} from '../src/model/clients/records.ts';
import { ClientShard, type SharedPopulation, shardRange } from '../src/model/clients/shard.ts';
import { calendarMetaBytes, calendarPages, Page } from '../src/model/clients/calendar.ts';
import { allocatePopulation } from '../src/memory/population.ts';

test('results are byte-identical whether the population runs as 1, 2, 3 or 7 shards', () => {
  // Everything at once: an outage with serve-stale, a load balancer failure, retries with decorrelated jitter
  // and a budget, a rate profile, and load fed back into the service model (overload after the repair).
  const cfg = clientsSchema.parse({
    count: 6001,
    ratePerS: 2,
    profile: [
      { atS: 20, factor: 3 },
      { atS: 40, factor: 0 },
      { atS: 45, factor: 1.5 },
    ],
    ttlS: 5,
    negativeTtlS: 3,
    serveStaleS: 4,
    retry: { policy: 'exponential', jitter: 'decorrelated', baseS: 0.05, capS: 2, maxAttempts: 4, budget: { ratio: 0.5, burst: 2 } },
  });
  const run = (shards: number) =>
    runClientsHarness({
      clients: cfg,
      shards,
      durationS: 70,
      windowS: 5,
      loadBalancers: 6,
      capacityPerS: 2500,
      events: [
        { atS: 15, do: 'lb-down', lb: 2 },
        { atS: 25, do: 'empty' },
        { atS: 50, do: 'restore' },
        { atS: 55, do: 'lb-up', lb: 2 },
      ],
      phases: [
        { name: 'before', fromS: 0, toS: 25 },
        { name: 'outage', fromS: 25, toS: 50 },
        { name: 'after', fromS: 50, toS: 70 },
      ],
    });
  const one = run(1);
  const s = one.summary;
  // The scenario exercises every path.
  for (const k of ['dns-empty', 'connect', 'timeout', 'throttled'] as const) assert.ok(s.errors[k] > 0, `no ${k} errors`);
  const sum = (k: keyof (typeof one.windows)[number]['counters']) => one.windows.reduce((a, w) => a + w.counters[k], 0);
  assert.ok(sum('staleAnswers') > 0 && sum('budgetDenied') > 0 && sum('delayedStarts') > 0 && sum('retries') > 0);
  const ref = JSON.stringify(one);
  for (const shards of [2, 3, 7]) assert.equal(JSON.stringify(run(shards)), ref, `${shards} shards differ from 1`);
});

test('shardRange covers the population exactly, contiguous, sizes within one', () => {
  for (const [count, workers] of [
    [10, 3],
    [1_000_000, 16],
    [5, 8],
  ]) {
    let next = 0;
    for (let w = 0; w < workers; w++) {
      const [from, to] = shardRange(count, workers, w);
      assert.equal(from, next);
      assert.ok(to - from <= Math.ceil(count / workers) && to - from >= Math.floor(count / workers));
      next = to;
    }
    assert.equal(next, count);
  }
});

test('state is 48 bytes per client; an oversized population is refused with the estimate, before allocation', () => {
  assert.equal(RECORD_BYTES, 48);
  const shard = new ClientShard(clientsSchema.parse({}), 1, 0, 100_000);
  // The calendar's pages (calendar.ts): the records, and a few pages per worker beyond them.
  assert.ok(shard.records.bytes >= 100_000 * 48 && shard.records.bytes < 100_000 * 48 + 6 * 2 ** 20, `${shard.records.bytes}`);
  assert.ok(estimateClientBytes(1_000_000) / 1_000_000 < 48 + 6, `${estimateClientBytes(1_000_000)}`);
  assert.ok(estimateClientBytes(100_000) >= shard.bytes());
  const tooMany = Math.ceil(os.totalmem() / RECORD_BYTES) + 1;
  assert.throws(
    () => checkClientMemory(tooMany, os.totalmem()),
    (e: Error) => /clients: \d+ clients need ~[\d.]+ GiB/.test(e.message),
  );
  assert.throws(() => checkClientMemory(50_000_000, 2 ** 31), /GiB/);
  assert.equal(checkClientMemory(1_000_000, os.totalmem()), estimateClientBytes(1_000_000));
});

test("a population is refused when its record slots would not fit the scan's 32-bit indices, before allocation", () => {
  // The scan masks slots with Rec.SLOT_MASK: the largest index it computes (slot x 12 words + the last field) must
  // fit in a signed 32-bit integer, and the mask must keep every slot a population can have.
  assert.equal(MAX_RECORD_SLOTS, Rec.SLOT_MASK + 1);
  assert.ok((MAX_RECORD_SLOTS - 1) * Rec.U32_PER_RECORD + Rec.U32_PER_RECORD - 1 <= 2 ** 31 - 1);
  assert.equal(MAX_RECORD_SLOTS & (MAX_RECORD_SLOTS - 1), 0, 'a power of two, so the mask keeps every slot below it');
  // The largest population that fits for 1 and for 8 workers, found from calendarPages, and one more client.
  for (const workers of [1, 8]) {
    let lo = 1;
    let hi = MAX_RECORD_SLOTS;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (calendarPages(mid, workers) * Page.SIZE <= MAX_RECORD_SLOTS) lo = mid;
      else hi = mid - 1;
    }
    assert.ok(lo > 130_000_000, `${lo}`);
    checkClientSlots(lo, workers);
    assert.throws(() => checkClientSlots(lo + 1, workers), /clients: \d+ clients need \d+ record slots .* over the 134217728/);
  }
  // ClientRecords refuses before allocating (6 GiB would be allocated otherwise).
  assert.throws(() => new ClientRecords(MAX_RECORD_SLOTS + 1), /over the 134217728 the client scan can index/);
});

test('a shared population with regions is refused without its extension records', () => {
  const cfg = clientsSchema.parse({ count: 1000 });
  const pages = calendarPages(cfg.count, 2);
  const memory = allocatePopulation(pages * Page.SIZE * RECORD_BYTES, calendarMetaBytes(pages, 2), true);
  const part: SharedPopulation = { memory, initFrom: 0, initTo: 500, worker: 0, workers: 2 };
  const regions = regionsSchema.parse({
    others: [{ name: 'west', endpoint: 'west', loadBalancers: 2, capacityPerS: 1000, crossLatencyMs: 40 }],
    failover: { share: 0.5, to: 'west', trigger: { on: 'failures', attempts: 2 }, stayS: { dist: 'exponential', meanS: 20 } },
  });
  const extra = { regions, statics: staticEndpoints(regions, undefined, 12) };
  // A client's failover state would be lost whenever another worker ran it.
  assert.throws(() => new ClientShard(cfg, 1, 0, cfg.count, { shared: part, extra }), /without their extension records/);
  // With every buffer it is accepted, and it files its own part only.
  const ok = new ClientShard(cfg, 1, 0, cfg.count, { shared: part });
  assert.equal(
    [...ok.calendar.ownPages()].reduce((n, p) => n + ok.calendar.filled(p), 0),
    500,
  );
});

test('checkClientMemory options: the extension record, each shard and the baseline count against what is available', () => {
  const count = 1_000_000;
  const plain = estimateClientBytes(count);
  // With the extension: 16 more bytes per slot of the calendar's pages, which the records and the extension
  // records share (every client has one, and there is the same room to move), and no second calendar.
  const ext = estimateClientBytes(count, { extended: true }) - plain;
  assert.equal(ext, calendarPages(count, 1) * Page.SIZE * EXT_BYTES);
  assert.ok(ext >= count * EXT_BYTES && ext < count * EXT_BYTES * 1.1, `${ext}`);
  // What a shard with regions really holds stays within the estimate.
  const regions = regionsSchema.parse({
    others: [{ name: 'west', endpoint: 'west', loadBalancers: 2, capacityPerS: 1000, crossLatencyMs: 40 }],
    failover: { share: 0.5, to: 'west', trigger: { on: 'failures', attempts: 2 }, stayS: { dist: 'exponential', meanS: 20 } },
  });
  const withRegions = new ClientShard(clientsSchema.parse({}), 1, 0, 100_000, {
    extra: { regions, statics: staticEndpoints(regions, undefined, 12) },
  });
  assert.ok(withRegions.bytes() > estimateClientBytes(100_000), `${withRegions.bytes()}`);
  assert.ok(estimateClientBytes(100_000, { extended: true }) >= withRegions.bytes(), `${withRegions.bytes()}`);
  // Each worker: its shard, and its calendar pages beyond the records.
  assert.ok(estimateClientBytes(count, { workers: 3 }) - plain > 2 * SHARD_OVERHEAD_BYTES);
  const baseline = 64 * 1024 * 1024;
  // Exactly enough for the plain population on one worker: the extension, a second shard or a bigger baseline
  // each tip it over.
  const available = plain + baseline;
  assert.equal(checkClientMemory(count, available, { overheadBytes: baseline }), plain);
  assert.throws(() => checkClientMemory(count, available, { overheadBytes: baseline, extended: true }), /clients: 1000000 clients need/);
  assert.throws(() => checkClientMemory(count, available, { overheadBytes: baseline, workers: 2 }), /GiB/);
  assert.throws(() => checkClientMemory(count, available, { overheadBytes: baseline + 1 }), /GiB/);
  // The default baseline is 256 MiB.
  assert.throws(() => checkClientMemory(count, available), /0\.25 GiB baseline/);
  assert.equal(checkClientMemory(count, plain + 256 * 1024 * 1024), plain);
});

test('DdbCaller: same cache and service model as the population, deterministic per stream', () => {
  const cfg = clientsSchema.parse({ ttlS: 5, negativeTtlS: 2 });
  const store = singleEndpointStore(4, 1000);
  publishFullPlan(store, 1, 0);
  const env = { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb: new Float64Array(4), lbs: store };
  const a = new DdbCaller(cfg, 7, 3);
  const b = new DdbCaller(cfg, 7, 3);
  const c = new DdbCaller(cfg, 7, 4);
  const seqA: number[] = [];
  const seqC: number[] = [];
  for (let t = 0; t < 10; t += 0.5) {
    const ra = a.call(t, env);
    assert.ok(ra.ok && ra.error === 0 && ra.latencyS > 0 && ra.lb >= 0 && ra.lb < 4);
    seqA.push(ra.latencyS);
    assert.equal(b.call(t, env).latencyS, ra.latencyS);
    seqC.push(c.call(t, env).latencyS);
  }
  assert.notDeepEqual(seqA, seqC);
  assert.equal(
    env.attemptsByLb.reduce((x, y) => x + y, 0),
    60,
  );
  // Entries last ttlS = 5 s: fetched at 0, 5, 10 (an entry is stale AT its expiry). The endpoint empties after
  // the refresh at 10: answers keep coming until 15, then dns-empty, negative-cached for 2 s.
  assert.equal(a.call(10, env).error, 0);
  store.deletePlan(1);
  const errs: number[] = [];
  for (let t = 10.25; t < 20; t += 0.25) errs.push(a.call(t, env).error);
  assert.equal(errs.indexOf(1), (15 - 10.25) / 0.25);
  assert.ok(errs.slice(errs.indexOf(1)).every((e) => e === 1));
  // Repaired at 20; the negative entry written at 19 holds until 21.
  publishFullPlan(store, 2, 20);
  assert.equal(a.call(20, env).error, 1);
  assert.equal(a.call(20.9, env).error, 1);
  assert.equal(a.call(21, env).error, 0);
  // Load balancers out of service: connect errors after the connect timeout.
  store.lbInService.fill(0);
  const r = a.call(30, env);
  assert.equal(r.error, 2);
  assert.equal(r.latencyS, 1);
  // Overloaded: throttled and timeouts appear.
  store.lbInService.fill(1);
  store.lbOfferedPerS.fill(10_000);
  const seen = new Set<number>();
  for (let t = 31; t < 40; t += 0.01) seen.add(a.call(t, env).error);
  assert.ok(seen.has(3) && seen.has(4) && seen.has(0));
  assert.ok(a.retryDelayS(2) >= 0 && a.retryDelayS(2) <= 0.1);
});

test('ziggurat Exp(1): mean, variance and tail', () => {
  const z = new ZigguratExp();
  z.state = 12345;
  const n = 2_000_000;
  let s = 0;
  let s2 = 0;
  let over3 = 0;
  let over8 = 0;
  for (let i = 0; i < n; i++) {
    const x = z.next();
    s += x;
    s2 += x * x;
    if (x > 3) over3++;
    if (x > 8) over8++;
  }
  const mean = s / n;
  assert.ok(Math.abs(mean - 1) < 0.003, `mean ${mean}`);
  assert.ok(Math.abs(s2 / n - mean * mean - 1) < 0.01, `variance ${s2 / n - mean * mean}`);
  assert.ok(Math.abs(over3 / n - Math.exp(-3)) < 0.001, `P(X>3) ${over3 / n}`);
  // The tail beyond the base strip (7.7) is reached: P(X>8) = 3.4e-4.
  assert.ok(Math.abs(over8 / n - Math.exp(-8)) < 0.0001, `P(X>8) ${over8 / n}`);
});
