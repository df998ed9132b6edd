/**
 * Network Load Balancers: target health checks, flapping, health-check load, automatic AZ failover, and the
 * connection errors their clients see.
 *
 * Models: `loadBalancers` NLBs over 3 AZs; each (NLB, AZ) group has propagated targets (always pass) and launched
 * targets whose network state has not propagated yet; a launched target replaces an old one once propagated. Legacy health checking puts a new target in service at once
 * (`admitBeforePropagation`); its checks then fail with `unpropagatedFailP` (partly propagated state), so it leaves
 * service after `unhealthyThreshold` consecutive failures and returns on the next success: flapping. Each (NLB, AZ)
 * is checked by one health-check cell of fixed capacity; its load is the targets' periodic checks plus `flapCost`
 * per flap, and load beyond capacity is a backlog that delays checks (delay = backlog / capacity, and a delayed
 * target is checked less often). An AZ whose cell is delayed beyond `failover.delayS`, or with too few targets in
 * service, is failed out of the NLB's DNS (automatic AZ failover), unless all three would be (fail open); velocity
 * control caps the share of one NLB's capacity failover may remove. The loop's state is each cell's utilization
 * (check demand over capacity) and the flap rate.
 * Connection errors: cross-zone off, each AZ in DNS takes an equal share of the NLB's offered load; a connection to
 * an unpropagated target fails with `unpropagatedFailP`, and load beyond an AZ's working targets fails.
 *
 * Leaves out: individual target timings (targets of a group are counted, their transitions drawn per span from
 * per-check rates; consecutive failures approximated by pFail^threshold per check), DNS caching of removed AZs by
 * clients, target overload cascading into health failures, terminations of targets, and the NLB data plane itself.
 */
import type { Ec2Config } from '../../config/ec2-schema.ts';
import { mix32, type Rng } from '../prng.ts';
import { binomial } from './sample.ts';

export class NlbCounters {
  flaps = 0;
  /** Integrals over time of errors and offered load (target-capacity units x seconds). */
  errorIntegral = 0;
  loadIntegral = 0;
  removedShareIntegral = 0;
  timeS = 0;
  hcUtilizationMax = 0;
  hcUtilizationIntegral = 0;
  hcDelayMaxS = 0;
  reset(): void {
    this.flaps = this.errorIntegral = this.loadIntegral = this.removedShareIntegral = this.timeS = 0;
    this.hcUtilizationMax = this.hcUtilizationIntegral = this.hcDelayMaxS = 0;
  }
}

export class Nlb {
  readonly groups: number;
  private readonly m: number;
  /** Per (NLB, AZ) group: propagated targets (always pass their checks). */
  private readonly baseIn: Int32Array;
  /** Per group: launched targets not yet propagated, in service / out of service after failed checks / waiting
   * for propagation before they are admitted (admitBeforePropagation off). */
  private readonly unpropagatedInByGroup: Int32Array;
  private readonly unpropagatedOutByGroup: Int32Array;
  private readonly unpropagatedWaitingByGroup: Int32Array;
  /** 1 while the group's AZ is failed out of the NLB's DNS. */
  readonly failed: Uint8Array;
  private readonly cellOf: Int32Array;
  private readonly cellTargets: Float64Array;
  private readonly cellCapPerS: Float64Array;
  private readonly cellBacklog: Float64Array;
  readonly cellDelayS: Float64Array;
  private readonly cellFlaps: Float64Array;
  private readonly cfg: Ec2Config['nlb'];
  private readonly rng: Rng;
  private readonly maxRemovedAzs: number;
  failoverEnabled: boolean;
  unpropagatedInService = 0;
  unpropagatedOut = 0;
  /** AZs failed by the health checks, and AZs actually out of DNS (after fail-open and velocity control). */
  failedAzs = 0;
  removedAzs = 0;
  lastErrorRate = 0;
  readonly counters = new NlbCounters();

