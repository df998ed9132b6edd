/**
 * The shared-memory layout: the only module that knows where anything lives in the SharedArrayBuffer.
 *
 * Everything the worker threads share sits in one SAB, carved into 64-byte lines so that no two threads' hot
 * words share a cache line (false sharing costs 4x here, performance.md). Regions, in order:
 *
 *   control   barrier count + generation | turn counter | abort flag + worker | store version   (1 line each)
 *   actors    next event time (Float64) of each control-plane actor, one line each (written by its owner only)
 *   progress  per worker: simulated time reached, attempts so far (one line each; read by the coordinator)
 *   endpoints one record per endpoint, 2 lines: seq (seqlock version), applied generation, plan slot,
 *             lock holder, last writer and its check; readers snapshot it without locks
 *   plans     a ring of plan slots: seq, generation (0 = empty/deleted), created at, then per endpoint
 *             a target count, target load-balancer ids and cumulative weights
 *   lbs       per load balancer: in service, capacity per second
 *   load      per worker, two parities (even/odd epoch): attempts per load balancer in that epoch
 *
 * Writers take a record by compareExchange on its seq (even -> odd), write with plain stores, and publish by
 * Atomics.add (odd -> even). Readers load seq, copy, and re-load seq; an odd or changed seq means retry.
 * Both sides assert the layout's signature at startup (a worker built against another layout refuses to run).
 */

export interface StoreDims {
  endpoints: number;
  /** Load balancers per endpoint; ids are global, endpoint by endpoint. */
  lbsPerEndpoint: number[];
  planSlots: number;
  actors: number;
  workers: number;
}

const LINE_BYTES = 64;
const I32_PER_LINE = LINE_BYTES / 4;
const F64_PER_LINE = LINE_BYTES / 8;

// Control words (Int32 index = line * 16).
const C_BARRIER_COUNT = 0;
const C_BARRIER_GEN = 1;
const C_TURN = 1 * I32_PER_LINE;
const C_ABORT = 2 * I32_PER_LINE;
const C_ABORT_WORKER = 2 * I32_PER_LINE + 1;
const C_STORE_VERSION = 3 * I32_PER_LINE;
const C_SIGNATURE = 4 * I32_PER_LINE;
const C_STOP_REQUESTED = 5 * I32_PER_LINE; // set by the coordinator (SIGINT); read by worker 0 at an epoch start
const C_STOP_AT_EPOCH = 5 * I32_PER_LINE + 1; // published by worker 0 through a turn: every worker stops there
const CONTROL_LINES = 6;

// Endpoint record, Int32 offsets within its 2 lines (32 Int32 = 16 Float64).
const E_SEQ = 0;
const E_APPLIED_GEN = 1;
const E_PLAN_SLOT = 2;
const E_LOCK_HOLDER = 3; // enactor index + 1; 0 = free
const E_LAST_WRITER = 4; // enactor index + 1, or -1 = operator, 0 = nobody yet
const E_LAST_WRITER_CHECKED_GEN = 5;
const E_REPAIRED_GEN = 6; // generation restored by the last operator repair, 0 = none
const E_LINES = 2;
// Float64 offsets within the record.
const E_F_LAST_WRITE_AT_S = 4; // Int32 8..9
const E_F_LAST_WRITER_CHECK_AT_S = 5; // Int32 10..11

// Plan slot header (Int32): seq, generation, then created-at as Float64 at byte 8.
const P_SEQ = 0;
const P_GEN = 1;
const P_HEADER_BYTES = 16;

export interface Layout {
  byteLength: number;
  actorsOffset: number;
  progressOffset: number;
  endpointsOffset: number;
  plansOffset: number;
  planSlotBytes: number;
  /** Bytes of one endpoint's part in a plan slot. */
  planEndpointBytes: number;
  targetsMax: number;
  lbsOffset: number;
  lbCount: number;
  loadOffset: number;
  loadWorkerBytes: number;
  signature: number;
}

function alignLine(n: number): number {
  return Math.ceil(n / LINE_BYTES) * LINE_BYTES;
}

