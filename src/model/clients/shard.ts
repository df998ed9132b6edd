/**
 * Models: a worker's share of the resolver-client population: clients [from, to) of the global population,
 * each an open-model request source (arrivals.ts) that serves its requests one at a time, resolves the endpoint
 * through its own cache (core.ts), calls a load balancer (service.ts) and retries (retry.ts).
 * Leaves out: connection pools and keep-alive, per-client differences in rate or configuration, clients that
 * give up on a request before their attempts are spent (no request deadline), and anything that depends on
 * other clients within an epoch (the only coupling is the previous epoch's offered load per load balancer).
 *
 * Hot path (performance.md): state is one 48-byte record per client (records.ts), kept in the pages of a
 * calendar of epochs (calendar.ts): an epoch reads only the pages of records due in it, processes ALL of each
 * client's events in [t0, t1) before moving on (clients are independent within an epoch), and appends the record
 * to the bucket of its next event. No allocation, no Atomics and no hdr-histogram-js per event: counters are
 * locals flushed per page, latencies go into HDR-indexed Uint32 counts (metrics/loglinear.ts, inlined here).
 * With regions or chains, the same pages are run by multi.ts's scan, each record with its extension record.
 *
 * Determinism: every draw comes from the client's own mulberry32 stream, seeded from its GLOBAL index; the only
 * shared inputs are the answers and the load balancers' state as of the epoch's start (ClientEnv.lbs); every
 * aggregate is an integer count.
 * So merged results are byte-identical for any split of the population into shards, and for any place and order
 * of the records in the calendar.
 *
 * One client's timeline: a request arriving at arrS starts at max(arrS, end of the previous request) (its wait
 * counts in its latency: coordinated omission corrected); each attempt looks up the cache at its start, takes
 * latencyS, and on failure is retried after the backoff while attempts and budget allow.
 */
import type { ClientsConfig } from '../../config/clients-schema.ts';
import type { SharedStore } from '../../memory/store.ts';
import type { LbState } from './service.ts';
import { CLIENT_COUNTER_COUNT, type ClientWindowRaw, AttemptErr, ClientCounter } from '../../metrics/client-counters.ts';
import { LATENCY_BUCKETS, takeSparse, Latency } from '../../metrics/loglinear.ts';
import { seedFor, Stream, Prng } from '../prng.ts';
import { Serial } from './answers.ts';
import type { AnswerLog } from './answer-log.ts';
import { Arrivals } from './arrivals.ts';
import { ClientCore } from './core.ts';
import { MultiRegion } from './multi.ts';
import type { ChainsConfig, RegionsConfig, StaticEndpoint } from '../../config/regions-schema.ts';
import { ZIG_KW, ZigguratExp } from './exp-ziggurat.ts';
import { ClientRecords, MAX_EXPIRY_MS, RECORD_BYTES, Rec, RecU32 } from './records.ts';
import { Calendar, calendarMetaBytes, calendarPages, Page } from './calendar.ts';
import { ScanKernel } from './kernel.ts';
import { allocatePopulation, type PopulationMemory } from '../../memory/population.ts';
import { JITTER_DECORRELATED, JITTER_FULL, RetryPolicy } from './retry.ts';

export type { ClientWindowRaw, SparseCounts } from '../../metrics/client-counters.ts';
export { estimateClientBytes, checkClientMemory } from './records.ts';

export interface ClientEnv {
  store: SharedStore;
  /** Endpoint index the clients resolve. */
  endpoint: number;
  /** Base latency of that endpoint's load balancers. */
  baseLatencyUs: number;
  /** This epoch's attempts per global load-balancer id are added here (the engine zeroes it before each epoch). */
  attemptsByLb: Float64Array;
  /**
   * The load balancers as this epoch's clients see them. The engine passes its copy from the epoch's start
   * (src/engine/lb-epoch.ts), since the control phase changes the store while the epoch's chunks run; a caller
   * whose store stays constant during the epoch (EC2's, tests) passes the store.
   */
  lbs: LbState;
}

