/**
 * Models: clients that can fail over to another region (scenario `regions`). A share of the population, chosen
 * by a hash of (seed, global client index), is multi-region capable; the rest stay pinned to the home region
 * (the `dns` section, where the race happens). A capable client leaves home when its failover trigger fires
 * (consecutive failed attempts, an empty DNS answer, or a request over its latency budget), stays away for a
 * drawn time, then comes back with its next new request (a retry or a later call of a request in progress stays
 * where the request started; probe: that request's first home attempt decides, and a failure sends it straight
 * back for a new stay; sticky: it is simply home again). Away, every attempt goes to the failover region's load balancers,
 * which take part in the same service model as the home ones (service.ts: global load-balancer ids, capacities
 * and last epoch's offered load summed over workers, as published for the epoch: src/engine/lb-epoch.ts), so a herd of failing-over clients overloads
 * them through the M/M/1 model (throttling, timeouts) like any other load; the cross-region round trip is added
 * to each such attempt, within the client's attempt deadline.
 * Dependency chains (scenario `chains`): a user request is an ordered list of calls to named services; each call
 * is served like a single-service request's attempts (with the clients' retries) and the request fails when a
 * call fails after its retries; its latency spans every call. The clients' endpoint is the one dynamic service
 * (its own cache entry, the race, the failover); the others are static, healthy endpoints with their own load
 * balancers in the same service model, so a chain also fails when one of them is short of capacity.
 *
 * Leaves out: a control plane in the other region (its endpoint is static and healthy: always the same answer,
 * every load balancer in service, so its resolver cache cannot fail and is not simulated); failing over with
 * zero backoff (a retry after a failover waits its backoff like any retry); state that must be replicated before
 * a client can use the other region (a failed-over request is served as if the data were there); clients homed
 * anywhere but the home region; more than one failover region per client; and load from the other region's own
 * users (its capacity is what is left for the failover); for chains, per-region copies of the static services
 * (a failed-over client calls the same ones), dynamic services besides the clients' endpoint, and calls made in
 * parallel.
 *
 * Determinism and speed: this scan replaces ClientShard's own scan when the scenario has regions or chains (one
 * branch per due page in ClientShard.runChunk, none per attempt on the single-region path). A pinned client takes exactly the
 * draws the single-region scan takes, in the same order, from its own stream, so its history is the same; a
 * capable client draws its stays from the same stream. The per-client failover and chain state is a 16-byte
 * extension record (records.ts, EXT_*) in a pool of its own, at the same slot as the client's record in the
 * calendar's pages (calendar.ts) and moved with it, shared like the records, so any worker can run any page.
 */
import type { ClientsConfig } from '../../config/clients-schema.ts';
import type { ChainsConfig, FailoverConfig, RegionsConfig, StaticEndpoint } from '../../config/regions-schema.ts';
import type { LbState } from './service.ts';
import { AttemptErr, ClientCounter } from '../../metrics/client-counters.ts';
import { Latency } from '../../metrics/loglinear.ts';
import { REGION_COUNTER_COUNT, RegionCounter } from '../../metrics/region-counters.ts';
import { mix32, Prng, Rng, sampleDuration, seedFor, Stream } from '../prng.ts';
import { ClientCore } from './core.ts';
import { ZIG_KW, type ZigguratExp } from './exp-ziggurat.ts';
import { type Calendar, Page } from './calendar.ts';
import { EXT_BYTES, type ClientRecords, Rec, RecU32, Ext, ExtU32, ExtFlag } from './records.ts';
import { JITTER_DECORRELATED, JITTER_FULL, type RetryPolicy } from './retry.ts';
import type { Arrivals } from './arrivals.ts';

enum Trigger {
  FAILURES = 0,
  EMPTY = 1,
  LATENCY = 2,
}

/** Whether global client `index` is multi-region capable: a hash of (seed, index) below `share`. */
export function isMultiRegion(seed: number, index: number, share: number): boolean {
  return mix32(seedFor(seed, Stream.failover, index)) * Prng.INV_2_32 < share;
}

/** What the failover scan needs of its ClientShard: the shared parts of the population's state. */
export interface ScanParts {
  readonly records: ClientRecords;
  readonly counters: Float64Array;
  readonly latencyIntended: Uint32Array;
  readonly latencyAttempt: Uint32Array;
  readonly retry: RetryPolicy;
  readonly arrivals: Arrivals;
  readonly zig: ZigguratExp;
}

