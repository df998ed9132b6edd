/**
 * The free-running race's invariant monitors and counters, in their own SharedArrayBuffer (the plan store's
 * layout is src/memory/layout.ts's alone; this buffer holds only what the monitors share).
 *
 * What they check, on every operation:
 * - writes (wrapping the store's own methods, so the code under test is the code `run` uses):
 *   - lock-exclusion: at most one Enactor holds an endpoint's Route 53 lock (a holder count per endpoint);
 *   - lost-update (fenced, where successful writes carry strictly increasing generations): each endpoint's
 *     writes form one chain, every write replacing exactly the generation the previous one wrote (two writers
 *     that both saw the same "before" broke the seqlock's writer exclusion);
 *   - the model's own monitors (monotonic, never-delete-active, non-empty), logged by the Enactors' steps;
 *   - store-error: the store's code refused an operation (an unlock by an Enactor that does not hold the lock).
 * - reads (client threads calling the store's resolve(), as clients do):
 *   - empty-answer: an endpoint resolved to no addresses;
 *   - regression: a reader saw an endpoint's generation go back;
 *   - torn-read: the targets and weights read are not those of the plan generation the answer names (the
 *     Planner registers each plan's content before writing it).
 * - stuck: no thread made progress for a while (e.g. a seqlock version left odd by two writers at once).
 */

export const BREAKS = [
  'monotonic',
  'never-delete-active',
  'non-empty',
  'lock-exclusion',
  'lost-update',
  'store-error',
  'empty-answer',
  'regression',
  'torn-read',
  'stuck',
] as const;
export type BreakKind = (typeof BREAKS)[number];

/** Plans whose content the registry keeps (by generation modulo this); older ones are not verified. */
const REGISTRY_GENS = 4096;
const LINE_I32 = 16;

// Int32 words: control line, then one line per thread (ops, reads, writes, steps as Float64), then breaks,
// then per-endpoint monitor words, then the registry.
const C_STOP = 0;
const C_STARTED = 1;
const C_GO = 2;
const C_F_START_MS = 2; // Float64 index (Int32 words 4-5)

export interface MonitorDims {
  threads: number;
  endpoints: number;
}

function offsets(d: MonitorDims) {
  const threadsI32 = LINE_I32;
  const breaksI32 = threadsI32 + d.threads * LINE_I32;
  const endpointI32 = breaksI32 + Math.ceil(BREAKS.length / LINE_I32) * LINE_I32;
  // Per endpoint: holders (1 line), last written generation (1 line): separate lines, no false sharing.
  const tagsI32 = endpointI32 + d.endpoints * 2 * LINE_I32;
  const sumsF64 = Math.ceil((tagsI32 + REGISTRY_GENS * d.endpoints) / 2);
  const bytes = (sumsF64 + REGISTRY_GENS * d.endpoints) * 8;
  return { threadsI32, breaksI32, endpointI32, tagsI32, sumsF64, bytes };
}

/** Content fingerprint of an endpoint's part of a plan: target ids and cumulative weights, in order. */
export function planFingerprint(count: number, lbs: ArrayLike<number>, cumWeight: ArrayLike<number>): number {
  let h = count;
  for (let k = 0; k < count; k++) h = (h * 1_000_003 + lbs[k] * 7919 + cumWeight[k]) % 1e15;
  return h;
}

export class RaceMonitor {
  readonly sab: SharedArrayBuffer;
  readonly dims: MonitorDims;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly o: ReturnType<typeof offsets>;

  constructor(sab: SharedArrayBuffer, dims: MonitorDims) {
    this.o = offsets(dims);
    if (sab.byteLength !== this.o.bytes) throw new Error(`race monitor: buffer is ${sab.byteLength} bytes, needs ${this.o.bytes}`);
    this.sab = sab;
    this.dims = dims;
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
  }

  static create(dims: MonitorDims): RaceMonitor {
    return new RaceMonitor(new SharedArrayBuffer(offsets(dims).bytes), dims);
  }

  // ---- control -----------------------------------------------------------------------------------------

  stop(): void {
    Atomics.store(this.i32, C_STOP, 1);
    Atomics.notify(this.i32, C_STOP);
  }

  stopped(): boolean {
    return Atomics.load(this.i32, C_STOP) !== 0;
  }

  /** Sleep up to ms (woken early by stop()). */
  sleepMs(ms: number): void {
    if (ms > 0) Atomics.wait(this.i32, C_STOP, 0, ms);
  }

  /**
   * Every thread checks in; the last one sets the common start time (absolute ms) and lets all go. Returns it:
   * every actor's simulated clock starts there.
   */
  arrive(): number {
    if (Atomics.add(this.i32, C_STARTED, 1) === this.dims.threads - 1) {
      this.f64[C_F_START_MS] = performance.timeOrigin + performance.now();
      Atomics.store(this.i32, C_GO, 1);
      Atomics.notify(this.i32, C_GO);
    }
    while (Atomics.load(this.i32, C_GO) === 0) Atomics.wait(this.i32, C_GO, 0, 10);
    return this.f64[C_F_START_MS];
  }

