/**
 * What every control-plane actor shares: the plan store, the scenario's DNS section, the event log, and the
 * invariant monitors (NeverDeleteActive, Monotonic, NonEmpty) that check each write as it happens.
 *
 * The monitors see the store through the same lock-free snapshots as everyone else; each violation is logged
 * with its simulated time, its endpoint and the chain behind it: which Enactor wrote the endpoint, what it had
 * checked and when, and what the clean-up deleted.
 */
import type { DnsConfig } from '../../config/schema.ts';
import { newAnswer, type Answer } from '../../memory/resolve.ts';
import type { EndpointRecord } from '../../memory/endpoints.ts';
import type { SharedStore } from '../../memory/store.ts';
import { type EventSink, fmtS } from './events.ts';

/** Words of an Enactor's actor line (see SharedStore.actorWord). */
const SWEEP_GEN = 1;
const SWEEP_ENDPOINT = 2;

export function newRecord(): EndpointRecord {
  return {
    seq: 0,
    appliedGen: 0,
    planSlot: 0,
    lockHolder: 0,
    lastWriter: 0,
    lastWriterCheckedGen: 0,
    lastWriteAtS: 0,
    lastWriterCheckAtS: 0,
    repairedGen: 0,
  };
}

export function writerName(w: number): string {
  return w === -1 ? 'operator' : w === -2 ? 'bootstrap' : w > 0 ? `enactor-${w - 1}` : 'nobody';
}

export class DnsContext {
  readonly store: SharedStore;
  readonly cfg: DnsConfig;
  readonly log: EventSink;
  readonly endpoints: number;
  readonly names: string[];
  private readonly rec = newRecord();
  private readonly answer: Answer;

  /** Actor id of Enactor 0 in the shared store (the engine's numbering); -1: this context runs no Enactor. */
  private readonly enactorActor0: number;

  /**
   * maxAppliedGen() reuses its last answer while the store version is unchanged (every write to a plan or an
   * endpoint record bumps it), plansOldestFirst() (and newestPlan(), read from it) while the plans version is (only
   * plan writes and deletions bump it): with 64 Enactors most polls and clean-ups find the plans as the last one left
   * them, though Enactors write endpoint records many times a second.
   * Whoever puts data into the store without a write (the checker, restoring a saved state: the version word is
   * not part of it) must call forgetMemo().
   */
  private maxAppliedVersion = Number.NaN;
  private maxApplied = 0;
  private plansVersion = Number.NaN;
  private plans: readonly (readonly [number, number])[] = [];

  constructor(store: SharedStore, cfg: DnsConfig, log: EventSink, enactorActor0 = -1) {
    this.store = store;
    this.cfg = cfg;
    this.log = log;
    this.endpoints = cfg.endpoints.length;
    this.names = cfg.endpoints.map((e) => e.name);
    this.answer = newAnswer(store.layout.targetsMax);
    this.enactorActor0 = enactorActor0;
  }

  /** Drop the answers newestPlan(), maxAppliedGen() and plansOldestFirst() keep: the store changed without its versions moving. */
  forgetMemo(): void {
    this.maxAppliedVersion = Number.NaN;
    this.plansVersion = Number.NaN;
  }

  private enactorActor(i: number): number {
    if (this.enactorActor0 < 0) throw new Error("DnsContext: constructed without the Enactors' actor ids");
    return this.enactorActor0 + i;
  }

  /** When Enactor i's next step is due, as every worker sees it in the shared store. */
  enactorNextS(i: number): number {
    return this.store.actorNextS(this.enactorActor(i));
  }

  /**
   * What Enactor i publishes about its sweep, for the adversarial trigger to read in other turns: the generation
   * it checked (0: idle) and the next endpoint it will write (= endpoints: done writing, cleaning up).
   */
  publishSweep(i: number, gen: number, endpoint: number): void {
    // A context with no actor ids (the checker's, the free-running race's) has no trigger to read the sweep.
    if (this.enactorActor0 < 0) return;
    const a = this.enactorActor(i);
    this.store.setActorWord(a, SWEEP_GEN, gen);
    this.store.setActorWord(a, SWEEP_ENDPOINT, endpoint);
  }

  sweepOf(i: number): { gen: number; endpoint: number } {
    const a = this.enactorActor(i);
    return { gen: this.store.actorWord(a, SWEEP_GEN), endpoint: this.store.actorWord(a, SWEEP_ENDPOINT) };
  }