/** The population's state when the engine shares it between workers (any worker may run any chunk). */
export interface SharedPopulation {
  /**
   * The records (the calendar's pages: calendarPages x Page.SIZE records) and the calendar's metadata
   * (calendar.ts), where src/memory/population.ts put them.
   */
  memory: PopulationMemory;
  /** With regions or chains: the extension records, one per record slot (Page.SIZE x EXT_BYTES per page). */
  ext?: SharedArrayBuffer;
  /** Clients (local indices) this shard initialises. */
  initFrom: number;
  initTo: number;
  /** This worker and how many take part. */
  worker: number;
  workers: number;
}

export interface ShardOptions {
  /** Shared state (the engine); absent: the shard allocates its own and is alone on it. */
  shared?: SharedPopulation;
  /** Scenario `regions` and/or `chains` (given only when it has one of them: task.ts multiEndpoints) and their static endpoints. */
  extra?: { regions?: RegionsConfig; chains?: ChainsConfig; statics: readonly StaticEndpoint[] };
  /** The epoch length the calendar's buckets follow (the engine's sim.epochS). Default 1 s. */
  epochS?: number;
  /**
   * The compiled scan kernel (src/engine/scan-kernel.ts loads it): the scan then runs in WebAssembly (kernel.ts)
   * where it can, a population without regions or chains, in a WebAssembly memory. Absent: the JavaScript scan,
   * the reference (and the engine's CASCADESIM_SCAN=js).
   */
  kernel?: WebAssembly.Module;
}

/** Clients [from, to) of worker `worker` out of `workers`: contiguous, sizes differ by at most one. */
export function shardRange(count: number, workers: number, worker: number): [number, number] {
  const q = Math.floor(count / workers);
  const r = count % workers;
  const from = worker * q + Math.min(worker, r);
  return [from, from + q + (worker < r ? 1 : 0)];
}

export class ClientShard {
  readonly fromClient: number;
  readonly toClient: number;
  readonly records: ClientRecords;
  /** Built on the first epoch: it needs the store's dimensions. */
  core: ClientCore | null = null;
  readonly retry: RetryPolicy;
  readonly arrivals: Arrivals;
  /** Current window: integer counts in CLIENT_COUNTERS order, and the two latency count arrays. */
  readonly counters = new Float64Array(CLIENT_COUNTER_COUNT);
  readonly latencyIntended: Uint32Array;
  readonly latencyAttempt: Uint32Array;
  /** Exp(1) draws' slow path; read by the multi-region scan (multi.ts) too. */
  readonly zig = new ZigguratExp();
  /** The multi-region and chain state and scan, with scenario `regions` or `chains` (multi.ts); null: the scan below. */
  readonly multi: MultiRegion | null;
  /** Where the records (and the extension records, with regions or chains) are and when they are due. */
  readonly calendar: Calendar;
  /** The scan in WebAssembly (kernel.ts); null: the JavaScript scan below, or multi.ts's. */
  readonly kernel: ScanKernel | null;
  /** Answer-log entries replayed so far (beginEpoch). */
  private logPos = 0;
  private readonly cfg: ClientsConfig;
  private lastT1S = 0;
  private warmResolved = false;
  /** The calendar's buckets open after this epoch: a record run in it goes to [bucketLo, bucketLo + HORIZON). */
  private bucketLo = 0;