/** A static, healthy endpoint (config/static-endpoints.ts staticEndpoints): its load balancers (global ids from lbBase), its base latency, its core once built. */
class StaticCore {
  core: ClientCore | null = null;
  constructor(
    readonly lbBase: number,
    readonly lbs: number,
    readonly baseLatencyUs: number,
  ) {}

  /** Start of an epoch: the endpoint's load balancers as the clients see them (capacity, last epoch's load). */
  begin(clients: ClientsConfig, lbs: LbState): ClientCore {
    const lbCount = lbs.lbInService.length;
    let core = this.core;
    if (!core || core.svc.lbCount !== lbCount) {
      core = this.core = new ClientCore(clients, this.lbs, lbCount);
      // The static answer: every load balancer, equal weights.
      const ids = Int32Array.from({ length: this.lbs }, (_, k) => this.lbBase + k);
      const cum = Float64Array.from({ length: this.lbs }, (_, k) => k + 1);
      core.ring.update(this.lbs, ids, cum, 0);
    }
    // Its answer names only its own load balancers: the others are never read through this core.
    core.svc.refreshRange(lbs, this.baseLatencyUs, this.lbBase, this.lbBase + this.lbs);
    return core;
  }
}

/** Per-service counters of a window, per service in chains.services order: calls, failed calls, attempts, failed attempts. */
export const SERVICE_COUNTERS = ['calls', 'failedCalls', 'attempts', 'failedAttempts'] as const;
// Slots in SERVICE_COUNTERS order (test/hot-path-enums.test.ts keeps the two alike); COUNT is each service's stride.
export enum Svc {
  CALLS = 0,
  FAILED_CALLS = 1,
  ATTEMPTS = 2,
  FAILED_ATTEMPTS = 3,
  COUNT = 4,
}

export class MultiRegion {
  readonly ext: ArrayBufferLike;
  private readonly xf64: Float64Array;
  private readonly xu32: Uint32Array;
  /** This window's counts in REGION_COUNTERS order (with regions), and SERVICE_COUNTERS per service (with chains). */
  readonly counters = new Float64Array(REGION_COUNTER_COUNT);
  readonly serviceCounters: Float64Array;
  private readonly withRegions: boolean;
  private readonly withChains: boolean;
  private readonly stay: FailoverConfig['stayS'];
  private readonly clients: ClientsConfig;
  private readonly crossS: number;
  private readonly trigger: number;
  private readonly failuresToLeave: number;
  private readonly budgetS: number;
  private readonly probe: boolean;
  /** The failover region's endpoint (null without regions). */
  private readonly away: StaticCore | null;
  /** The calls of one request: per hop, the static endpoint it calls (null: the clients' dynamic endpoint) and its service. */
  private readonly hopStatic: (StaticCore | null)[];
  private readonly hopService: Int32Array;
  /** Per hop, the core of its static endpoint as of this epoch (null: the dynamic one); set by beginEpoch. */
  private hopCore: (ClientCore | null)[] = [];
  private readonly rng = new Rng(1);
  /** Multi-region capable clients among the ones this instance initialised ([initFrom, initTo)). */
  readonly multiClients: number = 0;

