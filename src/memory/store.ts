/**
 * SharedStore: typed views over the one SharedArrayBuffer the threads share, with the control words (abort,
 * stop, signature, store version), the actors' next-event times, progress slots and load counters. The endpoint
 * records, plan slots, resolve and the Route 53 lock live in their own modules; the methods here that name them
 * are one-line forwards so that model code reads `store.resolve(e, out)`. Construct one per thread over the same
 * SAB; both sides assert the layout's signature at startup (a worker built against another layout refuses to run).
 */
import { type EndpointRecord, type EndpointWrite, endpointLockIndex, endpointVersion, readEndpoint, writeEndpoint } from './endpoints.ts';
import {
  actorNextIndex,
  actorWordIndex,
  C_ABORT,
  C_ABORT_WORKER,
  C_BARRIER_COUNT,
  C_BARRIER_GEN,
  C_ANSWER_LOG_LENGTH,
  C_CHUNK_CLAIM_I64,
  C_CHUNKS_DONE,
  C_EPOCH_OPEN,
  C_FINISHED,
  C_SIGNATURE,
  C_STOP_AT_EPOCH,
  C_STOP_REQUESTED,
  computeLayout,
  type Layout,
  lbCapacityOffset,
  lbInServiceOffset,
  loadCountersOffset,
  LIVE_SLOTS,
  progressIndex,
  type StoreDims,
} from './layout.ts';
import { deletePlan, planCreatedAtS, planGen, planTargetCount, writePlan } from './plans.ts';
import { type Answer, resolve } from './resolve.ts';
import { forceUnlock, tryLock, unlock } from './route53-lock.ts';
import { plansVersion, storeVersion, type StoreViews } from './views.ts';

export class SharedStore implements StoreViews {
  readonly sab: SharedArrayBuffer;
  readonly dims: StoreDims;
  readonly layout: Layout;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;
  /** Per load balancer: 1 in service, 0 not. Written by the planner's health model in the control phase. */
  readonly lbInService: Int32Array;
  readonly lbCapacityPerS: Float64Array;
  /**
   * Attempts per second each load balancer received in the previous epoch, summed over all workers. Not in
   * shared memory: each thread has its own copy, and only worker 0's is written (its load sum after an epoch's
   * chunks) and read (by EC2's callers, and copied by LbEpochState.publish). The clients read that copy
   * (src/engine/lb-epoch.ts).
   */
  readonly lbOfferedPerS: Float64Array;
  /** First global load-balancer id of each endpoint. */
  readonly lbBase: Int32Array;

  constructor(sab: SharedArrayBuffer, dims: StoreDims) {
    this.sab = sab;
    this.dims = dims;
    this.layout = computeLayout(dims);
    if (sab.byteLength !== this.layout.byteLength) {
      throw new Error(`shared store: buffer is ${sab.byteLength} bytes, layout needs ${this.layout.byteLength}`);
    }
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.i64 = new BigInt64Array(sab);
    const L = this.layout;
    this.lbInService = new Int32Array(sab, lbInServiceOffset(L), L.lbCount);
    this.lbCapacityPerS = new Float64Array(sab, lbCapacityOffset(L), L.lbCount);
    this.lbOfferedPerS = new Float64Array(L.lbCount);
    this.lbBase = new Int32Array(dims.endpoints);
    let base = 0;
    dims.lbsPerEndpoint.forEach((n, e) => {
      this.lbBase[e] = base;
      base += n;
    });
  }

  static create(dims: StoreDims): SharedStore {
    const layout = computeLayout(dims);
    return new SharedStore(new SharedArrayBuffer(layout.byteLength), dims);
  }

  /**
   * Called by the coordinator after it has written the initial state (bootstrap plan, actors' first times): the
   * Atomics.store publishes those plain writes to any thread whose assertSignature() sees the signature.
   */
  publish(): void {
    Atomics.store(this.i32, C_SIGNATURE, this.layout.signature);
  }

  /** Paired with publish(): a worker checks that it reads the buffer with the layout the coordinator wrote. */
  assertSignature(): void {
    const found = Atomics.load(this.i32, C_SIGNATURE);
    if (found !== this.layout.signature) {
      throw new Error(`shared store: layout signature ${found} != expected ${this.layout.signature}`);
    }
  }

  // ---- control: barrier, epoch gate, chunks, abort ---------------------------------------------------------

  get controlI32(): Int32Array {
    return this.i32;
  }

  static readonly BARRIER_COUNT = C_BARRIER_COUNT;
  static readonly BARRIER_GEN = C_BARRIER_GEN;
  static readonly EPOCH_OPEN = C_EPOCH_OPEN;
  static readonly CHUNK_CLAIM_I64 = C_CHUNK_CLAIM_I64;
  static readonly CHUNKS_DONE = C_CHUNKS_DONE;
  static readonly ANSWER_LOG_LENGTH = C_ANSWER_LOG_LENGTH;
  static readonly FINISHED = C_FINISHED;

  abort(worker: number): void {
    if (Atomics.compareExchange(this.i32, C_ABORT, 0, 1) === 0) Atomics.store(this.i32, C_ABORT_WORKER, worker);
    // Wake everyone who might be parked on a synchronisation word (they check the flag when they wake).
    for (const word of [C_BARRIER_GEN, C_EPOCH_OPEN, C_CHUNKS_DONE]) {
      Atomics.add(this.i32, word, 1);
      Atomics.notify(this.i32, word);
    }
  }

