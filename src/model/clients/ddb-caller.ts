/**
 * Models: one caller of the endpoint outside the client population (a DWFM host calling DynamoDB, for the EC2
 * model), with the SAME resolver cache, target choice and service model as the population (core.ts): one
 * client record, its own answer ring, its own random stream. One call() is one attempt; the caller owns its
 * retries (retryDelayS offers the population's backoff if it wants it).
 * Leaves out: sharing a cache with other callers on the same host, and request deadlines across attempts.
 *
 * Determinism: its stream is seedFor(seed, DDB_CALLER_STREAM, streamIndex), disjoint from the clients' streams;
 * it reads the store at each call (one storeVersion() Atomics.load; a resolve() only when the store changed),
 * so the caller must only call it while the store is constant: the engine's EC2 calls it on worker 0 before the
 * epoch's control phase (worker-loop.ts step 2a), or a control actor calls it within its turn.
 */
import type { ClientsConfig } from '../../config/clients-schema.ts';
import type { AttemptErr } from '../../metrics/client-counters.ts';
import { mulberry32Next, seedFor, Stream, Prng } from '../prng.ts';
import { Serial } from './answers.ts';
import { ClientCore } from './core.ts';
import { ZigguratExp } from './exp-ziggurat.ts';
import { ClientRecords, RecU32 } from './records.ts';
import { RetryPolicy } from './retry.ts';
import type { ClientEnv } from './shard.ts';

/** Stream id of DdbCaller streams (prng.ts's Stream ends at 6; kept apart from Stream.client and Stream.ec2). */
export const DDB_CALLER_STREAM = Stream.ddbCaller;

export interface DdbCallResult {
  ok: boolean;
  /** 0 ok, 1 dns-empty, 2 connect, 3 timeout, 4 throttled (ERROR_CLASSES[error - 1]). */
  error: AttemptErr;
  /** Time the attempt took: 0 for dns-empty, the deadline for timeouts. */
  latencyS: number;
  /** Load balancer called (global id), -1 when the name did not resolve. */
  lb: number;
}

export class DdbCaller {
  private readonly cfg: ClientsConfig;
  private core: ClientCore | null = null;
  private readonly rec = new ClientRecords(1);
  private rng: number;
  private readonly retry: RetryPolicy;
  private readonly zig = new ZigguratExp();
  /** Reused result: call() allocates nothing. Read it before the next call. */
  private readonly result: DdbCallResult = { ok: true, error: 0, latencyS: 0, lb: -1 };

  constructor(cfg: ClientsConfig, seed: number, streamIndex: number) {
    this.cfg = cfg;
    this.rng = seedFor(seed, DDB_CALLER_STREAM, streamIndex);
    this.retry = new RetryPolicy(cfg.retry);
    this.rec.i32[RecU32.U_SERIAL] = Serial.NONE;
    this.rec.u32[RecU32.U_EXP_MS] = 0;
  }

  private u(): number {
    this.rng = (this.rng + Prng.MULBERRY_INCREMENT) >>> 0;
    return mulberry32Next(this.rng) * Prng.INV_2_32;
  }

  /** One attempt at time tS. The returned object is reused by the next call. */
  call(tS: number, env: ClientEnv): DdbCallResult {
    const store = env.store;
    let core = this.core;
    if (!core || core.ring.targetsMax !== store.layout.targetsMax || core.svc.lbCount !== store.layout.lbCount) {
      core = this.core = new ClientCore(this.cfg, store.layout.targetsMax, store.layout.lbCount);
    }
    core.refreshAnswer(store, env.endpoint, tS);
    const r = this.result;
    const serial = core.lookup(this.rec.u32, 0, tS);
    if (serial < 0) {
      r.ok = false;
      r.error = 1;
      r.latencyS = 0;
      r.lb = -1;
      return r;
    }
    // The same draws, in the same order and under the same conditions, as a client's attempt (shard.ts).
    const lb = core.pick(serial, core.targets(serial) > 1 ? this.u() : 0);
    env.attemptsByLb[lb]++;
    // Only this load balancer's state is needed: refresh it alone (the population refreshes all per epoch).
    core.svc.baseS = env.baseLatencyUs / 1e6;
    core.svc.refreshLb(env.lbs, lb);
    const u2 = core.overloaded(lb) ? this.u() : 1;
    this.zig.state = this.rng;
    const e3 = this.zig.next();
    this.rng = this.zig.state;
    const err = core.outcome(lb, u2, e3) as AttemptErr;
    r.ok = err === 0;
    r.error = err;
    r.latencyS = core.latencyS;
    r.lb = lb;
    return r;
  }

  /** Backoff after the n-th failed attempt under clients.retry (decorrelated jitter: previous sleep = base). */
  retryDelayS(n: number): number {
    return this.retry.delayS(Math.min(n, this.retry.maxAttempts), this.u(), this.retry.baseS);
  }

  /** Attempts per request clients.retry allows. */
  get maxAttempts(): number {
    return this.retry.maxAttempts;
  }
}
