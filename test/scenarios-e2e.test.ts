/**
 * Every built-in scenario validates and round-trips through `show`; the EC2 loop scenarios, run through the real
 * engine (the outage comes from the DNS race that the adversarial trigger sets off, not from a scripted window), each show their loop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinScenarios, loadScenario, scenarioToYaml, validateScenario } from '../src/config/load.ts';
import YAML from 'yaml';
import { runCli } from './helpers.ts';

describe('built-in scenarios', () => {
  it('all validate, say what they assume, and survive show -> run unchanged', () => {
    const names = builtinScenarios();
    assert.ok(names.includes('dns-race') && names.includes('aws-2025-10-20'));
    for (const n of names) {
      const s = loadScenario(n).scenario;
      assert.ok(s.assumptions.length > 0, `${n} lists no assumptions`);
      const again = validateScenario(YAML.parse(scenarioToYaml(s)));
      assert.deepEqual(again, s, n);
    }
  });
});

interface Ec2 {
  leasesLostMax: number;
  leaseCollapseFromS: number | null;
  leaseCollapseEndS: number | null;
  leasesRecoveredAtS: number | null;
  propagationNormalAtS: number | null;
  propagationDelayMaxS: number;
  nlbErrorsFromS: number | null;
  nlbErrorRateMax: number;
}

async function ec2Of(name: string): Promise<{ ec2: Ec2; empty: { fromS: number; toS: number }[] }> {
  const r = await runCli(['run', name, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { ec2: Ec2; dns: { emptyIntervals: { fromS: number; toS: number }[] } };
  return { ec2: j.ec2, empty: j.dns.emptyIntervals };
}

describe('EC2 loop scenarios through the engine', () => {
  it('ec2-lease-collapse: the race empties DynamoDB, leases lapse, and the backlog never drains', async () => {
    const { ec2, empty } = await ec2Of('ec2-lease-collapse');
    assert.equal(empty.length, 1);
    assert.ok(ec2.leasesLostMax > 50_000);
    assert.ok(ec2.leaseCollapseFromS !== null && ec2.leaseCollapseFromS >= empty[0].toS, 'collapse starts once DynamoDB is back');
    assert.equal(ec2.leaseCollapseEndS, null);
    assert.equal(ec2.leasesRecoveredAtS, null);
  });

  it('ec2-lease-operators: throttle and restarts break the collapse and every lease comes back', async () => {
    const { ec2 } = await ec2Of('ec2-lease-operators');
    assert.ok(ec2.leaseCollapseFromS !== null && ec2.leaseCollapseEndS !== null);
    assert.ok(ec2.leasesRecoveredAtS !== null && ec2.leasesRecoveredAtS > ec2.leaseCollapseEndS);
  });

  it('ec2-lease-admission: admission by queue size never collapses', async () => {
    const { ec2 } = await ec2Of('ec2-lease-admission');
    assert.ok(ec2.leasesLostMax > 50_000);
    assert.equal(ec2.leaseCollapseFromS, null);
    assert.ok(ec2.leasesRecoveredAtS !== null);
  });

  it('ec2-nlb-flapping: unpropagated targets flap and NLB connection errors appear', async () => {
    const { ec2 } = await ec2Of('ec2-nlb-flapping');
    assert.ok(ec2.nlbErrorsFromS !== null && ec2.nlbErrorRateMax > 0.001);
    assert.ok(ec2.propagationDelayMaxS > 300);
  });
});
