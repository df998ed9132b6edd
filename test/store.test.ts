/** The shared plan store: layout, the fenced write, and lock-free snapshots under a real concurrent writer. */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import * as layoutModule from '../src/memory/layout.ts';
import { computeLayout, type StoreDims } from '../src/memory/layout.ts';
import { newAnswer } from '../src/memory/resolve.ts';
import { SharedStore } from '../src/memory/store.ts';
import { storeDims } from '../src/engine/task.ts';
import { DnsContext } from '../src/model/dns/context.ts';
import { EventLog } from '../src/model/dns/events.ts';
import { scenario } from './helpers.ts';

const dims: StoreDims = { endpoints: 3, lbsPerEndpoint: [12, 4, 7], planSlots: 16, actors: 6, workers: 3 };

function plan(store: SharedStore, slot: number, gen: number, countsOf: (e: number) => number) {
  const targets = dims.lbsPerEndpoint.map((n, e) => Int32Array.from({ length: n }, (_, k) => store.lbBase[e] + k));
  const weights = dims.lbsPerEndpoint.map((n) => new Float64Array(n).fill(2));
  store.writePlan(
    slot,
    gen,
    0,
    targets,
    weights,
    dims.lbsPerEndpoint.map((_, e) => countsOf(e)),
  );
}

describe('layout', () => {
  it('puts every region on its own 64-byte lines, in order, without overlap', () => {
    const L = computeLayout(dims);
    const starts = [L.actorsOffset, L.progressOffset, L.endpointsOffset, L.plansOffset, L.lbsOffset, L.loadOffset, L.byteLength];
    for (const s of starts) assert.equal(s % 64, 0, `offset ${s}`);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i] > starts[i - 1]);
    assert.equal(L.planSlotBytes % 64, 0);
    assert.equal(L.loadWorkerBytes % 64, 0);
    assert.ok(L.plansOffset + dims.planSlots * L.planSlotBytes <= L.lbsOffset);
  });

  it('leaves free the word beside each word a worker sleeps on, for the count of sleepers (sync.ts)', () => {
    const { C_BARRIER_GEN, C_EPOCH_OPEN, C_CHUNKS_DONE, PARKED_AFTER } = layoutModule;
    const words = Object.entries(layoutModule).filter(([k, v]) => k.startsWith('C_') && typeof v === 'number');
    const taken = new Map<number, string>();
    for (const [k, v] of words) {
      // C_CHUNK_CLAIM_I64 indexes the BigInt64 view: it takes two Int32 words.
      if (k.endsWith('_I64')) {
        taken.set(2 * (v as number), k);
        taken.set(2 * (v as number) + 1, k);
      } else taken.set(v as number, k);
    }
    for (const w of [C_BARRIER_GEN, C_EPOCH_OPEN, C_CHUNKS_DONE]) {
      assert.equal(
        taken.get(w + PARKED_AFTER),
        undefined,
        `word ${w + PARKED_AFTER}, beside ${taken.get(w)}, is ${taken.get(w + PARKED_AFTER)}`,
      );
    }
  });

  it('refuses a buffer of another layout', () => {
    const store = SharedStore.create(dims);
    assert.throws(() => new SharedStore(store.sab, { ...dims, planSlots: 32 }), /layout needs/);
    // Until the coordinator publishes, a worker must refuse to start: it would read half-written initial state.
    assert.throws(() => new SharedStore(store.sab, dims).assertSignature(), /signature/);
    store.publish();
    new SharedStore(store.sab, dims).assertSignature();
  });

  it('gives each worker its own load counters and each actor its own line', () => {
    const store = SharedStore.create(dims);
    const a = store.loadCounters(0);
    const b = store.loadCounters(1);
    const c = store.loadCounters(2);
    a.fill(1);
    c.fill(3);
    assert.equal(
      b.reduce((x, y) => x + y, 0),
      0,
    );
    assert.equal(store.loadCounters(0)[0], 1);
    assert.ok(Math.abs(b.byteOffset - a.byteOffset) >= 64 && Math.abs(c.byteOffset - b.byteOffset) >= 64);
    store.setActorNextS(0, 5);
    store.setActorNextS(1, 7);
    assert.equal(store.actorNextS(0), 5);
    assert.equal(store.actorNextS(1), 7);
  });
});