  /**
   * Clients [fromClient, toClient) of the population (local index i is global client fromClient + i).
   * `o.shared`: state that other workers' shards over the same population also use (the engine's work sharing):
   * the records, their calendar and the extension records live in the buffers given, and this shard initialises
   * only its part of them, clients [initFrom, initTo) (local indices).
   */
  constructor(cfg: ClientsConfig, seed: number, fromClient: number, toClient: number, o: ShardOptions = {}) {
    if (!(toClient >= fromClient && fromClient >= 0)) throw new Error(`ClientShard: bad range [${fromClient}, ${toClient})`);
    const { shared, extra } = o;
    this.cfg = cfg;
    this.fromClient = fromClient;
    this.toClient = toClient;
    this.retry = new RetryPolicy(cfg.retry);
    this.arrivals = new Arrivals(cfg.ratePerS, cfg.profile);
    const n = toClient - fromClient;
    const initFrom = shared ? shared.initFrom : 0;
    const initTo = shared ? shared.initTo : n;
    const workers = shared ? shared.workers : 1;
    // Shared records with private extension records would lose a client's failover state when another worker runs it.
    if (shared && extra && !shared.ext) throw new Error('ClientShard: shared records without their extension records');
    const pages = calendarPages(n, workers);
    // Alone: a population memory of its own (the kernel needs the records and calendar in a WebAssembly memory).
    const kernel = !extra ? o.kernel : undefined;
    const mem = shared
      ? shared.memory
      : allocatePopulation(pages * Page.SIZE * RECORD_BYTES, calendarMetaBytes(pages, 1), kernel !== undefined);
    this.calendar = new Calendar({
      pages,
      workers,
      worker: shared ? shared.worker : 0,
      epochS: o.epochS ?? 1,
      meta: mem.buffer,
      metaAt: mem.calendarAt,
    });
    this.records = new ClientRecords(pages * Page.SIZE, mem.buffer, mem.recordsAt);
    this.kernel = mem.wasm && kernel ? new ScanKernel(mem.wasm, kernel, this) : null;
    this.latencyIntended = this.kernel ? this.kernel.latencyIntended : new Uint32Array(LATENCY_BUCKETS);
    this.latencyAttempt = this.kernel ? this.kernel.latencyAttempt : new Uint32Array(LATENCY_BUCKETS);
    // With regions or chains: where each initialised client's record went, for its extension record (multi.ts).
    const at = extra ? new Int32Array(initTo - initFrom) : null;
    const { f64, u32, f32 } = this.records;
    const cal = this.calendar;
    const burst = this.retry.budgetBurst;
    const zig = this.zig;
    const warm = cfg.warmStart;
    const gapS = this.arrivals.meanGapS;
    for (let i = initFrom; i < initTo; i++) {
      // First arrival: one Exp(1) draw from the client's own stream, measured from time 0.
      zig.state = seedFor(seed, Stream.client, fromClient + i);
      const arrS = this.arrivals.next(0, zig.next());
      let s = zig.state;
      // Warm start: the entry's remaining life is uniform over (-meanGap, ttl); below 0 the client is in the
      // gap between its entry's expiry and its next request (expired, no entry). This is the renewal cycle's
      // stationary state up to the gap's shape (uniform here, exponential in the process).
      let serial = Serial.NONE;
      let expMs = 0;
      if (warm) {
        s = (s + Prng.MULBERRY_INCREMENT) | 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        const leftS = -gapS + ((t ^ (t >>> 14)) >>> 0) * Prng.INV_2_32 * (cfg.ttlS + gapS);
        if (leftS > 0) {
          serial = Serial.WARM;
          expMs = Math.ceil(leftS * 1000);
        }
      }
      // The record's place: the end of the calendar bucket of its first event.
      const r = cal.place(arrS, 0);
      if (at) at[i - initFrom] = r;
      const fb = r * Rec.F64_PER_RECORD;
      const ub = r * Rec.U32_PER_RECORD;
      f64[fb + Rec.F_EV] = arrS;
      f64[fb + Rec.F_ARR] = arrS;
      f64[fb + Rec.F_REQ] = 0;
      u32[ub + RecU32.U_RNG] = s >>> 0;
      u32[ub + RecU32.U_SERIAL] = serial >>> 0;
      u32[ub + RecU32.U_EXP_MS] = expMs;
      f32[ub + RecU32.U_TOKENS] = burst;
      f32[ub + RecU32.U_SLEEP] = cfg.retry.baseS;
      u32[ub + RecU32.U_ATTEMPT] = 0;
    }
    this.multi = extra
      ? new MultiRegion(extra.regions, extra.chains, cfg, seed, fromClient, extra.statics, {
          ext: shared?.ext,
          slots: this.records.count,
          initFrom,
          at: at as Int32Array,
        })
      : null;
  }

  private ensureCore(store: SharedStore): ClientCore {
    const c = this.core;
    if (c && c.ring.targetsMax === store.layout.targetsMax && c.svc.lbCount === store.layout.lbCount) return c;
    const { targetsMax, lbCount } = store.layout;
    this.core = this.kernel ? this.kernel.newCore(this.cfg, targetsMax, lbCount) : new ClientCore(this.cfg, targetsMax, lbCount);
    return this.core;
  }