  // Most spans change nothing: no unpropagated targets, no backlog, no flaps. Both loops below are pure functions
  // of state that only the marked places change, so a span with nothing marked reuses their last results, which
  // are then exactly what the loops would compute again (the failover state is at its fixed point after one pass
  // with the same inputs: see failoverAndErrors). Measured on aws-2025-10-20 (1,000 NLBs, 54,000 spans): the two
  // loops were about a third of EC2's time.
  /** Cell targets changed or targets flapped since the cells were last computed. */
  private cellsChanged = true;
  /** The last cell pass left no backlog and saw no flaps: repeating it gives the same figures. */
  private cellsSteady = false;
  private lastUtilSum = 0;
  private lastUtilMax = 0;
  private lastDelayMaxS = 0;
  /** Group counts or cell delays changed since failoverAndErrors last ran, or failover was switched. */
  private failoverChanged = true;
  private lastFailoverEnabled = false;
  private lastErrors = 0;
  /** Offered load of the last full pass (reused with lastErrors while nothing changed). */
  private lastLoad = 0;

  constructor(cfg: Ec2Config, seed: number, rng: Rng) {
    this.cfg = cfg.nlb;
    this.rng = rng;
    const M = (this.m = this.cfg.loadBalancers);
    const G = (this.groups = 3 * M);
    this.baseIn = new Int32Array(G).fill(this.cfg.targetsPerAz);
    this.unpropagatedInByGroup = new Int32Array(G);
    this.unpropagatedOutByGroup = new Int32Array(G);
    this.unpropagatedWaitingByGroup = new Int32Array(G);
    this.failed = new Uint8Array(G);
    this.cellOf = new Int32Array(G);
    const perAz = this.cfg.cellsPerAz ?? M;
    const K = 3 * perAz;
    this.cellTargets = new Float64Array(K);
    this.cellCapPerS = new Float64Array(K);
    this.cellBacklog = new Float64Array(K);
    this.cellDelayS = new Float64Array(K);
    this.cellFlaps = new Float64Array(K);
    for (let g = 0; g < G; g++) {
      const az = g % 3;
      const cell = this.cfg.cellsPerAz === null ? g : az * perAz + (mix32((seed ^ Math.imul(g + 1, 0x9e3779b1)) >>> 0) % perAz);
      this.cellOf[g] = cell;
      this.cellTargets[cell] += this.cfg.targetsPerAz;
    }
    // Capacity sized for the fleet as it is before the event, with headroom.
    for (let k = 0; k < K; k++) {
      this.cellCapPerS[k] = Math.max(1, (this.cfg.headroom * this.cellTargets[k]) / this.cfg.checkIntervalS);
    }
    this.failoverEnabled = this.cfg.failover.enabled;
    const vc = this.cfg.velocityControl;
    this.maxRemovedAzs = vc === null ? 2 : Math.min(2, Math.floor(vc.maxRemovedShare * 3 + 1e-9));
  }

  /** A launched instance registered as a target of group g (its state not yet propagated). */
  addTarget(g: number): void {
    if (this.cfg.admitBeforePropagation) {
      this.unpropagatedInByGroup[g]++;
      this.unpropagatedInService++;
      this.cellTargets[this.cellOf[g]]++;
      this.cellsChanged = this.failoverChanged = true;
    } else {
      this.unpropagatedWaitingByGroup[g]++;
    }
  }

  /**
   * Network Manager finished a target of group g: it now passes its checks. New targets replace old ones (an
   * auto-scaling group swapping instances), so the old target is deregistered now and the group keeps its size.
   */
  propagated(g: number): void {
    if (this.unpropagatedWaitingByGroup[g] > 0) {
      this.unpropagatedWaitingByGroup[g]--;
      return;
    }
    const u = this.unpropagatedInByGroup[g] + this.unpropagatedOutByGroup[g];
    if (u === 0) return;
    if (this.rng.next() * u < this.unpropagatedInByGroup[g]) {
      this.unpropagatedInByGroup[g]--;
      this.unpropagatedInService--;
    } else {
      this.unpropagatedOutByGroup[g]--;
      this.unpropagatedOut--;
    }
    this.cellTargets[this.cellOf[g]]--;
    this.cellsChanged = this.failoverChanged = true;
  }

