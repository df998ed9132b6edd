// A worker's outcome moves its buffers to the coordinator instead of copying them (src/engine/transfer.ts): only
// buffers a view owns whole may go, since a transferred buffer is detached in the worker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ownedBuffers } from '../src/engine/transfer.ts';

describe('ownedBuffers', () => {
  it('lists the buffers that views own whole, at any depth, once each', () => {
    const counts = new Float64Array([1, 2, 3]);
    const idx = new Uint32Array([4, 5]);
    const again = new Uint8Array(counts.buffer);
    const dv = new DataView(new ArrayBuffer(8));
    const value = { a: [{ h: { idx, count: counts } }, again], dv, n: 1, s: 'x', nothing: null };
    const got = ownedBuffers(value);
    assert.equal(got.length, 3);
    for (const b of [counts.buffer, idx.buffer, dv.buffer]) assert.ok(got.includes(b as ArrayBuffer));
  });

  it('leaves out shared buffers, parts of buffers and pooled Node buffers', () => {
    const shared = new Int32Array(new SharedArrayBuffer(16));
    const whole = new Float64Array(8);
    const part = whole.subarray(2, 4);
    const pooled = Buffer.from('a small string comes from the shared pool');
    assert.ok(pooled.buffer.byteLength > pooled.byteLength, 'the Buffer is a slice of the pool');
    assert.deepEqual(ownedBuffers({ shared, part, pooled }), []);
  });

  it('survives cycles', () => {
    const a: { self?: unknown; x: Uint16Array } = { x: new Uint16Array(2) };
    a.self = a;
    assert.equal(ownedBuffers(a).length, 1);
  });

  it('is a transfer list that a real message port accepts: the receiver gets the data, the sender keeps none of it', () => {
    const outcome = {
      windows: [0, 1, 2].map((i) => ({ index: i, idx: new Uint32Array([i, i + 1]), count: new Float64Array([i * 2, 7]) })),
      shared: new Float64Array(new SharedArrayBuffer(8)),
      label: Buffer.from('pooled'),
    };
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(outcome, ownedBuffers(outcome));
    const got = receiveMessageOnPort(port2)?.message as typeof outcome;
    port1.close();
    assert.deepEqual(
      got.windows.map((w) => [w.index, [...w.idx], [...w.count]]),
      [
        [0, [0, 1], [0, 7]],
        [1, [1, 2], [2, 7]],
        [2, [2, 3], [4, 7]],
      ],
    );
    // Moved, not copied: the sender's arrays are detached.
    for (const w of outcome.windows) assert.equal(w.count.byteLength, 0);
    // The shared and pooled buffers were cloned or shared, and the sender still has them.
    assert.equal(outcome.shared.length, 1);
    assert.equal(outcome.label.toString(), 'pooled');
  });
});

describe("the simulation worker's hand-over, through a real piscina pool", () => {
  it('delivers the outcome itself, and its arrays leave the worker (moved, not copied)', async () => {
    const pool = new Piscina({ filename: new URL('./fixtures/hand-over-worker.ts', import.meta.url).href, minThreads: 1, maxThreads: 1 });
    try {
      const got = (await pool.run('outcome')) as { clientWindows: { index: number; counters: Float64Array }[] };
      assert.deepEqual(
        got.clientWindows.map((w) => [w.index, [...w.counters]]),
        [
          [0, [0, 7]],
          [1, [1, 7]],
          [2, [2, 7]],
        ],
      );
      // Cloned, the worker would still hold 16 bytes in each; moved, it holds none.
      assert.deepEqual(await pool.run('kept'), [0, 0, 0]);
    } finally {
      await pool.destroy();
    }
  });
});
