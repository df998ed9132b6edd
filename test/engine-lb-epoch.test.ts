// The load balancers' state an epoch's clients read (src/engine/lb-epoch.ts): worker 0 publishes it when it opens
// the epoch, and the control phase then runs beside the epoch's chunks, changing the store. A client that read the
// store instead of the published copy would see the control phase's changes part-way through the epoch, on
// whichever worker joined late: these tests make the store change inside the epoch and require that no client
// sees it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { chainsSchema, staticEndpoints } from '../src/config/regions-schema.ts';
import { LbEpochState } from '../src/engine/lb-epoch.ts';
import { SharedStore } from '../src/memory/store.ts';
import { ClientCounter } from '../src/metrics/client-counters.ts';
import { ClientShard, type ClientEnv } from '../src/model/clients/shard.ts';
import { publishFullPlan, singleEndpointStore } from './support/clients-harness.ts';

const cfg = clientsSchema.parse({ count: 2000, ratePerS: 0.5, ttlS: 5 });
const LBS = 4;
// A request calls the static service 'auth' (the multi-region scan's endpoints), then the dynamic endpoint.
const chains = chainsSchema.parse({
  services: [
    { name: 'auth', loadBalancers: 2, capacityPerS: 400 },
    { name: 'db', endpoint: cfg.endpoint },
  ],
  request: ['auth', 'db'],
});
const statics = staticEndpoints(undefined, chains, LBS);

function setUp(withChains = false) {
  const store = withChains
    ? SharedStore.create({ endpoints: 1, lbsPerEndpoint: [LBS], staticLbs: statics.map((e) => e.lbs), planSlots: 8, actors: 1, workers: 1 })
    : singleEndpointStore(LBS, 400, 1);
  const lbCount = store.layout.lbCount;
  store.lbInService.fill(1);
  store.lbCapacityPerS.fill(400);
  publishFullPlan(store, 1, 0);
  store.lbOfferedPerS.fill(300);
  const lbs = new LbEpochState(new SharedArrayBuffer(LbEpochState.bytesFor(lbCount)), lbCount);
  return { store, lbs };
}

/** Counters of a shard run for epochs [0, 60), with `between(k)` called after epoch k's start is published. */
function run(withCopy: boolean, between: (store: SharedStore, k: number) => void, withChains = false): Float64Array {
  const { store, lbs } = setUp(withChains);
  const attemptsByLb = new Float64Array(store.layout.lbCount);
  const env: ClientEnv = { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb, lbs: withCopy ? lbs : store };
  const extra = withChains ? { chains, statics } : undefined;
  const shard = new ClientShard(cfg, 5, 0, cfg.count, { epochS: 1, extra });
  const saved = { inService: Int32Array.from(store.lbInService), cap: Float64Array.from(store.lbCapacityPerS) };
  for (let k = 0; k < 60; k++) {
    // What the engine's worker 0 does when it opens epoch k: the store as the last control phase left it.
    store.lbInService.set(saved.inService);
    store.lbCapacityPerS.set(saved.cap);
    store.lbOfferedPerS.fill(300);
    lbs.publish(store);
    // The control phase, running beside the epoch's chunks, changes the store before the clients begin.
    between(store, k);
    shard.runEpoch(k, k + 1, env);
  }
  const w = shard.closeWindow(0, 0, 60);
  return withChains ? Float64Array.from([...w.counters, ...(w.services ?? [])]) : w.counters;
}

test("an epoch's clients read the state published at its start, not the store the control phase changes meanwhile", () => {
  const untouched = run(true, () => {});
  const changed = run(true, (store) => {
    store.lbInService.fill(0);
    store.lbCapacityPerS.fill(1);
    store.lbOfferedPerS.fill(1e6);
  });
  assert.ok(untouched[ClientCounter.ATTEMPTS] > 50_000);
  assert.equal(untouched[ClientCounter.CONNECT], 0);
  assert.deepEqual(changed, untouched);
  // And the check can fail: clients that read the store see every load balancer out of service.
  const fromStore = run(false, (store) => store.lbInService.fill(0));
  assert.ok(fromStore[ClientCounter.CONNECT] > 0);
  assert.notDeepEqual(fromStore, untouched);
});

test('so do the static endpoints of the multi-region scan (a chain through a static service)', () => {
  const auth = statics[0];
  const takeAuthDown = (store: SharedStore) => store.lbInService.fill(0, auth.lbBase, auth.lbBase + auth.lbs);
  const untouched = run(true, () => {}, true);
  assert.ok(untouched[ClientCounter.ATTEMPTS] > 100_000);
  assert.deepEqual(run(true, takeAuthDown, true), untouched);
  const fromStore = run(false, takeAuthDown, true);
  assert.ok(fromStore[ClientCounter.CONNECT] > 0);
});

test('the published state is a copy of the three arrays, and a buffer of the wrong size is refused', () => {
  const { store, lbs } = setUp();
  store.lbInService[2] = 0;
  store.lbCapacityPerS[1] = 123;
  store.lbOfferedPerS[3] = 45;
  lbs.publish(store);
  assert.deepEqual([...lbs.lbInService], [1, 1, 0, 1]);
  assert.deepEqual([...lbs.lbCapacityPerS], [400, 123, 400, 400]);
  assert.deepEqual([...lbs.lbOfferedPerS], [300, 300, 300, 45]);
  store.lbInService[2] = 1;
  assert.equal(lbs.lbInService[2], 0);
  assert.throws(() => new LbEpochState(new SharedArrayBuffer(LbEpochState.bytesFor(LBS) - 4), LBS), /buffer is 76 bytes/);
});