  /**
   * State of the clients of a population whose records have `slots` slots (the calendar's pages x Page.SIZE);
   * initialises the extension of clients [initFrom, initFrom + at.length) (local indices; global index
   * fromClient + local), client initFrom + k's at slot at[k], where the calendar placed its record. `statics`:
   * the static endpoints with their global load-balancer ids (other regions, then static services:
   * config/static-endpoints.ts staticEndpoints, the order the coordinator sets capacities in). `ext`: the shared
   * extension pool (slots x EXT_BYTES), or none for a private one.
   */
  constructor(
    regions: RegionsConfig | undefined,
    chains: ChainsConfig | undefined,
    clients: ClientsConfig,
    seed: number,
    fromClient: number,
    statics: readonly StaticEndpoint[],
    init: { ext?: SharedArrayBuffer; slots: number; initFrom: number; at: Int32Array },
  ) {
    this.clients = clients;
    const ends = new Map(statics.map((e) => [`${e.kind}:${e.name}`, new StaticCore(e.lbBase, e.lbs, e.baseLatencyMs * 1000)]));
    this.withRegions = regions !== undefined;
    const f = regions?.failover;
    const to = regions && f ? regions.others.find((o) => o.name === f.to) : undefined;
    if (regions && !to) throw new Error(`regions.failover.to: no region '${f?.to}'`);
    this.away = to ? (ends.get(`region:${to.name}`) ?? null) : null;
    this.crossS = to ? to.crossLatencyMs / 1000 : 0;
    this.stay = f ? f.stayS : { dist: 'const', valueS: 0 };
    const t = f?.trigger ?? { on: 'failures', attempts: 1 };
    this.trigger = t.on === 'failures' ? Trigger.FAILURES : t.on === 'empty-answer' ? Trigger.EMPTY : Trigger.LATENCY;
    this.failuresToLeave = t.on === 'failures' ? t.attempts : 1;
    this.budgetS = t.on === 'latency' ? t.budgetMs / 1000 : Infinity;
    this.probe = f?.comeBack === 'probe';
    this.withChains = chains !== undefined;
    const services = chains?.services ?? [];
    const request = chains?.request ?? [];
    this.hopStatic = chains ? request.map((n) => ends.get(`service:${n}`) ?? null) : [null];
    this.hopService = chains ? Int32Array.from(request, (n) => services.findIndex((x) => x.name === n)) : Int32Array.of(-1);
    this.serviceCounters = new Float64Array(services.length * SERVICE_COUNTERS.length);
    const bytes = init.slots * EXT_BYTES;
    if (init.ext && init.ext.byteLength !== bytes) throw new Error(`multi-region extension: ${init.ext.byteLength} bytes, need ${bytes}`);
    this.ext = init.ext ?? new ArrayBuffer(bytes);
    this.xf64 = new Float64Array(this.ext);
    this.xu32 = new Uint32Array(this.ext);
    const share = f ? f.share : 0;
    let multiClients = 0;
    const at = init.at;
    for (let k = 0; k < at.length; k++) {
      // Capability follows the client (its GLOBAL index), not the slot.
      const multi = share > 0 && isMultiRegion(seed, fromClient + init.initFrom + k, share);
      if (multi) multiClients++;
      const x = at[k];
      this.xf64[x * Ext.F64_PER_EXT + Ext.X_UNTIL] = 0;
      this.xu32[x * Ext.U32_PER_EXT + ExtU32.X_STREAK] = 0;
      this.xu32[x * Ext.U32_PER_EXT + ExtU32.X_FLAGS] = multi ? ExtFlag.X_MULTI : 0;
    }
    this.multiClients = multiClients;
  }

  /** Start of an epoch: every static endpoint's load balancers as the clients see them. */
  beginEpoch(lbs: LbState): void {
    this.away?.begin(this.clients, lbs);
    // A service called twice in a request is one endpoint: refresh it once.
    for (const e of new Set(this.hopStatic)) e?.begin(this.clients, lbs);
    this.hopCore = this.hopStatic.map((e) => e?.core ?? null);
  }

  /** Bytes of state held beside the records. */
  bytes(): number {
    return this.ext.byteLength;
  }

