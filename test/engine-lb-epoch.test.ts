// The load balancers' state an epoch's clients read (src/engine/lb-epoch.ts): worker 0 publishes it when it opens
// the epoch, and the control phase then runs beside the epoch's chunks, changing the store. A client that read the
// store instead of the published copy would see the control phase's changes part-way through the epoch, on
// whichever worker joined late: these tests make the store change inside the epoch and require that no client
// sees it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { LbEpochState } from '../src/engine/lb-epoch.ts';
import { ClientCounter } from '../src/metrics/client-counters.ts';
import { ClientShard, type ClientEnv } from '../src/model/clients/shard.ts';
import { publishFullPlan, singleEndpointStore } from './support/clients-harness.ts';

const cfg = clientsSchema.parse({ count: 2000, ratePerS: 0.5, ttlS: 5 });
const LBS = 4;

function setUp() {
  const store = singleEndpointStore(LBS, 400, 1);
  publishFullPlan(store, 1, 0);
  store.lbOfferedPerS.fill(300);
  const lbs = new LbEpochState(new SharedArrayBuffer(LbEpochState.bytesFor(LBS)), LBS);
  return { store, lbs };
}

/** Counters of a shard run for epochs [0, 60), with `between(k)` called after epoch k's start is published. */
function run(withCopy: boolean, between: (store: ReturnType<typeof setUp>['store'], k: number) => void): Float64Array {
  const { store, lbs } = setUp();
  const env: ClientEnv = { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb: new Float64Array(LBS), ...(withCopy ? { lbs } : {}) };
  const shard = new ClientShard(cfg, 5, 0, cfg.count, { epochS: 1 });
  const saved = { inService: Int32Array.from(store.lbInService), cap: Float64Array.from(store.lbCapacityPerS) };
  for (let k = 0; k < 60; k++) {
    // What the engine's worker 0 does when it opens epoch k: the store as the last control phase left it.
    store.lbInService.set(saved.inService);
    store.lbCapacityPerS.set(saved.cap);
    lbs.publish(store);
    // The control phase, running beside the epoch's chunks, changes the store before the clients begin.
    between(store, k);
    shard.runEpoch(k, k + 1, env);
  }
  return shard.closeWindow(0, 0, 60).counters;
}

test("an epoch's clients read the state published at its start, not the store the control phase changes meanwhile", () => {
  const untouched = run(true, () => {});
  const changed = run(true, (store) => {
    store.lbInService.fill(0);
    store.lbCapacityPerS.fill(1);
  });
  assert.ok(untouched[ClientCounter.ATTEMPTS] > 50_000);
  assert.equal(untouched[ClientCounter.CONNECT], 0);
  assert.deepEqual(changed, untouched);
  // And the check can fail: clients that read the store see every load balancer out of service.
  const fromStore = run(false, (store) => store.lbInService.fill(0));
  assert.ok(fromStore[ClientCounter.CONNECT] > 0);
  assert.notDeepEqual(fromStore, untouched);
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
