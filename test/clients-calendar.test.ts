// The calendar the population's records live in (src/model/clients/calendar.ts): no record ever waits in a
// bucket later than its next event's epoch, none is lost or doubled, and where the records sit never shows in a
// result (windows of any length, across the horizon, give the same counts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { chainsSchema, regionsSchema, staticEndpoints } from '../src/config/regions-schema.ts';
import { SharedStore } from '../src/memory/store.ts';
import { ClientCounter } from '../src/metrics/client-counters.ts';
import { REGION_COUNTERS } from '../src/metrics/region-counters.ts';
import { Calendar, calendarMetaBytes, HORIZON, Page } from '../src/model/clients/calendar.ts';
import type { MultiRegion } from '../src/model/clients/multi.ts';
import { Ext, ExtFlag, ExtU32, Rec, RecU32 } from '../src/model/clients/records.ts';
import { ClientShard, type ClientEnv } from '../src/model/clients/shard.ts';
import { publishFullPlan, singleEndpointStore } from './support/clients-harness.ts';

const cfg = clientsSchema.parse({
  count: 3001,
  ratePerS: 0.3,
  // A pause with no arrivals at all (next arrival beyond the horizon), then a burst.
  profile: [
    { atS: 100, factor: 0 },
    { atS: 500, factor: 4 },
  ],
  ttlS: 7,
  retry: { policy: 'exponential', jitter: 'full', baseS: 0.2, capS: 5, maxAttempts: 4 },
});

function newEnv(): ClientEnv {
  const store = singleEndpointStore(4, 400, 1);
  publishFullPlan(store, 1, 0);
  // A fixed offered load: the service model then does not depend on how the time is cut into calls.
  store.lbOfferedPerS.fill(300);
  return { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb: new Float64Array(4), lbs: store };
}

/** Every record in the calendar's buckets, with the epoch of its bucket. */
function bucketed(shard: ClientShard): { evS: number; arrS: number; rng: number; bucket: number }[] {
  const cal = shard.calendar as Calendar;
  const { f64, u32 } = shard.records;
  const out: { evS: number; arrS: number; rng: number; bucket: number }[] = [];
  for (let slot = 0; slot < HORIZON; slot++) {
    // Open buckets are [cursor, cursor + HORIZON): slot s is the one epoch there with that remainder.
    const bucket = cal.cursor + ((((slot - cal.cursor) % HORIZON) + HORIZON) % HORIZON);
    for (let p = cal.heads[cal.tailBase + slot]; p >= 0; p = cal.next[p]) {
      for (let j = 0; j < cal.filled(p); j++) {
        const r = (p << Page.SHIFT) + j;
        out.push({
          evS: f64[r * Rec.F64_PER_RECORD + Rec.F_EV],
          arrS: f64[r * Rec.F64_PER_RECORD + Rec.F_ARR],
          rng: u32[r * Rec.U32_PER_RECORD + RecU32.U_RNG],
          bucket,
        });
      }
    }
  }
  return out;
}

test('no record is in a bucket after its next event, none is pending, none is lost, over windows of any length', () => {
  for (const epochS of [1, 0.1, 2.5]) {
    const shard = new ClientShard(cfg, 11, 0, cfg.count, { epochS });
    const env = newEnv();
    // Windows shorter than an epoch, not on its boundaries, and longer than the whole horizon.
    const cuts = [0.37, 1, 1.5, 2, 9.99, 10, 40, 41.2, 100, 99.9 + 250, 400, 401, 402.5, 650];
    let t0 = 0;
    let attempts = 0;
    let beyond = 0;
    for (const t1 of cuts) {
      attempts += shard.runEpoch(t0, t1, env);
      const recs = bucketed(shard);
      // Each client once: their streams' states (and next arrivals) are all distinct.
      assert.equal(new Set(recs.map((r) => `${r.rng}/${r.arrS}`)).size, cfg.count);
      const horizonEndS = ((shard.calendar as Calendar).cursor + HORIZON) * epochS;
      beyond += recs.filter((r) => r.evS >= horizonEndS).length;
      assert.equal(recs.length, cfg.count, `records after [${t0}, ${t1}) with epochs of ${epochS} s`);
      for (const { evS, bucket } of recs) {
        assert.ok(evS >= t1, `an event at ${evS} is still pending after [${t0}, ${t1})`);
        assert.ok(bucket * epochS <= evS, `event at ${evS} waits in the bucket of epoch ${bucket} (${epochS} s epochs)`);
      }
      t0 = t1;
    }
    assert.ok(attempts > 100_000, `${attempts}`);
    // The pause (no arrivals from 100 to 400 s) leaves records waiting beyond the horizon, in its last bucket.
    assert.ok(beyond > 0, `no record beyond the horizon with epochs of ${epochS} s`);
  }
});

