/**
 * What the checker's soundness rests on, and the two races `cascadesim race` found, in-process:
 * - restoring a saved world puts back everything a step depends on: from a restored state, any schedule does
 *   exactly what it did the first time (same events, same state keys), over many random schedules;
 * - steps an actor takes at different times but in the same order reach states with the same key (timing is
 *   left out of keys, and only timing: the events differ only in their times);
 * - the Planner does not reuse the slot of a plan newer than every endpoint's under fenced and locked-check
 *   (it does under legacy), and deletePlan(slot, gen) leaves a slot reused for another generation alone;
 * - after a restore the context answers from the restored store: the store's version word is not part of a saved
 *   state, so the answers newestPlan() and maxAppliedGen() keep for a version must be forgotten (forgetMemo).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Protocol } from '../src/config/schema.ts';
import { boundedScenario, World } from '../src/check/world.ts';
import { scenario } from './helpers.ts';

function world(protocol: Protocol, enactors = 3, generations = 6): World {
  const b = { protocol, enactors, endpoints: 2, generations, keepGenerations: 1, maxSteps: 100 };
  return new World(boundedScenario(scenario('dns-race'), b), generations);
}

/** Run a schedule (actor choices modulo the enabled ones); returns each step's events (kind + detail) and key. */
function play(w: World, choices: number[], timeOf: (j: number) => number): { events: string[]; keys: string[] } {
  const events: string[] = [];
  const keys: string[] = [];
  choices.forEach((c, j) => {
    const enabled = Array.from({ length: w.actors }, (_, a) => a).filter((a) => w.enabled(a));
    const a = enabled[c % enabled.length];
    for (const ev of w.step(a, timeOf(j))) events.push(`${j}:${ev.actor}:${ev.kind}:${ev.gen}:${ev.endpoint}`);
    keys.push(w.key());
  });
  return { events, keys };
}

describe('checker world', () => {
  it('restore replays any schedule exactly, for every protocol', () => {
    for (const protocol of ['legacy', 'fenced', 'locked-check'] as const) {
      fc.assert(
        fc.property(
          fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
          (prefix, rest) => {
            const w0 = world(protocol);
            play(w0, prefix, (j) => j + 1);
            const mid = w0.save();
            const midKey = w0.key();
            const first = play(w0, rest, (j) => 100 + j);
            w0.restore(mid);
            assert.equal(w0.key(), midKey);
            const again = play(w0, rest, (j) => 100 + j);
            assert.deepEqual(again, first);
          },
        ),
        { numRuns: 60, seed: 13 },
      );
    }
  });

  it('the same steps at other times reach the same keys (timing is not state)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), fc.double({ min: 0.001, max: 50, noNaN: true }), (choices, gapS) => {
        const a = world('legacy');
        const b = world('legacy');
        const ra = play(a, choices, (j) => j + 1);
        const rb = play(b, choices, (j) => 7 + gapS * j * j);
        assert.deepEqual(ra.keys, rb.keys);
        assert.deepEqual(ra.events, rb.events);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('the Planner reuses a newer unused plan under legacy only', () => {
    for (const protocol of ['legacy', 'fenced', 'locked-check'] as const) {
      const w = world(protocol, 1, 5);
      // Generations 2, 3, 4 fill the ring (4 slots with the bootstrap plan); no Enactor has applied any of them.
      for (let i = 0; i < 3; i++) w.step(0, i + 1);
      const events = w.step(0, 4);
      if (protocol === 'legacy') {
        assert.deepEqual(
          events.map((e) => e.kind),
          ['plan-created'],
        );
        assert.match(events[0].detail, /replacing gen 2/);
      } else {
        // Gens 2-4 are newer than the endpoints' gen 1: an Enactor may be about to write any of them.
        assert.deepEqual(
          events.map((e) => e.kind),
          ['planner-skip'],
        );
      }
    }
  });

  it('deletePlan(slot, gen) deletes only the generation it names', () => {
    const w = world('fenced');
    w.step(0, 1); // gen 2 in slot 2
    assert.equal(w.store.planGen(2), 2);
    assert.equal(w.store.deletePlan(2, 7), false);
    assert.equal(w.store.planGen(2), 2);
    assert.equal(w.store.deletePlan(2, 2), true);
    assert.equal(w.store.planGen(2), 0);
  });

  it('after a restore, newestPlan and maxAppliedGen answer from the restored store, not from their memo', () => {
    const w = world('legacy', 1);
    const before = w.save();
    assert.equal(w.ctx.newestPlan()[0], 1);
    assert.equal(w.ctx.maxAppliedGen(), 1);
    w.step(0, 1); // the Planner writes gen 2
    // Enactor 0: the check, the lock, the write of gen 2 to endpoint 0.
    for (let j = 0; j < 3; j++) w.step(1, 2 + j);
    assert.equal(w.ctx.newestPlan()[0], 2);
    assert.equal(w.ctx.maxAppliedGen(), 2);
    // The store version has moved on and stays where it is: only forgetMemo() can tell the context.
    w.restore(before);
    assert.equal(w.ctx.newestPlan()[0], 1);
    assert.equal(w.ctx.maxAppliedGen(), 1);
  });
});