  // ---- counters ----------------------------------------------------------------------------------------

  /**
   * Per thread: until when (absolute ms) it is excused from making progress: now while it works, its wake-up
   * time while it sleeps. A thread past its excuse by more than the watchdog's limit is stuck.
   */
  setBusyUntil(thread: number, absMs: number): void {
    this.f64[((this.o.threadsI32 + thread * LINE_I32) >> 1) + 4] = absMs;
  }

  /** The thread that has been overdue the longest, and by how many ms (0 when none is overdue). */
  mostOverdue(nowAbsMs: number): { thread: number; overdueMs: number } {
    let worst = { thread: -1, overdueMs: 0 };
    for (let t = 0; t < this.dims.threads; t++) {
      const until = this.f64[((this.o.threadsI32 + t * LINE_I32) >> 1) + 4];
      if (until > 0 && nowAbsMs - until > worst.overdueMs) worst = { thread: t, overdueMs: nowAbsMs - until };
    }
    return worst;
  }

  /** Per thread: store operations, of which reads and writes; control-plane steps. Written by its owner. */
  setCounts(thread: number, ops: number, reads: number, writes: number, steps: number): void {
    const f = (this.o.threadsI32 + thread * LINE_I32) >> 1;
    this.f64[f] = ops;
    this.f64[f + 1] = reads;
    this.f64[f + 2] = writes;
    this.f64[f + 3] = steps;
  }

  counts(): { ops: number; reads: number; writes: number; steps: number } {
    const c = { ops: 0, reads: 0, writes: 0, steps: 0 };
    for (let t = 0; t < this.dims.threads; t++) {
      const f = (this.o.threadsI32 + t * LINE_I32) >> 1;
      c.ops += this.f64[f];
      c.reads += this.f64[f + 1];
      c.writes += this.f64[f + 2];
      c.steps += this.f64[f + 3];
    }
    return c;
  }

  addBreak(kind: BreakKind, n = 1): void {
    Atomics.add(this.i32, this.o.breaksI32 + BREAKS.indexOf(kind), n);
  }

  breaks(): Record<BreakKind, number> {
    return Object.fromEntries(BREAKS.map((k, i) => [k, Atomics.load(this.i32, this.o.breaksI32 + i)])) as Record<BreakKind, number>;
  }

  // ---- write monitors ----------------------------------------------------------------------------------

  /** A lock was granted: returns how many Enactors now hold it (1 unless mutual exclusion broke). */
  lockTaken(e: number): number {
    return Atomics.add(this.i32, this.o.endpointI32 + e * 2 * LINE_I32, 1) + 1;
  }

  lockReleased(e: number): void {
    Atomics.sub(this.i32, this.o.endpointI32 + e * 2 * LINE_I32, 1);
  }

  setLastWritten(e: number, gen: number): void {
    Atomics.store(this.i32, this.o.endpointI32 + (e * 2 + 1) * LINE_I32, gen);
  }

  /**
   * A write replaced `before` with `gen`: it must follow the write that put `before` there. Writes are noted
   * after they publish, so a write's note may come before its predecessor's: wait for it (up to waitMs).
   * Returns false when the chain forked (the predecessor never came: someone else replaced `before` too).
   */
  chainWrite(e: number, before: number, gen: number, waitMs: number): boolean {
    const i = this.o.endpointI32 + (e * 2 + 1) * LINE_I32;
    const deadline = performance.now() + waitMs;
    for (;;) {
      if (Atomics.compareExchange(this.i32, i, before, gen) === before) return true;
      if (performance.now() > deadline || this.stopped()) {
        Atomics.store(this.i32, i, gen);
        return false;
      }
    }
  }

  // ---- plan content registry ---------------------------------------------------------------------------

  /** The Planner registers a plan's fingerprint per endpoint before it writes the plan. */
  registerPlan(gen: number, e: number, fingerprint: number): void {
    const k = (gen % REGISTRY_GENS) * this.dims.endpoints + e;
    this.f64[this.o.sumsF64 + k] = fingerprint;
    Atomics.store(this.i32, this.o.tagsI32 + k, gen);
  }

  /** The registered fingerprint of plan gen for endpoint e, or null when it has left the registry. */
  planFingerprint(gen: number, e: number): number | null {
    const k = (gen % REGISTRY_GENS) * this.dims.endpoints + e;
    if (Atomics.load(this.i32, this.o.tagsI32 + k) !== gen) return null;
    return this.f64[this.o.sumsF64 + k];
  }
}
