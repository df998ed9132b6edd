/**
 * AssemblyScript, compiled to WebAssembly by build.mjs (dist/client-scan.wasm): ClientShard.scanPage of
 * src/model/clients/shard.ts, step for step, over the same memory. Models nothing of its own: shard.ts says what the
 * scan models and what it leaves out; this file must give the same bits for every record, and the tests compare
 * the two over many seeds and configurations (test/client-kernel.test.ts).
 *
 * Why a second copy of the scan: in JavaScript about 640 instructions per client attempt, of which V8's checks
 * (bounds, maps, overflow, tags) and spills were about a quarter (scripts/visit-instructions.mjs). WebAssembly has
 * no maps or tags, its memory accesses need no bounds checks on 64-bit hosts (guard pages), and its integers and
 * doubles are raw: 344 instructions per attempt against 642 (README, Measured). The JavaScript scan stays as the reference,
 * and as the path for regions and chains (multi.ts) and for populations whose records do not fit in one
 * WebAssembly memory (4 GiB).
 *
 * Memory: the population's shared WebAssembly.Memory (src/memory/population.ts owns its layout): the records and
 * the calendar's metadata at the offsets given to setCalendar(), and this worker's own region (src/model/clients/
 * kernel.ts lays it out) at the offsets given to the setters below. Module globals are per instance, so per
 * worker. No allocation, no data segment (a shared memory would be rewritten at every instantiation).
 *
 * Floating point: every operation is the one JavaScript performs (IEEE double, Math.fround = f32.demote, ToUint32
 * of a truncated double = its low 32 bits, see intToU32), and what WebAssembly has no instruction for (Math.log and Math.exp in
 * the ziggurat's slow path, a shaped arrival process, a jitter other than full) is called in JavaScript, the very
 * code the reference scan runs.
 */

// JavaScript, imported (kernel.ts): the rare paths, run by the reference scan's own code.
/** ZigguratExp.slow from the state, layer and abscissa given; the new state is written at the state slot. */
@external("env", "zigSlow") declare function zigSlow(state: i32, layer: i32, abscissa: i32): f64;
/** Arrivals.next (a shaped profile). */
@external("env", "arrivalNext") declare function arrivalNext(prevS: f64, e: f64): f64;
/** RetryPolicy.delayS (a jitter other than full). */
@external("env", "delayS") declare function delayS(n: i32, u: f64, prevSleepS: f64): f64;
/** Calendar.newTail: a new page at the end of this worker's bucket `slot`. */
@external("env", "newTail") declare function newTail(slot: i32): i32;

// The layout and codes shared with the TypeScript side, copied here (a different language): exported, so that
// kernel.ts checks each against the TypeScript constant it copies when it loads the module.
// Record layout (records.ts Rec, RecU32), in bytes.
export const REC_BYTES: u32 = 48;
export const F_EV: u32 = 0;
export const F_ARR: u32 = 8;
export const F_REQ: u32 = 16;
export const U_RNG: u32 = 24;
export const U_SERIAL: u32 = 28;
export const U_EXP_MS: u32 = 32;
export const U_TOKENS: u32 = 36;
export const U_SLEEP: u32 = 40;
export const U_ATTEMPT: u32 = 44;
// calendar.ts Page and Horizon.
export const PAGE_SHIFT: u32 = 8;
export const PAGE_SIZE: i32 = 256;
export const FILL_SHIFT_BYTES: u32 = 6;
export const HORIZON: i32 = 128;
// The kernel's copy of AnswerRing.pick (kernel.ts copyPick): per answer a target count (uint32, 8 bytes), then
// per column its keep threshold x 2^32 (double) and its own and alias load balancers (int32).
export const PICK_HEAD_BYTES: u32 = 8;
export const PICK_COL_SHIFT: u32 = 4;
export const KEEP: u32 = 0;
export const OWN_LB: u32 = 8;
export const ALIAS_LB: u32 = 12;
// service.ts LbSlot (bytes), prng.ts.
export const LB_SHIFT_BYTES: u32 = 5;
export const EXCESS: u32 = 0;
export const THROTTLE: u32 = 8;
export const MEAN_S: u32 = 16;
export const MULBERRY_INCREMENT: i32 = 0x6d2b79f5;
const INV_2_32: f64 = 1.0 / 4294967296.0;
// loglinear.ts Latency.MAX_US; client-counters.ts AttemptErr (the tallies are in ClientCounter order).
export const MAX_US: f64 = 3600000000.0;
export const ERR_OK: i32 = 0;
export const ERR_CONNECT: i32 = 2;
export const ERR_TIMEOUT: i32 = 3;
export const ERR_THROTTLED: i32 = 4;
export const SERIAL_EMPTY: i32 = -1;