test('where the records sit does not show: 1 s calls and irregular ones give the same counts and latencies', () => {
  // The endpoint empties at 30 s and comes back at 80 s, between calls in both runs: an event run in a later
  // call than its own would see the other answer, and the counts would differ.
  const run = (cuts: number[]) => {
    const shard = new ClientShard(cfg, 5, 0, cfg.count);
    const env = newEnv();
    let t0 = 0;
    for (const t1 of cuts) {
      if (t0 === 30) env.store.deletePlan(1 % env.store.dims.planSlots);
      if (t0 === 80) publishFullPlan(env.store, 2, t0);
      shard.runEpoch(t0, t1, env);
      t0 = t1;
    }
    const w = shard.closeWindow(0, 0, t0);
    return JSON.stringify({ c: Array.from(w.counters), i: w.latencyIntended, a: w.latencyAttempt });
  };
  const aligned = run(Array.from({ length: 600 }, (_, k) => k + 1));
  const irregular = run([0.5, 3, 3.25, 30, 31.5, 80, 170, 171, 333.3, 420, 599.99, 600]);
  assert.equal(irregular, aligned);
  // The outage shows: some attempts found no address.
  assert.ok(JSON.parse(aligned).c[ClientCounter.DNS_EMPTY] > 0);
});

test('a record whose event falls on an epoch start the division rounds past is filed in that epoch, not the next', () => {
  // 0.3 / 0.1 comes out as 3, but 3 * 0.1 is 0.30000000000000004 > 0.3: the engine's epoch 3 starts after 0.3, so
  // the event belongs to epoch 2 and must be run there (filed in epoch 3's bucket it would run one epoch late).
  assert.ok(3 * 0.1 > 0.3);
  const cal = new Calendar({ pages: 8, workers: 1, worker: 0, epochS: 0.1 });
  cal.place(0.3, 0);
  assert.equal(cal.takeDue(2, 2, 2), 1);
  assert.equal(cal.takeDue(3, 3, 3), 0);
});

test("a helper's question about an epoch whose due list is gone gets no chunks", () => {
  const pages = 64;
  const shared = new SharedArrayBuffer(calendarMetaBytes(pages, 2));
  const w0 = new Calendar({ pages, workers: 2, worker: 0, epochS: 1, meta: shared });
  const w1 = new Calendar({ pages, workers: 2, worker: 1, epochS: 1, meta: shared });
  // Each worker puts records in its own bucket of epoch 3; worker 0 gathers both.
  for (let k = 0; k < Page.SIZE + 1; k++) w0.place(3.5, 0);
  w1.place(3.2, 0);
  assert.equal(w0.takeDue(3, 3, 3), 3);
  assert.equal(w1.dueCount(3), 3);
  assert.deepEqual(new Set(w0.due.subarray(0, 3)).size, 3);
  // The next epoch's list replaces it: a late helper asking about epoch 3 now gets none.
  w1.place(4.9, 4);
  assert.equal(w0.takeDue(4, 4, 4), 1);
  assert.equal(w1.dueCount(3), 0);
  assert.equal(w1.dueCount(4), 1);
});