  /**
   * Warm-start entries name "the first answer": now that it is known, point them at it, or drop them when the
   * endpoint is empty at the start (there is no earlier answer to have cached).
   */
  private resolveWarm(current: number): void {
    const { i32, u32 } = this.records;
    const resolve = (r: number) => {
      const ub = r * Rec.U32_PER_RECORD;
      if (i32[ub + RecU32.U_SERIAL] === Serial.WARM) {
        if (current >= 0) i32[ub + RecU32.U_SERIAL] = current;
        else {
          i32[ub + RecU32.U_SERIAL] = Serial.NONE;
          u32[ub + RecU32.U_EXP_MS] = 0;
        }
      }
    };
    const cal = this.calendar;
    // The records this shard initialised: every page in its own buckets.
    for (const page of cal.ownPages()) for (let j = 0, n = cal.filled(page); j < n; j++) resolve((page << Page.SHIFT) + j);
    this.warmResolved = true;
  }

  /**
   * Simulate every event of clients [from, to) with time in [t0S, t1S). The store is read-only during this
   * call. Returns the attempts made.
   */
  runEpoch(t0S: number, t1S: number, env: ClientEnv): number {
    if (!this.beginEpoch(t0S, t1S, env)) return 0;
    const cal = this.calendar;
    // Every bucket of an epoch that starts before t1S; the next call goes on from the one holding t1S.
    const e = this.bucketLo;
    const chunks = cal.takeDue(cal.cursor, e * cal.epochS < t1S ? e : e - 1, 0);
    cal.cursor = e;
    let attempts = 0;
    for (let c = 0; c < chunks; c++) attempts += this.runChunk(c, t1S, env);
    return attempts;
  }

  /**
   * Worker 0 of the engine, before epoch `epoch` opens (no worker runs a chunk): gather its due chunks. Returns
   * how many there are.
   */
  openEpoch(epoch: number): number {
    return this.calendar.takeDue(epoch, epoch, epoch);
  }

  /** Chunks of epoch `epoch`: see Calendar.dueCount for a helper asking about an epoch that may have ended. */
  chunksOf(epoch: number): number {
    return this.calendar.dueCount(epoch);
  }

  /**
   * Start of epoch [t0S, t1S): read the answers and load-balancer state. `answers`: instead of reading the store,
   * replay the answer log up to `length` entries (the engine: every worker's ring then evolves alike, even for a
   * worker that skipped epochs). Returns false for an empty epoch.
   */
  beginEpoch(t0S: number, t1S: number, env: ClientEnv, answers?: { log: AnswerLog; length: number }): boolean {
    if (t1S <= t0S) return false;
    if ((t1S + Math.max(this.cfg.ttlS, this.cfg.negativeTtlS)) * 1000 >= MAX_EXPIRY_MS) {
      throw new Error(`clients: simulated time ${t1S} s is past what the millisecond cache expiry holds (49 days)`);
    }
    const core = this.ensureCore(env.store);
    if (answers) {
      while (this.logPos < answers.length) answers.log.replay(this.logPos++, core.ring);
    } else {
      core.refreshAnswer(env.store, env.endpoint, t0S);
    }
    if (!this.warmResolved) this.resolveWarm(core.ring.current);
    core.svc.refreshAll(env.lbs, env.baseLatencyUs);
    this.kernel?.beginEpoch(core.ring, core.svc.baseS);
    this.multi?.beginEpoch(env.lbs);
    this.lastT1S = t1S;
    // The buckets open after this epoch: from the one holding t1S on (a record moved now has its event at or after t1S).
    this.bucketLo = this.calendar.openFrom(t1S);
    return true;
  }

  /**
   * Point the warm-start entries of the clients this shard initialised at the answer current at time 0. The
   * engine calls it before the first epoch and then waits for every worker, since any worker may run any chunk.
   */
  prepare(env: ClientEnv): void {
    const core = this.ensureCore(env.store);
    core.refreshAnswer(env.store, env.endpoint, 0);
    if (!this.warmResolved) this.resolveWarm(core.ring.current);
  }