// Set once (setup, setService): the configuration, and the resolver cache's and service model's (ClientCore's).
let shaped = false;
let meanGapS: f64 = 0;
let maxAttempts: i32 = 1;
let budgeted = false;
let budgetRatio: f64 = 0;
let budgetBurst: f64 = 0;
let baseS: f64 = 0;
let decorrelated = false;
let fullJitter = false;
let ttlMs: f64 = 0;
let negativeTtlMs: f64 = 0;
let staleMs: f64 = 0;
let timeoutS: f64 = 0;
let connectTimeoutS: f64 = 0;
// Set once (setCalendar, setRegion): where things are.
let records: usize = 0;
let fill: usize = 0;
let ownTails: usize = 0;
let epochS: f64 = 1;
let perEpoch: f64 = 1;
let zigKW: usize = 0;
let backoffS: usize = 0;
let lbState: usize = 0;
let byLb: usize = 0;
let touched: usize = 0;
let latA: usize = 0;
let latI: usize = 0;
let tallies: usize = 0;
let stateSlot: usize = 0;
// Set per epoch (setEpoch): the answers and the service model's base latency.
let pick: usize = 0;
let pickMask: i32 = 0;
let pickStrideBytes: u32 = 0;
let current: i32 = SERIAL_EMPTY;
let svcBaseS: f64 = 0;
// The scan's counters over the page being scanned (globals, not locals: the loop has more live values than x64 has
// registers, and as locals V8 moved them between registers and the stack at every iteration).
let requests: u32 = 0;
let attempts: u32 = 0;
let successes: u32 = 0;
let dnsEmpty: u32 = 0;
let connect: u32 = 0;
let timeout: u32 = 0;
let throttled: u32 = 0;
let retries: u32 = 0;
let failed: u32 = 0;
let delayed: u32 = 0;
let denied: u32 = 0;
let dnsQueries: u32 = 0;
let staleAnswers: u32 = 0;
/** Load balancers with a non-zero count in byLb (uint32 counts) (their ids at `touched`), for the flush after a page. */
let touchedCount: i32 = 0;

export function setup(
  shapedArrivals: bool,
  gapS: f64,
  attemptsMax: i32,
  budget: bool,
  ratio: f64,
  burst: f64,
  retryBaseS: f64,
  decorrelatedJitter: bool,
  fullJitterOnly: bool,
): void {
  shaped = shapedArrivals;
  meanGapS = gapS;
  maxAttempts = attemptsMax;
  budgeted = budget;
  budgetRatio = ratio;
  budgetBurst = burst;
  baseS = retryBaseS;
  decorrelated = decorrelatedJitter;
  fullJitter = fullJitterOnly;
}

/** ClientCore's ttlMs, negativeTtlMs and staleMs, its ServiceModel's timeoutS and connectTimeoutS. */
export function setService(ttl: f64, negativeTtl: f64, stale: f64, timeout: f64, connectTimeout: f64): void {
  ttlMs = ttl;
  negativeTtlMs = negativeTtl;
  staleMs = stale;
  timeoutS = timeout;
  connectTimeoutS = connectTimeout;
}

export function setCalendar(recordsAt: usize, fillAt: usize, ownTailsAt: usize, epochLengthS: f64): void {
  records = recordsAt;
  fill = fillAt;
  ownTails = ownTailsAt;
  epochS = epochLengthS;
  perEpoch = 1 / epochLengthS;
}

export function setRegion(
  zigAt: usize,
  backoffAt: usize,
  lbStateAt: usize,
  byLbAt: usize,
  touchedAt: usize,
  latAttemptAt: usize,
  latIntendedAt: usize,
  talliesAt: usize,
  stateAt: usize,
): void {
  zigKW = zigAt;
  backoffS = backoffAt;
  lbState = lbStateAt;
  byLb = byLbAt;
  touched = touchedAt;
  latA = latAttemptAt;
  latI = latIntendedAt;
  tallies = talliesAt;
  stateSlot = stateAt;
}

export function setEpoch(pickAt: usize, mask: i32, strideBytes: i32, currentSerial: i32, serviceBaseS: f64): void {
  pick = pickAt;
  pickMask = mask;
  pickStrideBytes = <u32>strideBytes;
  current = currentSerial;
  svcBaseS = serviceBaseS;
}

