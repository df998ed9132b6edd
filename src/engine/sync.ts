/**
 * Synchronisation between worker threads through the shared buffer, and the control phase's event order.
 *
 * Per epoch there is one hand-off each way, never one per event: every worker adds itself to a counter when its
 * client work is done (worker 0 waits for the others there), and worker 0 publishes the epoch number when its
 * control phase is done (the others wait for that). A waiter spins briefly (the other thread is usually
 * microseconds away) and then parks in Atomics.wait with a timeout, so that a waiter does not hold a core that a
 * preempted peer needs, and an aborted run never hangs.
 */
import { SharedStore } from '../memory/store.ts';

const SPINS = 1000;
const PARK_MS = 50;

export class PeerAbortError extends Error {
  constructor(worker: number) {
    super(`stopped because worker ${worker} failed`);
    this.name = 'PeerAbortError';
  }
}

export class WorkerSync {
  waitS = 0;
  /** Control events run so far: the event log's turn numbers. */
  private seq = 0;
  private readonly startMs = performance.now();
  private readonly i32: Int32Array;

  constructor(
    private readonly store: SharedStore,
    /** Workers taking part in the epochs (those that have nothing to do leave at once). */
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

  /** Wait until i32[idx] >= target (the words only grow). */
  private waitAtLeast(idx: number, target: number): void {
    const i32 = this.i32;
    if (Atomics.load(i32, idx) >= target) return this.checkAbort();
    const t = performance.now();
    let v = 0;
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(i32, idx) >= target) {
        this.waitS += (performance.now() - t) / 1000;
        return this.checkAbort();
      }
    }
    while ((v = Atomics.load(i32, idx)) < target) {
      Atomics.wait(i32, idx, v, PARK_MS);
      this.checkAbort();
    }
    this.waitS += (performance.now() - t) / 1000;
    this.checkAbort();
  }

  /** Everyone waits for everyone (once, before the first epoch: the population is initialised in parts). */
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
    this.waitAtLeast(SharedStore.BARRIER_GEN, gen + 1);
  }

  /** A worker other than 0 has finished epoch k's client work. */
  arrive(): void {
    Atomics.add(this.i32, SharedStore.CLIENTS_ARRIVED, 1);
    Atomics.notify(this.i32, SharedStore.CLIENTS_ARRIVED);
  }

  /** Worker 0: wait until every other worker has finished epoch k's client work. */
  waitArrivals(k: number): void {
    if (this.workers > 1) this.waitAtLeast(SharedStore.CLIENTS_ARRIVED, (k + 1) * (this.workers - 1));
  }

  /** Worker 0: epoch k's control phase is done; the store holds its writes. */
  controlDone(k: number): void {
    Atomics.store(this.i32, SharedStore.CONTROL_DONE, k + 1);
    if (this.workers > 1) Atomics.notify(this.i32, SharedStore.CONTROL_DONE);
  }

  /** The others: wait for worker 0's control phase of epoch k. */
  waitControlDone(k: number): void {
    this.waitAtLeast(SharedStore.CONTROL_DONE, k + 1);
  }

  /** Next chunk of clients to run in this epoch (any worker may take any chunk; results do not depend on who). */
  takeChunk(): number {
    return Atomics.add(this.i32, SharedStore.CHUNK_NEXT, 1);
  }

  /** Worker 0, between the arrivals and controlDone: nobody is taking chunks. */
  resetChunks(): void {
    Atomics.store(this.i32, SharedStore.CHUNK_NEXT, 0);
  }

  /**
   * Run the control events with time < t1 in global (time, actor) order, all on this thread (which owns every
   * actor): the earliest next-event time goes first, the lower actor id at equal times. `run(actor, nowS, seq)`
   * runs an event and returns the actor's next event time; seq numbers the events of the whole run.
   */
  controlPhase(t1: number, run: (actor: number, nowS: number, seq: number) => number): void {
    const store = this.store;
    const actors = store.dims.actors;
    for (;;) {
      let best = -1;
      let bestS = Infinity;
      for (let a = 0; a < actors; a++) {
        const t = store.actorNextS(a);
        if (t < bestS) {
          bestS = t;
          best = a;
        }
      }
      if (bestS >= t1) return;
      const next = run(best, bestS, this.seq++);
      if (!(next >= bestS)) throw new Error(`actor ${best} scheduled its next event at ${next}, before ${bestS}`);
      store.setActorNextS(best, next);
    }
  }
}
