/**
 * The world the protocol checker explores: the real Planner, Enactors and plan store of `cascadesim run`
 * (src/model/dns, src/memory/layout.ts), built from a scenario cut down to a bound, and stepped one actor at a
 * time by whoever drives it. A state is the store's DNS region (endpoint records, plan slots, load-balancer
 * health) plus each actor's saved state; the checker saves, restores and compares states, and never models the
 * protocol itself: every transition is one call of the actor's own step().
 *
 * Abstractions (what the bounded world leaves out, and why that is sound for the invariants checked):
 * - time: steps happen in any order, at any time. Durations (apply time, backoff, poll period, stalls) only
 *   decide when an actor's next step comes, so exploring every order covers every duration; faults and random
 *   stalls are therefore dropped, as is an Enactor's timing state (its random stream, lock attempts, the time
 *   of its check) from state comparisons.
 * - load balancers never fail (lbFailuresPerH = 0): plans differ only in generation and weights.
 * - no operators, clients or EC2: they do not write plans or endpoint records, except the repair.
 * - bounds: Enactors, endpoints (the scenario's first N), the newest generation the Planner writes, clean-up's
 *   keepGenerations, plan slots (keepGenerations + 3, the smallest the scenario allows), and schedule length.
 */
import { validateScenario } from '../config/load.ts';
import type { Protocol, Scenario } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import { SharedStore } from '../memory/store.ts';
import { DnsContext } from '../model/dns/context.ts';
import { Enactor, type EnactorState } from '../model/dns/enactor.ts';
import { EventLog, type SimEvent } from '../model/dns/events.ts';
import { Planner, type PlannerState } from '../model/dns/planner.ts';
import { seedFor, Stream } from '../model/prng.ts';
import { storeDims } from '../engine/task.ts';

export interface Bounds {
  protocol: Protocol;
  enactors: number;
  endpoints: number;
  /** Newest plan generation the Planner may write (the bootstrap plan is generation 1). */
  generations: number;
  keepGenerations: number;
  /** Longest schedule explored (steps of all actors together). */
  maxSteps: number;
}

/**
 * The scenario cut down to the bound: DNS only, the first N endpoints, a plan ring of keepGenerations + 3 slots.
 * `untimed` (the checker) also drops faults, random stalls and load-balancer failures (see the file comment);
 * the free-running race keeps the actors' timing, which is what it races.
 */
export function boundedScenario(base: Scenario, b: Bounds, opts = { untimed: true }): Scenario {
  if (b.endpoints > base.dns.endpoints.length) {
    throw new InputError(
      [`--endpoints: the scenario has only ${base.dns.endpoints.length} endpoints (got ${b.endpoints})`],
      'invalid check',
    );
  }
  const raw = structuredClone(base) as Scenario;
  raw.name = `${base.name}-${opts.untimed ? 'check' : 'race'}-${b.protocol}`;
  raw.dns.protocol = b.protocol;
  raw.dns.enactors = b.enactors;
  raw.dns.endpoints = raw.dns.endpoints.slice(0, b.endpoints);
  raw.dns.cleanup.keepGenerations = b.keepGenerations;
  raw.dns.planSlots = b.keepGenerations + 3;
  raw.dns.faults = [];
  delete raw.dns.schedule;
  if (opts.untimed) {
    raw.dns.enactor.stallProbability = 0;
    raw.dns.planner.lbFailuresPerH = 0;
  }
  raw.actions = [];
  raw.clients = null;
  raw.ec2 = null;
  return validateScenario(raw, 'bounded scenario');
}

/** Actor 0 is the Planner, actor i >= 1 is Enactor i - 1. */
export function actorName(a: number): string {
  return a === 0 ? 'planner' : `enactor-${a - 1}`;
}

export interface WorldState {
  /** The store's DNS region: endpoint records, plan slots, load-balancer health. */
  store: Uint8Array;
  planner: PlannerState;
  enactors: EnactorState[];
}

export class World {
  readonly scenario: Scenario;
  readonly store: SharedStore;
  readonly ctx: DnsContext;
  readonly planner: Planner;
  readonly enactors: Enactor[];
  readonly actors: number;
  private readonly log = new EventLog();
  private readonly region: Uint8Array;
  private readonly generations: number;

  constructor(scenario: Scenario, generations: number) {
    this.scenario = scenario;
    this.generations = generations;
    const s = scenario;
    this.store = SharedStore.create(storeDims(s, 1));
    // The same set-up as the coordinator's (prepareStore) and the same seeds as the worker loop's actors.
    const ctx = new DnsContext(this.store, s.dns, this.log);
    new Planner(ctx, seedFor(s.seed, Stream.planner, 1)).bootstrap(0);
    this.ctx = ctx;
    this.planner = new Planner(ctx, seedFor(s.seed, Stream.planner, 0));
    this.enactors = Array.from({ length: s.dns.enactors }, (_, i) => new Enactor(i, ctx, seedFor(s.seed, Stream.enactor, i)));
    this.actors = 1 + this.enactors.length;
    const L = this.store.layout;
    // Endpoint records, plan slots and load-balancer health lie between the endpoints' offset and the load
    // counters' (which only clients write).
    this.region = new Uint8Array(this.store.sab, L.endpointsOffset, L.loadOffset - L.endpointsOffset);
  }

  save(): WorldState {
    return { store: this.region.slice(), planner: this.planner.saveState(), enactors: this.enactors.map((e) => e.saveState()) };
  }

  restore(st: WorldState): void {
    this.region.set(st.store);
    // The store's version word lies outside the saved region: the context's memo would not see this change.
    this.ctx.forgetMemo();
    this.planner.loadState(st.planner);
    this.enactors.forEach((e, i) => e.loadState(st.enactors[i]));
  }

  /** Whether actor a may step: the Planner until it has written the newest generation of the bound. */
  enabled(a: number): boolean {
    return a !== 0 || this.planner.gen < this.generations;
  }

  /** One step of actor a at simulated time nowS (the real step function); returns the events it logged. */
  step(a: number, nowS: number): SimEvent[] {
    this.log.events.length = 0;
    if (a === 0) this.planner.step(nowS);
    else this.enactors[a - 1].step(nowS);
    return this.log.events.slice();
  }

  /**
   * What decides every future step, as a string: each endpoint's applied generation, plan slot and lock holder,
   * each plan slot's generation and target counts, load-balancer health, the Planner's generation and each
   * Enactor's logical state. Leaves out timing (see the file comment), seqlock versions (always even between
   * steps; their values never decide anything) and a write's provenance (only messages use it).
   */
  key(): string {
    const { store, ctx } = this;
    const parts: (number | string)[] = [this.planner.gen];
    for (let e = 0; e < ctx.endpoints; e++) {
      const r = ctx.record(e);
      parts.push(r.appliedGen, r.planSlot, r.lockHolder);
    }
    for (let s = 0; s < this.scenario.dns.planSlots; s++) {
      parts.push(store.planGen(s));
      for (let e = 0; e < ctx.endpoints; e++) parts.push(store.planTargetCount(s, e));
    }
    for (let lb = 0; lb < store.layout.lbCount; lb++) parts.push(store.lbInService[lb]);
    for (const en of this.enactors) {
      const l = en.saveState().logical;
      parts.push('|', l.phase, l.gen, l.slot, l.endpoint, l.stallDrawn ? 1 : 0, l.cleanupGens.join(':'), l.cleanupSlots.join(':'));
    }
    return parts.join(',');
  }
}
