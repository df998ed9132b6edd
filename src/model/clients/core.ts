/**
 * Models: one client's resolver cache and one attempt's fate, shared by the population (ClientShard) and the
 * single caller the EC2 model uses (DdbCaller), so both see the same DNS and the same load balancers.
 *
 * Resolver cache (per client, a stub resolver's cache; shared VPC resolvers and their own caches are left out):
 *  - a fresh entry answers (positive: its answer; negative: `dns-empty`);
 *  - an expired or missing entry asks the authority (the plan store as of the epoch start). A non-empty answer
 *    is cached for ttlS. An empty one: if the client holds a positive entry expired less than serveStaleS ago,
 *    that stale answer is used and kept (RFC 8767 serve-stale; the authority is asked again on the next
 *    attempt); otherwise the empty answer is cached for negativeTtlS (RFC 2308) and the attempt is `dns-empty`.
 *  - the lookup itself takes no simulated time (resolver latency is left out).
 * Target choice: by the answer's weights, one uniform through an alias table (answers.ts). Service: see service.ts.
 */
import type { ClientsConfig } from '../../config/clients-schema.ts';
import type { SharedStore } from '../../memory/store.ts';
import { AttemptErr } from '../../metrics/client-counters.ts';
import { AnswerRing, PickCol, Serial } from './answers.ts';
import { RecU32 } from './records.ts';
import { LbSlot, LbStride, ServiceModel } from './service.ts';

export class ClientCore {
  readonly ring: AnswerRing;
  readonly svc: ServiceModel;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly staleMs: number;
  /** Latency of the last outcome(), seconds. */
  latencyS = 0;
  /** Cache misses and stale answers since the owner last took them. */
  dnsQueries = 0;
  staleAnswers = 0;

  /** `lbState`: where the service model keeps the load balancers' state (see ServiceModel). */
  constructor(cfg: ClientsConfig, targetsMax: number, lbCount: number, lbState?: Float64Array) {
    this.ttlMs = cfg.ttlS * 1000;
    this.negativeTtlMs = cfg.negativeTtlS * 1000;
    this.staleMs = cfg.serveStaleS * 1000;
    // An answer stays referenced until replaced + ttl + serve-stale; one second of slack covers the ms rounding.
    this.ring = new AnswerRing(targetsMax, cfg.ttlS + cfg.serveStaleS + 1);
    this.svc = new ServiceModel(lbCount, cfg.timeoutS, cfg.connectTimeoutS, cfg.throttleShare, lbState);
  }

  /**
   * The answer client record `b` (index into the Uint32 view) uses at time tS: a ring serial, or Serial.EMPTY
   * for `dns-empty`. Updates the record's cache entry.
   * The serial is an int32 held in a Uint32 slot (`| 0` reads it back, a store keeps its bits): one view of the
   * record for both fields, so one map check and one bounds check's loads where two views needed two.
   */
  lookup(u32: Uint32Array, b: number, tS: number): number {
    const serial = u32[b + RecU32.U_SERIAL] | 0;
    const tMs = tS * 1000;
    const expMs = u32[b + RecU32.U_EXP_MS];
    if (tMs < expMs) return serial;
    this.dnsQueries++;
    const cur = this.ring.current;
    if (cur >= 0) {
      u32[b + RecU32.U_SERIAL] = cur;
      u32[b + RecU32.U_EXP_MS] = Math.ceil(tMs + this.ttlMs);
      return cur;
    }
    if (serial >= 0 && tMs < expMs + this.staleMs) {
      this.staleAnswers++;
      return serial;
    }
    u32[b + RecU32.U_SERIAL] = Serial.EMPTY;
    u32[b + RecU32.U_EXP_MS] = Math.ceil(tMs + this.negativeTtlMs);
    return Serial.EMPTY;
  }

  /** Targets in answer `serial` (1 means no draw is needed to pick). */
  targets(serial: number): number {
    const ring = this.ring;
    return ring.pick[(serial & ring.mask) * ring.pickStride];
  }

  /** Target load balancer (global id) for uniform u in [0,1), by the answer's weights (alias table, O(1)). */
  pick(serial: number, u: number): number {
    const ring = this.ring;
    const tab = ring.pick;
    const p = (serial & ring.mask) * ring.pickStride;
    const x = u * tab[p];
    const k = x | 0;
    const c = p + 1 + PickCol.SIZE * k;
    // Load balancer ids are whole numbers held as doubles: `| 0` gives them back as integers.
    return (x - k < tab[c + PickCol.KEEP] ? tab[c + PickCol.OWN_LB] : tab[c + PickCol.ALIAS_LB]) | 0;
  }

  /** Whether outcome() on `lb` needs u2 (the excess draw): only an overloaded, in-service load balancer. */
  overloaded(lb: number): boolean {
    return this.svc.lbState[(lb << LbStride.SHIFT) + LbSlot.EXCESS] > 0;
  }

  /**
   * Fate of an attempt on load balancer `lb` from a uniform u2 in [0,1) (read only when overloaded(lb); pass 1
   * otherwise) and an Exp(1) variate e3: an error code, and the time it took in latencyS.
   */
  outcome(lb: number, u2: number, e3: number): number {
    const svc = this.svc;
    const st = svc.lbState;
    const at = lb << LbStride.SHIFT;
    const meanS = st[at + LbSlot.MEAN_S];
    if (meanS < 0) {
      this.latencyS = svc.connectTimeoutS;
      return AttemptErr.CONNECT;
    }
    const excess = st[at + LbSlot.EXCESS];
    if (u2 < excess) {
      if (u2 < st[at + LbSlot.THROTTLE]) {
        const l = e3 * svc.baseS;
        this.latencyS = l < svc.timeoutS ? l : svc.timeoutS;
        return AttemptErr.THROTTLED;
      }
      this.latencyS = svc.timeoutS;
      return AttemptErr.TIMEOUT;
    }
    const sojournS = e3 * meanS;
    if (sojournS >= svc.timeoutS) {
      this.latencyS = svc.timeoutS;
      return AttemptErr.TIMEOUT;
    }
    this.latencyS = sojournS;
    return AttemptErr.OK;
  }

  /** Start of an epoch (or a call, for DdbCaller): current answer and load-balancer state. */
  refreshAnswer(store: SharedStore, endpoint: number, tS: number): void {
    this.ring.refresh(store, endpoint, tS);
  }
}
