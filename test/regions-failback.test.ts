/**
 * The multi-region rule that a client comes back home only with a new request (multi.ts): a stay that ends while
 * a request is still retrying away does not bring that request's retries home. Driven in process through
 * ClientShard's epoch protocol with a store of one home endpoint and one failover region, timed so that every
 * failed-over request is mid-retry when its stay ends and home has already recovered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { regionsSchema, staticEndpoints } from '../src/config/regions-schema.ts';
import { SharedStore } from '../src/memory/store.ts';
import { ClientCounter } from '../src/metrics/client-counters.ts';
import { REGION_COUNTERS } from '../src/metrics/region-counters.ts';
import { ClientShard } from '../src/model/clients/shard.ts';

const HOME_LBS = 2;
const MAX_ATTEMPTS = 6;

/**
 * 256 multi-region clients, one request per second each. Home resolves to nothing in the first epoch [0, 1 s)
 * and is healthy from 1 s on. A client's first home failure sends it away for exactly 2 s (trigger: 1 failure,
 * comeBack sticky). Retries come 1 s after each failure (fixed, no jitter), up to 6 attempts; every attempt away
 * times out after 0.5 s (the cross-region round trip, 0.6 s, is over the attempt deadline). So a request that
 * failed over at t makes its attempts at t, t+1, t+2.5, t+4, t+5.5, t+7: its stay ends (t+2) with four attempts
 * still to come, all after home recovered.
 */
function run(durationS: number): { counters: Float64Array; regions: Float64Array } {
  const clients = clientsSchema.parse({
    count: 256,
    ratePerS: 1,
    warmStart: false,
    ttlS: 1,
    negativeTtlS: 0,
    timeoutS: 0.5,
    retry: { policy: 'fixed', jitter: 'none', baseS: 1, maxAttempts: MAX_ATTEMPTS },
  });
  const regions = regionsSchema.parse({
    others: [{ name: 'us-west-2', endpoint: 'west', loadBalancers: 2, capacityPerS: 1e6, crossLatencyMs: 600 }],
    failover: {
      share: 1,
      to: 'us-west-2',
      trigger: { on: 'failures', attempts: 1 },
      stayS: { dist: 'const', valueS: 2 },
      comeBack: 'sticky',
    },
  });
  const statics = staticEndpoints(regions, undefined, HOME_LBS);
  const store = SharedStore.create({
    endpoints: 1,
    lbsPerEndpoint: [HOME_LBS],
    staticLbs: statics.map((s) => s.lbs),
    planSlots: 8,
    actors: 1,
    workers: 1,
  });
  for (let lb = 0; lb < store.layout.lbCount; lb++) {
    store.lbInService[lb] = 1;
    store.lbCapacityPerS[lb] = 1e6;
  }
  const shard = new ClientShard(clients, 7, 0, clients.count, { extra: { regions, statics } });
  const env = { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb: new Float64Array(store.layout.lbCount), lbs: store };
  for (let e = 0; e < durationS; e++) {
    if (e === 1) {
      // Home recovers: a plan with its load balancers, equal weights.
      store.writePlan(1, 1, e, [Int32Array.from({ length: HOME_LBS }, (_, i) => i)], [new Float64Array(HOME_LBS).fill(1)], [HOME_LBS]);
      store.writeEndpoint(0, { gen: 1, slot: 1, writer: 1, checkedGen: 1, checkAtS: e, nowS: e, fenced: false });
    }
    env.attemptsByLb.fill(0);
    shard.runEpoch(e, e + 1, env);
  }
  const w = shard.closeWindow(0, 0, durationS);
  assert.ok(w.regions);
  return { counters: w.counters, regions: w.regions };
}

describe('multi-region failback', () => {
  it('comes home only at a new request: a stay that ends mid-request leaves the retries away', () => {
    const { counters, regions } = run(30);
    const r = (name: (typeof REGION_COUNTERS)[number]) => regions[REGION_COUNTERS.indexOf(name)];
    const failovers = r('failovers');
    // About 63% of the clients start a request in the first second, while home resolves to nothing.
    assert.ok(failovers > 100 && failovers < 220, `${failovers} failovers`);
    assert.equal(r('homeDnsEmpty'), failovers, 'each failover is one first attempt that found home empty');
    // Every failed-over request made its other 5 attempts away, all timed out, and failed: none of its retries
    // went home, though home was healthy for the last 4 of them and the stay was over.
    assert.equal(r('awayAttempts'), failovers * (MAX_ATTEMPTS - 1));
    assert.equal(r('awayTimeout'), r('awayAttempts'));
    assert.equal(counters[ClientCounter.FAILED_REQUESTS], failovers);
    assert.equal(r('multiFailedRequests'), failovers);
    // The next request of each of those clients starts after its stay: it comes home, once, and succeeds.
    assert.equal(r('failbacks'), failovers);
    assert.equal(
      r('homeAttempts'),
      counters[ClientCounter.REQUESTS],
      'every request begins at home, and only its first attempt is made there',
    );
    // An attempt's outcome is decided when it starts, so no request is left open at the end: the rest succeeded.
    assert.equal(counters[ClientCounter.SUCCESSES], counters[ClientCounter.REQUESTS] - failovers);
  });
});