  /** Run chunk c up to t1S, after beginEpoch: the calendar's due page c. Returns the attempts made. */
  runChunk(c: number, t1S: number, env: ClientEnv): number {
    const cal = this.calendar;
    // One branch per page, none per attempt: with regions or chains the whole page takes the multi-region scan.
    const m = this.multi;
    if (m !== null) return m.scanPage(this, this.core as ClientCore, cal, env.attemptsByLb, cal.due[c], this.bucketLo, t1S);
    const k = this.kernel;
    if (k !== null) {
      const page = cal.due[c];
      const attempts = k.scanPage(page, cal.filled(page), t1S, this.bucketLo, env.attemptsByLb, this.counters);
      cal.release(page);
      return attempts;
    }
    return this.scanPage(this.core as ClientCore, cal, env.attemptsByLb, cal.due[c], t1S);
  }

  /**
   * The epoch loop over one due page of the calendar: every event before t1S of each of its clients, then the
   * record to the end of the bucket of its next event, then the page back to the free ones and the flush of its
   * tallies into the window.
   *
   * Called per page rather than once per epoch: as one long loop, V8 compiled it by on-stack replacement during
   * the first epoch, before the code after the loop had ever run, and that cached OSR code deoptimised at the
   * flush on every later epoch ("insufficient type feedback"), leaving the loop in baseline code for part of each
   * epoch (measured 8 vs 13M attempts/s). Called many times, it is optimised whole, with feedback for every access.
   */
  private scanPage(core: ClientCore, cal: Calendar, byLb: Float64Array, page: number, t1S: number): number {
    // The mulberry32 output step (prng.ts mulberry32Next) is written out at each draw below on purpose: calling it,
    // imported or as a function of this module, measured 14.4-14.7M against 16.9-17.2M attempts/s on one thread
    // (an earlier bench/run.ts). Results are bit-identical either way. Writing ClientCore's lookup, pick and outcome
    // out here as well, with the answer ring's and the service model's arrays in locals, measured no faster (5
    // alternating pairs, 1 worker, no fault, 1,200 s: 4.41-4.74 s user CPU against 4.40-5.28 s): V8 already inlines
    // them, so they stay methods.
    const { f64, u32, f32 } = this.records;
    const arrivals = this.arrivals;
    const shaped = arrivals.shaped;
    const meanGapS = arrivals.meanGapS;
    // t1S as a double computed here: an argument stays a tagged value (here a small integer), and TurboFan, which
    // hoists nothing out of loops, untagged and converted it at both of its uses per record (5 instructions per
    // attempt, scripts/visit-instructions.mjs). The sum is a raw double and kept as one; t1S is never -0.
    const t1 = t1S + 0;
    const retry = this.retry;
    const maxAttempts = retry.maxAttempts;
    const budgeted = retry.budgeted;
    const budgetRatio = retry.budgetRatio;
    const budgetBurst = retry.budgetBurst;
    const baseS = retry.baseS;
    const decorrelated = retry.jitter === JITTER_DECORRELATED;
    // Full jitter (the default) computed here as delayS does: V8 left the call out of line in this large loop
    // (5.3% of a 1-worker default run's profile).
    const fullJitter = retry.jitter === JITTER_FULL;
    const backoffS = retry.backoffS;
    const latI = this.latencyIntended;
    const latA = this.latencyAttempt;
    const zig = this.zig;
    // The ziggurat's tables as locals: read once per call, not from the module at every draw.
    const zigKW = ZIG_KW;

    let requests = 0;
    let attempts = 0;
    let successes = 0;
    let dnsEmpty = 0;
    let connect = 0;
    let timeout = 0;
    let throttled = 0;
    let retries = 0;
    let failed = 0;
    let delayed = 0;
    let denied = 0;

    // Records go to buckets from this one on (cal.place).
    const lo = this.bucketLo;
    const first = page << Page.SHIFT;
    // Slots masked to their bound (a no-op: ClientRecords holds no more): V8 then sees that slot x 12 + field fits
    // in 32 bits and drops an overflow check at each index computed from it (5% of the scan's instructions).
    for (let i = first, end = first + cal.filled(page); i < end; i++) {
      const slot = i & Rec.SLOT_MASK;
      const fb = slot * Rec.F64_PER_RECORD;
      const ub = slot * Rec.U32_PER_RECORD;
      let evS = f64[fb + Rec.F_EV];
      if (evS >= t1) {
        // Not due yet (it waited in the last bucket of the horizon, or in the one holding t1S): moved as it is.
        this.records.move(i, cal.place(evS, lo));
      } else {
        let rng = u32[ub + RecU32.U_RNG] | 0;
        let attempt = u32[ub + RecU32.U_ATTEMPT] | 0;
        let arrS = f64[fb + Rec.F_ARR];
        let reqS = f64[fb + Rec.F_REQ];
        // Budget tokens and the previous sleep live in the record only when the configuration uses them.
        let tokens = budgeted ? f32[ub + RecU32.U_TOKENS] : 0;
        let sleepS = decorrelated ? f32[ub + RecU32.U_SLEEP] : baseS;
        do {
          if (attempt === 0) {
            // A new request: its intended start is its arrival; draw the arrival after it.
            reqS = arrS;
            requests++;
            if (evS > arrS) delayed++;
            rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
            let t = rng;
            t = Math.imul(t ^ (t >>> 15), t | 1);
            t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
            t ^= t >>> 14;
            // Exp(1) by ziggurat (exp-ziggurat.ts), fast path inlined.
            const zx = t >>> 8;
            const zi = t & 255;
            let e: number;
            if (zx < zigKW[zi << 1]) e = zx * zigKW[(zi << 1) + 1];
            else {
              zig.state = rng;
              // The unary plus is not a no-op: see ZigguratExp.slow.
              e = +zig.slow(zi, zx);
              // An int32, as everywhere else: the untyped field made the stream's merge, and every draw's add, a double.
              rng = zig.state | 0;
            }
            arrS = shaped ? arrivals.next(arrS, e) : arrS + e * meanGapS;
            if (budgeted) {
              const tk = tokens + budgetRatio;
              tokens = Math.fround(tk < budgetBurst ? tk : budgetBurst);
            }
            if (decorrelated) sleepS = baseS;
          }
          attempt++;
          attempts++;
          const serial = core.lookup(u32, ub, evS);
          let doneS: number;
          if (serial < 0) {
            // dns-empty: no address, no network time.
            dnsEmpty++;
            doneS = evS;
          } else {
            // Draws: the target (only if the answer has several), the excess share (only on an overloaded load
            // balancer: a rule all shards apply alike, so determinism holds), the service time.
            let lb: number;
            let t: number;
            if (core.targets(serial) > 1) {
              rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
              t = rng;
              t = Math.imul(t ^ (t >>> 15), t | 1);
              t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
              lb = core.pick(serial, ((t ^ (t >>> 14)) >>> 0) * Prng.INV_2_32);
            } else {
              lb = core.pick(serial, 0);
            }
            byLb[lb]++;
            let u2 = 1;
            if (core.overloaded(lb)) {
              rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
              t = rng;
              t = Math.imul(t ^ (t >>> 15), t | 1);
              t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
              u2 = ((t ^ (t >>> 14)) >>> 0) * Prng.INV_2_32;
            }
            rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
            t = rng;
            t = Math.imul(t ^ (t >>> 15), t | 1);
            t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
            t ^= t >>> 14;
            const zx = t >>> 8;
            const zi = t & 255;
            let e3: number;
            if (zx < zigKW[zi << 1]) e3 = zx * zigKW[(zi << 1) + 1];
            else {
              zig.state = rng;
              e3 = +zig.slow(zi, zx);
              rng = zig.state | 0;
            }
            const err = core.outcome(lb, u2, e3);
            const latS = core.latencyS;
            doneS = evS + latS;
            // Per-attempt latency, HDR index inlined (metrics/loglinear.ts latencyIndexUs). The `& 2047` changes
            // nothing (the shift leaves at most 11 bits) but lets V8 see that the sum fits: no overflow check.
            const v = latS * 1e6;
            const lu = (v < Latency.MAX_US ? v : Latency.MAX_US) >>> 0;
            const lbk = 21 - Math.clz32(lu | 2047);
            latA[(lbk << 10) + ((lu >>> lbk) & 2047)]++;
            if (err === 0) {
              successes++;
              const w = (doneS - reqS) * 1e6;
              const wu = (w < Latency.MAX_US ? w : Latency.MAX_US) >>> 0;
              const wb = 21 - Math.clz32(wu | 2047);
              latI[(wb << 10) + ((wu >>> wb) & 2047)]++;
              attempt = 0;
              evS = doneS > arrS ? doneS : arrS;
              continue;
            }
            if (err === AttemptErr.TIMEOUT) timeout++;
            else if (err === AttemptErr.CONNECT) connect++;
            else if (err === AttemptErr.THROTTLED) throttled++;
          }
          // A failed attempt: retry if allowed, else the request fails.
          if (attempt < maxAttempts) {
            if (budgeted && tokens < 1) {
              denied++;
            } else {
              if (budgeted) tokens = Math.fround(tokens - 1);
              retries++;
              rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
              let t = rng;
              t = Math.imul(t ^ (t >>> 15), t | 1);
              t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
              const u = ((t ^ (t >>> 14)) >>> 0) * Prng.INV_2_32;
              const d = fullJitter ? u * backoffS[attempt] : retry.delayS(attempt, u, sleepS);
              if (decorrelated) sleepS = Math.fround(d);
              evS = doneS + d;
              continue;
            }
          }
          failed++;
          const w = (doneS - reqS) * 1e6;
          const wu = (w < Latency.MAX_US ? w : Latency.MAX_US) >>> 0;
          const wb = 21 - Math.clz32(wu | 2047);
          latI[(wb << 10) + ((wu >>> wb) & 2047)]++;
          attempt = 0;
          evS = doneS > arrS ? doneS : arrS;
        } while (evS < t1);
        // Written at its new place: the fields this loop kept in locals, and the cache entry as it was.
        const r = cal.place(evS, lo) & Rec.SLOT_MASK;
        const df = r * Rec.F64_PER_RECORD;
        const du = r * Rec.U32_PER_RECORD;
        f64[df + Rec.F_EV] = evS;
        f64[df + Rec.F_ARR] = arrS;
        f64[df + Rec.F_REQ] = reqS;
        u32[du + RecU32.U_RNG] = rng >>> 0;
        u32[du + RecU32.U_SERIAL] = u32[ub + RecU32.U_SERIAL];
        u32[du + RecU32.U_EXP_MS] = u32[ub + RecU32.U_EXP_MS];
        // Tokens and sleep only where the configuration uses them: otherwise nothing ever reads those fields.
        if (budgeted) f32[du + RecU32.U_TOKENS] = tokens;
        if (decorrelated) f32[du + RecU32.U_SLEEP] = sleepS;
        u32[du + RecU32.U_ATTEMPT] = attempt;
      }
    }
    cal.release(page);

    const c = this.counters;
    c[ClientCounter.REQUESTS] += requests;
    c[ClientCounter.ATTEMPTS] += attempts;
    c[ClientCounter.SUCCESSES] += successes;
    c[ClientCounter.DNS_EMPTY] += dnsEmpty;
    c[ClientCounter.CONNECT] += connect;
    c[ClientCounter.TIMEOUT] += timeout;
    c[ClientCounter.THROTTLED] += throttled;
    c[ClientCounter.RETRIES] += retries;
    c[ClientCounter.FAILED_REQUESTS] += failed;
    c[ClientCounter.DELAYED_STARTS] += delayed;
    c[ClientCounter.BUDGET_DENIED] += denied;
    c[ClientCounter.DNS_QUERIES] += core.dnsQueries;
    c[ClientCounter.STALE_ANSWERS] += core.staleAnswers;
    core.dnsQueries = 0;
    core.staleAnswers = 0;
    return attempts;
  }

  /** Close the metrics window [fromS, toS) (called after the epoch that ends it): its raw data, then reset. */
  closeWindow(index: number, fromS: number, toS: number): ClientWindowRaw {
    const counters = Float64Array.from(this.counters);
    this.counters.fill(0);
    return {
      index,
      fromS,
      toS,
      counters,
      latencyIntended: takeSparse(this.latencyIntended),
      latencyAttempt: takeSparse(this.latencyAttempt),
      ...(this.multi ? this.multi.takeWindow() : {}),
    };
  }

  /** End of the last epoch run (for checks). */
  get simulatedToS(): number {
    return this.lastT1S;
  }

  /** Bytes of state this shard holds. */
  bytes(): number {
    return (
      this.records.bytes +
      this.calendar.metaBytes +
      (this.kernel ? this.kernel.bytes() : 2 * LATENCY_BUCKETS * 4) +
      (this.core ? this.core.ring.bytes() : 0) +
      (this.multi ? this.multi.bytes() : 0)
    );
  }
}
