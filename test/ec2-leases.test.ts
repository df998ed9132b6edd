/**
 * DWFM lease re-establishment: congestive collapse is metastable (stays after DynamoDB is back), operator
 * throttle + restart end it, and the mitigations (queue-size admission, dropping late work, LIFO) avoid it.
 * The model runs in-process against a real SharedStore whose DynamoDB plan is deleted and restored.
 *
 * Fleet: 20,000 droplets, 5 DWFM hosts x 10 workers, service median 4 s: about 11.5 leases/s; deadline 600 s. So
 * the collapse threshold is roughly 11.5 * 600 = 7,000 lost leases (a little more: the first attempts after the
 * outage still finish in time); a 2-hour outage loses about 18,000.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Ec2Action, type Ec2ConfigInput, ec2ActionSchema, ec2Schema } from '../src/config/ec2-schema.ts';
import { LeaseFleet } from '../src/model/ec2/leases.ts';
import { runEc2 } from './support/ec2-harness.ts';

const OUT_FROM_S = 600;
const H = 3600;

function cfg(over: Ec2ConfigInput['dwfm'] = {}, extra: Partial<Ec2ConfigInput> = {}) {
  return ec2Schema.parse({
    droplets: 20_000,
    dwfm: { hosts: 5, workersPerHost: 10, ...over },
    launches: { ratePerS: 0.5 },
    network: { capacityPerS: 50 },
    nlb: { loadBalancers: 10 },
    ...extra,
  });
}

const act = (a: object): Ec2Action => ec2ActionSchema.parse(a);

function run(c: ReturnType<typeof cfg>, outageS: number, horizonAfterS: number, actions: Ec2Action[] = [], seed = 7) {
  const toS = OUT_FROM_S + outageS;
  return runEc2(c, { durationS: toS + horizonAfterS, epochS: 2, windowS: 120, seed, outage: { fromS: OUT_FROM_S, toS }, actions });
}

describe('DWFM lease collapse', () => {
  it('stays collapsed after DynamoDB is back when nobody acts (metastable)', () => {
    const r = run(cfg(), 2 * H, 6 * H);
    const s = r.summary;
    assert.ok(s.ddbErrorsEndS !== null && s.ddbErrorsEndS <= OUT_FROM_S + 2 * H + 300, 'DynamoDB came back');
    assert.ok(s.leasesLostMax > 15_000, `lost ${s.leasesLostMax}`);
    assert.equal(s.leasesRecoveredAtS, null);
    assert.ok(s.leaseCollapseFromS !== null && s.leaseCollapseEndS === null, 'collapse began and never ended');
    // The last 4 hours: DynamoDB fine, workers busy, every attempt wasted, nothing gained.
    const late = r.windows.filter((w) => w.fromS >= r.windows.at(-1)!.toS - 4 * H);
    for (const w of late) {
      assert.equal(w.ddb.failures, 0);
      assert.equal(w.leases.established, 0);
      assert.ok(w.leases.wasted > 0 && w.leases.wastedShare === 1);
      assert.ok(w.leases.collapseIndex > 1, `collapse index ${w.leases.collapseIndex}`);
    }
    // A few thousand leases came back in the first minutes after DynamoDB did; then none for hours.
    assert.equal(late.at(-1)!.leases.lost, late[0].leases.lost);
    assert.ok(late[0].leases.lost > 0.7 * s.leasesLostMax);
  });

  it('drains after throttle + restart, at the fleet service rate', () => {
    const atS = OUT_FROM_S + 3 * H;
    const r = run(cfg(), 2 * H, 5 * H, [act({ atS, do: 'throttle', leaseQueuePerHost: 20 }), act({ atS, do: 'restart', select: 'stuck' })]);
    const s = r.summary;
    assert.ok(s.leasesRecoveredAtS !== null, 'all leases back');
    const rateS = (5 * 10) / 4.33; // hosts * workers / mean service
    const ideal = s.leasesLostMax / rateS;
    const took = s.leasesRecoveredAtS - atS;
    // Goodput close to capacity: a model that recovers instantly or at a trickle fails this.
    assert.ok(took > 0.9 * ideal && took < 1.4 * ideal + 240, `took ${took} s, ideal ${ideal.toFixed(0)} s`);
    assert.ok(s.leaseCollapseFromS !== null && s.leaseCollapseEndS !== null && s.leaseCollapseEndS <= atS + 120);
  });

  it('needs both: restart alone collapses again, throttle alone drains only after the stale queue', () => {
    const atS = OUT_FROM_S + 3 * H;
    const restartOnly = run(cfg(), 2 * H, 5 * H, [act({ atS, do: 'restart', select: 'all' })]).summary;
    assert.equal(restartOnly.leasesRecoveredAtS, null, 'restart alone: the checks refill the queues past the deadline');
    const throttleOnly = run(cfg(), 2 * H, 5 * H, [act({ atS, do: 'throttle', leaseQueuePerHost: 20 })]).summary;
    const both = run(cfg(), 2 * H, 5 * H, [act({ atS, do: 'throttle', leaseQueuePerHost: 20 }), act({ atS, do: 'restart' })]).summary;
    assert.ok(both.leasesRecoveredAtS !== null);
    assert.ok(
      throttleOnly.leasesRecoveredAtS === null || throttleOnly.leasesRecoveredAtS > both.leasesRecoveredAtS + 300,
      `throttle only ${throttleOnly.leasesRecoveredAtS}, both ${both.leasesRecoveredAtS}`,
    );
  });

  it('never collapses with queue-size admission (AWS fix)', () => {
    const r = run(cfg({ admission: 'queue-size' }), 2 * H, 3 * H);
    const s = r.summary;
    assert.equal(s.leaseCollapseFromS, null);
    assert.ok(s.leasesRecoveredAtS !== null);
    for (const w of r.windows) if (w.ddb.failureShare === 0 && w.leases.wastedShare !== null) assert.ok(w.leases.wastedShare < 0.05);
    const rateS = (5 * 10) / 4.33;
    const after = s.leasesRecoveredAtS - s.ddbErrorsEndS!;
    assert.ok(after < 1.5 * (s.leasesLostMax / rateS) + 300, `recovered ${after} s after DynamoDB`);
  });

  it('dropping late work and LIFO each recover without operators', () => {
    for (const over of [{ onLate: 'drop' as const }, { order: 'lifo' as const }]) {
      const s = run(cfg(over), 2 * H, 4 * H).summary;
      assert.ok(s.leasesRecoveredAtS !== null, `${JSON.stringify(over)} never recovered`);
    }
  });

  it('hands re-established droplets to the Network Manager only once their host has no lease work left', () => {
    const atS = OUT_FROM_S + 3 * H;
    const r = run(cfg(), 2 * H, 5 * H, [act({ atS, do: 'throttle', leaseQueuePerHost: 20 }), act({ atS, do: 'restart', select: 'stuck' })]);
    const s = r.summary;
    assert.ok(s.leasesRecoveredAtS !== null);
    // Re-sync work: what arrived beyond the launches' 1 unit each.
    const resync = r.windows.map((w) => w.network.arrivedUnits - w.launches.succeeded);
    let during = 0;
    let total = 0;
    let establishedDuring = 0;
    for (let i = 1; i < r.windows.length; i++) {
      total += resync[i];
      // Over 80 queued with 5 hosts of 20: every host had lease work queued through the window.
      if (r.windows[i - 1].leases.backlog > 80 && r.windows[i].leases.backlog > 80) {
        during += resync[i];
        establishedDuring += r.windows[i].leases.established;
      }
    }
    assert.ok(establishedDuring > 2_000, `established ${establishedDuring} while every host was busy`);
    assert.equal(during, 0);
    // Afterwards it all arrives: about 5.6 instances per re-established droplet.
    assert.ok(total > 3 * s.leasesLostMax, `re-sync units ${total} for ${s.leasesLostMax} droplets`);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = run(cfg(), 1 * H, 1 * H, [], 3);
    const b = run(cfg(), 1 * H, 1 * H, [], 3);
    const c = run(cfg(), 1 * H, 1 * H, [], 4);
    assert.deepEqual(a.windows, b.windows);
    assert.notDeepEqual(a.windows, c.windows);
  });
});

describe('lease lifetime floor', () => {
  // Leases shorter than the floor (all of them here): a host's batches all miss one renewal, or two in a row,
  // while DynamoDB is otherwise healthy. Regression: the floor was exactly two check periods, so the next healthy
  // check (exactly two periods after the last success) found the lease expired, and a single DynamoDB error hours
  // after the outage (seed 7 of aws-2025-10-20, droplet 12671 at 42,391 s) lapsed a lease.
  function fleetWithFailures(failFromS: number, failToS: number) {
    const c = ec2Schema.parse({ droplets: 2_000, lease: { timeoutS: { dist: 'const', valueS: 60 } }, dwfm: { hosts: 3 } });
    const fleet = new LeaseFleet(c, 7, (h) => ({
      call: (tS: number) => ({ ok: h !== 1 || tS < failFromS || tS >= failToS, latencyS: 0.005 }),
    }));
    const lapsedAt: number[] = [];
    for (let a = 0; a < 7_200; a += 60) {
      fleet.runSpan(a, a + 60, null);
      if (fleet.counters.lapsed > 0) lapsedAt.push(a);
      fleet.counters.reset();
    }
    return { fleet, lapsedAt };
  }

  it('keeps every lease through one failed renewal per batch', () => {
    // 120 s of failures, long after start: each of host 1's batches misses exactly one check.
    const { fleet, lapsedAt } = fleetWithFailures(3_000.5, 3_120.5);
    assert.deepEqual(lapsedAt, []);
    assert.equal(fleet.lostCount, 0);
  });

  it('still loses the short leases after two failed renewals in a row', () => {
    const { fleet, lapsedAt } = fleetWithFailures(3_000.5, 3_240.5);
    assert.ok(lapsedAt.length > 0, 'two missed renewals lapse leases shorter than three periods');
    // Re-established at once (no queue, DynamoDB back), so none stays lost.
    assert.equal(fleet.lostCount, 0);
  });
});
