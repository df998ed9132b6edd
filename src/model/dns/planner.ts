/**
 * The DNS Planner: watches load-balancer health and capacity and, every `dns.planner.periodS`, writes a new plan
 * generation into the shared store: for each endpoint, its healthy load balancers and their weights.
 *
 * Health model: each load balancer fails as a Poisson process (`lbFailuresPerH`) and is repaired after a drawn
 * time (`lbRepairS`); a failed one is out of service at once (clients that still hold its address get connection
 * errors) and leaves the next plan. Weights are capacity times a small drift (`weightJitter`), so consecutive
 * plans differ as they do in a live fleet.
 *
 * Leaves out: the planner's own failures and latency, per-AZ structure, and weights from measured load. A plan
 * slot that an endpoint still uses is never overwritten: the Planner skips that period instead (logged).
 */
import type { DnsConfig } from '../../config/schema.ts';
import { Rng, sampleDuration } from '../prng.ts';
import type { DnsContext } from './context.ts';

export interface PlannerState {
  gen: number;
  rng: number;
  lbDownUntilS: number[];
}

export class Planner {
  readonly name = 'planner';
  /** Generation of the newest plan written (the bootstrap plan is generation 1). */
  gen = 1;
  private readonly rng: Rng;
  private readonly cfg: DnsConfig;
  private readonly lbDownUntilS: Float64Array;
  private readonly targets: Int32Array[];
  private readonly weights: Float64Array[];
  private readonly counts: number[];

  constructor(
    private readonly ctx: DnsContext,
    seed: number,
  ) {
    this.cfg = ctx.cfg;
    this.rng = new Rng(seed);
    const lbCount = ctx.store.layout.dnsLbCount;
    this.lbDownUntilS = new Float64Array(lbCount);
    this.targets = this.cfg.endpoints.map((e) => new Int32Array(e.loadBalancers));
    this.weights = this.cfg.endpoints.map((e) => new Float64Array(e.loadBalancers));
    this.counts = this.cfg.endpoints.map(() => 0);
  }

  /** Fill the scratch plan from the current health of every load balancer. */
  private compose(): void {
    const { store } = this.ctx;
    const jitter = this.cfg.planner.weightJitter;
    this.cfg.endpoints.forEach((ep, e) => {
      let n = 0;
      for (let k = 0; k < ep.loadBalancers; k++) {
        const lb = store.lbBase[e] + k;
        if (store.lbInService[lb] === 1) {
          this.targets[e][n] = lb;
          this.weights[e][n] = store.lbCapacityPerS[lb] * (1 + jitter * (2 * this.rng.next() - 1));
          n++;
        }
      }
      this.counts[e] = n;
    });
  }

  /** Write the plan the fleet starts with (generation 1, slot 1) and point every endpoint at it. */
  bootstrap(nowS: number): void {
    const { store } = this.ctx;
    this.cfg.endpoints.forEach((ep, e) => {
      for (let k = 0; k < ep.loadBalancers; k++) {
        store.lbInService[store.lbBase[e] + k] = 1;
        store.lbCapacityPerS[store.lbBase[e] + k] = ep.capacityPerS;
      }
    });
    this.compose();
    const slot = 1 % this.cfg.planSlots;
    store.writePlan(slot, 1, nowS, this.targets, this.weights, this.counts);
    for (let e = 0; e < this.ctx.endpoints; e++) {
      store.writeEndpoint(e, { gen: 1, slot, writer: -2, checkedGen: 1, checkAtS: nowS, nowS, fenced: false });
    }
  }

  /**
   * Where the next plan goes: its home slot (gen mod planSlots) or the next empty one after it; failing that, the
   * oldest plan no endpoint uses (when clean-up is not running, as in the stuck state, old plans pile up).
   */
  private freeSlot(gen: number): number {
    const { store } = this.ctx;
    const n = this.cfg.planSlots;
    let oldest = -1;
    let oldestGen = Infinity;
    // Under fenced and locked-check an endpoint only ever moves to a newer plan, so a plan no newer than every
    // endpoint's can never be applied again, while a newer one may be in the hands of an Enactor that has checked
    // it and is about to write it: only the former may be overwritten. (Free-running threads, `cascadesim race`,
    // showed an Enactor's existence check and its write racing the Planner's reuse of the slot.) Legacy reuses by
    // age alone.
    const reusableUpTo = this.cfg.protocol === 'legacy' ? Infinity : this.ctx.minAppliedGen();
    for (let i = 0; i < n; i++) {
      const slot = (gen + i) % n;
      const g = store.planGen(slot);
      if (g === 0) return slot;
      if (g < oldestGen && g <= reusableUpTo && this.ctx.endpointsUsing(slot, g).length === 0) {
        oldestGen = g;
        oldest = slot;
      }
    }
    return oldest;
  }

  /** One planning period: update health, then write the next generation. Returns the next event time. */
  step(nowS: number): number {
    const { store, log } = this.ctx;
    const pFail = 1 - Math.exp((-this.cfg.planner.lbFailuresPerH * this.cfg.planner.periodS) / 3600);
    // Only the dns endpoints' load balancers: the other regions' (after them) are static and healthy.
    for (let lb = 0; lb < store.layout.dnsLbCount; lb++) {
      if (store.lbInService[lb] === 0) {
        if (nowS >= this.lbDownUntilS[lb]) {
          store.lbInService[lb] = 1;
          log.add(nowS, this.name, 'lb-up', -1, 0, `load balancer ${lb} back in service`);
        }
      } else if (pFail > 0 && this.rng.next() < pFail) {
        store.lbInService[lb] = 0;
        this.lbDownUntilS[lb] = nowS + sampleDuration(this.cfg.planner.lbRepairS, this.rng);
        log.add(nowS, this.name, 'lb-down', -1, 0, `load balancer ${lb} out of service until ${this.lbDownUntilS[lb].toFixed(1)}s`);
      }
    }
    const next = this.gen + 1;
    const slot = this.freeSlot(next);
    if (slot < 0) {
      log.add(nowS, this.name, 'planner-skip', -1, next, 'every plan slot holds a plan in use');
      return nowS + this.cfg.planner.periodS;
    }
    const old = store.planGen(slot);
    this.compose();
    store.writePlan(slot, next, nowS, this.targets, this.weights, this.counts);
    this.gen = next;
    log.add(nowS, this.name, 'plan-created', -1, next, `slot ${slot}${old > 0 ? `, replacing gen ${old}` : ''}`);
    return nowS + this.cfg.planner.periodS;
  }

  /** For the protocol checker (src/check): the Planner's own state; the plans and LB health live in the store. */
  saveState(): PlannerState {
    return { gen: this.gen, rng: this.rng.snapshot(), lbDownUntilS: Array.from(this.lbDownUntilS) };
  }

  loadState(st: PlannerState): void {
    this.gen = st.gen;
    this.rng.restore(st.rng);
    this.lbDownUntilS.set(st.lbDownUntilS);
  }
}