export function computeLayout(d: StoreDims): Layout {
  const lbCount = d.lbsPerEndpoint.reduce((a, b) => a + b, 0);
  const targetsMax = Math.max(...d.lbsPerEndpoint);
  let off = CONTROL_LINES * LINE_BYTES;
  const actorsOffset = off;
  off += d.actors * LINE_BYTES;
  const progressOffset = off;
  off += d.workers * LINE_BYTES;
  const endpointsOffset = off;
  off += d.endpoints * E_LINES * LINE_BYTES;
  const plansOffset = off;
  // Per endpoint: count (padded to 8 bytes), then targetsMax Int32 ids (padded to 8), then targetsMax Float64.
  const planEndpointBytes = 8 + Math.ceil((targetsMax * 4) / 8) * 8 + targetsMax * 8;
  const planSlotBytes = alignLine(P_HEADER_BYTES + d.endpoints * planEndpointBytes);
  off += d.planSlots * planSlotBytes;
  const lbsOffset = off;
  // inService Int32[lbCount] (padded), capacity Float64[lbCount]
  off += alignLine(lbCount * 4) + alignLine(lbCount * 8);
  const loadOffset = off;
  const loadWorkerBytes = 2 * alignLine(lbCount * 8);
  off += d.workers * loadWorkerBytes;
  const signature =
    (((d.endpoints * 31 + lbCount) * 31 + d.planSlots) * 31 + d.actors) * 31 + d.workers * 7 + off;
  return {
    byteLength: off,
    actorsOffset,
    progressOffset,
    endpointsOffset,
    plansOffset,
    planSlotBytes,
    planEndpointBytes,
    targetsMax,
    lbsOffset,
    lbCount,
    loadOffset,
    loadWorkerBytes,
    signature: signature | 0,
  };
}

/** A consistent copy of what an endpoint resolves to. */
export interface Answer {
  /** Applied generation the endpoint record names (0 = never applied). */
  generation: number;
  /** Number of targets; 0 means the endpoint resolves to no addresses. */
  count: number;
  lbs: Int32Array;
  /** Cumulative weights, cumWeight[count-1] is the total. */
  cumWeight: Float64Array;
}

export function newAnswer(targetsMax: number): Answer {
  return { generation: 0, count: 0, lbs: new Int32Array(targetsMax), cumWeight: new Float64Array(targetsMax) };
}

/** A view of one endpoint record, with the history the invariant monitors need. */
export interface EndpointRecord {
  seq: number;
  appliedGen: number;
  planSlot: number;
  lockHolder: number;
  lastWriter: number;
  lastWriterCheckedGen: number;
  lastWriteAtS: number;
  lastWriterCheckAtS: number;
  repairedGen: number;
}

/**
 * Typed views over the shared buffer. Construct one per thread over the same SAB.
 */
export class SharedStore {
  readonly sab: SharedArrayBuffer;
  readonly dims: StoreDims;
  readonly layout: Layout;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Per load balancer: 1 in service, 0 not. Written by the planner's health model in the control phase. */
  readonly lbInService: Int32Array;
  readonly lbCapacityPerS: Float64Array;
  /**
   * Attempts per second each load balancer received in the previous epoch, summed over all workers. Not in
   * shared memory: every thread computes its own copy from the load counters right after the barrier, the same
   * integer sums in the same order, so all copies are equal without anyone publishing them.
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
    const L = this.layout;
    this.lbInService = new Int32Array(sab, L.lbsOffset, L.lbCount);
    this.lbCapacityPerS = new Float64Array(sab, L.lbsOffset + alignLine(L.lbCount * 4), L.lbCount);
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

  // ---- control: barrier, turn, abort ---------------------------------------------------------------------

  get controlI32(): Int32Array {
    return this.i32;
  }

  static readonly BARRIER_COUNT = C_BARRIER_COUNT;
  static readonly BARRIER_GEN = C_BARRIER_GEN;
  static readonly TURN = C_TURN;

  abort(worker: number): void {
    if (Atomics.compareExchange(this.i32, C_ABORT, 0, 1) === 0) Atomics.store(this.i32, C_ABORT_WORKER, worker);
    // Wake everyone who might be parked on the barrier or the turn counter.
    Atomics.add(this.i32, C_BARRIER_GEN, 1);
    Atomics.notify(this.i32, C_BARRIER_GEN);
    Atomics.add(this.i32, C_TURN, 1);
    Atomics.notify(this.i32, C_TURN);
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
    return Atomics.load(this.i32, C_STORE_VERSION);
  }

  private bumpStoreVersion(): void {
    Atomics.add(this.i32, C_STORE_VERSION, 1);
  }

  // ---- actors: next event time ---------------------------------------------------------------------------

  actorNextS(actor: number): number {
    return this.f64[(this.layout.actorsOffset >> 3) + actor * F64_PER_LINE];
  }

  /** Only the actor's owner writes; the turn counter's Atomics.add that follows publishes it. */
  setActorNextS(actor: number, tS: number): void {
    this.f64[(this.layout.actorsOffset >> 3) + actor * F64_PER_LINE] = tS;
  }

  // ---- progress ------------------------------------------------------------------------------------------

  setProgress(worker: number, simS: number, attempts: number): void {
    const i = (this.layout.progressOffset >> 3) + worker * F64_PER_LINE;
    this.f64[i] = simS;
    this.f64[i + 1] = attempts;
  }

  progress(worker: number): { simS: number; attempts: number } {
    const i = (this.layout.progressOffset >> 3) + worker * F64_PER_LINE;
    return { simS: this.f64[i], attempts: this.f64[i + 1] };
  }

