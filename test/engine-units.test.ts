/** Pieces of the engine that must not change a result: the control actors' event order and the events' trip home. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActorQueue } from '../src/engine/actor-queue.ts';
import { EVENT_KINDS, EventLog, INVARIANTS, PackedEventLog, type SimEvent, unpackEvents } from '../src/model/dns/events.ts';
import { Rng } from '../src/model/prng.ts';

/** The order the control phase used before the queue: a scan for the earliest time, the lower id at ties. */
function scanOrder(times: Float64Array, t1: number, next: (a: number, t: number) => number): [number, number][] {
  const out: [number, number][] = [];
  for (;;) {
    let best = -1;
    let bestS = Infinity;
    for (let a = 0; a < times.length; a++) {
      if (times[a] < bestS) {
        bestS = times[a];
        best = a;
      }
    }
    if (bestS >= t1) return out;
    out.push([best, bestS]);
    times[best] = next(best, bestS);
  }
}

function queueOrder(times: Float64Array, t1: number, next: (a: number, t: number) => number): [number, number][] {
  const q = new ActorQueue(times);
  const out: [number, number][] = [];
  while (q.topS() < t1) {
    const a = q.topActor();
    const t = q.topS();
    out.push([a, t]);
    q.rekeyTop(next(a, t));
  }
  return out;
}

describe('ActorQueue', () => {
  it('gives the same (time, actor) order as a scan, ties included, over many seeds and sizes', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const n = 1 + (seed % 70);
      const init = new Float64Array(n);
      const r0 = new Rng(seed);
      // Coarse times (multiples of 0.25 s) so that many events tie; some actors never step (Infinity).
      for (let a = 0; a < n; a++) init[a] = r0.next() < 0.1 ? Infinity : Math.floor(r0.next() * 8) / 4;
      const step = (rng: Rng) => (a: number, t: number) =>
        rng.next() < 0.02 ? Infinity : t + Math.floor(rng.next() * 4) / 4 + (a % 3 === 0 ? 0 : 0.25);
      const expected = scanOrder(init.slice(), 50, step(new Rng(seed + 1000)));
      const got = queueOrder(init.slice(), 50, step(new Rng(seed + 1000)));
      assert.ok(expected.length > 0 || n < 3, `seed ${seed}: some events`);
      assert.deepEqual(got, expected, `seed ${seed}, ${n} actors`);
    }
  });

  it('is empty-safe: no actors, nothing due', () => {
    const q = new ActorQueue([]);
    assert.equal(q.topActor(), -1);
    assert.equal(q.topS(), Infinity);
  });
});

describe('packed events', () => {
  it('come back as the same objects, field order and optional fields included', () => {
    const rng = new Rng(7);
    const objects = new EventLog();
    const packed = new PackedEventLog();
    for (let i = 0; i < 500; i++) {
      if (i % 2 === 0) {
        objects.beginTurn(i >> 1);
        packed.beginTurn(i >> 1);
      }
      const kind = EVENT_KINDS[Math.floor(rng.next() * EVENT_KINDS.length)];
      const extra = kind === 'violation' ? { invariant: 'monotonic' as const, chain: [`a${i}`, `b${i}`] } : undefined;
      const args = [rng.next() * 4800, `enactor-${i % 5}`, kind, (i % 4) - 1, i * 3, `detail ${i} é`, extra] as const;
      objects.add(...args);
      packed.add(...args);
    }
    const events: SimEvent[] = objects.events;
    const back = unpackEvents(structuredClone(packed.pack()));
    assert.deepEqual(back, events);
    // Same keys in the same order: the digest hashes the msgpack encoding, which follows key order.
    for (let i = 0; i < events.length; i++) assert.deepEqual(Object.keys(back[i]), Object.keys(events[i]));
  });

  it("the engine's packed log lays out the events as PackedEvents documents, and counts the live figures", () => {
    const rng = new Rng(11);
    const objects = new EventLog();
    const packed = new PackedEventLog();
    const live = [0, 0, 0, 0];
    // More events than the packed log's first allocation, in turns of one to three events.
    for (let turn = 0, i = 0; i < 9000; turn++) {
      objects.beginTurn(turn);
      packed.beginTurn(turn);
      for (let k = 0; k < 1 + (turn % 3); k++, i++) {
        const kind = EVENT_KINDS[Math.floor(rng.next() * EVENT_KINDS.length)];
        const invariant = INVARIANTS[i % INVARIANTS.length];
        const extra = kind === 'violation' ? { invariant, chain: [`a${i}`, `b ${i} é`, `c${i}`.repeat(i % 4)] } : undefined;
        const args = [rng.next() * 4800, `enactor-${i % 7}`, kind, (i % 5) - 1, i, `detail ${i}`, extra] as const;
        objects.add(...args);
        packed.add(...args);
        if (kind === 'violation') live[INVARIANTS.indexOf(invariant)]++;
        if (kind === 'endpoint-empty') live[3]++;
      }
    }
    const p = packed.pack();
    assert.equal(p.numbers.length, objects.events.length * 7);
    // The packed layout (events.ts PackedEvents), event by event: seq, sub, atS, actor and kind indices, endpoint,
    // gen; every detail, then every violation's chain, in one text cut by lengths.
    objects.events.forEach((e, i) => {
      assert.deepEqual(Array.from(p.numbers.subarray(i * 7, i * 7 + 7)), [
        e.seq,
        e.sub,
        e.atS,
        p.actors.indexOf(e.actor),
        EVENT_KINDS.indexOf(e.kind),
        e.endpoint,
        e.gen,
      ]);
    });
    const chains = objects.events.flatMap((e) => e.chain ?? []);
    assert.equal(p.text, objects.events.map((e) => e.detail).join('') + chains.join(''));
    assert.deepEqual(Array.from(p.lengths), [...objects.events.map((e) => e.detail.length), ...chains.map((c) => c.length)]);
    assert.deepEqual(
      p.extras,
      objects.events.flatMap((e, i) => (e.invariant ? [{ i, invariant: e.invariant, chainLength: (e.chain ?? []).length }] : [])),
    );
    assert.deepEqual(unpackEvents(packed.pack()), objects.events);
    const counted = new Float64Array(4);
    packed.liveCounts(counted);
    assert.deepEqual(Array.from(counted), live);
    assert.ok(live[0] > 0 && live[3] > 0);
  });
});