  /** The newest plan in the store: [generation, slot], or [0, -1] when there is none. */
  newestPlan(): [number, number] {
    const plans = this.plansOldestFirst();
    if (plans.length === 0) return [0, -1];
    // The newest generation in the first slot that holds it (the list keeps slot order among equal generations).
    const gen = plans[plans.length - 1][0];
    let k = plans.length - 1;
    while (k > 0 && plans[k - 1][0] === gen) k--;
    return [gen, plans[k][1]];
  }

  /**
   * Every plan in the store as [generation, slot], oldest first (slot order among equal generations): where each
   * Enactor's clean-up starts. Read anew only when a plan was written or deleted since the last call.
   */
  plansOldestFirst(): readonly (readonly [number, number])[] {
    // Read the version before the plans: a write that lands meanwhile leaves a newer version, so no stale reuse.
    const v = this.store.plansVersion();
    if (v === this.plansVersion) return this.plans;
    const out: [number, number][] = [];
    for (let s = 0; s < this.cfg.planSlots; s++) {
      const g = this.store.planGen(s);
      if (g > 0) out.push([g, s]);
    }
    out.sort((a, b) => a[0] - b[0]);
    this.plansVersion = v;
    this.plans = out;
    return out;
  }

  /** The "previously applied plan" of the one-time check: the newest generation any endpoint holds. */
  maxAppliedGen(): number {
    const v = this.store.storeVersion();
    if (v === this.maxAppliedVersion) return this.maxApplied;
    let m = 0;
    for (let e = 0; e < this.endpoints; e++) m = Math.max(m, this.store.readEndpoint(e, this.rec).appliedGen);
    this.maxAppliedVersion = v;
    this.maxApplied = m;
    return m;
  }

  /** The oldest generation any endpoint holds. */
  minAppliedGen(): number {
    let m = Infinity;
    for (let e = 0; e < this.endpoints; e++) m = Math.min(m, this.store.readEndpoint(e, this.rec).appliedGen);
    return m;
  }

  record(e: number): EndpointRecord {
    return this.store.readEndpoint(e, this.rec);
  }

  /** Whether the endpoint's record points at a plan that no longer exists (the inconsistent state). */
  dangling(e: number): boolean {
    const r = this.store.readEndpoint(e, this.rec);
    return r.appliedGen > 0 && this.store.planGen(r.planSlot) !== r.appliedGen;
  }

  targetCount(e: number): number {
    return this.store.resolve(e, this.answer).count;
  }

  /** Endpoints whose record names the plan in `slot` with generation `gen`. */
  endpointsUsing(slot: number, gen: number): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.endpoints; e++) {
      const r = this.store.readEndpoint(e, this.rec);
      if (r.appliedGen === gen && r.planSlot === slot) out.push(e);
    }
    return out;
  }

  /** Describe who put the endpoint's current plan there: the start of every violation chain. */
  provenance(e: number): string {
    return this.provenanceOf(e, this.store.readEndpoint(e, this.rec));
  }

  /** The same, of a copy of endpoint e's record taken earlier (formatted only when a chain is needed). */
  provenanceOf(e: number, r: EndpointRecord): string {
    const who = writerName(r.lastWriter);
    if (r.lastWriter > 0) {
      return `${who} checked gen ${r.lastWriterCheckedGen} at ${fmtS(r.lastWriterCheckAtS)} and wrote it to ${this.names[e]} at ${fmtS(r.lastWriteAtS)}`;
    }
    return `${who} wrote gen ${r.appliedGen} to ${this.names[e]} at ${fmtS(r.lastWriteAtS)}`;
  }

  /**
   * Called after any change to what endpoint e resolves to: logs the transition between having addresses and
   * having none, and a NonEmpty violation when no operator caused it. `chain` is called only for a violation.
   */
  noteEmptiness(e: number, wasEmpty: boolean, nowS: number, actor: string, gen: number, cause: string, chain: () => string[]): void {
    const isEmpty = this.targetCount(e) === 0;
    if (isEmpty && !wasEmpty) {
      this.log.add(nowS, actor, 'endpoint-empty', e, gen, `${this.names[e]} resolves to no addresses: ${cause}`);
      if (actor !== 'operator') {
        this.log.add(nowS, actor, 'violation', e, gen, `${this.names[e]} published zero targets: ${cause}`, {
          invariant: 'non-empty',
          chain: chain(),
        });
      }
    } else if (!isEmpty && wasEmpty) {
      this.log.add(nowS, actor, 'endpoint-restored', e, gen, `${this.names[e]} resolves again (gen ${gen})`);
    }
  }
}
