/**
 * The shipped EC2 scenarios, run with the EC2 model alone (test/support/ec2-standalone.ts: the outage comes from the
 * scenario's Enactor stall and dns-repair instead of the simulated race).
 *
 * aws-2025-10-20 at scale 0.1 (100,000 droplets; every per-host and per-NLB figure unchanged): each transition AWS
 * dated falls within 20% of the time since the trigger, and it is the 09:36 failover-off that ends the NLB
 * errors. The smaller ec2-*.yaml each show the loop they isolate.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runEc2 } from './support/ec2-harness.ts';
import { loadEc2Scenario, scaleActions, scaleEc2 } from './support/ec2-standalone.ts';
import { buildTimeline } from '../src/model/ec2/timeline.ts';

function runScenario(path: string, scale = 1, dropKinds: string[] = []) {
  const { raw, cfg, actions, outage } = loadEc2Scenario(path);
  return runEc2(scaleEc2(cfg, scale), {
    durationS: raw.durationS ?? 3600,
    epochS: raw.sim?.epochS ?? 1,
    windowS: raw.sim?.windowS ?? 60,
    seed: raw.seed ?? 1,
    outage,
    actions: scaleActions(
      actions.filter((a) => !dropKinds.includes(a.do)),
      scale,
    ),
    negativeTtlS: raw.clients?.negativeTtlS ?? 5,
    ttlS: raw.clients?.ttlS ?? 5,
  });
}

describe('aws-2025-10-20 (EC2 model alone, scale 0.1)', () => {
  const path = 'scenarios/aws-2025-10-20.yaml';
  const r = runScenario(path, 0.1);
  const origin = loadEc2Scenario(path).cfg.clockOrigin!;
  const timeline = buildTimeline(r.summary, origin);
  const at = (e: string) => timeline.find((x) => x.event === e)!;

  it('matches AWS within 20% of the time since the trigger', () => {
    for (const e of [
      'dynamodb-errors-end',
      'leases-recovered',
      'nlb-errors-begin',
      'propagation-degraded',
      'nlb-errors-end',
      'propagation-normal',
    ]) {
      const x = at(e);
      assert.ok(x.offsetShare !== null && x.offsetShare <= 0.2, `${e}: simulated ${x.simulatedClock}, AWS ${x.awsClock}`);
    }
  });

  it('collapses between the repair and the 04:14 operators, then recovers in order', () => {
    const s = r.summary;
    assert.ok(s.leasesLostMax > 0.9 * 100_000);
    assert.ok(s.leaseCollapseFromS !== null && s.leaseCollapseFromS >= 10_500 && s.leaseCollapseEndS === 17_040);
    assert.ok(s.leasesRecoveredAtS! < s.propagationNormalAtS!);
    assert.ok(s.nlbErrorsFromS! > s.leaseCollapseEndS! && s.nlbErrorsEndS! <= s.propagationNormalAtS!);
  });

  it('keeps NLB errors past 09:36 without the failover-off action', () => {
    const without = runScenario(path, 0.1, ['failover-off']).summary;
    assert.ok(
      without.nlbErrorsEndS === null || without.nlbErrorsEndS > r.summary.nlbErrorsEndS! + 1200,
      `without failover-off errors end at ${without.nlbErrorsEndS}, with at ${r.summary.nlbErrorsEndS}`,
    );
  });
});

describe('loop scenarios', () => {
  it('every scenarios/ec2-*.yaml parses', () => {
    const files = readdirSync('scenarios').filter((f) => /^ec2-.*\.yaml$/.test(f));
    assert.ok(files.length >= 5);
    for (const f of files) assert.doesNotThrow(() => loadEc2Scenario(`scenarios/${f}`), f);
  });

  it('lease collapse stays; operators end it; queue-size admission never has it', () => {
    const collapse = runScenario('scenarios/ec2-lease-collapse.yaml').summary;
    assert.ok(collapse.leaseCollapseFromS !== null && collapse.leaseCollapseEndS === null && collapse.leasesRecoveredAtS === null);
    const ops = runScenario('scenarios/ec2-lease-operators.yaml').summary;
    assert.ok(ops.leasesRecoveredAtS !== null && ops.leaseCollapseEndS === 11_400);
    const adm = runScenario('scenarios/ec2-lease-admission.yaml').summary;
    assert.ok(adm.leaseCollapseFromS === null && adm.leasesRecoveredAtS !== null);
  });

  it('propagation stays degraded for hours after the leases are back', () => {
    const s = runScenario('scenarios/ec2-propagation-backlog.yaml').summary;
    assert.ok(s.propagationDegradedFromS !== null && s.propagationNormalAtS !== null);
    assert.ok(s.propagationNormalAtS - s.leasesRecoveredAtS! > 3 * 3600);
    assert.equal(s.nlbErrorsFromS, null);
  });

  it('NLB flapping causes errors that failover-off ends; velocity control lowers them', () => {
    const flap = runScenario('scenarios/ec2-nlb-flapping.yaml').summary;
    assert.ok(flap.nlbErrorsFromS !== null && flap.nlbErrorsEndS === 22_200, `${flap.nlbErrorsEndS}`);
    const vc = runScenario('scenarios/ec2-nlb-velocity-control.yaml').summary;
    assert.ok(vc.nlbErrorRateMax < flap.nlbErrorRateMax, `${vc.nlbErrorRateMax} vs ${flap.nlbErrorRateMax}`);
  });
});
