// The client loops must not allocate per client visit. V8 boxed every fast-path Exp(1) draw in a new heap number
// while the ziggurat's rare slow-path call was merged untyped into the same variable (exp-ziggurat.ts, slow), two
// per visit, and the young-generation collections that followed cost the default run 7-9% of its time. The
// multi-region scan (multi.ts) drew through Rng and ZigguratExp methods and took latency indices through a call,
// which V8 left out of line there (the large function's inlining budget was spent), so each draw returned, and each
// index was passed, a new heap number: 6.1 GB of garbage in 1,500 s at 300k clients, and the scan ran 1.7-1.9x as
// long as it does with the draws written out. The real CLI runs each on one worker with a 1 MB young generation,
// and V8's own GC trace counts the collections of each thread. Measured on Node 20:
//  - default, 200k clients, 600 s (6M attempts): 231 collections with the boxing, 47 without (the main thread
//    about 45; seeds 7 and 99 alike);
//  - multi-region, 200k clients, 1,200 s (the race at 600 s, failovers, the away region): 2,406 with the boxed
//    draws, 175 without (the main thread about 70).
// Each bound sits between. Shaped arrivals and decorrelated jitter add out-of-line calls that still return boxed
// numbers (174 and 137 collections in the default setting), left as they are (README, "How it works").
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers.ts';

/** Young-generation collections of each thread (isolate) in a run of the real CLI with `args` after `run`. */
async function collectionsPerThread(args: string[]): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cascadesim-gc-'));
  try {
    const out = path.join(dir, 'r.msgpack');
    const r = await runCli(['run', ...args, '--workers', '1', '--out', out, '--quiet'], {
      nodeArgs: ['--trace-gc', '--max-semi-space-size=1'],
    });
    assert.equal(r.code, 0, r.stderr);
    // One line per collection, prefixed [pid:isolate]; the worker thread is an isolate of its own.
    const perIsolate = new Map<string, number>();
    for (const m of r.stdout.matchAll(/^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: Scavenge/gm)) perIsolate.set(m[1], (perIsolate.get(m[1]) ?? 0) + 1);
    assert.ok(perIsolate.size >= 2, `the trace shows the main thread and the worker: ${[...perIsolate.values()]}`);
    return [...perIsolate.values()];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the default client loop leaves no garbage per visit: young-generation collections stay few for 6M attempts', async () => {
  const counts = await collectionsPerThread(['--set', 'clients.count=200000', '--set', 'durationS=600']);
  assert.ok(Math.max(...counts) < 120, `young-generation collections per thread: ${counts.join(', ')} (a boxed draw per visit gives 230)`);
});

test('the multi-region scan leaves no garbage per visit either, through the race and the failovers', async () => {
  const counts = await collectionsPerThread(['multi-region', '--set', 'clients.count=200000', '--set', 'durationS=1200']);
  assert.ok(Math.max(...counts) < 700, `young-generation collections per thread: ${counts.join(', ')} (boxed draws give 2,400)`);
});