/** Load balancers touched since the last call (their ids at the touched offset); resets the count. */
export function takeTouched(): i32 {
  const n = touchedCount;
  touchedCount = 0;
  return n;
}

/** mulberry32's output step (prng.ts), on a state already advanced. */
// @ts-ignore: decorator
@inline function mix(s: i32): u32 {
  let t = s;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <u32>(t ^ (t >>> 14));
}

/**
 * 1.5 x 2^52: an integer y with |y| < 2^51 added to it gives a sum in [2^52, 2^53), where doubles are the
 * integers, with 2^51 + y in the mantissa: y as two's complement in its low 32 bits, negative or not. (2^52 alone
 * would put a negative y's sum below 2^52, where the step is 1/2 and the low bits are y shifted.)
 */
const MAGIC: f64 = 6755399441055744.0;

/**
 * ToUint32 (JavaScript's `>>> 0`) of an integral double of magnitude below 2^51. WebAssembly's conversions check
 * for NaN and range (about 8 instructions in V8's code); this is an add and a move.
 */
// @ts-ignore: decorator
@inline function intToU32(y: f64): u32 {
  return <u32>reinterpret<u64>(y + MAGIC);
}

/** HDR counts-array index of a latency in seconds (loglinear.ts latencyIndexS), counted at `counts`. */
// @ts-ignore: decorator
@inline function countLatency(counts: usize, latS: f64): void {
  const v = latS * 1e6;
  // Never NaN here (a NaN fails the compare); trunc, not floor, as ToUint32 would for a negative.
  const u = intToU32(Math.trunc(v < MAX_US ? v : MAX_US));
  const b: u32 = 21 - clz<u32>(u | 2047);
  const at = counts + (((b << 10) + ((u >>> b) & 2047)) << 2);
  store<u32>(at, load<u32>(at) + 1);
}

/** Calendar.place: room at the end of this worker's bucket for a next event at evS; its record slot. */
// @ts-ignore: decorator
@inline function place(evS: f64, lo: i32): u32 {
  let b = Math.floor(evS * perEpoch);
  if (b * epochS > evS) b--;
  const hi = <f64>(lo + HORIZON - 1);
  if (b < <f64>lo) b = <f64>lo;
  else if (b > hi) b = hi;
  // b is a whole number in [lo, hi] now.
  const slot = <i32>intToU32(b) & (HORIZON - 1);
  let tp = load<i32>(ownTails + (<usize>slot << 2));
  if (tp < 0 || load<i32>(fill + (<usize>tp << FILL_SHIFT_BYTES)) == PAGE_SIZE) tp = newTail(slot);
  const f = fill + (<usize>tp << FILL_SHIFT_BYTES);
  const n = load<i32>(f);
  store<i32>(f, n + 1);
  return (<u32>tp << PAGE_SHIFT) + <u32>n;
}

/**
 * ClientShard.scanPage: every event before t1 of the `filled` records of page `page`, each record then placed
 * in the bucket of its next event (buckets from `lo` on). Returns the attempts; the page's counters are written at
 * the tallies offset, the latencies counted, the attempts per load balancer added (takeTouched says where).
 */
export function scanPage(page: i32, filled: i32, t1: f64, lo: i32): u32 {
  // The defaults (no budget, full jitter, no profile) in a copy of their own, where the flags are constants: the
  // tokens and the previous sleep are then not live in the loop at all.
  if (!budgeted && !shaped && fullJitter) return scan(page, filled, t1, lo, false, false, false, true);
  return scan(page, filled, t1, lo, budgeted, decorrelated, shaped, fullJitter);
}