  // ---- endpoints -----------------------------------------------------------------------------------------

  private eBase(e: number): number {
    return (this.layout.endpointsOffset >> 2) + e * E_LINES * I32_PER_LINE;
  }

  /** Seqlock version of an endpoint record (one Atomics.load). */
  endpointVersion(e: number): number {
    return Atomics.load(this.i32, this.eBase(e) + E_SEQ);
  }

  /** Consistent copy of an endpoint record. */
  readEndpoint(e: number, out: EndpointRecord): EndpointRecord {
    const b = this.eBase(e);
    const fb = b >> 1;
    for (;;) {
      const s1 = Atomics.load(this.i32, b + E_SEQ);
      if (s1 & 1) continue;
      out.appliedGen = this.i32[b + E_APPLIED_GEN];
      out.planSlot = this.i32[b + E_PLAN_SLOT];
      out.lockHolder = this.i32[b + E_LOCK_HOLDER];
      out.lastWriter = this.i32[b + E_LAST_WRITER];
      out.lastWriterCheckedGen = this.i32[b + E_LAST_WRITER_CHECKED_GEN];
      out.repairedGen = this.i32[b + E_REPAIRED_GEN];
      out.lastWriteAtS = this.f64[fb + E_F_LAST_WRITE_AT_S];
      out.lastWriterCheckAtS = this.f64[fb + E_F_LAST_WRITER_CHECK_AT_S];
      if (Atomics.load(this.i32, b + E_SEQ) === s1) {
        out.seq = s1;
        return out;
      }
    }
  }

  /** The simulated Route 53 lock on an endpoint: compareExchange 0 -> holder. */
  tryLockEndpoint(e: number, enactor: number): boolean {
    return Atomics.compareExchange(this.i32, this.eBase(e) + E_LOCK_HOLDER, 0, enactor + 1) === 0;
  }

  unlockEndpoint(e: number, enactor: number): void {
    const prev = Atomics.compareExchange(this.i32, this.eBase(e) + E_LOCK_HOLDER, enactor + 1, 0);
    if (prev !== enactor + 1) throw new Error(`endpoint ${e}: unlock by enactor ${enactor}, holder was ${prev - 1}`);
  }

  /** Operators break locks during repair. */
  forceUnlockEndpoint(e: number): void {
    Atomics.store(this.i32, this.eBase(e) + E_LOCK_HOLDER, 0);
  }

  /** Take a seqlock word for writing: even -> odd by compareExchange (it is also the writers' mutual exclusion). */
  private lockSeq(seqI: number): void {
    for (;;) {
      const s = Atomics.load(this.i32, seqI);
      if ((s & 1) === 0 && Atomics.compareExchange(this.i32, seqI, s, s + 1) === s) return;
    }
  }

  /** Publish: odd -> even, and tell cached readers the store changed. */
  private unlockSeq(seqI: number): void {
    Atomics.add(this.i32, seqI, 1);
    this.bumpStoreVersion();
  }

  private beginWrite(b: number): void {
    this.lockSeq(b + E_SEQ);
  }

  private endWrite(b: number): void {
    this.unlockSeq(b + E_SEQ);
  }

  /**
   * Point an endpoint at a plan. `expectedGen` null: unconditional overwrite (legacy). Otherwise the write
   * happens only if the endpoint's applied generation is still below `gen` (the staleness check fused with the
   * write: compare-and-swap on the generation). Returns the generation the endpoint held before, or -1 when the
   * fenced write was refused.
   */
  writeEndpoint(
    e: number,
    gen: number,
    slot: number,
    writer: number,
    checkedGen: number,
    checkAtS: number,
    nowS: number,
    fenced: boolean,
  ): number {
    const b = this.eBase(e);
    this.beginWrite(b);
    const prev = this.i32[b + E_APPLIED_GEN];
    if (fenced) {
      // The CAS on the generation: only a strictly newer plan replaces the current one.
      if (prev >= gen || Atomics.compareExchange(this.i32, b + E_APPLIED_GEN, prev, gen) !== prev) {
        this.endWrite(b);
        return -1;
      }
    } else {
      this.i32[b + E_APPLIED_GEN] = gen;
    }
    this.i32[b + E_PLAN_SLOT] = slot;
    this.i32[b + E_LAST_WRITER] = writer;
    this.i32[b + E_LAST_WRITER_CHECKED_GEN] = checkedGen;
    const fb = b >> 1;
    this.f64[fb + E_F_LAST_WRITE_AT_S] = nowS;
    this.f64[fb + E_F_LAST_WRITER_CHECK_AT_S] = checkAtS;
    if (writer === -1) this.i32[b + E_REPAIRED_GEN] = gen;
    this.endWrite(b);
    return prev;
  }

