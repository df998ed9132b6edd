/**
 * Recovery time against outage duration, DWFM capacity and the attempt deadline: the cliff (short outages recover
 * by themselves, long ones stay stuck), capacity never hurting, and deadlines below the service time never helping.
 * Same fleet as ec2-leases.test.ts: 20,000 droplets, 5 hosts x 10 workers (~11.5 leases/s), deadline 600 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Ec2Action, type Ec2ConfigInput, ec2ActionSchema, ec2Schema } from '../src/config/ec2-schema.ts';
import { runEc2 } from './support/ec2-harness.ts';

const FROM_S = 600;
const MIN = 60;

function cfg(dwfm: Ec2ConfigInput['dwfm'] = {}) {
  return ec2Schema.parse({
    droplets: 20_000,
    dwfm: { hosts: 5, workersPerHost: 10, ...dwfm },
    launches: { ratePerS: 0.5 },
    network: { capacityPerS: 50 },
    nlb: { loadBalancers: 10 },
  });
}

/** Seconds from DynamoDB's return to the last lease's return; Infinity when some never came back. */
function recoveryAfterDdb(c: ReturnType<typeof cfg>, outageMin: number, actions: Ec2Action[] = [], horizonS = 4 * 3600) {
  const toS = FROM_S + outageMin * MIN;
  const s = runEc2(c, { durationS: toS + horizonS, epochS: 2, windowS: 120, seed: 11, outage: { fromS: FROM_S, toS }, actions }).summary;
  if (s.leasesLostMax === 0) return { lost: 0, afterS: 0 };
  return { lost: s.leasesLostMax, afterS: s.leasesRecoveredAtS === null ? Infinity : s.leasesRecoveredAtS - toS };
}

/** Operators act 30 minutes after the repair, as in the real event (they needed time to find the loop). */
function operators(outageMin: number): Ec2Action[] {
  const atS = FROM_S + outageMin * MIN + 1800;
  return [ec2ActionSchema.parse({ atS, do: 'throttle', leaseQueuePerHost: 20 }), ec2ActionSchema.parse({ atS, do: 'restart' })];
}

describe('EC2 recovery sweeps', () => {
  it('shows a cliff over outage duration: short outages recover by themselves, long ones stay stuck', () => {
    const durations = [15, 25, 35, 45, 60, 90, 120, 180];
    const rows = durations.map((d) => ({ d, ...recoveryAfterDdb(cfg(), d) }));
    const stuck = rows.map((r) => r.afterS === Infinity);
    const firstStuck = stuck.indexOf(true);
    assert.ok(firstStuck >= 2, `short outages should recover: ${JSON.stringify(rows)}`);
    assert.ok(stuck.slice(firstStuck).every(Boolean), `once stuck, longer outages stay stuck: ${JSON.stringify(rows)}`);
    assert.ok(durations.length - firstStuck >= 2, 'long outages stay stuck');
    // Below the cliff, more lost leases take longer, and the loss grows with the outage (leases lapse slowly).
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].lost >= rows[i - 1].lost);
    for (let i = 1; i < firstStuck; i++) assert.ok(rows[i].afterS >= rows[i - 1].afterS - 240, JSON.stringify(rows));
    // The cliff sits where lost leases over the service rate pass the deadline (11.5/s * 600 s ~ 7,000; the first
    // attempts after the outage still finish in time, so somewhat above).
    assert.ok(rows[firstStuck].lost > 6_000 && rows[firstStuck - 1].lost < 16_000, JSON.stringify(rows));
  });

  it('never recovers later with twice the DWFM capacity', () => {
    for (const d of [30, 60, 90, 150]) {
      for (const acts of [[], operators(d)]) {
        const one = recoveryAfterDdb(cfg({ hosts: 5 }), d, acts);
        const two = recoveryAfterDdb(cfg({ hosts: 10 }), d, acts);
        // One check period of slack: re-enqueueing waits for each droplet's next check.
        assert.ok(two.afterS <= one.afterS + 120, `outage ${d} min, ${acts.length ? 'operators' : 'alone'}: ${two.afterS} > ${one.afterS}`);
      }
    }
    // With operators, goodput is the service rate: twice the hosts, about half the time.
    const one = recoveryAfterDdb(cfg({ hosts: 5 }), 150, operators(150));
    const two = recoveryAfterDdb(cfg({ hosts: 10 }), 150, operators(150));
    assert.ok(two.afterS - 1800 < 0.65 * (one.afterS - 1800), `${two.afterS} vs ${one.afterS}`);
  });

  it('never recovers sooner with a deadline below the service time', () => {
    for (const d of [20, 60, 120]) {
      for (const acts of [[], operators(d)]) {
        const base = recoveryAfterDdb(cfg(), d, acts);
        for (const deadlineS of [1, 2, 3.5]) {
          const short = recoveryAfterDdb(cfg({ deadlineS }), d, acts);
          assert.ok(short.afterS >= base.afterS, `outage ${d} min, deadline ${deadlineS}: ${short.afterS} < ${base.afterS}`);
        }
      }
    }
    // Below the service time nearly every attempt is late: even operators cannot bring the leases back.
    assert.equal(recoveryAfterDdb(cfg({ deadlineS: 2 }), 60, operators(60)).afterS, Infinity);
  });
});
