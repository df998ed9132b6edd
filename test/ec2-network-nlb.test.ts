/**
 * Network Manager, launches and NLB health checks, each driven directly: the propagation queue serves FIFO at its
 * capacity; launches fail while no leased droplet has room and obey the cap; unpropagated targets flap, the flaps
 * load the health checkers, late checks fail AZs out of DNS, and clients see errors; failover-off, velocity control
 * and waiting for propagation each change that as they should; the loop ends once targets propagate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Ec2ConfigInput, ec2Schema } from '../src/config/ec2-schema.ts';
import { Launches } from '../src/model/ec2/launches.ts';
import { LeaseState } from '../src/model/ec2/leases.ts';
import { NetworkManager, TAG_LAUNCH } from '../src/model/ec2/network.ts';
import { Nlb } from '../src/model/ec2/nlb.ts';
import { Rng } from '../src/model/prng.ts';

describe('Network Manager', () => {
  it('serves FIFO at capacity: delay grows with position, backlog drains at capacityPerS', () => {
    const nm = new NetworkManager(10);
    for (let k = 0; k < 200; k++) nm.enqueue(TAG_LAUNCH, 1, 5, k * 0.01); // 1000 units in 2 s
    nm.runSpan(0, 50);
    assert.ok(Math.abs(nm.backlogUnits - 500) < 1e-6, `backlog ${nm.backlogUnits}`);
    assert.ok(Math.abs(nm.headAgeS(50) - (50 - 1)) < 0.02, `head age ${nm.headAgeS(50)}`);
    assert.equal(nm.withoutConnectivity, 100);
    nm.runSpan(50, 100);
    assert.equal(nm.backlogUnits, 0);
    assert.equal(nm.withoutConnectivity, 0);
    const p50 = nm.counters.launchToConnectivity.quantile(0.5)!;
    const p99 = nm.counters.launchToConnectivity.quantile(0.99)!;
    // The k-th instance is done at 0.5 (k+1) s, queued at 0.01 k: median ~49 s, last ~98 s (buckets ~9% wide).
    assert.ok(p50 > 44 && p50 < 55 && p99 > 88 && p99 <= 100, `${p50} ${p99}`);
  });

  it('tells the NLB model which targets propagated, in queue order', () => {
    const nm = new NetworkManager(1);
    const seen: number[] = [];
    nm.onTargetPropagated = (g) => seen.push(g);
    nm.enqueue(7, 1, 1, 0);
    nm.enqueue(TAG_LAUNCH, 3, 1, 0);
    nm.enqueue(2, 1, 1, 0);
    nm.runSpan(0, 1.5);
    assert.deepEqual(seen, [7]);
    nm.runSpan(1.5, 10);
    assert.deepEqual(seen, [7, 2]);
  });
});

describe('launches', () => {
  const cfg = ec2Schema.parse({ droplets: 10_000, launches: { ratePerS: 50, retryS: 10 }, nlb: { targetShare: 0 } });
  it('fail while no droplet holds a lease, succeed when they do, and respect the cap', () => {
    const l = new Launches(cfg, new Rng(1));
    const nm = new NetworkManager(1e9);
    const state = new Uint8Array(cfg.droplets).fill(LeaseState.LOST);
    for (let t = 0; t < 60; t++) l.runSpan(t, t + 1, state, nm, 1);
    assert.equal(l.counters.succeeded, 0);
    assert.ok(l.counters.failedCapacity > 2000);
    assert.ok(l.pending > 300, 'failed requests wait at their callers');
    l.counters.reset();
    state.fill(LeaseState.LEASED);
    l.throttle(20);
    for (let t = 60; t < 120; t++) l.runSpan(t, t + 1, state, nm, 1);
    assert.ok(l.counters.succeeded <= 20 * 60 + 20 && l.counters.succeeded > 20 * 55, `${l.counters.succeeded}`);
    assert.ok(l.counters.throttled > 0);
    l.counters.reset();
    l.relax(120, 0, null);
    for (let t = 120; t < 300; t++) l.runSpan(t, t + 1, state, nm, 1);
    assert.ok(l.pending < 100, `the pent-up demand drains once the cap is lifted (${l.pending})`);
  });
});

describe('NLB health checks', () => {
  function nlbCfg(over: Ec2ConfigInput['nlb'] = {}) {
    return ec2Schema.parse({ droplets: 1000, nlb: { loadBalancers: 20, targetsPerAz: 30, flapCost: 60, ...over } });
  }
  /** Put `perGroup` unpropagated targets in each AZ of the first `nlbs` NLBs, run `seconds`, return rates. */
  function drive(nlb: Nlb, nlbs: number, perGroup: number, seconds: number) {
    for (let g = 0; g < 3 * nlbs; g++) for (let k = 0; k < perGroup; k++) nlb.addTarget(g);
    let errSum = 0;
    let flaps = 0;
    let removedMax = 0;
    for (let t = 0; t < seconds; t++) {
      nlb.runSpan(t, t + 1);
      errSum += nlb.lastErrorRate;
      removedMax = Math.max(removedMax, nlb.removedAzs);
    }
    flaps = nlb.counters.flaps;
    return { errorRate: errSum / seconds, flaps, removedMax, delayMax: nlb.counters.hcDelayMaxS };
  }

  it('unpropagated targets flap, overload the checkers, and failover removes capacity', () => {
    // Uneven load: NLB 0 gets many new targets in one AZ only, so its other AZs stay healthy.
    const nlb = new Nlb(nlbCfg(), 1, new Rng(2));
    for (let k = 0; k < 12; k++) nlb.addTarget(0);
    const r = drive(nlb, 0, 0, 1800);
    // Few flaps suffice: each costs 60 checks, and a delayed cell checks (so flaps) less often.
    assert.ok(r.flaps > 20, `flaps ${r.flaps}`);
    assert.ok(r.delayMax > 30, `check delay ${r.delayMax}`);
    assert.equal(nlb.failed[0], 1, 'the flapping AZ is failed out of DNS');
    assert.ok(r.removedMax >= 1);
    // NLB 0 lost a third of its capacity at 75% load: the two AZs left get 1.125x: errors on that NLB.
    assert.ok(r.errorRate > 0.002, `error rate ${r.errorRate}`);
  });

  it('failover-off keeps capacity in DNS; velocity control caps what one NLB loses', () => {
    const legacy = drive(new Nlb(nlbCfg(), 1, new Rng(3)), 10, 8, 1800);
    const off = new Nlb(nlbCfg(), 1, new Rng(3));
    off.failoverEnabled = false;
    const offR = drive(off, 10, 8, 1800);
    const vc = drive(new Nlb(nlbCfg({ velocityControl: { maxRemovedShare: 0.34 } }), 1, new Rng(3)), 10, 8, 1800);
    assert.ok(legacy.removedMax > 0);
    assert.equal(offR.removedMax, 0);
    assert.ok(offR.errorRate < legacy.errorRate, `${offR.errorRate} vs ${legacy.errorRate}`);
    assert.ok(vc.removedMax <= 10, `at most one AZ for each of the 10 flapping NLBs (${vc.removedMax})`);
    assert.ok(vc.errorRate <= legacy.errorRate, `${vc.errorRate} vs ${legacy.errorRate}`);
  });

  it('does not flap when targets wait for propagation, and the loop ends once they propagate', () => {
    const wait = drive(new Nlb(nlbCfg({ admitBeforePropagation: false }), 1, new Rng(4)), 10, 8, 600);
    assert.equal(wait.flaps, 0);
    assert.equal(wait.errorRate, 0);
    const nlb = new Nlb(nlbCfg(), 1, new Rng(4));
    drive(nlb, 10, 8, 1200);
    assert.ok(nlb.counters.flaps > 0);
    for (let g = 0; g < 30; g++) for (let k = 0; k < 8; k++) nlb.propagated(g);
    assert.equal(nlb.unpropagatedInService + nlb.unpropagatedOut, 0);
    nlb.counters.reset();
    for (let t = 1200; t < 4800; t++) nlb.runSpan(t, t + 1);
    assert.equal(nlb.counters.flaps, 0);
    assert.equal(nlb.removedAzs, 0, 'checks catch up and the AZs return: not metastable');
    assert.equal(nlb.lastErrorRate, 0);
  });
});