  // ---- plans ---------------------------------------------------------------------------------------------

  private pBase(slot: number): number {
    return this.layout.plansOffset + slot * this.layout.planSlotBytes;
  }

  /** Byte offset of endpoint e's part of the plan in `slot`: its target count (Int32) comes first. */
  private planEndpointBase(slot: number, e: number): number {
    return this.pBase(slot) + P_HEADER_BYTES + e * this.layout.planEndpointBytes;
  }

  /** Int32 index of the first target id, and Float64 index of the first cumulative weight, of a plan part. */
  private planIdsIndex(eb: number): number {
    return (eb + 8) >> 2;
  }

  private planWeightsIndex(eb: number): number {
    return (eb + 8 + Math.ceil((this.layout.targetsMax * 4) / 8) * 8) >> 3;
  }

  /** Generation held by a plan slot, 0 when empty or deleted. */
  planGen(slot: number): number {
    return Atomics.load(this.i32, (this.pBase(slot) >> 2) + P_GEN);
  }

  planCreatedAtS(slot: number): number {
    return this.f64[(this.pBase(slot) >> 3) + 1];
  }

  /** Write a whole plan into a slot: per endpoint, target ids and (non-cumulative) weights. */
  writePlan(slot: number, gen: number, createdAtS: number, targets: Int32Array[], weights: Float64Array[], counts: number[]): void {
    const pb = this.pBase(slot);
    const seqI = (pb >> 2) + P_SEQ;
    this.lockSeq(seqI);
    this.i32[(pb >> 2) + P_GEN] = gen;
    this.f64[(pb >> 3) + 1] = createdAtS;
    for (let e = 0; e < this.dims.endpoints; e++) {
      const eb = this.planEndpointBase(slot, e);
      const n = counts[e];
      this.i32[eb >> 2] = n;
      const idsI = this.planIdsIndex(eb);
      const wF = this.planWeightsIndex(eb);
      let cum = 0;
      for (let k = 0; k < n; k++) {
        this.i32[idsI + k] = targets[e][k];
        cum += weights[e][k];
        this.f64[wF + k] = cum;
      }
    }
    this.unlockSeq(seqI);
  }

  /** Delete a plan: its slot reads as empty from now on; endpoints that still point at it resolve to nothing. */
  deletePlan(slot: number): void {
    const seqI = (this.pBase(slot) >> 2) + P_SEQ;
    this.lockSeq(seqI);
    Atomics.store(this.i32, (this.pBase(slot) >> 2) + P_GEN, 0);
    this.unlockSeq(seqI);
  }

  /** Number of targets endpoint e has in the plan in `slot` (0 if the slot is empty). */
  planTargetCount(slot: number, e: number): number {
    return this.planGen(slot) === 0 ? 0 : this.i32[this.planEndpointBase(slot, e) >> 2];
  }

  /**
   * What endpoint e resolves to now: a lock-free consistent snapshot (seqlock on the endpoint record, then on
   * the plan slot it points at). A record pointing at a deleted plan resolves to no addresses.
   */
  resolve(e: number, out: Answer): Answer {
    const b = this.eBase(e);
    for (;;) {
      const s1 = Atomics.load(this.i32, b + E_SEQ);
      if (s1 & 1) continue;
      const gen = this.i32[b + E_APPLIED_GEN];
      const slot = this.i32[b + E_PLAN_SLOT];
      out.generation = gen;
      out.count = 0;
      let p1 = 0;
      let seqI = 0;
      if (gen > 0) {
        const pb = this.pBase(slot);
        seqI = (pb >> 2) + P_SEQ;
        p1 = Atomics.load(this.i32, seqI);
        if (p1 & 1) continue;
        if (this.i32[(pb >> 2) + P_GEN] === gen) {
          const eb = this.planEndpointBase(slot, e);
          const n = this.i32[eb >> 2];
          const idsI = this.planIdsIndex(eb);
          const wF = this.planWeightsIndex(eb);
          for (let k = 0; k < n; k++) {
            out.lbs[k] = this.i32[idsI + k];
            out.cumWeight[k] = this.f64[wF + k];
          }
          out.count = n;
        }
        if (Atomics.load(this.i32, seqI) !== p1) continue;
      }
      if (Atomics.load(this.i32, b + E_SEQ) === s1) return out;
    }
  }

  // ---- load counters ------------------------------------------------------------------------------------

  /** This worker's attempts-per-load-balancer array for the epoch of the given parity. */
  loadCounters(worker: number, parity: number): Float64Array {
    const off = this.layout.loadOffset + worker * this.layout.loadWorkerBytes + (parity & 1) * alignLine(this.layout.lbCount * 8);
    return new Float64Array(this.sab, off, this.layout.lbCount);
  }
}
