// Reference digests of two short runs through the real engine (worker threads), for 1 and 2 workers. Comparing
// worker counts catches a result that depends on thread timing, but not an engine change that moves what every
// worker reads in the same wrong way: publishing the load balancers' state after the control phase instead of
// before it, say, changes both digests below for any worker count (checked when they were written). Change a
// digest here only together with a model change that explains it, and say so in the commit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenario, simulate } from '../src/api.ts';

const CASES = [
  {
    // The race at about 1,020 s, EC2's DWFM hosts calling the empty endpoint, the Planner's health model at work.
    name: 'aws-2025-10-20, 2,000 clients, 2,400 s, a tenth of the fleet',
    scenario: 'aws-2025-10-20',
    set: ['clients.count=2000', 'durationS=2400', 'ec2.droplets=100000', 'ec2.nlb.loadBalancers=100'],
    digest: 'a6f343fcf5607d1f5dcb4b8c8482a81f00067fd5ffbf242e5b235f8a96b37827',
  },
  {
    name: 'dns-race, 20,000 clients, 1,200 s',
    scenario: 'dns-race',
    set: ['clients.count=20000', 'durationS=1200'],
    digest: '88072f19c172d5bfc4781d1c1654604b5eca005f1a53e7be2ee252fdf7612861',
  },
];

describe('reference digests', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const s = loadScenario(c.scenario, { set: c.set });
      for (const workers of [1, 2]) {
        const r = await simulate(s, { workers });
        assert.equal(r.digest, c.digest, `${workers} worker(s)`);
      }
    });
  }
});