  runSpan(aS: number, bS: number): void {
    const dt = bS - aS;
    if (dt <= 0) return;
    const cfg = this.cfg;
    const I = cfg.checkIntervalS;
    const pf = cfg.unpropagatedFailP;
    const pOutPerCheck = pf ** cfg.unhealthyThreshold;
    const rng = this.rng;
    const c = this.counters;
    let flapped = false;
    if (!this.cellsSteady) this.cellFlaps.fill(0);
    if (this.unpropagatedInService + this.unpropagatedOut > 0) {
      for (let g = 0; g < this.groups; g++) {
        const groupUnpropagatedIn = this.unpropagatedInByGroup[g];
        const groupUnpropagatedOut = this.unpropagatedOutByGroup[g];
        if (groupUnpropagatedIn + groupUnpropagatedOut === 0) continue;
        const cell = this.cellOf[g];
        // A delayed cell checks each target less often.
        const checksPerS = 1 / (I + this.cellDelayS[cell]);
        const out = binomial(rng, groupUnpropagatedIn, 1 - Math.exp(-checksPerS * pOutPerCheck * dt));
        const back = binomial(rng, groupUnpropagatedOut, 1 - Math.exp(-checksPerS * (1 - pf) * dt));
        this.unpropagatedInByGroup[g] = groupUnpropagatedIn - out + back;
        this.unpropagatedOutByGroup[g] = groupUnpropagatedOut + out - back;
        this.unpropagatedInService += back - out;
        this.unpropagatedOut += out - back;
        if (out + back !== 0) {
          // A steady pass left cellFlaps unzeroed only while nothing flapped, so it is all zeros here.
          this.cellFlaps[cell] += out + back;
          c.flaps += out + back;
          flapped = true;
        }
      }
    }
    const K = this.cellTargets.length;
    if (flapped || this.cellsChanged || !this.cellsSteady) {
      let utilSum = 0;
      let utilMax = -Infinity;
      let delayMaxS = -Infinity;
      let backlog = false;
      for (let k = 0; k < K; k++) {
        const cap = this.cellCapPerS[k];
        const demand = this.cellTargets[k] / I + (cfg.flapCost * this.cellFlaps[k]) / dt;
        let b = this.cellBacklog[k] + (demand - cap) * dt;
        if (b < 0) b = 0;
        if (b > 0) backlog = true;
        this.cellBacklog[k] = b;
        const delay = b / cap;
        if (delay !== this.cellDelayS[k]) this.failoverChanged = true;
        this.cellDelayS[k] = delay;
        const util = demand / cap;
        utilSum += util;
        if (util > utilMax) utilMax = util;
        if (delay > delayMaxS) delayMaxS = delay;
      }
      this.lastUtilSum = utilSum;
      this.lastUtilMax = utilMax;
      this.lastDelayMaxS = delayMaxS;
      this.cellsSteady = !backlog && !flapped;
      this.cellsChanged = false;
      if (flapped) this.failoverChanged = true;
    }
    // The same maxima as comparing each cell in turn: max(m, x1, ..., xK) = max(m, max(x1, ..., xK)).
    if (this.lastUtilMax > c.hcUtilizationMax) c.hcUtilizationMax = this.lastUtilMax;
    if (this.lastDelayMaxS > c.hcDelayMaxS) c.hcDelayMaxS = this.lastDelayMaxS;
    c.hcUtilizationIntegral += (this.lastUtilSum / K) * dt;
    this.failoverAndErrors(dt);
  }