  /**
   * ClientShard.scanPage for a population with regions or chains: every event before t1S of each client of the
   * calendar's due page `page`, counted into the shard's window and this one's; then its record and extension
   * record (together) to the end of the bucket of its next event (`lo`: the first bucket open, as there), and the
   * page back to the free ones. Returns the attempts made. Per client, the draws and their order are those of
   * ClientShard.scanPage (see there); the failover moves and the hops of a chain are the only additions. A
   * request's hop lives in the flags word (ExtFlag.X_HOP_SHIFT); each hop is a call with the clients' retries;
   * the next hop starts when the previous one answers.
   */
  scanPage(p: ScanParts, home: ClientCore, cal: Calendar, byLb: Float64Array, page: number, lo: number, t1S: number): number {
    const away = this.away?.core ?? null;
    const { f64, u32, f32 } = p.records;
    const { xf64, xu32 } = this;
    const c = p.counters;
    const rc = this.counters;
    const sc = this.serviceCounters;
    const chains = this.withChains;
    const hops = this.hopStatic.length;
    const hopCore = this.hopCore;
    const hopSvc = this.hopService;
    const latI = p.latencyIntended;
    const latA = p.latencyAttempt;
    const retry = p.retry;
    const arrivals = p.arrivals;
    const shaped = arrivals.shaped;
    const meanGapS = arrivals.meanGapS;
    const zig = p.zig;
    const zigKW = ZIG_KW;
    const r = this.rng;
    const budgeted = retry.budgeted;
    const decorrelated = retry.jitter === JITTER_DECORRELATED;
    const fullJitter = retry.jitter === JITTER_FULL;
    const backoffS = retry.backoffS;
    const timeoutS = this.clients.timeoutS;
    const stay = this.stay;
    let attempts = 0;
    const first = page << Page.SHIFT;
    for (let i = first, end = first + cal.filled(page); i < end; i++) {
      // Slots masked to their bound, as in ClientShard.scanPage (no overflow checks on the indices).
      const slot = i & Rec.SLOT_MASK;
      const fb = slot * Rec.F64_PER_RECORD;
      const ub = slot * Rec.U32_PER_RECORD;
      const xb = slot * Ext.U32_PER_EXT;
      let evS = f64[fb + Rec.F_EV];
      if (evS >= t1S) {
        // Not due yet (as in ClientShard.scanPage): both records moved as they are, word for word.
        const d = cal.place(evS, lo);
        p.records.move(i, d);
        const dx = d * Ext.U32_PER_EXT;
        for (let k = 0; k < Ext.U32_PER_EXT; k++) xu32[dx + k] = xu32[xb + k];
      } else {
        // The client's stream, in a local as in ClientShard.scanPage, and each draw written out below as there:
        // through Rng and ZigguratExp methods, which V8 left out of line in this large function (its inlining
        // budget was spent), every draw returned a new heap number (6.1 GB of garbage in a 1,500 s run of
        // multi-region at 300k clients). Same draws, same order, bit-identical results. Shared draw methods that
        // take and return no number (state in the ZigguratExp, the value in a typed array) were tried instead of
        // these copies: 1,472 young-generation collections against 267 (300k clients, 1,500 s, 1 worker), so the
        // draws stay written out, as in ClientShard.scanPage.
        let rng = u32[ub + RecU32.U_RNG] | 0;
        let t = 0;
        let attempt = u32[ub + RecU32.U_ATTEMPT] | 0;
        let arrS = f64[fb + Rec.F_ARR];
        let reqS = f64[fb + Rec.F_REQ];
        let tokens = budgeted ? f32[ub + RecU32.U_TOKENS] : 0;
        let sleepS = decorrelated ? f32[ub + RecU32.U_SLEEP] : retry.baseS;
        let flags = xu32[xb + ExtU32.X_FLAGS];
        let hop = flags >>> ExtFlag.X_HOP_SHIFT;
        flags &= ExtFlag.X_FLAG_MASK;
        let streak = xu32[xb + ExtU32.X_STREAK];
        let untilS = xf64[slot * Ext.F64_PER_EXT + Ext.X_UNTIL];
        const multi = (flags & ExtFlag.X_MULTI) !== 0;
        do {
          if (attempt === 0) {
            if (hop === 0) {
              reqS = arrS;
              c[ClientCounter.REQUESTS]++;
              if (evS > arrS) c[ClientCounter.DELAYED_STARTS]++;
              rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
              t = rng;
              t = Math.imul(t ^ (t >>> 15), t | 1);
              t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
              t ^= t >>> 14;
              const zx = t >>> 8;
              const zi = t & 255;
              let e: number;
              if (zx < zigKW[zi << 1]) e = zx * zigKW[(zi << 1) + 1];
              else {
                zig.state = rng;
                // The unary plus is not a no-op: see ZigguratExp.slow.
                e = +zig.slow(zi, zx);
                // An int32, as everywhere else (see ClientShard.scanPage).
                rng = zig.state | 0;
              }
              arrS = shaped ? +arrivals.next(arrS, e) : arrS + e * meanGapS;
              if (budgeted) tokens = Math.fround(Math.min(tokens + retry.budgetRatio, retry.budgetBurst));
            }
            if (decorrelated) sleepS = retry.baseS;
            if (chains) sc[hopSvc[hop] * Svc.COUNT + Svc.CALLS]++;
          }
          attempt++;
          attempts++;
          c[ClientCounter.ATTEMPTS]++;
          if (attempt === 1 && hop === 0 && (flags & ExtFlag.X_AWAY) !== 0 && evS >= untilS) {
            // The stay is over: home again from this new request on, on probation under `probe`. Like a region
            // failover in an SDK, the region is chosen per request: a retry, or a later call of the same
            // request, stays where the request started.
            flags = (flags & ~ExtFlag.X_AWAY) | (this.probe ? ExtFlag.X_PROBE : 0);
            streak = 0;
            rc[RegionCounter.FAILBACKS]++;
          }
          // Who serves the attempt: a static service's load balancers, home (through the client's resolver
          // cache), or the away region; null: home's answer is empty. Then one path for all three (one copy of
          // each draw), drawing in the same order for each: the target (if several), the excess share (if
          // overloaded), the service time.
          const fixed = hopCore[hop];
          let core: ClientCore | null = null;
          let serial = 0;
          let dynamicHome = false;
          let awayNow = false;
          if (fixed !== null) core = fixed;
          else if ((flags & ExtFlag.X_AWAY) === 0) {
            dynamicHome = true;
            rc[RegionCounter.HOME_ATTEMPTS]++;
            serial = home.lookup(u32, ub, evS);
            if (serial >= 0) core = home;
          } else {
            core = away as ClientCore;
            awayNow = true;
            rc[RegionCounter.AWAY_ATTEMPTS]++;
          }
          let err: number = AttemptErr.DNS_EMPTY;
          let latS = 0;
          if (core !== null) {
            let u = 0;
            if (core.targets(serial) > 1) {
              rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
              t = rng;
              t = Math.imul(t ^ (t >>> 15), t | 1);
              t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
              u = ((t ^ (t >>> 14)) >>> 0) * Prng.INV_2_32;
            }
            const lb = core.pick(serial, u);
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
            err = core.outcome(lb, u2, e3);
            latS = core.latencyS;
            if (awayNow) {
              // The cross-region round trip, within the attempt's deadline.
              latS += this.crossS;
              if (latS >= timeoutS) {
                latS = timeoutS;
                if (err === AttemptErr.OK) err = AttemptErr.TIMEOUT;
              }
            }
          }
          if (err !== AttemptErr.OK) {
            if (dynamicHome) rc[RegionCounter.HOME_ATTEMPTS + err]++;
            else if (awayNow) rc[RegionCounter.AWAY_ATTEMPTS + err - 1]++;
          }
          if (chains) {
            sc[hopSvc[hop] * Svc.COUNT + Svc.ATTEMPTS]++;
            if (err !== AttemptErr.OK) sc[hopSvc[hop] * Svc.COUNT + Svc.FAILED_ATTEMPTS]++;
          }
          const doneS = evS + latS;
          if (err !== AttemptErr.DNS_EMPTY) {
            // The HDR index written out (loglinear.ts latencyIndexUs), as in ClientShard.scanPage: a call would
            // box its double argument.
            const v = latS * 1e6;
            const lu = (v < Latency.MAX_US ? v : Latency.MAX_US) >>> 0;
            const lbk = 21 - Math.clz32(lu | 2047);
            latA[(lbk << 10) + ((lu >>> lbk) & 2047)]++;
          }
          if (err === AttemptErr.OK) {
            if (dynamicHome) {
              streak = 0;
              flags &= ~ExtFlag.X_PROBE;
              if (multi && this.trigger === Trigger.LATENCY && doneS - reqS > this.budgetS) {
                r.restore(rng);
                untilS = +this.leave(doneS, stay);
                rng = r.snapshot() | 0;
                flags |= ExtFlag.X_AWAY;
              }
            }
            attempt = 0;
            if (hop + 1 < hops) {
              // The next call of the chain starts when this one answers.
              hop++;
              evS = doneS;
              continue;
            }
            hop = 0;
            c[ClientCounter.SUCCESSES]++;
            if (this.withRegions) rc[multi ? RegionCounter.MULTI_SUCCESSES : RegionCounter.PINNED_SUCCESSES]++;
            const w = (doneS - reqS) * 1e6;
            const wu = (w < Latency.MAX_US ? w : Latency.MAX_US) >>> 0;
            const wb = 21 - Math.clz32(wu | 2047);
            latI[(wb << 10) + ((wu >>> wb) & 2047)]++;
            evS = doneS > arrS ? doneS : arrS;
            continue;
          }
          c[ClientCounter.DNS_EMPTY + err - 1]++;
          if (multi && dynamicHome) {
            streak++;
            const probeFailed = (flags & ExtFlag.X_PROBE) !== 0;
            if (probeFailed) rc[RegionCounter.PROBE_FAILURES]++;
            if (
              probeFailed ||
              (this.trigger === Trigger.FAILURES && streak >= this.failuresToLeave) ||
              (this.trigger === Trigger.EMPTY && err === AttemptErr.DNS_EMPTY) ||
              (this.trigger === Trigger.LATENCY && doneS - reqS > this.budgetS)
            ) {
              r.restore(rng);
              untilS = +this.leave(doneS, stay);
              rng = r.snapshot() | 0;
              flags = (flags | ExtFlag.X_AWAY) & ~ExtFlag.X_PROBE;
              streak = 0;
            }
          }
          // A failed attempt: retry (in whichever region the client is now) if allowed, else the call fails, and
          // with it the request.
          if (attempt < retry.maxAttempts) {
            if (budgeted && tokens < 1) c[ClientCounter.BUDGET_DENIED]++;
            else {
              if (budgeted) tokens = Math.fround(tokens - 1);
              c[ClientCounter.RETRIES]++;
              rng = (rng + Prng.MULBERRY_INCREMENT) | 0;
              t = rng;
              t = Math.imul(t ^ (t >>> 15), t | 1);
              t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
              const u = ((t ^ (t >>> 14)) >>> 0) * Prng.INV_2_32;
              // Full jitter (the default) as delayS computes it, the others through it.
              const d = fullJitter ? u * backoffS[attempt] : +retry.delayS(attempt, u, sleepS);
              if (decorrelated) sleepS = Math.fround(d);
              evS = doneS + d;
              continue;
            }
          }
          if (chains) sc[hopSvc[hop] * Svc.COUNT + Svc.FAILED_CALLS]++;
          hop = 0;
          c[ClientCounter.FAILED_REQUESTS]++;
          if (this.withRegions) rc[multi ? RegionCounter.MULTI_FAILED_REQUESTS : RegionCounter.PINNED_FAILED_REQUESTS]++;
          const w = (doneS - reqS) * 1e6;
          const wu = (w < Latency.MAX_US ? w : Latency.MAX_US) >>> 0;
          const wb = 21 - Math.clz32(wu | 2047);
          latI[(wb << 10) + ((wu >>> wb) & 2047)]++;
          attempt = 0;
          evS = doneS > arrS ? doneS : arrS;
        } while (evS < t1S);
        // Written at its new place: the fields kept in locals, and the cache entry (which the lookups updated in the
        // old place) as it was. Field by field as in ClientShard.scanPage: the values are in this loop's locals, so
        // a helper would need all of them as arguments (a small copy like records.move above is another matter).
        const d = cal.place(evS, lo) & Rec.SLOT_MASK;
        const df = d * Rec.F64_PER_RECORD;
        const du = d * Rec.U32_PER_RECORD;
        const dx = d * Ext.U32_PER_EXT;
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
        xu32[dx + ExtU32.X_FLAGS] = (flags | (hop << ExtFlag.X_HOP_SHIFT)) >>> 0;
        xu32[dx + ExtU32.X_STREAK] = streak;
        xf64[d * Ext.F64_PER_EXT + Ext.X_UNTIL] = untilS;
      }
    }
    cal.release(page);
    c[ClientCounter.DNS_QUERIES] += home.dnsQueries;
    c[ClientCounter.STALE_ANSWERS] += home.staleAnswers;
    home.dnsQueries = 0;
    home.staleAnswers = 0;
    return attempts;
  }

  /** A failover at doneS: counts it and returns the end of the stay, drawn from the client's stream. */
  private leave(doneS: number, stay: FailoverConfig['stayS']): number {
    this.counters[RegionCounter.FAILOVERS]++;
    return doneS + sampleDuration(stay, this.rng);
  }

  /** This window's counts (each part only when configured), then zeroed. */
  takeWindow(): { regions?: Float64Array; services?: Float64Array } {
    const out: { regions?: Float64Array; services?: Float64Array } = {};
    if (this.withRegions) out.regions = Float64Array.from(this.counters);
    if (this.withChains) out.services = Float64Array.from(this.serviceCounters);
    this.counters.fill(0);
    this.serviceCounters.fill(0);
    return out;
  }
}
