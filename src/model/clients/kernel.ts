/**
 * Models nothing: runs ClientShard's scan of a due page in WebAssembly (wasm/scan.ts, built into
 * dist/client-scan.wasm, which the engine loads: src/engine/scan-kernel.ts), over the population's shared
 * WebAssembly memory (src/memory/population.ts). Same draws, same records, same counts as the JavaScript scan
 * (shard.ts scanPage), which stays the reference: the tests compare the two run for run
 * (test/client-kernel.test.ts).
 *
 * Each worker has one instance of the kernel (its globals are that worker's) and a region of the memory of its
 * own, laid out here:
 *
 *   zig       the ziggurat's interleaved thresholds and scales (exp-ziggurat.ts ZIG_KW), 512 doubles
 *   state     the stream state the ziggurat's slow path hands back (one int32, 8 bytes)
 *   tallies   the last page's counters, in ClientCounter order (13 doubles)
 *   backoff   RetryPolicy.backoffS (maxAttempts + 1 doubles)
 *   latency   the attempt and intended latency counts (2 x LATENCY_BUCKETS uint32): the shard's own arrays
 *   lbs       (a second region, once the store's size is known) ServiceModel.lbState, the attempts per load
 *             balancer since the last page and the ids of those touched
 *   answers   (a third, grown with the answer ring) AnswerRing.pick, copied when the ring has a new answer
 *
 * The scan's rare paths (the ziggurat's slow path, a shaped arrival process, a jitter other than full, a new
 * calendar page) are calls back into the same JavaScript the reference scan runs.
 */
import type { ClientsConfig } from '../../config/clients-schema.ts';
import { growRegion } from '../../memory/population.ts';
import { AttemptErr, ClientCounter } from '../../metrics/client-counters.ts';
import { LATENCY_BUCKETS, Latency } from '../../metrics/loglinear.ts';
import { Prng } from '../prng.ts';
import { type AnswerRing, PickCol, Serial } from './answers.ts';
import { ClientCore } from './core.ts';
import type { Arrivals } from './arrivals.ts';
import { type Calendar, HORIZON, Page } from './calendar.ts';
import { ZIG_KW, type ZigguratExp } from './exp-ziggurat.ts';
import { type ClientRecords, RECORD_BYTES, Rec, RecU32 } from './records.ts';
import { LbSlot, LbStride } from './service.ts';
import { JITTER_DECORRELATED, JITTER_FULL, type RetryPolicy } from './retry.ts';

interface KernelExports {
  setup(
    shaped: number,
    meanGapS: number,
    maxAttempts: number,
    budgeted: number,
    budgetRatio: number,
    budgetBurst: number,
    baseS: number,
    decorrelated: number,
    fullJitter: number,
  ): void;
  setService(ttlMs: number, negativeTtlMs: number, staleMs: number, timeoutS: number, connectTimeoutS: number): void;
  setCalendar(recordsAt: number, fillAt: number, ownTailsAt: number, epochS: number): void;
  setRegion(
    zigAt: number,
    backoffAt: number,
    lbStateAt: number,
    byLbAt: number,
    touchedAt: number,
    latAttemptAt: number,
    latIntendedAt: number,
    talliesAt: number,
    stateAt: number,
  ): void;
  setEpoch(pickAt: number, mask: number, strideBytes: number, current: number, serviceBaseS: number): void;
  takeTouched(): number;
  scanPage(page: number, filled: number, t1S: number, lo: number): number;
}

/**
 * The kernel's pick table (copyPick; wasm/scan.ts PICK_*), in bytes: per answer a head (its target count), then
 * per alias column its keep threshold and its two load balancers.
 */
enum PickLayout {
  HEAD_BYTES = 8,
  COL_SHIFT = 4,
}
/** Where in a column of the kernel's pick table (bytes). */
enum PickColAt {
  KEEP = 0,
  OWN_LB = 8,
  ALIAS_LB = 12,
}

/** Bytes per answer in the kernel's pick table. */
function pickStrideBytes(targetsMax: number): number {
  return PickLayout.HEAD_BYTES + (targetsMax << PickLayout.COL_SHIFT);
}

/**
 * What wasm/scan.ts copies from this side (another language: it cannot import them), against the constants
 * themselves: a kernel built from a scan.ts that drifted from records.ts, calendar.ts, service.ts and the rest
 * would run on the wrong bytes. `x`: the instance's exports (each constant a WebAssembly.Global).
 */
