// Who runs an epoch's chunks cannot change a result: worker 0 opens some epochs without telling the helpers (a test
// hook, task.ts WorkerTask.helpers), so that it runs them alone but for chunks a helper still in its loop claims,
// and the helpers skip whole metrics windows and join again. The digest must be the one worker's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenario } from '../src/api.ts';
import { runSimulation } from '../src/engine/coordinator.ts';
import { WorkerSync } from '../src/engine/sync.ts';
import { SharedStore } from '../src/memory/store.ts';

describe('WorkerSync.openEpoch', () => {
  it('an epoch the helpers are not told of leaves the word they wait on as it was', () => {
    const store = SharedStore.create({ endpoints: 1, lbsPerEndpoint: [2], planSlots: 4, actors: 1, workers: 2 });
    const sync = new WorkerSync(store, 2);
    sync.openEpoch(0);
    const open = Atomics.load(store.i32, SharedStore.EPOCH_OPEN);
    assert.equal(open, 1);
    sync.openEpoch(1, false);
    assert.equal(Atomics.load(store.i32, SharedStore.EPOCH_OPEN), open, 'not told: unchanged');
    // Worker 0 still claims the epoch's chunks through the same counter.
    assert.deepEqual(sync.takeChunk(), [1, 0]);
    sync.openEpoch(2, true);
    assert.equal(Atomics.load(store.i32, SharedStore.EPOCH_OPEN), 3);
  });
});

describe('the same result whoever runs the chunks', () => {
  const cases = [
    { name: 'dns-race', set: ['clients.count=20000', 'durationS=600'] },
    // The multi-region scan (extension records, failover state) takes the same path.
    { name: 'multi-region', set: ['clients.count=10000', 'durationS=600'] },
  ];
  for (const c of cases) {
    it(`${c.name}: 2 workers give one worker's digest with the helpers told of every epoch, of none, and of every other stretch`, async () => {
      const s = loadScenario(c.name, { set: c.set });
      const one = await runSimulation(s, { workers: 1 });
      assert.equal(one.perf.helperShare, 0, 'one worker has no helper');
      for (const helpers of [undefined, 'never', 'alternate'] as const) {
        const r = await runSimulation(s, { workers: 2, helpers });
        assert.equal(r.digest, one.digest, `helpers ${helpers ?? 'told of every epoch'}`);
        const share = r.perf.helperShare ?? Number.NaN;
        if (helpers === 'never') assert.equal(share, 0, 'never told: the helper ran nothing');
        // Told of some or all epochs, the helper ran chunks (it skips whole windows and joins again with 'alternate').
        else assert.ok(share > 0, `${helpers ?? 'every epoch'}: helperShare ${share}`);
      }
    });
  }
});
