/**
 * The whole incident through the real engine and CLI: the race emerges from the Enactor model, EC2 learns of
 * DynamoDB only through the simulated endpoint, and the transitions land near AWS's times. A small client
 * population keeps it quick; the DWFM hosts are DynamoDB clients in their own right.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './helpers.ts';

interface Timeline {
  event: string;
  simulatedAtS: number | null;
  awsAtS: number;
  offsetShare: number | null;
}

describe('aws-2025-10-20', () => {
  it('the emergent transitions fall within 20% (of the time since the trigger) of AWS', async () => {
    const r = await runCli(['run', 'aws-2025-10-20', '--set', 'clients.count=2000', '--workers', '2', '--json'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      timeline: Timeline[];
      dns: { emptyIntervals: { endpoint: string; fromS: number; toS: number }[] };
      ec2: { leasesLostMax: number; leaseCollapseFromS: number | null };
    };
    // The race: emergent, at about 23:48 (second 1080 of a run that starts at 23:30).
    const empty = j.dns.emptyIntervals.find((iv) => iv.endpoint === 'dynamodb.us-east-1.amazonaws.com');
    assert.ok(empty, 'no race');
    assert.ok(Math.abs(empty.fromS - 1080) < 60, `race at ${empty.fromS}`);
    assert.equal(empty.toS, 10500);
    assert.ok(j.ec2.leasesLostMax > 500_000);
    assert.ok(j.ec2.leaseCollapseFromS !== null, 'no congestive collapse');
    const byEvent = new Map(j.timeline.map((t) => [t.event, t]));
    for (const ev of ['dynamodb-errors-end', 'leases-recovered', 'propagation-degraded', 'propagation-normal', 'nlb-errors-begin', 'nlb-errors-end']) {
      const t = byEvent.get(ev);
      assert.ok(t && t.simulatedAtS !== null, `${ev} never happened`);
      assert.ok((t.offsetShare as number) <= 0.2, `${ev}: ${t.simulatedAtS}s vs AWS ${t.awsAtS}s (${((t.offsetShare as number) * 100).toFixed(1)}%)`);
    }
  });

  it('holds for another seed too; a lone lease lapsing hours later does not move the recovery time', async () => {
    const r = await runCli(['run', 'aws-2025-10-20', '--set', 'clients.count=2000', '--seed', '7', '--json'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { timeline: Timeline[] };
    for (const t of j.timeline) {
      assert.ok(t.simulatedAtS !== null && (t.offsetShare as number) <= 0.2, `seed 7, ${t.event}: ${t.simulatedAtS}s vs AWS ${t.awsAtS}s`);
    }
  });

  it('without the 04:14 throttle and restarts the lease backlog never drains', async () => {
    const actions = JSON.stringify([
      { atS: 10500, do: 'dns-repair' },
      { atS: 36360, do: 'failover-off' },
      { atS: 52740, do: 'failover-on' },
    ]);
    const r = await runCli(['run', 'aws-2025-10-20', '--set', 'clients.count=2000', '--set', `actions=${actions}`, '--json'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { ec2: { leasesRecoveredAtS: number | null; leaseCollapseFromS: number | null; leaseCollapseEndS: number | null } };
    assert.ok(j.ec2.leaseCollapseFromS !== null);
    assert.equal(j.ec2.leasesRecoveredAtS, null);
    assert.equal(j.ec2.leaseCollapseEndS, null);
  });
});
