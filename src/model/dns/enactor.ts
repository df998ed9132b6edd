/**
 * A DNS Enactor: a state machine in simulated time that applies the newest plan to every endpoint, then cleans up.
 *
 *   idle --poll: newer plan? (the one-time check)--> [fault: stall] --> lock(e) --granted--> apply(e) --commit-->
 *     ^                                               |  backoff <--busy--'                                 |
 *     |                                               '--------------- next endpoint <----------------------'
 *     '---- poll later <---- cleanup: delete plans older than applied - keepGenerations, one per deleteS <--'
 *
 * Protocols (dns.protocol):
 * - legacy (AWS as of 2025-10-19): the check happens once, before the sweep; the commit overwrites the endpoint
 *   whatever it holds; clean-up deletes by age, even a plan an endpoint uses. A commit needs both the new plan and
 *   the endpoint's current plan to exist (the Route 53 transaction replaces one with the other): an endpoint whose
 *   plan was deleted refuses every later update, which is the stuck state that needed operators.
 * - fenced: the staleness check is the write itself (compare-and-swap on the endpoint's applied generation);
 *   clean-up skips any plan an endpoint uses; an empty target set is never published.
 * - locked-check: like legacy, but the check is repeated under the endpoint's lock just before the write; shows
 *   that closing the check-to-write gap is enough to stop the regression (clean-up still goes by age).
 *
 * Faults (dns.faults): after its first check at or after `atS` the Enactor stalls, either for a fixed `stallS`
 * (kind stall) or until the adversarial trigger (trigger.ts) picks the worst moment for its write to the first
 * endpoint, which then lands at once: the stall stands for that update being retried (kind adversarial). Every
 * Enactor publishes its sweep (generation, next endpoint) in the shared store for the trigger to read.
 *
 * Leaves out: Route 53 propagation delay, per-record change batches, the Enactor crashing, and lock leases
 * expiring (a lock is held exactly for the apply time).
 */
import type { DnsConfig, Fault, Protocol } from '../../config/schema.ts';
import { Rng, sampleDuration } from '../prng.ts';
import { type DnsContext, newRecord } from './context.ts';
import { fmtS } from './events.ts';
import { ADVERSARIAL_LABEL, AdversarialTrigger } from './trigger.ts';

/** 'stalled': held by an adversarial fault until its trigger wakes it (a fixed stall is just a later time). */
type Phase = 'idle' | 'stalled' | 'lock' | 'apply' | 'cleanup';

/**
 * Everything an Enactor carries between steps, for the protocol checker (src/check) to rewind and replay it.
 * `logical` decides what its next step does; `timing` only decides when that step happens (the checker, which
 * explores every order of steps, leaves timing out of its state comparisons).
 */
export interface EnactorState {
  logical: {
    phase: Phase;
    gen: number;
    slot: number;
    endpoint: number;
    stallDrawn: boolean;
    cleanupGens: number[];
    cleanupSlots: number[];
  };
  timing: { checkAtS: number; lockAttempts: number; rng: number; faults: Fault[]; lockRetries: number };
}

export class Enactor {
  readonly name: string;
  private readonly rng: Rng;
  private readonly cfg: DnsConfig;
  private readonly protocol: Protocol;
  private phase: Phase = 'idle';
  /** Plan being applied, its slot, and when this Enactor checked it. */
  private gen = 0;
  private slot = -1;
  private checkAtS = 0;
  private endpoint = 0;
  private lockAttempts = 0;
  private stallDrawn = false;
  private cleanupSlots: number[] = [];
  private cleanupGens: number[] = [];
  private readonly faults: Fault[];
  private trigger: AdversarialTrigger | null = null;
  /** Counters for the summary. */
  lockRetries = 0;
  /** Scratch copy of an endpoint's record before this Enactor's write. */
  private readonly prevRec = newRecord();

  constructor(
    readonly index: number,
    private readonly ctx: DnsContext,
    seed: number,
  ) {
    this.name = `enactor-${index}`;
    this.cfg = ctx.cfg;
    this.protocol = ctx.cfg.protocol;
    this.rng = new Rng(seed);
    this.faults = ctx.cfg.faults.filter((f) => f.enactor === index).sort((a, b) => a.atS - b.atS);
  }