// @ts-ignore: decorator
@inline function scan(
  page: i32,
  filled: i32,
  t1: f64,
  lo: i32,
  isBudgeted: bool,
  isDecorrelated: bool,
  isShaped: bool,
  isFullJitter: bool,
): u32 {
  const first = <u32>page << PAGE_SHIFT;
  const end = first + <u32>filled;
  for (let i = first; i < end; i++) {
    const rec = records + <usize>i * REC_BYTES;
    let evS = load<f64>(rec, F_EV);
    if (evS >= t1) {
      // Not due yet: moved as it is.
      const to = records + <usize>place(evS, lo) * REC_BYTES;
      store<u64>(to, load<u64>(rec, 0), 0);
      store<u64>(to, load<u64>(rec, 8), 8);
      store<u64>(to, load<u64>(rec, 16), 16);
      store<u64>(to, load<u64>(rec, 24), 24);
      store<u64>(to, load<u64>(rec, 32), 32);
      store<u64>(to, load<u64>(rec, 40), 40);
      continue;
    }
    let rng = load<i32>(rec, U_RNG);
    let attempt = load<i32>(rec, U_ATTEMPT);
    let arrS = load<f64>(rec, F_ARR);
    let tokens: f64 = isBudgeted ? <f64>load<f32>(rec, U_TOKENS) : 0;
    let sleepS: f64 = isDecorrelated ? <f64>load<f32>(rec, U_SLEEP) : baseS;
    do {
      if (attempt == 0) {
        store<f64>(rec, arrS, F_REQ);
        requests++;
        if (evS > arrS) delayed++;
        // Exp(1) by the ziggurat's fast path, written out here and at the service time's draw below: the slow path
        // moves the stream, a local, which an inlined helper could hand back only through memory (no out-parameters).
        rng += MULBERRY_INCREMENT;
        const t = mix(rng);
        const zx = t >>> 8;
        const zi = t & 255;
        const kw = zigKW + (<usize>zi << 4);
        let e: f64;
        if (<f64>zx < load<f64>(kw)) e = <f64>zx * load<f64>(kw, 8);
        else {
          e = zigSlow(rng, zi, zx);
          rng = load<i32>(stateSlot);
        }
        arrS = isShaped ? arrivalNext(arrS, e) : arrS + e * meanGapS;
        if (isBudgeted) {
          const tk = tokens + budgetRatio;
          tokens = <f64>(<f32>(tk < budgetBurst ? tk : budgetBurst));
        }
        if (isDecorrelated) sleepS = baseS;
      }
      attempt++;
      attempts++;
      // ClientCore.lookup.
      let serial: i32;
      const tMs = evS * 1000;
      // The cache entry and the request's start stay in the record (as in the reference scan): fewer values live
      // in the loop, which has more than x64 has registers.
      const expMs = load<u32>(rec, U_EXP_MS);
      if (tMs < <f64>expMs) serial = load<i32>(rec, U_SERIAL);
      else {
        dnsQueries++;
        if (current >= 0) {
          store<i32>(rec, current, U_SERIAL);
          store<u32>(rec, intToU32(Math.ceil(tMs + ttlMs)), U_EXP_MS);
          serial = current;
        } else {
          serial = load<i32>(rec, U_SERIAL);
          if (serial >= 0 && tMs < <f64>expMs + staleMs) staleAnswers++;
          else {
            store<i32>(rec, SERIAL_EMPTY, U_SERIAL);
            store<u32>(rec, intToU32(Math.ceil(tMs + negativeTtlMs)), U_EXP_MS);
            serial = SERIAL_EMPTY;
          }
        }
      }
      let doneS: f64;
      if (serial < 0) {
        dnsEmpty++;
        doneS = evS;
      } else {
        // ClientCore.targets and pick, in integers: with the draw r, the reference computes x = (r / 2^32) * count,
        // exact (r * count < 2^53), so its column floor(x) is the high word of the 64-bit product r * count and
        // its fraction x - floor(x) < keep is low word < keep * 2^32 (kernel.ts stores keep * 2^32).
        const p = pick + <usize>(<u32>(serial & pickMask) * pickStrideBytes);
        const count = load<u32>(p);
        let r: u32 = 0;
        if (count > 1) {
          rng += MULBERRY_INCREMENT;
          r = mix(rng);
        }
        const m = <u64>r * <u64>count;
        const c = p + PICK_HEAD_BYTES + (<usize>(m >>> 32) << PICK_COL_SHIFT);
        const lb = <f64>(<u32>m) < load<f64>(c, KEEP) ? load<i32>(c, OWN_LB) : load<i32>(c, ALIAS_LB);
        const byAt = byLb + (<usize>lb << 2);
        const had = load<u32>(byAt);
        if (had == 0) {
          store<i32>(touched + (<usize>touchedCount << 2), lb);
          touchedCount++;
        }
        store<u32>(byAt, had + 1);
        // ClientCore.overloaded and outcome.
        const st = lbState + (<usize>lb << LB_SHIFT_BYTES);
        const excess = load<f64>(st, EXCESS);
        let u2: f64 = 1;
        if (excess > 0) {
          rng += MULBERRY_INCREMENT;
          u2 = <f64>mix(rng) * INV_2_32;
        }
        rng += MULBERRY_INCREMENT;
        const t = mix(rng);
        const zx = t >>> 8;
        const zi = t & 255;
        const kw = zigKW + (<usize>zi << 4);
        let e3: f64;
        if (<f64>zx < load<f64>(kw)) e3 = <f64>zx * load<f64>(kw, 8);
        else {
          e3 = zigSlow(rng, zi, zx);
          rng = load<i32>(stateSlot);
        }
        let err: i32;
        let latS: f64;
        const meanS = load<f64>(st, MEAN_S);
        if (meanS < 0) {
          latS = connectTimeoutS;
          err = ERR_CONNECT;
        } else if (u2 < excess) {
          if (u2 < load<f64>(st, THROTTLE)) {
            const l = e3 * svcBaseS;
            latS = l < timeoutS ? l : timeoutS;
            err = ERR_THROTTLED;
          } else {
            latS = timeoutS;
            err = ERR_TIMEOUT;
          }
        } else {
          const sojournS = e3 * meanS;
          if (sojournS >= timeoutS) {
            latS = timeoutS;
            err = ERR_TIMEOUT;
          } else {
            latS = sojournS;
            err = ERR_OK;
          }
        }
        doneS = evS + latS;
        countLatency(latA, latS);
        if (err == ERR_OK) {
          successes++;
          countLatency(latI, doneS - load<f64>(rec, F_REQ));
          attempt = 0;
          evS = doneS > arrS ? doneS : arrS;
          continue;
        }
        if (err == ERR_TIMEOUT) timeout++;
        else if (err == ERR_CONNECT) connect++;
        else throttled++;
      }
      // A failed attempt: retry if allowed, else the request fails.
      if (attempt < maxAttempts) {
        if (isBudgeted && tokens < 1) {
          denied++;
        } else {
          if (isBudgeted) tokens = <f64>(<f32>(tokens - 1));
          retries++;
          rng += MULBERRY_INCREMENT;
          const u = <f64>mix(rng) * INV_2_32;
          const d = isFullJitter ? u * load<f64>(backoffS + (<usize>attempt << 3)) : delayS(attempt, u, sleepS);
          if (isDecorrelated) sleepS = <f64>(<f32>d);
          evS = doneS + d;
          continue;
        }
      }
      failed++;
      countLatency(latI, doneS - load<f64>(rec, F_REQ));
      attempt = 0;
      evS = doneS > arrS ? doneS : arrS;
    } while (evS < t1);
    const to = records + <usize>place(evS, lo) * REC_BYTES;
    store<f64>(to, evS, F_EV);
    store<f64>(to, arrS, F_ARR);
    store<f64>(to, load<f64>(rec, F_REQ), F_REQ);
    store<i32>(to, rng, U_RNG);
    store<i32>(to, load<i32>(rec, U_SERIAL), U_SERIAL);
    store<u32>(to, load<u32>(rec, U_EXP_MS), U_EXP_MS);
    if (isBudgeted) store<f32>(to, <f32>tokens, U_TOKENS);
    if (isDecorrelated) store<f32>(to, <f32>sleepS, U_SLEEP);
    store<i32>(to, attempt, U_ATTEMPT);
  }

  const n = attempts;
  writeTallies();
  return n;
}

/** The page's counters, written at the tallies offset in ClientCounter order (client-counters.ts); then zero. */
function writeTallies(): void {
  store<f64>(tallies, <f64>requests, 0);
  store<f64>(tallies, <f64>attempts, 8);
  store<f64>(tallies, <f64>successes, 16);
  store<f64>(tallies, <f64>dnsEmpty, 24);
  store<f64>(tallies, <f64>connect, 32);
  store<f64>(tallies, <f64>timeout, 40);
  store<f64>(tallies, <f64>throttled, 48);
  store<f64>(tallies, <f64>retries, 56);
  store<f64>(tallies, <f64>failed, 64);
  store<f64>(tallies, <f64>delayed, 72);
  store<f64>(tallies, <f64>denied, 80);
  store<f64>(tallies, <f64>dnsQueries, 88);
  store<f64>(tallies, <f64>staleAnswers, 96);
  requests = 0;
  attempts = 0;
  successes = 0;
  dnsEmpty = 0;
  connect = 0;
  timeout = 0;
  throttled = 0;
  retries = 0;
  failed = 0;
  delayed = 0;
  denied = 0;
  dnsQueries = 0;
  staleAnswers = 0;
}
