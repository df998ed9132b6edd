/**
 * Models: how a load balancer serves one attempt, given how loaded it was in the previous epoch.
 *
 * Queueing model: each load balancer is an M/M/1 queue on the scale of its base latency. With utilisation
 * rho = offered / capacity (offered = attempts/s it received in the previous epoch, summed over all workers), a
 * served attempt's sojourn time is exponential with mean base / (1 - rho): that is the exact FCFS M/M/1 sojourn
 * distribution, so latency and its tail rise together as rho -> 1. An attempt whose sojourn passes the client's
 * deadline (timeoutS) is a `timeout` at the deadline.
 * Overload (rho > 1): the load balancer can only serve capacity; the excess share 1 - 1/rho of attempts is not
 * served. Of that excess, `throttleShare` is refused at once (`throttled`, after an exponential(base) round trip)
 * and the rest waits in a backlog until the client gives up (`timeout` at timeoutS). The served share sees the
 * queue at its saturated length: rho is capped at RHO_CAP (mean base * 100).
 * A load balancer out of service (lbInService 0) never answers: `connect` after connectTimeoutS.
 *
 * Leaves out: several servers per load balancer (M/M/c stays flat longer and turns up more sharply near 1),
 * load changing within an epoch (rho lags one epoch, which is what lets retry storms overshoot), a backlog
 * carried across epochs, connection reuse and TLS set-up, per-load-balancer base latencies (one per endpoint),
 * and the 4 ms floor a real network would add under the exponential.
 */
import type { SharedStore } from '../../memory/store.ts';

/** Utilisation at which a saturated queue is held for served attempts. */
export const RHO_CAP = 0.99;

export class ServiceModel {
  readonly lbCount: number;
  /** Per global load-balancer id, refreshed once per epoch. */
  readonly up: Uint8Array;
  /** Probability an attempt is throttled: excess share x throttleShare. */
  readonly pThrottle: Float64Array;
  /** Probability an attempt is throttled or left to time out in the backlog: the excess share. */
  readonly pExcess: Float64Array;
  /** Mean sojourn of a served attempt, seconds. */
  readonly meanS: Float64Array;
  baseS = 0;
  readonly timeoutS: number;
  readonly connectTimeoutS: number;
  readonly throttleShare: number;

  constructor(lbCount: number, timeoutS: number, connectTimeoutS: number, throttleShare: number) {
    this.lbCount = lbCount;
    this.up = new Uint8Array(lbCount);
    this.pThrottle = new Float64Array(lbCount);
    this.pExcess = new Float64Array(lbCount);
    this.meanS = new Float64Array(lbCount);
    this.timeoutS = timeoutS;
    this.connectTimeoutS = Math.min(connectTimeoutS, timeoutS);
    this.throttleShare = throttleShare;
  }

  /** Recompute every load balancer from the store (start of an epoch; the store is constant during it). */
  refreshAll(store: SharedStore, baseLatencyUs: number): void {
    this.refreshRange(store, baseLatencyUs, 0, this.lbCount);
  }

  /** Recompute load balancers [from, to) only: an endpoint that picks only among its own (a static one). */
  refreshRange(store: SharedStore, baseLatencyUs: number, from: number, to: number): void {
    this.baseS = baseLatencyUs / 1e6;
    for (let lb = from; lb < to; lb++) this.refreshLb(store, lb);
  }

  refreshLb(store: SharedStore, lb: number): void {
    this.up[lb] = store.lbInService[lb] !== 0 ? 1 : 0;
    const cap = store.lbCapacityPerS[lb];
    const offered = store.lbOfferedPerS[lb];
    const rho = cap > 0 ? offered / cap : offered > 0 ? Infinity : 0;
    const excess = rho > 1 ? 1 - 1 / rho : 0;
    this.pExcess[lb] = excess;
    this.pThrottle[lb] = excess * this.throttleShare;
    this.meanS[lb] = this.baseS / (1 - (rho < RHO_CAP ? rho : RHO_CAP));
  }
}