  /** First poll: staggered across Enactors so they do not start in lock step. */
  static firstPollS(index: number, enactors: number, pollS: number): number {
    return (pollS * (index + 1)) / (enactors + 1);
  }

  step(nowS: number): number {
    switch (this.phase) {
      case 'idle':
        return this.poll(nowS);
      case 'stalled':
        return this.stalled(nowS);
      case 'lock':
        return this.tryLock(nowS);
      case 'apply':
        return this.commit(nowS);
      case 'cleanup':
        return this.cleanupOne(nowS);
    }
  }

  private idle(nowS: number): number {
    this.phase = 'idle';
    this.gen = 0;
    this.slot = -1;
    this.ctx.publishSweep(this.index, 0, 0);
    return nowS + this.cfg.enactor.pollS;
  }

  private poll(nowS: number): number {
    const [newest, slot] = this.ctx.newestPlan();
    const previous = this.ctx.maxAppliedGen();
    if (newest <= previous) return nowS + this.cfg.enactor.pollS;
    // The one-time check: passed. From here on the legacy Enactor never looks at the endpoints' generation again.
    this.gen = newest;
    this.slot = slot;
    this.checkAtS = nowS;
    this.endpoint = 0;
    this.lockAttempts = 0;
    this.stallDrawn = false;
    this.phase = 'lock';
    this.ctx.publishSweep(this.index, newest, 0);
    this.ctx.log.add(nowS, this.name, 'check', -1, newest, `gen ${newest} is newer than applied gen ${previous}`);
    const fault = this.faults[0];
    if (fault && fault.atS <= nowS) {
      this.faults.shift();
      if (fault.kind === 'adversarial') {
        this.trigger = new AdversarialTrigger(this.ctx, this.index, newest, slot);
        this.phase = 'stalled';
        this.ctx.log.add(
          nowS,
          this.name,
          'adversarial-stall',
          -1,
          newest,
          `${ADVERSARIAL_LABEL}: stalls after checking gen ${newest}, until the vulnerable window opens`,
        );
        return this.stalled(nowS);
      }
      const stallS = fault.stallS as number;
      this.ctx.log.add(
        nowS,
        this.name,
        'fault-stall',
        -1,
        newest,
        `stalls ${stallS}s after checking gen ${newest} (a fixed stall set in the scenario)`,
      );
      return nowS + stallS;
    }
    return nowS;
  }

  /** Held by the adversarial trigger: it looks at the store and says when to resume the sweep. */
  private stalled(nowS: number): number {
    const t = (this.trigger as AdversarialTrigger).step(nowS);
    if (!t.wake) return t.nextS;
    this.trigger = null;
    this.phase = 'lock';
    this.ctx.log.add(
      nowS,
      this.name,
      'adversarial-wake',
      -1,
      this.gen,
      `adversarial trigger: resumes after ${(nowS - this.checkAtS).toFixed(3)}s stalled: ${t.why}`,
    );
    if (t.writeNow && this.ctx.store.tryLockEndpoint(this.endpoint, this.index)) {
      // The stall was this endpoint's update being retried: the write lands now (the trigger saw the lock free).
      this.stallDrawn = true;
      this.phase = 'apply';
      return this.commit(nowS);
    }
    return this.tryLock(nowS);
  }

  private tryLock(nowS: number): number {
    if (this.endpoint >= this.ctx.endpoints) return this.startCleanup(nowS);
    const en = this.cfg.enactor;
    if (!this.stallDrawn) {
      this.stallDrawn = true;
      if (en.stallProbability > 0 && this.rng.next() < en.stallProbability) {
        const d = sampleDuration(en.stallS, this.rng);
        this.ctx.log.add(nowS, this.name, 'random-stall', this.endpoint, this.gen, `delayed ${d.toFixed(1)}s retrying its update`);
        return nowS + d;
      }
    }
    if (this.ctx.store.tryLockEndpoint(this.endpoint, this.index)) {
      this.phase = 'apply';
      return nowS + sampleDuration(en.applyS, this.rng);
    }
    this.lockRetries++;
    const windowS = Math.min(en.lockBackoffCapS, en.lockBackoffBaseS * 2 ** Math.min(this.lockAttempts, 30));
    this.lockAttempts++;
    return nowS + this.rng.next() * windowS;
  }

