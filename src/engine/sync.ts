/**
 * Synchronisation between worker threads through the shared buffer, and the control phase's event order.
 *
 * Worker 0 drives the epochs: it opens an epoch's client chunks, runs the previous epoch's EC2, the epoch's
 * control phase and then chunks itself, waits until every chunk is done, sums the load, and opens the next epoch
 * (worker-loop.ts). The other workers only help: they
 * take chunks of whichever epoch is open and never hold anyone up but for the one chunk they are running. A
 * helper that the machine preempts between chunks simply misses some; nobody waits for it to arrive anywhere.
 * A claim names its epoch (one 64-bit word, epoch << 32 | chunk), so a helper that wakes late cannot run a chunk
 * of one epoch as if it were another's. A waiter spins briefly and then parks in Atomics.wait with a timeout,
 * so that it does not hold a core a peer needs, and an aborted run never hangs; it counts itself as parked in
 * the word beside the one it waits on, and a writer makes the wake-up call only when that count is not zero.
 */
import { PARKED_AFTER } from '../memory/layout.ts';
import { SharedStore } from '../memory/store.ts';
import { ActorQueue } from './actor-queue.ts';

/**
 * Turns a waiter spins before it sleeps. Tried and dropped on this VM: spinning 0.5 ms by the clock made 2 workers
 * slower (aws-2025-10-20 at 100k clients: 52 s against 32 s), and napping (20 us timed waits for up to 2 ms, so
 * that opening an epoch needs no wake-up call) made worker 0's control phase 3-5x slower at load 3-4 (the napper's
 * wake-ups took the core worker 0 needed): whenever the machine is oversubscribed, a waiter that keeps waking
 * costs the threads doing the work. Also tried beside a CPU burner, where worker 0's wake-up call at each epoch's
 * opening cost 0.45-1.1 ms on average (65-90 us quiet): helpers reniced to nice 10 (no gain in 3 pairs), and
 * skipping the call for 256 epochs while its running mean was above 0.25 ms, helpers waking every 1 or 0.25 ms
 * themselves (quiet: 3.06-3.60 s against 3.05-3.12 s, default at 1,200 s on 2 workers; beside the burner 7-14%
 * faster in one set of 3 pairs, no different in another). Neither held up, so neither is here. Nor is
 * worker 0 choosing, by the wall time per chunk of 40 ms blocks, to work alone (2026-12-07; README, "Measured").
 * Why a burner hurts (measured later that day with each thread's schedstat): a futex wake-up brings the woken
 * worker to the waker's core, so the two workers share one core and the burner keeps the other. Pinning each
 * worker to its own core, spinning about 10 ms before parking, and leaving the helpers out of epochs with under
 * 4,096 due records did not change the ratio beyond this machine's noise (README, "Measured").
 */
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
  private queue: ActorQueue | null = null;
  private readonly startMs = performance.now();
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;

  constructor(
    private readonly store: SharedStore,
    /** Workers taking part (those with nothing to do leave at once). */
    private readonly workers: number,
  ) {
    this.i32 = store.controlI32;
    this.i64 = store.i64;
  }

  busyS(): number {
    return (performance.now() - this.startMs) / 1000 - this.waitS;
  }

  private checkAbort(): void {
    if (this.store.aborted()) throw new PeerAbortError(this.store.abortWorker());
  }

  /** Wake the workers asleep on word `idx` after a change to it, if any are (see waitFor). */
  private wake(idx: number): void {
    if (Atomics.load(this.i32, idx + PARKED_AFTER) > 0) Atomics.notify(this.i32, idx);
  }

  /** Wait until `done()` holds; `idx` is the word whose change may make it hold (its writers wake it: wake()). */
  private waitFor(idx: number, done: () => boolean): void {
    if (done()) {
      this.checkAbort();
      return;
    }
    const t = performance.now();
    const i32 = this.i32;
    let spun = 0;
    while (!done()) {
      if (spun < SPINS) {
        spun++;
        continue;
      }
      // Counted as parked before the word is read and the condition looked at again: a writer that then misses
      // the count has stored its change before that look (all of these are sequentially consistent), so the wait
      // returns at once instead of being slept through for PARK_MS.
      Atomics.add(i32, idx + PARKED_AFTER, 1);
      const seen = Atomics.load(i32, idx);
      if (!done()) Atomics.wait(i32, idx, seen, PARK_MS);
      Atomics.sub(i32, idx + PARKED_AFTER, 1);
      if (this.store.aborted()) break;
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
    this.waitFor(SharedStore.BARRIER_GEN, () => Atomics.load(this.i32, SharedStore.BARRIER_GEN) !== gen);
  }

  // ---- worker 0 ---------------------------------------------------------------------------------------------

  /**
   * Open epoch k's chunks (after publishing everything a helper needs to run them). Not `tell` (a test hook: task.ts
   * WorkerTask.helpers), the helpers are not told: worker 0 runs the chunks alone, but for any a helper still in
   * its loop claims.
   */
  openEpoch(k: number, tell = true): void {
    Atomics.store(this.i32, SharedStore.CHUNKS_DONE, 0);
    Atomics.store(this.i64, SharedStore.CHUNK_CLAIM_I64, BigInt(k) << 32n);
    if (!tell) return;
    Atomics.store(this.i32, SharedStore.EPOCH_OPEN, k + 1);
    this.wake(SharedStore.EPOCH_OPEN);
  }

  /** Wait until all `chunks` chunks of the open epoch are done. */
  waitChunksDone(chunks: number): void {
    this.waitFor(SharedStore.CHUNKS_DONE, () => Atomics.load(this.i32, SharedStore.CHUNKS_DONE) >= chunks);
  }

  /** The run is over after `epochsDone` epochs: helpers leave. */
  finish(epochsDone: number): void {
    Atomics.store(this.i32, SharedStore.FINISHED, epochsDone + 1);
    Atomics.add(this.i32, SharedStore.EPOCH_OPEN, 1);
    Atomics.notify(this.i32, SharedStore.EPOCH_OPEN);
  }

  // ---- everyone ---------------------------------------------------------------------------------------------

  /** Claim the next chunk: [epoch, chunk]; a chunk index past the epoch's last means none is left. */
  takeChunk(): [number, number] {
    const w = Atomics.add(this.i64, SharedStore.CHUNK_CLAIM_I64, 1n);
    return [Number(w >> 32n), Number(w & 0xffffffffn)];
  }

  /** One more of the epoch's `chunks` chunks is done; only the last one can end worker 0's wait, so only it wakes it. */
  chunkDone(chunks: number): void {
    if (Atomics.add(this.i32, SharedStore.CHUNKS_DONE, 1) + 1 >= chunks) this.wake(SharedStore.CHUNKS_DONE);
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  /** Epochs done + 1 once worker 0 finished, else 0. */
  finished(): number {
    return Atomics.load(this.i32, SharedStore.FINISHED);
  }

  /** Wait until an epoch after `epoch` is open, or the run is finished. */
  waitEpochAfter(epoch: number): void {
    this.waitFor(SharedStore.EPOCH_OPEN, () => Atomics.load(this.i32, SharedStore.EPOCH_OPEN) > epoch + 1 || this.finished() !== 0);
  }

  /**
   * Run the control events with time < t1 in global (time, actor) order, all on this thread (which owns every
   * actor): the earliest next-event time goes first, the lower actor id at equal times. `run(actor, nowS, seq)`
   * runs an event and returns the actor's next event time; seq numbers the events of the whole run.
   */
  controlPhase(t1: number, run: (actor: number, nowS: number, seq: number) => number): void {
    const store = this.store;
    // Built on first use, from the times the coordinator wrote; from then on only this loop moves them.
    let q = this.queue;
    if (!q) {
      const times = new Float64Array(store.dims.actors);
      for (let a = 0; a < times.length; a++) times[a] = store.actorNextS(a);
      q = this.queue = new ActorQueue(times);
    }
    for (;;) {
      const bestS = q.topS();
      if (bestS >= t1) return;
      const best = q.topActor();
      const next = run(best, bestS, this.seq++);
      if (!(next >= bestS)) throw new Error(`actor ${best} scheduled its next event at ${next}, before ${bestS}`);
      // The shared line too: other actors' steps read it (the adversarial trigger watches the Enactors' times).
      store.setActorNextS(best, next);
      q.rekeyTop(next);
    }
  }
}
