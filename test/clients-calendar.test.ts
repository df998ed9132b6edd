// The calendar the population's records live in (src/model/clients/calendar.ts): no record ever waits in a
// bucket later than its next event's epoch, none is lost or doubled, and where the records sit never shows in a
// result (windows of any length, across the horizon, give the same counts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { ClientCounter } from '../src/metrics/client-counters.ts';
import { Calendar, calendarMetaBytes, HORIZON, Page } from '../src/model/clients/calendar.ts';
import { Rec, RecU32 } from '../src/model/clients/records.ts';
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
  return { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb: new Float64Array(4) };
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
      for (let j = 0; j < cal.fill[p]; j++) {
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
