// Worker 0's choice of running an epoch's chunks with the helpers or alone (src/engine/participation.ts): the rule
// driven by made-up block costs, and the engine run in each mode, which must give the same digest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenario } from '../src/api.ts';
import { runSimulation } from '../src/engine/coordinator.ts';
import { ALTERNATE_EPOCHS, BLOCK_MS, MARGIN, PERIOD_MAX, PERIOD_MIN, Participation, WARMUP_BLOCKS } from '../src/engine/participation.ts';
import { WorkerSync } from '../src/engine/sync.ts';
import { SharedStore } from '../src/memory/store.ts';
import { runCli } from './helpers.ts';

/**
 * Drive the rule for `blocks` blocks of one epoch each, lasting exactly BLOCK_MS with `chunks` chunks; a block
 * costs cost(invited, block) ms per chunk. Returns, per block, whether the helpers were invited.
 */
function drive(blocks: number, cost: (invited: boolean, block: number) => number, mode: 'auto' | 'always' | 'never' = 'auto') {
  let nowMs = 0;
  const p = new Participation(mode, nowMs);
  const invited: boolean[] = [];
  for (let b = 0; b < blocks; b++) {
    const inv = p.invite;
    invited.push(inv);
    const chunks = BLOCK_MS / cost(inv, b);
    nowMs += BLOCK_MS;
    p.epochDone(chunks, nowMs);
  }
  return { invited, soloEpochs: p.soloEpochs };
}

describe('participation rule', () => {
  // Blocks of one epoch each, indexed from 0: WARMUP_BLOCKS uncosted, then `period` costed blocks in the current
  // mode, a look (one block of the other mode), one block of the current mode after it, and so on.
  const firstLook = WARMUP_BLOCKS + PERIOD_MIN;

  it('keeps the helpers when they make a chunk cheaper, looking alone less and less often', () => {
    // Helpers halve the cost of a chunk (a quiet 2-core machine).
    const { invited } = drive(800, (inv) => (inv ? 1 : 2));
    const looks = invited.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0);
    // Each look is one block; between looks, the block after the look and `period` costed blocks, the period
    // doubling from PERIOD_MIN to PERIOD_MAX.
    const expected = [firstLook];
    for (let period = 2 * PERIOD_MIN; expected.at(-1)! < 800; period = Math.min(2 * period, PERIOD_MAX))
      expected.push(expected.at(-1)! + period + 2);
    assert.deepEqual(
      looks,
      expected.filter((i) => i < 800),
    );
  });

  it('leaves the helpers out when they make a chunk dearer, and still looks again', () => {
    // A busy neighbour: with helpers each chunk costs 1.25x.
    const { invited } = drive(2000, (inv) => (inv ? 1.25 : 1));
    assert.ok(invited.slice(0, firstLook).every(Boolean), 'with helpers until the first look');
    assert.equal(invited[firstLook], false, 'the first look is alone');
    assert.equal(invited[firstLook + 1], true, 'then one block with helpers, to judge the look by');
    // Alone from then on; the next look (with helpers) comes after PERIOD_MIN costed blocks, the next after twice as many.
    const next = firstLook + 2 + PERIOD_MIN;
    assert.ok(invited.slice(firstLook + 2, next).every((v) => !v));
    assert.equal(invited[next], true, 'a look with helpers');
    assert.equal(invited[next + 1], false);
    assert.equal(invited.indexOf(true, next + 1), next + 2 + 2 * PERIOD_MIN);
    const tail = invited.slice(1000);
    assert.ok(
      tail.filter(Boolean).length <= Math.ceil(tail.length / (PERIOD_MAX + 2)),
      `${tail.filter(Boolean).length} blocks with helpers`,
    );
  });

  it('follows the machine when it changes, in both directions, whatever the trend in cost', () => {
    // Helpers pay for 600 blocks, then a neighbour arrives for 600, then leaves; meanwhile the cost per chunk
    // drifts up by 0.1% a block (the mix of work changes as a scenario goes on).
    const busy = (b: number) => b >= 600 && b < 1200;
    const { invited } = drive(1800, (inv, b) => (1 + b / 1000) * (busy(b) ? (inv ? 1.3 : 1) : inv ? 0.6 : 1));
    // Within one look of each change (at most PERIOD_MAX + 2 blocks, and the block after it) the rule has
    // switched, and stays (but for its looks).
    const settle = PERIOD_MAX + 4;
    const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
    assert.ok(share(invited.slice(300, 600)) > 0.95, 'quiet: with helpers');
    assert.ok(share(invited.slice(600 + settle, 1200)) < 0.05, `busy: alone (${share(invited.slice(600 + settle, 1200))})`);
    assert.ok(share(invited.slice(1200 + settle, 1800)) > 0.95, 'quiet again: with helpers');
  });

  it('does not switch on a difference inside the margin, nor on a steady trend', () => {
    // Alone is cheaper, but by less than MARGIN: noise, not a reason.
    assert.ok(drive(1000, (inv) => (inv ? 1 : 1 - MARGIN / 2)).invited.filter((v) => !v).length < 20);
    // Every block 12% cheaper than the last, the same in both modes: judged against the block before it alone, a
    // look would pass for a gain (0.88 < 0.9); against the mean of the blocks on either side it does not.
    assert.ok(drive(100, (_inv, b) => 0.88 ** b).invited.filter((v) => !v).length < 6);
    // The same trend upwards (against the block after it alone, a look would pass for a gain).
    assert.ok(drive(100, (_inv, b) => 1.12 ** b).invited.filter((v) => !v).length < 6);
  });

  it('fixed modes never change, and count the epochs run alone', () => {
    const always = drive(300, (inv) => (inv ? 3 : 1), 'always');
    assert.ok(always.invited.every(Boolean));
    assert.equal(always.soloEpochs, 0);
    const never = drive(300, (inv) => (inv ? 1 : 3), 'never');
    assert.ok(never.invited.every((v) => !v));
    assert.equal(never.soloEpochs, 300);
  });

  it('alternate: stretches of ALTERNATE_EPOCHS epochs with and without the helpers', () => {
    const p = new Participation('alternate', 0);
    const invited: boolean[] = [];
    for (let e = 0; e < 4 * ALTERNATE_EPOCHS; e++) {
      invited.push(p.invite);
      p.epochDone(1, e + 1);
    }
    const stretch = (v: boolean) => Array(ALTERNATE_EPOCHS).fill(v);
    assert.deepEqual(invited, [...stretch(true), ...stretch(false), ...stretch(true), ...stretch(false)]);
    assert.equal(p.soloEpochs, 2 * ALTERNATE_EPOCHS);
  });

  it('an epoch shorter than a block does not end the block', () => {
    const p = new Participation('auto', 0);
    // Epochs of 1 ms, one chunk each, the same cost in both modes: BLOCK_MS of them make one block.
    for (let e = 1; e <= BLOCK_MS * (firstLook + 2); e++) p.epochDone(1, e);
    // firstLook blocks with helpers, one look alone (not cheaper), one block with helpers.
    assert.equal(p.soloEpochs, BLOCK_MS, 'one block alone, of BLOCK_MS epochs');
  });
});

