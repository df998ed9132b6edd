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
/**
 * What the service model reads of the load balancers, by global id: the shared store has it (SharedStore), and so
 * has the engine's copy of it as it stood at an epoch's start (src/engine/lb-epoch.ts), which the epoch's clients
 * read while the control phase changes the store.
 */
export interface LbState {
  /** 1 in service, 0 not. */
  readonly lbInService: Int32Array;
  readonly lbCapacityPerS: Float64Array;
  /** Attempts per second received in the previous epoch, summed over all workers. */
  readonly lbOfferedPerS: Float64Array;
}

/** Utilisation at which a saturated queue is held for served attempts. */
export const RHO_CAP = 0.99;

/**
 * A load balancer's entry in ServiceModel.lbState: 2^LbStride.SHIFT doubles per global id, one array so that an attempt
 * reads one typed array (one bounds check's length and data pointer) instead of four.
 */
// An enum so that the bundle inlines its members in the hot loops (see Rec in records.ts).
export enum LbSlot {
  /** The excess share (throttled or left in the backlog), 0 for a load balancer out of service. */
  EXCESS = 0,
  /** Probability an attempt is throttled: excess share x throttleShare. */
  THROTTLE = 1,
  /** Mean sojourn of a served attempt, seconds; negative: out of service (one load answers both). */
  MEAN_S = 2,
}
/** log2 of the doubles per load balancer in ServiceModel.lbState (4: one spare). */
export enum LbStride {
  SHIFT = 2,
}

export class ServiceModel {
  readonly lbCount: number;
  /** Per global load-balancer id (LbSlot layout), refreshed once per epoch. */
  readonly lbState: Float64Array;
  baseS = 0;
  readonly timeoutS: number;
  readonly connectTimeoutS: number;
  readonly throttleShare: number;

  /** `lbState`, when given, is where the state is kept (lbCount << LbStride.SHIFT doubles: the scan kernel's region). */
  constructor(lbCount: number, timeoutS: number, connectTimeoutS: number, throttleShare: number, lbState?: Float64Array) {
    this.lbCount = lbCount;
    this.lbState = lbState ?? new Float64Array(lbCount << LbStride.SHIFT);
    if (this.lbState.length !== lbCount << LbStride.SHIFT)
      throw new Error(`service model: lbState of ${this.lbState.length} doubles, need ${lbCount << LbStride.SHIFT}`);
    this.timeoutS = timeoutS;
    this.connectTimeoutS = Math.min(connectTimeoutS, timeoutS);
    this.throttleShare = throttleShare;
  }

  /** Recompute every load balancer (start of an epoch: what the clients read stays constant during it). */
  refreshAll(lbs: LbState, baseLatencyUs: number): void {
    this.refreshRange(lbs, baseLatencyUs, 0, this.lbCount);
  }

  /** Recompute load balancers [from, to) only: an endpoint that picks only among its own (a static one). */
  refreshRange(lbs: LbState, baseLatencyUs: number, from: number, to: number): void {
    this.baseS = baseLatencyUs / 1e6;
    for (let lb = from; lb < to; lb++) this.refreshLb(lbs, lb);
  }

  refreshLb(lbs: LbState, lb: number): void {
    const cap = lbs.lbCapacityPerS[lb];
    const offered = lbs.lbOfferedPerS[lb];
    const rho = cap > 0 ? offered / cap : offered > 0 ? Infinity : 0;
    const excess = rho > 1 ? 1 - 1 / rho : 0;
    const up = lbs.lbInService[lb] !== 0;
    const at = lb << LbStride.SHIFT;
    // Out of service: no excess share (so no excess draw) and a negative mean, which outcome() reads first.
    this.lbState[at + LbSlot.EXCESS] = up ? excess : 0;
    this.lbState[at + LbSlot.THROTTLE] = excess * this.throttleShare;
    this.lbState[at + LbSlot.MEAN_S] = up ? this.baseS / (1 - (rho < RHO_CAP ? rho : RHO_CAP)) : -1;
  }
}
