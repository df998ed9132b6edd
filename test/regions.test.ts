/**
 * Multi-region clients (scenario `regions`): the failover share changes nothing at 0, contains the outage with
 * ample capacity elsewhere, overloads a failover region sized for a third of the load (and the output says so),
 * is deterministic for any worker count, and bad configuration is refused with its path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMultiRegion } from '../src/model/clients/multi.ts';
import { metricValue } from '../src/metrics/catalogue.ts';
import { hasStackTrace, runCli, runInProcess, scenario } from './helpers.ts';

// 2,000 clients at 0.5 requests/s: 1,000 requests/s; the race at about 656 s, the repair at 1000 s.
const SMALL = ['clients.count=2000', 'clients.ratePerS=0.5', 'durationS=1200', 'actions[0].atS=1000'];
/** A failover region whose 4 load balancers serve `capacityShare` of the global load (1,000 requests/s). */
const regions = (share: number, capacityShare: number, trigger = '{"on":"failures","attempts":3}') =>
  `regions={"others":[{"name":"us-west-2","endpoint":"dynamodb.us-west-2.amazonaws.com","loadBalancers":4,"capacityPerS":${(capacityShare * 1000) / 4},"crossLatencyMs":65}],"failover":{"share":${share},"to":"us-west-2","trigger":${trigger}}}`;

describe('multi-region clients', () => {
  it('with 0% multi-region clients the client figures equal the single-region run, window by window', async () => {
    const single = await runInProcess(scenario('dns-race', SMALL));
    const multi = await runInProcess(scenario('dns-race', [...SMALL, regions(0, 3)]));
    assert.ok((single.clients?.phases.find((p) => p.name === 'outage')?.errorRate ?? 0) > 0.5, 'the outage happened');
    assert.deepEqual(multi.clients, single.clients);
    const strip = (ws: typeof single.windows.clients) => ws.map(({ regions: _r, ...w }) => w);
    assert.deepEqual(strip(multi.windows.clients), strip(single.windows.clients));
    assert.equal(metricValue(multi, 'failover.failovers'), 0);
    assert.equal(metricValue(multi, 'regions.backup.attempts'), 0);
    // Pinned clients carry the whole error rate.
    assert.equal(metricValue(multi, 'clients.pinned.outage.errorRate'), metricValue(single, 'clients.outage.errorRate'));
  });

  it('with 100% and ample capacity elsewhere the outage error rate stays below 5%, over several seeds', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = await runInProcess(scenario('dns-race', [...SMALL, `seed=${seed}`, regions(1, 3)]));
      assert.equal(metricValue(r, 'dns.endpointEmptied'), 1, `seed ${seed}: the race emptied the endpoint`);
      const err = metricValue(r, 'clients.outage.errorRate') as number;
      assert.ok(err < 0.05, `seed ${seed}: outage error rate ${err}`);
      assert.ok((metricValue(r, 'failover.outage.failovers') as number) >= 2000, 'every client failed over at least once');
      assert.equal(metricValue(r, 'regions.backup.outage.overloaded'), 0);
      // Offered load on the failover region: the whole population (1,000/s) over 3,000/s, plus the probes' retries.
      const u = metricValue(r, 'regions.backup.outage.utilisation') as number;
      assert.ok(u > 0.25 && u < 0.36, `seed ${seed}: utilisation ${u}`);
      // Away attempts carry the cross-region round trip.
      assert.ok((metricValue(r, 'clients.outage.attemptLatencyMs.p50') as number) >= 65);
    }
  });

  it('with 100% and capacity for a third of the load the failover region overloads, and the CLI says so', async () => {
    const r = await runCli(['run', 'dns-race', ...SMALL.flatMap((s) => ['--set', s]), '--set', regions(1, 1 / 3), '--workers', '2', '--json'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const outage = j.regions.phases.find((p: { name: string }) => p.name === 'outage');
    assert.equal(outage.backup.overloaded, true);
    assert.ok(outage.backup.peakUtilisation > 1);
    assert.ok(outage.backup.errors.throttled > 0 && outage.backup.errors.timeout > 0, 'the service model refused the excess');
    assert.ok(j.clients.phases.find((p: { name: string }) => p.name === 'outage').errorRate > 0.2);
    const text = await runCli(['run', 'dns-race', ...SMALL.flatMap((s) => ['--set', s]), '--set', regions(1, 1 / 3), '--workers', '1'], { timeoutMs: 120_000 });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /regions by phase/);
    assert.match(text.stdout, /us-west-2 OVERLOADED in outage \(peak utilisation \d+/);
  });

  it('gives the same digest for 1 and 2 workers with regions on, for each trigger', async () => {
    for (const trigger of ['{"on":"failures","attempts":2}', '{"on":"empty-answer"}', '{"on":"latency","budgetMs":200}']) {
      const sets = ['dns-race', ...SMALL.flatMap((s) => ['--set', s]), '--set', 'clients.count=3001', '--set', regions(0.5, 0.5, trigger), '--set', 'regions.failover.comeBack=sticky', '--json'];
      const [a, b] = await Promise.all([runCli(['run', ...sets, '--workers', '1']), runCli(['run', ...sets, '--workers', '2'])]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const ja = JSON.parse(a.stdout);
      assert.ok(ja.regions.failovers > 0, `${trigger}: someone failed over`);
      assert.equal(JSON.parse(b.stdout).digest, ja.digest, trigger);
    }
  });

  it('refuses bad configuration with the path and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--set', regions(1.5, 1)], /regions\.failover\.share: must be <= 1/],
      [['--set', regions(-0.1, 1)], /regions\.failover\.share: must be >= 0/],
      [['--set', regions(0.5, 1), '--set', 'regions.failover.to=eu-west-1'], /regions\.failover\.to: unknown region 'eu-west-1'/],
      [['--set', regions(0.5, 1), '--set', 'regions.others[0].name=us-east-1'], /regions\.others\[0\]\.name: is the home region/],
      [['--set', regions(0.5, 1), '--set', 'regions.failover.trigger={"on":"sometimes"}'], /regions\.failover\.trigger/],
      [['--set', regions(0.5, 1), '--set', 'regions.others[0].endpoint=dynamodb.us-east-1.amazonaws.com'], /regions\.others\[0\]\.endpoint: is a home-region endpoint/],
      [['--set', regions(0.5, 1), '--set', 'clients=null'], /regions: needs a clients section/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(['run', 'dns-race', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(!hasStackTrace(r.stderr));
    }
  });

  it('picks multi-region clients by hash: about the share, spread over the population, nested as the share grows', () => {
    const n = 100_000;
    let count = 0;
    let firstHalf = 0;
    for (let i = 0; i < n; i++) {
      if (isMultiRegion(7, i, 0.3)) {
        count++;
        if (i < n / 2) firstHalf++;
        assert.ok(isMultiRegion(7, i, 0.6), 'a client capable at 30% is capable at 60%');
      }
    }
    assert.ok(Math.abs(count / n - 0.3) < 0.01, `${count}`);
    assert.ok(Math.abs(firstHalf / count - 0.5) < 0.02, 'not the first N');
  });
});
