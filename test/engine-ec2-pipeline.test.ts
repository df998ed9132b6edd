/**
 * EC2 of epoch k runs on worker 0 at the start of epoch k + 1's client phase, while the helpers run that epoch's
 * chunks (worker-loop.ts, drive step 2a). It must read exactly what it read when it ran right after control(k):
 * the store as control(k) left it and epoch k's offered load. A run with several chunks per epoch, a DNS outage
 * that EC2's DWFM hosts see and operators acting on EC2, is byte-identical for one and two workers (a helper is
 * running chunks while EC2 runs), and a stop in the middle of a window still runs the last epoch's EC2 and cuts
 * its last window there, as a run that ends at that point does.
 * What one-versus-two workers cannot see is EC2 reading the wrong epoch's inputs (both counts would read the same
 * wrong ones): drive's guard covers that, throwing when EC2(k) does not run between epoch k's load sum and epoch
 * k + 1's; the digest checks against the previous build, written down with each change, cover the rest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileThresholds, loadScenario, metricValue, simulate } from '../src/api.ts';
import { Page } from '../src/model/clients/calendar.ts';

// About 1,200 requests per second: several due pages (the calendar's chunks) per epoch, so with two workers
// chunks of one epoch run on both threads while worker 0 runs the previous epoch's EC2. The fleet is a tenth of
// the incident's (its per-host figures unchanged); the run covers the race (about 1,080 s), so the DWFM hosts'
// DynamoDB calls fail while the endpoint is empty.
const CLIENTS = 24_677;
const scenario = (extra: string[] = []) =>
  loadScenario('aws-2025-10-20', {
    set: [`clients.count=${CLIENTS}`, 'durationS=2400', 'ec2.droplets=100000', 'ec2.nlb.loadBalancers=100', ...extra],
  });

function withoutPerf(r: Awaited<ReturnType<typeof simulate>>): string {
  const { perf: _perf, workers: _workers, ...rest } = r as typeof r & { workers?: number };
  return JSON.stringify(rest);
}

describe('EC2 beside the next epoch’s client chunks', () => {
  it('gives the same result for one and two workers, EC2 seeing the outage', async () => {
    const s = scenario();
    const [one, two] = [await simulate(s, { workers: 1 }), await simulate(s, { workers: 2 })];
    // More requests per epoch than two pages hold.
    assert.ok(s.clients && s.clients.count * s.clients.ratePerS * s.sim.epochS > 2 * Page.SIZE);
    assert.ok(one.ec2 !== null);
    const ddbFailures = one.windows.ec2.reduce((n, w) => n + w.ddb.failures, 0);
    assert.ok(ddbFailures > 0, 'EC2 never saw the DynamoDB outage');
    assert.equal(one.windows.ec2.length, one.windows.clients.length);
    assert.equal(two.digest, one.digest);
    assert.equal(withoutPerf(two), withoutPerf(one));
  });

  it('closes the last EC2 window where a stop cuts a window short, as a run that ends there does', async () => {
    // A limit on attempts that the epoch [1229, 1230) crosses: the run stops at 1,230 s, inside the 60 s window
    // that began at 1,200 s, and its last EC2 window is cut there, as in a run of 1,230 s.
    const shorter = await simulate(scenario(['durationS=1229']), { workers: 1 });
    const rule = compileThresholds([
      { metric: 'clients.attempts', condition: `< ${(metricValue(shorter, 'clients.attempts') as number) + 1}`, abortOnFail: true },
    ]);
    const s = scenario();
    const [one, two] = [await simulate(s, { workers: 1, abortThresholds: rule }), await simulate(s, { workers: 2, abortThresholds: rule })];
    assert.equal(one.partial, true);
    assert.equal(one.reachedS, 1230);
    assert.deepEqual([one.windows.ec2.at(-1)?.fromS, one.windows.ec2.at(-1)?.toS], [1200, 1230]);
    assert.equal(one.windows.ec2.length, one.windows.clients.length);
    assert.equal(two.digest, one.digest);
    const ended = await simulate(scenario(['durationS=1230']), { workers: 1 });
    assert.deepEqual(one.windows.ec2, ended.windows.ec2);
    assert.deepEqual(one.ec2, ended.ec2);
  });
});
