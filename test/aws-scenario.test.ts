/**
 * The whole incident through the real engine and CLI: the adversarial trigger lands the stale write in the race
 * window, EC2 learns of DynamoDB only through the simulated endpoint, and the scheduled and calibrated transitions
 * land near AWS's times; the predicted ones are reported. A small client population keeps it quick; the DWFM
 * hosts are DynamoDB clients in their own right.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './helpers.ts';

interface Timeline {
  event: string;
  kind: string;
  basis: string;
  orderNote: string | null;
  simulatedAtS: number | null;
  awsAtS: number;
  offsetShare: number | null;
}

/** Rows a schedule or a calibrated parameter put near AWS's time: they must stay there (within 20%). */
function checkTimeline(t: Timeline[], label: string): void {
  assert.deepEqual(new Set(t.map((x) => x.kind)), new Set(['scheduled', 'calibrated', 'predicted']), label);
  const awsOrder = t.map((x) => x.awsAtS);
  assert.deepEqual(
    awsOrder,
    [...awsOrder].sort((a, b) => a - b),
    `${label}: rows not in AWS's order`,
  );
  for (const x of t) {
    assert.ok(x.basis.length > 0, `${label} ${x.event}: no basis`);
    if (x.kind === 'predicted') {
      console.log(
        `${label}: predicted ${x.event}: ${x.simulatedAtS}s vs AWS ${x.awsAtS}s (${x.offsetShare === null ? '-' : `${(x.offsetShare * 100).toFixed(1)}%`})${x.orderNote ? `; ${x.orderNote}` : ''}`,
      );
      continue;
    }
    assert.ok(x.simulatedAtS !== null, `${label} ${x.event} never happened`);
    if (x.event === 'regional-endpoint-empty') assert.ok(Math.abs(x.simulatedAtS - x.awsAtS) < 60, `${label}: race at ${x.simulatedAtS}`);
    else
      assert.ok(
        (x.offsetShare as number) <= 0.2,
        `${label} ${x.event}: ${x.simulatedAtS}s vs AWS ${x.awsAtS}s (${((x.offsetShare as number) * 100).toFixed(1)}%)`,
      );
  }
  // The order the model gets wrong is said, on both rows.
  const deg = t.find((x) => x.event === 'propagation-degraded');
  const nlb = t.find((x) => x.event === 'nlb-errors-begin');
  if (deg?.simulatedAtS != null && nlb?.simulatedAtS != null && deg.simulatedAtS < nlb.simulatedAtS) {
    assert.match(deg.orderNote ?? '', /simulated before nlb-errors-begin/);
    assert.match(nlb.orderNote ?? '', /simulated after propagation-degraded/);
  }
}

describe('aws-2025-10-20', () => {
  it('scheduled and calibrated transitions fall within 20% (of the time since the trigger) of AWS; every row has its kind', async () => {
    const r = await runCli(['run', 'aws-2025-10-20', '--set', 'clients.count=2000', '--workers', '2', '--json'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      timeline: Timeline[];
      dns: { emptyIntervals: { endpoint: string; fromS: number; toS: number }[]; triggers: { kind: string }[] };
      ec2: { leasesLostMax: number; leaseCollapseFromS: number | null };
    };
    // The race, at about 23:48 (second 1080 of a run that starts at 23:30), from the adversarial trigger.
    assert.equal(j.dns.triggers[0].kind, 'adversarial');
    const empty = j.dns.emptyIntervals.find((iv) => iv.endpoint === 'dynamodb.us-east-1.amazonaws.com');
    assert.ok(empty, 'no race');
    assert.ok(Math.abs(empty.fromS - 1080) < 60, `race at ${empty.fromS}`);
    assert.equal(empty.toS, 10500);
    assert.ok(j.ec2.leasesLostMax > 500_000);
    assert.ok(j.ec2.leaseCollapseFromS !== null, 'no congestive collapse');
    checkTimeline(j.timeline, 'seed 20251020');
    const byEvent = new Map(j.timeline.map((t) => [t.event, t]));
    for (const ev of ['propagation-degraded', 'launch-failures-end', 'ec2-fully-recovered'])
      assert.equal(byEvent.get(ev)?.kind, 'predicted', ev);
  });

  it('holds for another seed too; a lone lease lapsing hours later does not move the recovery time', async () => {
    const r = await runCli(['run', 'aws-2025-10-20', '--set', 'clients.count=2000', '--seed', '7', '--json'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { timeline: Timeline[] };
    checkTimeline(j.timeline, 'seed 7');
  });

  it('without the 04:14 throttle and restarts the lease backlog never drains', async () => {
    const actions = JSON.stringify([
      { atS: 10500, do: 'dns-repair' },
      { atS: 36360, do: 'failover-off' },
      { atS: 52740, do: 'failover-on' },
    ]);
    const r = await runCli(['run', 'aws-2025-10-20', '--set', 'clients.count=2000', '--set', `actions=${actions}`, '--json'], {
      timeoutMs: 300_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      ec2: { leasesRecoveredAtS: number | null; leaseCollapseFromS: number | null; leaseCollapseEndS: number | null };
    };
    assert.ok(j.ec2.leaseCollapseFromS !== null);
    assert.equal(j.ec2.leasesRecoveredAtS, null);
    assert.equal(j.ec2.leaseCollapseEndS, null);
  });
});