test('with regions and chains each extension record moves with its record, and where they sit does not show', () => {
  // Half the clients can fail over to a small region; a request calls auth, the dynamic endpoint, then auth again.
  const regions = regionsSchema.parse({
    others: [{ name: 'west', endpoint: 'west', loadBalancers: 2, capacityPerS: 150, crossLatencyMs: 40 }],
    failover: {
      share: 0.5,
      to: 'west',
      // Two failures in a row: the count of failures so far must travel with the record between events.
      trigger: { on: 'failures', attempts: 2 },
      stayS: { dist: 'exponential', meanS: 20 },
      comeBack: 'probe',
    },
  });
  const chains = chainsSchema.parse({
    services: [
      { name: 'auth', loadBalancers: 2, capacityPerS: 400 },
      { name: 'db', endpoint: cfg.endpoint },
    ],
    request: ['auth', 'db', 'auth'],
  });
  const statics = staticEndpoints(regions, chains, 4);
  const run = (cuts: number[], check: (shard: ClientShard, t1: number) => void) => {
    const store = SharedStore.create({
      endpoints: 1,
      lbsPerEndpoint: [4],
      staticLbs: statics.map((s) => s.lbs),
      planSlots: 8,
      actors: 1,
      workers: 1,
    });
    for (let lb = 0; lb < store.layout.lbCount; lb++) store.lbInService[lb] = 1;
    store.lbCapacityPerS.fill(400, 0, 4);
    for (const s of statics) store.lbCapacityPerS.fill(s.capacityPerS, s.lbBase, s.lbBase + s.lbs);
    // A fixed offered load, as above: the service model then does not depend on how the time is cut into calls.
    store.lbOfferedPerS.fill(120);
    publishFullPlan(store, 1, 0);
    const env: ClientEnv = { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb: new Float64Array(store.layout.lbCount), lbs: store };
    const shard = new ClientShard(cfg, 9, 0, cfg.count, { extra: { regions, chains, statics } });
    let t0 = 0;
    for (const t1 of cuts) {
      // The home endpoint is empty from 30 to 80 s: the capable clients leave, and come back after it.
      if (t0 === 30) store.deletePlan(1 % store.dims.planSlots);
      if (t0 === 80) publishFullPlan(store, 2, t0);
      shard.runEpoch(t0, t1, env);
      check(shard, t1);
      t0 = t1;
    }
    const w = shard.closeWindow(0, 0, t0);
    return {
      w,
      text: JSON.stringify({ c: Array.from(w.counters), i: w.latencyIntended, a: w.latencyAttempt, r: w.regions, s: w.services }),
    };
  };
  // After every call, each record's extension is the one its client started with or changed: exactly the capable
  // clients carry the capable flag (an extension left behind, or read from another slot, would change the count),
  // and every chain position is a call of the request.
  let checks = 0;
  const whole = (shard: ClientShard, t1: number) => {
    const cal = shard.calendar;
    const multi = shard.multi as MultiRegion;
    const xu32 = new Uint32Array(multi.ext);
    const { f64 } = shard.records;
    let records = 0;
    let capable = 0;
    for (let s = 0; s < HORIZON; s++) {
      for (let p = cal.heads[cal.tailBase + s]; p >= 0; p = cal.next[p]) {
        for (let j = 0; j < cal.filled(p); j++) {
          const r = (p << Page.SHIFT) + j;
          records++;
          assert.ok(f64[r * Rec.F64_PER_RECORD + Rec.F_EV] >= t1);
          const flags = xu32[r * Ext.U32_PER_EXT + ExtU32.X_FLAGS];
          if (flags & ExtFlag.X_MULTI) capable++;
          assert.ok(flags >>> ExtFlag.X_HOP_SHIFT < 3, `call ${flags >>> ExtFlag.X_HOP_SHIFT} of a 3-call request`);
        }
      }
    }
    assert.equal(records, cfg.count);
    assert.equal(capable, multi.multiClients, `capable clients after ${t1} s`);
    checks++;
  };
  const aligned = run(
    Array.from({ length: 600 }, (_, k) => k + 1),
    () => {},
  );
  const irregular = run([0.5, 3, 3.25, 30, 31.5, 80, 170, 171, 333.3, 420, 599.99, 600], whole);
  assert.equal(checks, 12);
  assert.equal(irregular.text, aligned.text);
  const multi = (aligned.w.regions as Float64Array)[REGION_COUNTERS.indexOf('failovers')];
  const back = (aligned.w.regions as Float64Array)[REGION_COUNTERS.indexOf('failbacks')];
  assert.ok(multi > 100 && back > 100, `${multi} failovers, ${back} failbacks`);
  // Every service was called and the request got past its first call.
  assert.ok((aligned.w.services as Float64Array)[4] > 0, 'the dynamic service was called');
});

test('each page fill counter has a 64-byte line to itself: two workers appending to neighbouring pages share no line', () => {
  const pages = 256;
  const meta = new SharedArrayBuffer(calendarMetaBytes(pages, 2));
  const cals = [0, 1].map((worker) => new Calendar({ pages, workers: 2, worker, epochS: 1, meta }));
  // Worker 0 and worker 1 take pages from the shared reserve in turn, so their tail pages are neighbours.
  const line = (cal: Calendar, record: number) => {
    const page = record >> Page.SHIFT;
    // The counter's byte address within the buffer, and the 64-byte line it is on.
    return Math.floor((cal.fill.byteOffset + 4 * (page << Page.FILL_SHIFT)) / 64);
  };
  const lines = [new Set<number>(), new Set<number>()];
  for (let k = 0; k < 8 * Page.SIZE; k++) {
    for (const w of [0, 1]) {
      const r = cals[w].place(k % 40, 0);
      lines[w].add(line(cals[w], r));
      assert.equal(cals[w].filled(r >> Page.SHIFT), (r & (Page.SIZE - 1)) + 1, 'filled() counts the records placed');
    }
  }
  assert.ok(lines[0].size > 10 && lines[1].size > 10);
  for (const l of lines[0]) assert.ok(!lines[1].has(l), `line ${l} holds fill counters of both workers' pages`);
});