export function checkKernelLayout(x: Record<string, unknown>): void {
  const want: Record<string, number> = {
    REC_BYTES: RECORD_BYTES,
    F_EV: Rec.F_EV * 8,
    F_ARR: Rec.F_ARR * 8,
    F_REQ: Rec.F_REQ * 8,
    U_RNG: RecU32.U_RNG * 4,
    U_SERIAL: RecU32.U_SERIAL * 4,
    U_EXP_MS: RecU32.U_EXP_MS * 4,
    U_TOKENS: RecU32.U_TOKENS * 4,
    U_SLEEP: RecU32.U_SLEEP * 4,
    U_ATTEMPT: RecU32.U_ATTEMPT * 4,
    PAGE_SHIFT: Page.SHIFT,
    PAGE_SIZE: Page.SIZE,
    FILL_SHIFT_BYTES: Page.FILL_SHIFT + 2,
    HORIZON,
    PICK_HEAD_BYTES: PickLayout.HEAD_BYTES,
    PICK_COL_SHIFT: PickLayout.COL_SHIFT,
    KEEP: PickColAt.KEEP,
    OWN_LB: PickColAt.OWN_LB,
    ALIAS_LB: PickColAt.ALIAS_LB,
    LB_SHIFT_BYTES: LbStride.SHIFT + 3,
    EXCESS: LbSlot.EXCESS * 8,
    THROTTLE: LbSlot.THROTTLE * 8,
    MEAN_S: LbSlot.MEAN_S * 8,
    MULBERRY_INCREMENT: Prng.MULBERRY_INCREMENT,
    MAX_US: Latency.MAX_US,
    ERR_OK: AttemptErr.OK,
    ERR_CONNECT: AttemptErr.CONNECT,
    ERR_TIMEOUT: AttemptErr.TIMEOUT,
    ERR_THROTTLED: AttemptErr.THROTTLED,
    SERIAL_EMPTY: Serial.EMPTY,
  };
  const value = (k: string) => (x[k] instanceof WebAssembly.Global ? (x[k] as WebAssembly.Global).value : undefined);
  const wrong = Object.keys(want).filter((k) => value(k) !== want[k]);
  if (wrong.length > 0) {
    const list = wrong.map((k) => `${k} ${value(k) ?? 'missing'} (this build: ${want[k]})`).join(', ');
    throw new Error(`the client scan kernel (dist/client-scan.wasm) does not match this build: ${list}; run npm run build`);
  }
}

/** The scan's counters, ClientCounter.REQUESTS through STALE_ANSWERS (wasm/scan.ts writes them in that order). */
const TALLIES = ClientCounter.STALE_ANSWERS + 1;

/** What the kernel needs of its shard (ClientShard). */
export interface KernelParts {
  readonly records: ClientRecords;
  readonly calendar: Calendar;
  readonly retry: RetryPolicy;
  readonly arrivals: Arrivals;
  readonly zig: ZigguratExp;
}

export class ScanKernel {
  /** The shard's latency counts (the kernel adds to them in place). */
  readonly latencyAttempt: Uint32Array;
  readonly latencyIntended: Uint32Array;
  private readonly wasm: WebAssembly.Memory;
  private readonly x: KernelExports;
  private readonly tallies: Float64Array;
  private readonly state: Int32Array;
  private readonly zigAt: number;
  private readonly backoffAt: number;
  private byLb: Uint32Array = new Uint32Array(0);
  private touched: Int32Array = new Int32Array(0);
  /** The answer ring's pick table as last copied: the array and its answer count, and where the copy is. */
  private pickFrom: Float64Array | null = null;
  private pickSerials = -1;
  private pickAt = 0;
  private pickRoomBytes = 0;