  private nextEndpoint(nowS: number): number {
    this.ctx.store.unlockEndpoint(this.endpoint, this.index);
    this.endpoint++;
    this.ctx.publishSweep(this.index, this.gen, this.endpoint);
    this.lockAttempts = 0;
    this.stallDrawn = false;
    this.phase = 'lock';
    return nowS;
  }

  private abandon(nowS: number, e: number, why: string): number {
    this.ctx.log.add(nowS, this.name, 'apply-failed', e, this.gen, why);
    this.ctx.store.unlockEndpoint(e, this.index);
    return this.idle(nowS);
  }

  private commit(nowS: number): number {
    const { ctx } = this;
    const e = this.endpoint;
    const store = ctx.store;
    if (ctx.record(e).lockHolder !== this.index + 1) {
      // An operator broke the lock during a repair: start over from a fresh check.
      ctx.log.add(nowS, this.name, 'apply-failed', e, this.gen, 'lock broken by operators; plan abandoned');
      return this.idle(nowS);
    }
    if (store.planGen(this.slot) !== this.gen) {
      return this.abandon(nowS, e, `plan gen ${this.gen} no longer exists; plan abandoned`);
    }
    if (this.protocol !== 'fenced' && ctx.dangling(e)) {
      const r = ctx.record(e);
      return this.abandon(nowS, e, `inconsistent: current plan gen ${r.appliedGen} of ${ctx.names[e]} was deleted; update refused`);
    }
    const prev = ctx.record(e).appliedGen;
    if (this.protocol === 'locked-check' && prev >= this.gen) {
      ctx.log.add(nowS, this.name, 'apply-refused', e, this.gen, `re-check under lock: ${ctx.names[e]} already holds gen ${prev}`);
      return this.nextEndpoint(nowS);
    }
    if (this.protocol === 'fenced' && store.planTargetCount(this.slot, e) === 0) {
      ctx.log.add(nowS, this.name, 'apply-refused', e, this.gen, `plan gen ${this.gen} has no targets for ${ctx.names[e]}; not published`);
      return this.nextEndpoint(nowS);
    }
    const wasEmpty = ctx.targetCount(e) === 0;
    // The record as it stood before the write, for a violation's chain (formatted only if one is logged).
    const prevRec = Object.assign(this.prevRec, ctx.record(e));
    const before = store.writeEndpoint(e, {
      gen: this.gen,
      slot: this.slot,
      writer: this.index + 1,
      checkedGen: this.gen,
      checkAtS: this.checkAtS,
      nowS,
      fenced: this.protocol === 'fenced',
    });
    if (before === -1) {
      ctx.log.add(
        nowS,
        this.name,
        'apply-refused',
        e,
        this.gen,
        `compare-and-swap refused: ${ctx.names[e]} already holds gen ${ctx.record(e).appliedGen}`,
      );
      return this.nextEndpoint(nowS);
    }
    ctx.log.add(nowS, this.name, 'apply', e, this.gen, `${ctx.names[e]}: gen ${before} -> ${this.gen}`);
    let formatted: string[] | undefined;
    // Formatted once even when the write breaks two invariants; each event gets its own copy.
    const chain = () => [
      ...(formatted ??= [
        `${this.name} checked gen ${this.gen} at ${fmtS(this.checkAtS)} (one-time check)`,
        `before: ${ctx.provenanceOf(e, prevRec)}`,
        `${this.name} overwrote ${ctx.names[e]} gen ${before} with gen ${this.gen} at ${fmtS(nowS)}, ${this.gen < before ? `${before - this.gen} generations older` : 'newer'}`,
      ]),
    ];
    if (this.gen < before) {
      ctx.log.add(nowS, this.name, 'violation', e, this.gen, `${ctx.names[e]} went back from gen ${before} to gen ${this.gen}`, {
        invariant: 'monotonic',
        chain: chain(),
      });
    }
    ctx.noteEmptiness(e, wasEmpty, nowS, this.name, this.gen, `plan gen ${this.gen} has no targets for it`, chain);
    return this.nextEndpoint(nowS);
  }

