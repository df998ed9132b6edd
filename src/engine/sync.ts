/**
 * Synchronisation between worker threads through the shared buffer: a sense-reversing barrier and the turn
 * counter of the control phase. No messages: a waiter spins briefly (the other thread is usually microseconds
 * away on these 2-core machines) and then parks in Atomics.wait with a timeout, so an aborted run never hangs.
 */
import { SharedStore } from '../memory/store.ts';
import { actorOwner } from './task.ts';

const SPINS = 2000;
const PARK_MS = 50;

export class PeerAbortError extends Error {
  constructor(worker: number) {
    super(`stopped because worker ${worker} failed`);
    this.name = 'PeerAbortError';
  }
}

export class WorkerSync {
  waitS = 0;
  private readonly startMs = performance.now();
  private readonly i32: Int32Array;

  constructor(
    private readonly store: SharedStore,
    private readonly workers: number,
  ) {
    this.i32 = store.controlI32;
  }

  busyS(): number {
    return (performance.now() - this.startMs) / 1000 - this.waitS;
  }

  private checkAbort(): void {
    if (this.store.aborted()) throw new PeerAbortError(this.store.abortWorker());
  }

  /** Wait until i32[idx] differs from `seen`. */
  private waitChange(idx: number, seen: number): void {
    const t = performance.now();
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(this.i32, idx) !== seen) {
        this.waitS += (performance.now() - t) / 1000;
        this.checkAbort();
        return;
      }
    }
    while (Atomics.load(this.i32, idx) === seen) {
      Atomics.wait(this.i32, idx, seen, PARK_MS);
      this.checkAbort();
    }
    this.waitS += (performance.now() - t) / 1000;
    this.checkAbort();
  }

  barrier(): void {
    this.checkAbort();
    if (this.workers === 1) return;
    const gen = Atomics.load(this.i32, SharedStore.BARRIER_GEN);
    if (Atomics.add(this.i32, SharedStore.BARRIER_COUNT, 1) === this.workers - 1) {
      Atomics.store(this.i32, SharedStore.BARRIER_COUNT, 0);
      Atomics.add(this.i32, SharedStore.BARRIER_GEN, 1);
      Atomics.notify(this.i32, SharedStore.BARRIER_GEN);
      return;
    }
    this.waitChange(SharedStore.BARRIER_GEN, gen);
  }

  /**
   * Run the control events with time < t1 in global (time, actor) order. `run(actor, nowS, seq)` runs an event
   * of an actor this worker owns and returns the actor's next event time.
   *
   * The turn counter works like a seqlock: even = settled, odd = an owner is running an event. A worker trusts
   * what it read of the actors' next times only if the counter was even and unchanged across the reads; then
   * everyone who reads computes the same earliest actor, and only its owner moves the counter on.
   */
  controlPhase(t1: number, worker: number, run: (actor: number, nowS: number, seq: number) => number): void {
    const store = this.store;
    const actors = store.dims.actors;
    const i32 = this.i32;
    for (;;) {
      this.checkAbort();
      const turn = Atomics.load(i32, SharedStore.TURN);
      if (turn & 1) {
        this.waitChange(SharedStore.TURN, turn);
        continue;
      }
      let best = -1;
      let bestS = Infinity;
      for (let a = 0; a < actors; a++) {
        const t = store.actorNextS(a);
        if (t < bestS) {
          bestS = t;
          best = a;
        }
      }
      if (Atomics.load(i32, SharedStore.TURN) !== turn) continue;
      if (bestS >= t1) return;
      if (actorOwner(best, this.workers) !== worker) {
        this.waitChange(SharedStore.TURN, turn);
        continue;
      }
      if (Atomics.compareExchange(i32, SharedStore.TURN, turn, turn + 1) !== turn) {
        throw new Error(`turn ${turn} taken by another worker while ${worker} owned the earliest actor ${best}`);
      }
      const next = run(best, bestS, turn >> 1);
      if (!(next >= bestS)) throw new Error(`actor ${best} scheduled its next event at ${next}, before ${bestS}`);
      store.setActorNextS(best, next);
      Atomics.store(i32, SharedStore.TURN, turn + 2);
      if (this.workers > 1) Atomics.notify(i32, SharedStore.TURN);
    }
  }
}