  /** `module`: the compiled dist/client-scan.wasm (the engine loads it: src/engine/scan-kernel.ts). */
  constructor(wasm: WebAssembly.Memory, module: WebAssembly.Module, p: KernelParts) {
    this.wasm = wasm;
    const { retry, arrivals, zig, calendar: cal } = p;
    const stateAt = ZIG_KW.byteLength;
    const talliesAt = stateAt + 8;
    const backoffAt = talliesAt + TALLIES * 8;
    const latAttemptAt = backoffAt + retry.backoffS.byteLength;
    const latIntendedAt = latAttemptAt + LATENCY_BUCKETS * 4;
    const at = growRegion(wasm, latIntendedAt + LATENCY_BUCKETS * 4);
    this.zigAt = at;
    this.backoffAt = at + backoffAt;
    const buf = wasm.buffer;
    new Float64Array(buf, at, ZIG_KW.length).set(ZIG_KW);
    new Float64Array(buf, at + backoffAt, retry.backoffS.length).set(retry.backoffS);
    this.state = new Int32Array(buf, at + stateAt, 1);
    this.tallies = new Float64Array(buf, at + talliesAt, TALLIES);
    this.latencyAttempt = new Uint32Array(buf, at + latAttemptAt, LATENCY_BUCKETS);
    this.latencyIntended = new Uint32Array(buf, at + latIntendedAt, LATENCY_BUCKETS);
    const state = this.state;
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: wasm,
        zigSlow: (s: number, layer: number, abscissa: number) => {
          zig.state = s;
          const e = +zig.slow(layer, abscissa);
          state[0] = zig.state;
          return e;
        },
        arrivalNext: (prevS: number, e: number) => arrivals.next(prevS, e),
        delayS: (n: number, u: number, prevSleepS: number) => retry.delayS(n, u, prevSleepS),
        newTail: (slot: number) => cal.newTail(slot),
      },
    });
    checkKernelLayout(instance.exports);
    const x = instance.exports as unknown as KernelExports;
    this.x = x;
    x.setup(
      arrivals.shaped ? 1 : 0,
      arrivals.meanGapS,
      retry.maxAttempts,
      retry.budgeted ? 1 : 0,
      retry.budgetRatio,
      retry.budgetBurst,
      retry.baseS,
      retry.jitter === JITTER_DECORRELATED ? 1 : 0,
      retry.jitter === JITTER_FULL ? 1 : 0,
    );
    x.setCalendar(p.records.at, cal.fill.byteOffset, cal.tails.byteOffset + cal.tailBase * 4, cal.epochS);
  }

  /**
   * The shard's ClientCore, for a store of `lbCount` load balancers and answers of up to `targetsMax` targets: its
   * service model keeps the load balancers' state in this worker's region (the kernel reads it there), and the
   * kernel takes the cache's and the service's parameters from it.
   */
  newCore(cfg: ClientsConfig, targetsMax: number, lbCount: number): ClientCore {
    const stateBytes = (lbCount << LbStride.SHIFT) * 8;
    const at = growRegion(this.wasm, stateBytes + lbCount * 8);
    const buf = this.wasm.buffer;
    this.byLb = new Uint32Array(buf, at + stateBytes, lbCount);
    this.touched = new Int32Array(buf, at + stateBytes + lbCount * 4, lbCount);
    this.x.setRegion(
      this.zigAt,
      this.backoffAt,
      at,
      this.byLb.byteOffset,
      this.touched.byteOffset,
      this.latencyAttempt.byteOffset,
      this.latencyIntended.byteOffset,
      this.tallies.byteOffset,
      this.state.byteOffset,
    );
    const core = new ClientCore(cfg, targetsMax, lbCount, new Float64Array(buf, at, lbCount << LbStride.SHIFT));
    const svc = core.svc;
    this.x.setService(core.ttlMs, core.negativeTtlMs, core.staleMs, svc.timeoutS, svc.connectTimeoutS);
    return core;
  }

  /** Start of an epoch: the answers (copied when the ring has a new one) and the service model's base latency. */
  beginEpoch(ring: AnswerRing, serviceBaseS: number): void {
    if (ring.pick !== this.pickFrom || ring.nextSerial !== this.pickSerials) this.copyPick(ring);
    this.x.setEpoch(this.pickAt, ring.mask, pickStrideBytes(ring.targetsMax), ring.current, serviceBaseS);
  }

  /**
   * The ring's pick table in the kernel's layout (wasm/scan.ts): per answer slot its target count (uint32, 8
   * bytes), then per alias column the keep probability times 2^32 (exact: a power of two) and the two load
   * balancers as int32. The kernel picks with integers (see there).
   */
  private copyPick(ring: AnswerRing): void {
    const stride = pickStrideBytes(ring.targetsMax);
    const bytes = ring.capacity * stride;
    if (bytes > this.pickRoomBytes) {
      // Twice what is needed: the ring doubles when it grows.
      this.pickRoomBytes = 2 * bytes;
      this.pickAt = growRegion(this.wasm, this.pickRoomBytes);
    }
    const f64 = new Float64Array(this.wasm.buffer, this.pickAt, bytes / 8);
    const i32 = new Int32Array(this.wasm.buffer, this.pickAt, bytes / 4);
    const src = ring.pick;
    const P = ring.pickStride;
    for (let slot = 0; slot < ring.capacity; slot++) {
      const from = slot * P;
      const to = slot * stride;
      i32[to >> 2] = src[from];
      for (let k = 0; k < ring.targetsMax; k++) {
        const c = from + 1 + PickCol.SIZE * k;
        const col = to + PickLayout.HEAD_BYTES + (k << PickLayout.COL_SHIFT);
        f64[(col + PickColAt.KEEP) >> 3] = src[c + PickCol.KEEP] * 2 ** 32;
        i32[(col + PickColAt.OWN_LB) >> 2] = src[c + PickCol.OWN_LB];
        i32[(col + PickColAt.ALIAS_LB) >> 2] = src[c + PickCol.ALIAS_LB];
      }
    }
    this.pickFrom = ring.pick;
    this.pickSerials = ring.nextSerial;
  }

  /**
   * ClientShard.scanPage on page `page` (its `filled` records), up to t1S, into buckets from `lo` on: the
   * attempts per load balancer added to byLb and the counters to `counters`. Returns the attempts.
   */
  scanPage(page: number, filled: number, t1S: number, lo: number, byLb: Float64Array, counters: Float64Array): number {
    const attempts = this.x.scanPage(page, filled, t1S, lo);
    const mine = this.byLb;
    const touched = this.touched;
    for (let j = 0, n = this.x.takeTouched(); j < n; j++) {
      const lb = touched[j];
      byLb[lb] += mine[lb];
      mine[lb] = 0;
    }
    const t = this.tallies;
    for (let k = 0; k < TALLIES; k++) counters[k] += t[k];
    return attempts;
  }

  /** Bytes of the worker's regions. */
  bytes(): number {
    return ZIG_KW.byteLength + 8 + TALLIES * 8 + 2 * LATENCY_BUCKETS * 4 + this.byLb.length * 40 + this.pickRoomBytes;
  }
}
