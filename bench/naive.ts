/**
 * The NAIVE implementation of the same client model, for the side-by-side benchmark: one JS object per client,
 * a binary-heap event queue over all clients, the Rng class per client, Math.log exponentials, a linear scan of
 * cumulative weights, and hdr-histogram-js recordValue (JS build) for every latency. Same behaviour as
 * ClientShard: Poisson arrivals that queue behind a running request, resolver cache with TTL / negative TTL /
 * serve-stale, M/M/1 service with throttling and timeouts, retries with backoff, jitter and budget. Its random
 * draws differ, so its numbers agree with the fast model statistically, not bit for bit.
 */
import * as hdr from 'hdr-histogram-js';
import type { ClientsConfig } from '../src/config/clients-schema.ts';
import { newAnswer, type Answer } from '../src/memory/resolve.ts';
import type { SharedStore } from '../src/memory/store.ts';
import { RHO_CAP } from '../src/model/clients/service.ts';
import { Rng, seedFor, Stream } from '../src/model/prng.ts';

interface NaiveClient {
  rng: Rng;
  nextS: number;
  arrivalS: number;
  requestS: number;
  attempt: number;
  cache: { answer: Answer | null; expiresS: number } | null;
  tokens: number;
  sleepS: number;
}

/** Binary min-heap on nextS: the naive model's event queue (also timed alone in the micro-benchmarks). */
export class Heap<T extends { nextS: number } = NaiveClient> {
  private a: T[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): T {
    return this.a[0];
  }
  push(c: T): void {
    const a = this.a;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].nextS <= a[i].nextS) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): T {
    const a = this.a;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].nextS < a[m].nextS) m = l;
        if (r < a.length && a[r].nextS < a[m].nextS) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

export class NaiveClients {
  readonly counters = { requests: 0, attempts: 0, successes: 0, dnsEmpty: 0, connect: 0, timeout: 0, throttled: 0, retries: 0, failed: 0 };
  readonly latencyIntended = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  readonly latencyAttempt = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  private readonly heap = new Heap();
  private current: Answer | null = null;
  private version = -1;

  constructor(
    private readonly cfg: ClientsConfig,
    seed: number,
    from: number,
    to: number,
  ) {
    for (let i = from; i < to; i++) {
      const rng = new Rng(seedFor(seed, Stream.client, i));
      const t = rng.exp(1 / cfg.ratePerS);
      const c: NaiveClient = {
        rng,
        nextS: t,
        arrivalS: t,
        requestS: 0,
        attempt: 0,
        cache: null,
        tokens: cfg.retry.budget?.burst ?? 0,
        sleepS: cfg.retry.baseS,
      };
      if (cfg.warmStart) {
        const left = -1 / cfg.ratePerS + rng.next() * (cfg.ttlS + 1 / cfg.ratePerS);
        if (left > 0) c.cache = { answer: null, expiresS: left }; // answer filled at the first epoch
      }
      this.heap.push(c);
    }
  }

  runEpoch(t0S: number, t1S: number, store: SharedStore, endpoint: number, baseLatencyUs: number): number {
    const v = store.storeVersion();
    if (v !== this.version) {
      this.version = v;
      const a = store.resolve(endpoint, newAnswer(store.layout.targetsMax));
      this.current = a.count > 0 ? a : null;
    }
    const cfg = this.cfg;
    const baseS = baseLatencyUs / 1e6;
    const c = this.counters;
    let attempts = 0;
    while (this.heap.size > 0 && this.heap.peek().nextS < t1S) {
      const cl = this.heap.pop();
      const t = cl.nextS;
      if (cl.attempt === 0) {
        cl.requestS = cl.arrivalS;
        cl.arrivalS += cl.rng.exp(1 / cfg.ratePerS);
        c.requests++;
        if (cfg.retry.budget) cl.tokens = Math.min(cfg.retry.budget.burst, cl.tokens + cfg.retry.budget.ratio);
        cl.sleepS = cfg.retry.baseS;
      }
      cl.attempt++;
      c.attempts++;
      attempts++;
      // Resolver cache.
      let answer: Answer | null = null;
      if (cl.cache && cl.cache.answer === null && cl.cache.expiresS > 0 && t0S === 0) cl.cache.answer = this.current;
      if (cl.cache && t < cl.cache.expiresS) answer = cl.cache.answer;
      else if (this.current) {
        cl.cache = { answer: this.current, expiresS: t + cfg.ttlS };
        answer = this.current;
      } else if (cl.cache?.answer && t < cl.cache.expiresS + cfg.serveStaleS) answer = cl.cache.answer;
      else cl.cache = { answer: null, expiresS: t + cfg.negativeTtlS };
      let err = 1;
      let latS = 0;
      if (!answer) c.dnsEmpty++;
      else {
        const x = cl.rng.next() * answer.cumWeight[answer.count - 1];
        let k = 0;
        while (k < answer.count - 1 && answer.cumWeight[k] <= x) k++;
        const lb = answer.lbs[k];
        const rho = store.lbOfferedPerS[lb] / store.lbCapacityPerS[lb];
        const excess = rho > 1 ? 1 - 1 / rho : 0;
        const u2 = cl.rng.next();
        if (store.lbInService[lb] === 0) {
          err = 2;
          latS = Math.min(cfg.connectTimeoutS, cfg.timeoutS);
          c.connect++;
        } else if (u2 < excess * cfg.throttleShare) {
          err = 4;
          latS = Math.min(cl.rng.exp(baseS), cfg.timeoutS);
          c.throttled++;
        } else if (u2 < excess) {
          err = 3;
          latS = cfg.timeoutS;
          c.timeout++;
        } else {
          const soj = cl.rng.exp(baseS / (1 - Math.min(rho, RHO_CAP)));
          if (soj >= cfg.timeoutS) {
            err = 3;
            latS = cfg.timeoutS;
            c.timeout++;
          } else {
            err = 0;
            latS = soj;
          }
        }
        this.latencyAttempt.recordValue(Math.floor(latS * 1e6));
      }
      const done = t + latS;
      let finished = true;
      if (err === 0) c.successes++;
      else if (cl.attempt < (cfg.retry.policy === 'none' ? 1 : cfg.retry.maxAttempts) && (!cfg.retry.budget || cl.tokens >= 1)) {
        if (cfg.retry.budget) cl.tokens -= 1;
        c.retries++;
        const b = cfg.retry.policy === 'fixed' ? cfg.retry.baseS : Math.min(cfg.retry.capS, cfg.retry.baseS * 2 ** (cl.attempt - 1));
        const u = cl.rng.next();
        let d: number;
        switch (cfg.retry.jitter) {
          case 'none':
            d = b;
            break;
          case 'full':
            d = u * b;
            break;
          case 'equal':
            d = b / 2 + (u * b) / 2;
            break;
          default:
            d = Math.min(cfg.retry.capS, cfg.retry.baseS + u * Math.max(0, cl.sleepS * 3 - cfg.retry.baseS));
            cl.sleepS = d;
        }
        cl.nextS = done + d;
        finished = false;
      } else c.failed++;
      if (finished) {
        this.latencyIntended.recordValue(Math.floor((done - cl.requestS) * 1e6));
        cl.attempt = 0;
        cl.nextS = Math.max(done, cl.arrivalS);
      }
      this.heap.push(cl);
    }
    return attempts;
  }
}
