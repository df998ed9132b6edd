/**
 * The metrics catalogue: every name resolves, values agree with the result they are read from (checked against
 * figures re-derived here), phases and EC2 read as null where the run has none, unknown names are bad input
 * with near names.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RunResult } from '../src/engine/result.ts';
import { InputError } from '../src/errors.ts';
import { listMetrics, metricValue, metricValues } from '../src/metrics/catalogue.ts';
import { phaseRows } from '../src/report/summary.ts';
import { runInProcess, scenario } from './helpers.ts';

describe('metrics catalogue', () => {
  let legacy: RunResult;
  let fenced: RunResult;
  before(async () => {
    legacy = await runInProcess(scenario('dns-race', ['clients.count=2000']));
    fenced = await runInProcess(scenario('dns-race', ['clients.count=2000', 'dns.protocol=fenced']));
  });

  it('lists unique names, each with a unit and a meaning, each readable from a run', () => {
    const all = listMetrics();
    assert.equal(new Set(all.map((m) => m.name)).size, all.length);
    assert.ok(all.length > 80, `${all.length} metrics`);
    for (const m of all) {
      assert.match(m.name, /^[a-z0-9]+(\.[A-Za-z0-9-]+)+$/, m.name);
      assert.ok(m.unit.length > 0 && m.meaning.length > 10, m.name);
      const v = metricValue(legacy, m.name);
      assert.ok(v === null || Number.isFinite(v), `${m.name}: ${v}`);
      if (m.unit === 'bool' && v !== null) assert.ok(v === 0 || v === 1, m.name);
      if (m.unit === 'ratio' && v !== null) assert.ok(v >= 0 && v <= 1, `${m.name}: ${v}`);
    }
    for (const n of [
      'clients.errorRate',
      'clients.outage.errorRate',
      'clients.outage.latencyMs.p99',
      'clients.amplification',
      'dns.violations',
      'dns.violations.never-delete-active',
      'dns.emptyS',
      'dns.stuckS',
      'ec2.leasesRecoveredAfterS',
      'ec2.nlbErrorS',
      'dns.endpointEmptied',
    ]) {
      assert.ok(
        all.some((m) => m.name === n),
        n,
      );
    }
  });

  it('reads the race: the legacy run empties the endpoint from the race to the repair, the fenced one never', () => {
    const iv = legacy.dns.emptyIntervals;
    assert.equal(metricValue(legacy, 'dns.violations'), legacy.dns.violations.length);
    assert.equal(metricValue(legacy, 'dns.violations.never-delete-active'), 1);
    assert.equal(metricValue(legacy, 'dns.endpointEmptied'), 1);
    assert.equal(
      metricValue(legacy, 'dns.emptyS'),
      iv.reduce((a, i) => a + ((i.toS ?? legacy.reachedS) - i.fromS), 0),
    );
    assert.ok((metricValue(legacy, 'dns.emptyS') as number) > 1800);
    assert.ok((metricValue(legacy, 'dns.stuckS') as number) > 0);
    assert.equal(metricValue(fenced, 'dns.violations'), 0);
    assert.equal(metricValue(fenced, 'dns.endpointEmptied'), 0);
    assert.equal(metricValue(fenced, 'dns.emptyS'), 0);
    assert.equal(metricValue(fenced, 'dns.firstViolationAfterS'), null);
    // Every violation of the legacy run lies in one of its phases: per-phase counts add up to the total.
    const perPhase = legacy.phases.reduce((a, p) => a + (metricValue(legacy, `dns.${p.name}.violations`) as number), 0);
    assert.equal(perPhase, legacy.dns.violations.length);
  });

  it('reads the clients per phase from the merged phase summaries, and the outage is where errors are', () => {
    const outage = legacy.clients?.phases.find((p) => p.name === 'outage');
    assert.ok(outage);
    assert.equal(metricValue(legacy, 'clients.outage.errorRate'), outage.errorRate);
    assert.equal(metricValue(legacy, 'clients.outage.latencyMs.p99'), outage.latencyMs.p99);
    assert.equal(metricValue(legacy, 'clients.errorRate'), legacy.clients?.errorRate);
    assert.ok(
      (metricValue(legacy, 'clients.outage.errorRate') as number) > 10 * (metricValue(legacy, 'clients.before.errorRate') as number),
    );
    assert.ok((metricValue(legacy, 'clients.outage.errorRate') as number) > (metricValue(fenced, 'clients.outage.errorRate') as number));
    const sum = legacy.phases.reduce((a, p) => a + (metricValue(legacy, `clients.${p.name}.requests`) as number), 0);
    assert.equal(sum, metricValue(legacy, 'clients.requests'));
  });

  it('gives null, not zero, where the run has no such part', () => {
    assert.equal(metricValue(legacy, 'ec2.leasesRecoveredAfterS'), null);
    assert.equal(metricValue(legacy, 'ec2.nlbErrorS'), null);
    assert.equal(metricValue(legacy, 'clients.recovery.errorRate'), null, 'no recovery phase without EC2');
    const noClients = { ...legacy, clients: null } as RunResult;
    assert.equal(metricValue(noClients, 'clients.errorRate'), null);
    const v = metricValues(legacy, ['dns.violations', 'ec2.nlbErrorS']);
    assert.deepEqual(v, { 'dns.violations': legacy.dns.violations.length, 'ec2.nlbErrorS': null });
    const all = metricValues(legacy);
    for (const p of legacy.phases) assert.ok(`clients.${p.name}.errorRate` in all);
  });

  it("reads EC2 recovery against the trigger and the operators' lease actions", () => {
    const faultS = legacy.scenario.dns.faults[0].atS;
    const withEc2 = (ec2: Record<string, unknown>, actions: { atS: number; do: string }[] = []) =>
      ({
        ...legacy,
        ec2: { leasesLostMax: 0, leasesRecoveredAtS: null, nlbErrorsFromS: null, nlbErrorsEndS: null, recovery: {}, ...ec2 },
        scenario: { ...legacy.scenario, actions },
      }) as unknown as RunResult;
    const none = withEc2({});
    assert.equal(metricValue(none, 'ec2.leasesRecoveredAfterS'), 0);
    assert.equal(metricValue(none, 'ec2.leasesRecoveredWithoutOperators'), 1);
    assert.equal(metricValue(none, 'ec2.nlbErrorS'), 0);
    const back = withEc2({ leasesLostMax: 500, leasesRecoveredAtS: 5000, nlbErrorsFromS: 4000, nlbErrorsEndS: 4600 }, [
      { atS: 6000, do: 'throttle' },
      { atS: 100, do: 'failover-off' },
    ]);
    assert.equal(metricValue(back, 'ec2.leasesRecoveredAfterS'), 5000 - faultS);
    assert.equal(
      metricValue(back, 'ec2.leasesRecoveredWithoutOperators'),
      1,
      'the throttle came later; failover-off does not touch leases',
    );
    assert.equal(metricValue(back, 'ec2.nlbErrorS'), 600);
    const helped = withEc2({ leasesLostMax: 500, leasesRecoveredAtS: 5000 }, [{ atS: 4000, do: 'restart' }]);
    assert.equal(metricValue(helped, 'ec2.leasesRecoveredWithoutOperators'), 0);
    const never = withEc2({ leasesLostMax: 500, nlbErrorsFromS: 4000 });
    assert.equal(metricValue(never, 'ec2.leasesRecoveredAfterS'), null);
    assert.equal(metricValue(never, 'ec2.leasesRecovered'), 0);
    assert.equal(metricValue(never, 'ec2.nlbErrorS'), legacy.reachedS - 4000, 'still failing: counts to the end of the run');
  });

  it("reads EC2 per phase: the report's per-phase peaks, and the congestive collapse where it happens", async () => {
    const r = await runInProcess(scenario('ec2-lease-collapse', ['clients.count=500']));
    const rows = phaseRows(r);
    assert.deepEqual(
      r.phases.map((p) => p.name),
      ['before', 'outage', 'recovery'],
    );
    const peaks = ['leaseBacklogMax', 'leasesLostMax', 'propagationDelayMaxS', 'propagationBacklogMax', 'nlbErrorRateMax'] as const;
    for (const p of r.phases) {
      const row = rows.find((x) => x.name === p.name)?.ec2;
      assert.ok(row, p.name);
      for (const k of peaks) assert.equal(metricValue(r, `ec2.${p.name}.${k}`), row[k], `ec2.${p.name}.${k} is the HTML table's figure`);
      assert.ok((metricValue(r, `ec2.${p.name}.leaseBacklogMax`) as number) <= (r.ec2?.leaseBacklogMax as number));
    }
    // The phases partition the windows: the largest per-phase peak is the whole run's.
    assert.equal(
      Math.max(...r.phases.map((p) => metricValue(r, `ec2.${p.name}.leasesLostMax`) as number)),
      rows.at(-1)?.ec2?.leasesLostMax,
    );
    // DynamoDB is unreachable during the outage, fine before; after the repair DWFM's work all finishes late.
    assert.equal(metricValue(r, 'ec2.before.ddbFailureShare'), 0);
    assert.ok((metricValue(r, 'ec2.outage.ddbFailureShare') as number) > 0.9);
    assert.ok((metricValue(r, 'ec2.recovery.leaseWastedShare') as number) > 0.9, 'congestive collapse: finished lease attempts are late');
    assert.equal(metricValue(r, 'ec2.before.leasesLostMax'), 0);
    assert.equal(metricValue(r, 'ec2.after.leaseBacklogMax'), null, 'a phase the run lacks');
    assert.equal(metricValue(legacy, 'ec2.outage.leaseBacklogMax'), null, 'no EC2 in the run');
  });

  it('refuses an unknown name as bad input, suggesting near names', () => {
    for (const [bad, near] of [
      ['clients.errorrate', 'clients.errorRate'],
      ['dns.violation', 'dns.violations'],
      ['clients.outage.p99', 'clients.outage.latencyMs.p99'],
      ['clients.outag.errorRate', 'clients.outage.errorRate'],
    ]) {
      assert.throws(
        () => metricValue(legacy, bad),
        (e: unknown) => e instanceof InputError && e.problems[0].includes(bad) && e.problems[0].includes(near),
        bad,
      );
    }
  });
});