describe('endpoint writes', () => {
  it('resolves to the plan the endpoint names, cumulative weights, and to nothing once that plan is deleted', () => {
    const store = SharedStore.create(dims);
    plan(store, 3, 5, (e) => dims.lbsPerEndpoint[e]);
    store.writeEndpoint(1, { gen: 5, slot: 3, writer: 1, checkedGen: 5, checkAtS: 0, nowS: 1, fenced: false });
    const ans = store.resolve(1, newAnswer(12));
    assert.equal(ans.generation, 5);
    assert.equal(ans.count, 4);
    assert.deepEqual([...ans.lbs.subarray(0, 4)], [12, 13, 14, 15]);
    assert.deepEqual([...ans.cumWeight.subarray(0, 4)], [2, 4, 6, 8]);
    const v = store.storeVersion();
    store.deletePlan(3);
    assert.ok(store.storeVersion() > v);
    assert.equal(store.resolve(1, ans).count, 0);
    assert.equal(store.resolve(1, ans).generation, 5);
  });

  it('the plans version moves with every plan write and deletion and not with endpoint writes; the store version with both', () => {
    const store = SharedStore.create(dims);
    const versions = () => [store.storeVersion(), store.plansVersion()];
    let [s0, p0] = versions();
    plan(store, 2, 7, () => 1);
    let [s1, p1] = versions();
    assert.ok(s1 > s0 && p1 > p0, 'a plan write moves both');
    store.writeEndpoint(0, { gen: 7, slot: 2, writer: 1, checkedGen: 7, checkAtS: 0, nowS: 1, fenced: false });
    [s0, p0] = [s1, p1];
    [s1, p1] = versions();
    assert.ok(s1 > s0, 'an endpoint write moves the store version');
    assert.equal(p1, p0, 'an endpoint write leaves the plans version');
    store.deletePlan(2, 6);
    [s0, p0] = [s1, p1];
    [s1, p1] = versions();
    assert.ok(s1 > s0 && p1 > p0, 'a deletion attempt moves both, even a refused one');
    store.deletePlan(2);
    assert.ok(store.plansVersion() > p1, 'a deletion moves the plans version');
  });

  it('fenced write: only a strictly newer generation replaces the current one; legacy overwrites', () => {
    const store = SharedStore.create(dims);
    plan(store, 1, 1, () => 1);
    plan(store, 2, 2, () => 1);
    assert.equal(store.writeEndpoint(0, { gen: 2, slot: 2, writer: 1, checkedGen: 2, checkAtS: 0, nowS: 0, fenced: true }), 0);
    assert.equal(store.writeEndpoint(0, { gen: 1, slot: 1, writer: 2, checkedGen: 1, checkAtS: 0, nowS: 0, fenced: true }), -1);
    assert.equal(store.writeEndpoint(0, { gen: 2, slot: 2, writer: 2, checkedGen: 2, checkAtS: 0, nowS: 0, fenced: true }), -1);
    assert.equal(store.resolve(0, newAnswer(12)).generation, 2);
    assert.equal(store.writeEndpoint(0, { gen: 1, slot: 1, writer: 2, checkedGen: 1, checkAtS: 0, nowS: 0, fenced: false }), 2);
    assert.equal(store.resolve(0, newAnswer(12)).generation, 1);
  });

  it('the simulated lock admits one holder; unlock by another is an error', () => {
    const store = SharedStore.create(dims);
    assert.equal(store.tryLockEndpoint(0, 0), true);
    assert.equal(store.tryLockEndpoint(0, 1), false);
    assert.throws(() => store.unlockEndpoint(0, 1), /holder was 0/);
    store.unlockEndpoint(0, 0);
    assert.equal(store.tryLockEndpoint(0, 1), true);
  });
});

describe('lock-free snapshots under a concurrent writer thread', () => {
  it('never returns a torn answer', async () => {
    const d: StoreDims = { endpoints: 1, lbsPerEndpoint: [16], planSlots: 8, actors: 1, workers: 1 };
    const store = SharedStore.create(d);
    const writes = 200_000;
    // Node 20 does not hand --import tsx to worker threads: register tsx inside the worker, then load the writer.
    const writer = new URL('./fixtures/store-writer.ts', import.meta.url).href;
    const worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(writer)}); })`, {
      eval: true,
      workerData: { sab: store.sab, dims: d, writes },
    });
    const done = new Promise<void>((resolve, reject) => {
      worker.on('exit', () => resolve());
      worker.on('error', reject);
    });
    let finished = false;
    void done.then(() => (finished = true));
    const ans = newAnswer(16);
    let reads = 0;
    let nonEmpty = 0;
    let lastGen = 0;
    // Read until the writer is done (plus a floor), yielding now and then so the exit event can arrive.
    while (!finished || reads < 1000) {
      for (let i = 0; i < 2000; i++) {
        store.resolve(0, ans);
        reads++;
        assert.ok(ans.generation >= lastGen, 'generation went back');
        lastGen = ans.generation;
        if (ans.count > 0) {
          nonEmpty++;
          assert.equal(ans.count, 16);
          for (let k = 0; k < 16; k++) {
            assert.equal(ans.lbs[k], k);
            // Every weight of generation g is g: cumulative weight k is (k+1)g. Mixed generations would break it.
            assert.equal(ans.cumWeight[k], (k + 1) * ans.generation);
          }
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await done;
    assert.ok(reads > 1000 && nonEmpty > 0, `${reads} reads, ${nonEmpty} with targets`);
    assert.equal(store.resolve(0, ans).generation, writes + 1);
  });
});

describe('the DNS context over the plan store', () => {
  it('sees every plan write and deletion in the newest plan and the plans oldest first, and keeps them across endpoint writes', () => {
    const s = scenario('dns-race');
    const store = SharedStore.create(storeDims(s, 1));
    const ctx = new DnsContext(store, s.dns, new EventLog());
    const endpoints = s.dns.endpoints.length;
    const write = (slot: number, gen: number) =>
      store.writePlan(
        slot,
        gen,
        0,
        Array.from({ length: endpoints }, (_, e) => Int32Array.of(store.lbBase[e])),
        Array.from({ length: endpoints }, () => Float64Array.of(1)),
        Array.from({ length: endpoints }, () => 1),
      );
    write(4, 9);
    write(1, 3);
    assert.deepEqual(ctx.newestPlan(), [9, 4]);
    assert.deepEqual(ctx.plansOldestFirst(), [
      [3, 1],
      [9, 4],
    ]);
    // An endpoint write leaves the plans: the same list, read from the memo.
    const before = ctx.plansOldestFirst();
    store.writeEndpoint(0, { gen: 9, slot: 4, writer: 1, checkedGen: 9, checkAtS: 0, nowS: 1, fenced: false });
    assert.equal(ctx.plansOldestFirst(), before);
    store.deletePlan(4, 9);
    assert.deepEqual(ctx.newestPlan(), [3, 1]);
    assert.deepEqual(ctx.plansOldestFirst(), [[3, 1]]);
    write(2, 3);
    // Equal generations in slot order (the order the clean-up deletes them in).
    assert.deepEqual(ctx.plansOldestFirst(), [
      [3, 1],
      [3, 2],
    ]);
  });
});