  /**
   * Which AZs are failed out of DNS, and the connection errors. With the same inputs (group counts, cell delays,
   * failoverEnabled) a second pass changes no `failed` flag: a flag set because delay > delayS or inShare <
   * healthyShare is cleared only when delay < delayS / 2 and inShare >= healthyShare, which cannot then hold, and
   * the other way round. So while no input changed, the last pass's figures stand and only the integrals grow.
   */
  private failoverAndErrors(dt: number): void {
    const c0 = this.counters;
    if (!this.failoverChanged && this.failoverEnabled === this.lastFailoverEnabled) {
      c0.errorIntegral += this.lastErrors * dt;
      c0.loadIntegral += this.lastLoad * dt;
      c0.removedShareIntegral += (this.removedAzs / (3 * this.m)) * dt;
      c0.timeS += dt;
      return;
    }
    this.failoverChanged = false;
    this.lastFailoverEnabled = this.failoverEnabled;
    const cfg = this.cfg;
    const fo = cfg.failover;
    const pf = cfg.unpropagatedFailP;
    const offered = cfg.utilization * 3 * cfg.targetsPerAz;
    let errors = 0;
    let removedAzs = 0;
    let failedAzs = 0;
    for (let m = 0; m < this.m; m++) {
      const g0 = 3 * m;
      let nFailed = 0;
      for (let a = 0; a < 3; a++) {
        const g = g0 + a;
        if (!this.failoverEnabled) {
          this.failed[g] = 0;
          continue;
        }
        const delay = this.cellDelayS[this.cellOf[g]];
        const n = this.baseIn[g] + this.unpropagatedInByGroup[g] + this.unpropagatedOutByGroup[g];
        const inShare = n > 0 ? (this.baseIn[g] + this.unpropagatedInByGroup[g]) / n : 0;
        if (this.failed[g] === 1) {
          // Hysteresis: an AZ comes back once its checks are timely and its targets healthy again.
          if (delay < fo.delayS / 2 && inShare >= fo.healthyShare) this.failed[g] = 0;
        } else if (delay > fo.delayS || inShare < fo.healthyShare) {
          this.failed[g] = 1;
        }
        nFailed += this.failed[g];
      }
      // Which failed AZs actually leave DNS: none when all three failed (Route 53 fails open); otherwise at most
      // maxRemovedAzs (velocity control), the most delayed first.
      let removedMask = 0;
      if (nFailed > 0 && nFailed < 3) {
        let keep = Math.min(nFailed, this.maxRemovedAzs);
        while (keep > 0) {
          let best = -1;
          let bestDelay = -1;
          for (let a = 0; a < 3; a++) {
            const g = g0 + a;
            if (this.failed[g] === 0 || removedMask & (1 << a)) continue;
            const d = this.cellDelayS[this.cellOf[g]];
            if (d > bestDelay) {
              bestDelay = d;
              best = a;
            }
          }
          removedMask |= 1 << best;
          keep--;
        }
      }
      const nRemoved = (removedMask & 1) + ((removedMask >> 1) & 1) + ((removedMask >> 2) & 1);
      failedAzs += nFailed;
      removedAzs += nRemoved;
      const share = offered / (3 - nRemoved);
      for (let a = 0; a < 3; a++) {
        if (removedMask & (1 << a)) continue;
        const g = g0 + a;
        const base = this.baseIn[g];
        const groupUnpropagatedIn = this.unpropagatedInByGroup[g];
        const nIn = base + groupUnpropagatedIn;
        if (nIn === 0) {
          errors += share;
          continue;
        }
        const failing = share * (groupUnpropagatedIn / nIn) * pf;
        const working = base + groupUnpropagatedIn * (1 - pf);
        const good = Math.min(share - failing, working);
        errors += share - good;
      }
    }
    const load = offered * this.m;
    const c = this.counters;
    c.errorIntegral += errors * dt;
    c.loadIntegral += load * dt;
    c.removedShareIntegral += (removedAzs / (3 * this.m)) * dt;
    c.timeS += dt;
    this.failedAzs = failedAzs;
    this.removedAzs = removedAzs;
    this.lastErrorRate = errors / load;
    this.lastErrors = errors;
    this.lastLoad = load;
  }
}