describe('WorkerSync.openEpoch', () => {
  it('an epoch not offered to the helpers leaves the word they wait on as it was', () => {
    const store = SharedStore.create({ endpoints: 1, lbsPerEndpoint: [2], planSlots: 4, actors: 1, workers: 2 });
    const sync = new WorkerSync(store, 2);
    sync.openEpoch(0);
    const open = Atomics.load(store.i32, SharedStore.EPOCH_OPEN);
    assert.equal(open, 1);
    sync.openEpoch(1, false);
    assert.equal(Atomics.load(store.i32, SharedStore.EPOCH_OPEN), open, 'not offered: unchanged');
    // Worker 0 still claims the epoch's chunks through the same counter.
    assert.deepEqual(sync.takeChunk(), [1, 0]);
    sync.openEpoch(2, true);
    assert.equal(Atomics.load(store.i32, SharedStore.EPOCH_OPEN), 3);
  });
});

describe('participation in the engine: the same result whoever runs the chunks', () => {
  const cases = [
    { name: 'dns-race', set: ['clients.count=20000', 'durationS=600'] },
    // The multi-region scan (extension records, failover state) takes the same path.
    { name: 'multi-region', set: ['clients.count=10000', 'durationS=600'] },
  ];
  for (const c of cases) {
    it(`${c.name}: 2 workers give one digest with helpers always, never, in alternating stretches, and by measurement`, async () => {
      const s = loadScenario(c.name, { set: c.set });
      const one = await runSimulation(s, { workers: 1 });
      assert.equal(one.perf.soloShare, 0, 'one worker has no one to leave out');
      assert.equal(one.perf.helperShare, 0);
      for (const helpers of ['always', 'never', 'alternate', 'auto'] as const) {
        const r = await runSimulation(s, { workers: 2, helpers });
        assert.equal(r.digest, one.digest, `helpers ${helpers}`);
        const { soloShare, helperShare } = r.perf;
        if (helpers === 'always') assert.equal(soloShare, 0);
        if (helpers === 'never') {
          assert.equal(soloShare, 1);
          assert.equal(helperShare, 0, 'never: the helper ran nothing');
        }
        // The helper ran chunks (when invited it runs about half; with 'alternate' it skips whole windows and rejoins).
        if (helpers === 'always' || helpers === 'alternate') assert.ok((helperShare ?? 0) > 0, `${helpers}: helperShare ${helperShare}`);
        if (helpers === 'alternate') assert.ok(Math.abs((soloShare ?? 0) - 0.5) < 0.05, `alternate: soloShare ${soloShare}`);
      }
    });
  }

  it('run --helpers takes auto, always or never; anything else is bad input (exit 2)', async () => {
    const bad = await runCli(['run', '--helpers', 'sometimes', '--quiet']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--helpers: one of auto, always, never \(got 'sometimes'\)/);
    const ok = await runCli([
      'run',
      '--helpers',
      'never',
      '--workers',
      '2',
      '--set',
      'clients.count=2000',
      '--set',
      'durationS=120',
      '--json',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const j = JSON.parse(ok.stdout) as { perf: { soloShare: number; helperShare: number } };
    assert.equal(j.perf.soloShare, 1);
    assert.equal(j.perf.helperShare, 0);
  });
});