  aborted(): boolean {
    return Atomics.load(this.i32, C_ABORT) !== 0;
  }

  abortWorker(): number {
    return Atomics.load(this.i32, C_ABORT_WORKER);
  }

  /** The coordinator asks the run to stop early (interrupt); the result is then partial. */
  requestStop(): void {
    Atomics.store(this.i32, C_STOP_REQUESTED, 1);
  }

  stopRequested(): boolean {
    return Atomics.load(this.i32, C_STOP_REQUESTED) !== 0;
  }

  /** Epoch (1-based; 0 = none) after which every worker stops; written by worker 0 inside a control turn. */
  stopAtEpoch(): number {
    return Atomics.load(this.i32, C_STOP_AT_EPOCH);
  }

  setStopAtEpoch(epochPlusOne: number): void {
    Atomics.store(this.i32, C_STOP_AT_EPOCH, epochPlusOne);
  }

  /** Bumped by every write to endpoints or plans: a reader whose cached copy saw this version needs no re-read. */
  storeVersion(): number {
    return storeVersion(this);
  }

  /** Bumped by every write or deletion of a plan only (views.ts). */
  plansVersion(): number {
    return plansVersion(this);
  }

  // ---- actors: next event time ---------------------------------------------------------------------------

  actorNextS(actor: number): number {
    return this.f64[actorNextIndex(this.layout, actor)];
  }

  /** Only the actor's owner writes; the turn counter's Atomics.add that follows publishes it. */
  setActorNextS(actor: number, tS: number): void {
    this.f64[actorNextIndex(this.layout, actor)] = tS;
  }

  /**
   * Word k of the actor's line: state the actor publishes for the others' turns (an Enactor: the generation it is
   * sweeping and the endpoint it is at, read by the adversarial trigger). Only the owner writes, inside its turn;
   * the turn counter publishes it like the next event time.
   */
  actorWord(actor: number, k: number): number {
    return this.f64[actorWordIndex(this.layout, actor, k)];
  }

  setActorWord(actor: number, k: number, v: number): void {
    this.f64[actorWordIndex(this.layout, actor, k)] = v;
  }

  // ---- progress ------------------------------------------------------------------------------------------

  setProgress(worker: number, simS: number, attempts: number): void {
    const i = progressIndex(this.layout, worker);
    this.f64[i] = simS;
    this.f64[i + 1] = attempts;
  }

  /** A worker's attempts so far, alone (published after each chunk it runs). */
  setAttempts(worker: number, attempts: number): void {
    this.f64[progressIndex(this.layout, worker) + 1] = attempts;
  }

  progress(worker: number): { simS: number; attempts: number } {
    const i = progressIndex(this.layout, worker);
    return { simS: this.f64[i], attempts: this.f64[i + 1] };
  }

  /** Counts this worker has seen so far that only grow (at most LIVE_SLOTS), after simS and attempts on its progress line. */
  setLive(worker: number, counts: ArrayLike<number>): void {
    const i = progressIndex(this.layout, worker) + 2;
    for (let k = 0; k < Math.min(counts.length, LIVE_SLOTS); k++) this.f64[i + k] = counts[k];
  }

  live(worker: number): Float64Array {
    const i = progressIndex(this.layout, worker) + 2;
    return this.f64.slice(i, i + LIVE_SLOTS);
  }

  // ---- endpoints (endpoints.ts, route53-lock.ts), plans (plans.ts), resolve (resolve.ts) -----------------

  endpointVersion(e: number): number {
    return endpointVersion(this, e);
  }

  readEndpoint(e: number, out: EndpointRecord): EndpointRecord {
    return readEndpoint(this, e, out);
  }

  writeEndpoint(e: number, w: EndpointWrite): number {
    return writeEndpoint(this, e, w);
  }

  tryLockEndpoint(e: number, enactor: number): boolean {
    return tryLock(this.i32, endpointLockIndex(this, e), enactor);
  }

  unlockEndpoint(e: number, enactor: number): void {
    unlock(this.i32, endpointLockIndex(this, e), enactor, `endpoint ${e}`);
  }

  forceUnlockEndpoint(e: number): void {
    forceUnlock(this.i32, endpointLockIndex(this, e));
  }

  planGen(slot: number): number {
    return planGen(this, slot);
  }

  planCreatedAtS(slot: number): number {
    return planCreatedAtS(this, slot);
  }

  writePlan(slot: number, gen: number, createdAtS: number, targets: Int32Array[], weights: Float64Array[], counts: number[]): void {
    writePlan(this, slot, gen, createdAtS, targets, weights, counts);
  }

  deletePlan(slot: number, gen?: number): boolean {
    return deletePlan(this, slot, gen);
  }

  planTargetCount(slot: number, e: number): number {
    return planTargetCount(this, slot, e);
  }

  resolve(e: number, out: Answer): Answer {
    return resolve(this, e, out);
  }

  // ---- load counters ------------------------------------------------------------------------------------

  /** This worker's attempts-per-load-balancer array (worker 0 sums and zeroes every worker's after each epoch). */
  loadCounters(worker: number): Float64Array {
    return new Float64Array(this.sab, loadCountersOffset(this.layout, worker), this.layout.lbCount);
  }
}