  private startCleanup(nowS: number): number {
    const olderThan = this.gen - this.cfg.cleanup.keepGenerations;
    const old = this.ctx.plansOldestFirst().filter((p) => p[0] < olderThan);
    this.cleanupGens = old.map((x) => x[0]);
    this.cleanupSlots = old.map((x) => x[1]);
    if (old.length === 0) return this.idle(nowS);
    this.phase = 'cleanup';
    return nowS + sampleDuration(this.cfg.cleanup.deleteS, this.rng);
  }

  /** Delete the next old plan; a deletion takes `cleanup.deleteS`. */
  private cleanupOne(nowS: number): number {
    const { ctx } = this;
    const gen = this.cleanupGens.shift() as number;
    const slot = this.cleanupSlots.shift() as number;
    if (ctx.store.planGen(slot) === gen) {
      const users = ctx.endpointsUsing(slot, gen);
      if (users.length > 0 && this.protocol === 'fenced') {
        ctx.log.add(
          nowS,
          this.name,
          'cleanup-skip-active',
          users[0],
          gen,
          `gen ${gen} is in use by ${users.map((u) => ctx.names[u]).join(', ')}; kept`,
        );
      } else {
        const wasEmpty = users.map((u) => ctx.targetCount(u) === 0);
        const provenance = users.map((u) => ctx.provenance(u));
        // Compare-and-delete: on free-running threads (cascadesim race) the Planner may have reused the slot.
        const deleted = ctx.store.deletePlan(slot, gen);
        if (deleted)
          ctx.log.add(
            nowS,
            this.name,
            'cleanup-delete',
            -1,
            gen,
            `deleted gen ${gen} (older than gen ${this.gen} - ${this.cfg.cleanup.keepGenerations})`,
          );
        if (deleted)
          users.forEach((u, i) => {
            const chain = [
              provenance[i],
              `${this.name} checked gen ${this.gen} at ${fmtS(this.checkAtS)}, applied it to every endpoint, then cleaned up`,
              `${this.name} deleted gen ${gen} at ${fmtS(nowS)}: ${this.gen - gen} generations older than the one it applied, but active on ${ctx.names[u]}`,
            ];
            ctx.log.add(nowS, this.name, 'violation', u, gen, `deleted gen ${gen}, the active plan of ${ctx.names[u]}`, {
              invariant: 'never-delete-active',
              chain,
            });
            ctx.noteEmptiness(
              u,
              wasEmpty[i],
              nowS,
              this.name,
              gen,
              `its active plan gen ${gen} was deleted by ${this.name}'s clean-up`,
              () => chain,
            );
          });
      }
    }
    if (this.cleanupGens.length === 0) return this.idle(nowS);
    return nowS + sampleDuration(this.cfg.cleanup.deleteS, this.rng);
  }

  saveState(): EnactorState {
    // The checker explores every schedule itself; an adversarial trigger is one chosen schedule, and its state
    // (what it has watched so far) is not part of what the checker rewinds.
    if (this.trigger !== null) throw new Error(`${this.name}: an Enactor held by an adversarial trigger cannot be saved for the checker`);
    return {
      logical: {
        phase: this.phase,
        gen: this.gen,
        slot: this.slot,
        endpoint: this.endpoint,
        stallDrawn: this.stallDrawn,
        cleanupGens: this.cleanupGens.slice(),
        cleanupSlots: this.cleanupSlots.slice(),
      },
      timing: {
        checkAtS: this.checkAtS,
        lockAttempts: this.lockAttempts,
        rng: this.rng.snapshot(),
        faults: this.faults.slice(),
        lockRetries: this.lockRetries,
      },
    };
  }

  loadState(st: EnactorState): void {
    const l = st.logical;
    const t = st.timing;
    this.phase = l.phase;
    this.gen = l.gen;
    this.slot = l.slot;
    this.endpoint = l.endpoint;
    this.stallDrawn = l.stallDrawn;
    this.cleanupGens = l.cleanupGens.slice();
    this.cleanupSlots = l.cleanupSlots.slice();
    this.checkAtS = t.checkAtS;
    this.lockAttempts = t.lockAttempts;
    this.rng.restore(t.rng);
    this.faults.splice(0, this.faults.length, ...t.faults);
    this.lockRetries = t.lockRetries;
  }
}
