/**
 * The adversarial trigger: when a stalled Enactor's write lands, chosen to expose the race. It is a schedule
 * picked the way a model checker picks a counterexample, not a measured or guessed delay, and every place that
 * shows it says so. It decides one thing only, the instant the stalled Enactor resumes its write; what follows
 * (the stale write, the clean-up deleting the plan in use, the stuck Enactors, the clients' errors, EC2) is the
 * model's doing.
 *
 * The vulnerable window. The stalled Enactor passed its one-time check with generation g. An Enactor X that
 * applies generation G writes every endpoint, then cleans up every plan older than G - keepGenerations. A stale
 * write to the regional endpoint (the first one every sweep writes) does lasting harm when it lands
 *   - after X has written there a plan G > g + keepGenerations (X will not write it again, and X's clean-up will
 *     delete g), and
 *   - before X's clean-up reaches g (the write still finds its plan; the deletion then hits a plan in use).
 * The trigger watches the shared store right after every step of every other Enactor and resumes the stalled one
 * at the first instant when, on top of that, X has written every endpoint (AWS: "when the second Enactor
 * completed its endpoint updates, it then invoked the plan clean-up process ... at the same time" the delayed
 * Enactor wrote) and the regional endpoint's lock is free. That is the worst moment: no other endpoint still holds
 * an older plan, so the stale write does not make another Enactor's one-time check pass and repair the endpoint,
 * and X's clean-up is already under way. The stall covers the stalled Enactor's update of that first endpoint (AWS:
 * "unusually high delays needing to retry its update"): its write lands when it resumes; the rest of its sweep
 * takes the model's apply times. Everything the rule reads depends on the seed, the number of Enactors, the
 * planner period, keepGenerations and the endpoints only through the model's state at run time; no number in it
 * is tuned. With cleanup.deleteS 0 the window has no length and the trigger finds it closed.
 *
 * Under fenced and locked-check the same rule picks the same kind of moment; those protocols refuse the write.
 *
 * Determinism: the trigger runs inside the stalled Enactor's own control turns and reads only what every worker
 * sees identically at that point of the one global order (endpoint records, plan generations, the other Enactors'
 * published sweeps and next-event times). It adds observation turns, and no events but its own two log lines.
 *
 * Leaves out: windows on the other endpoints, and any control over other actors' timing.
 */
import type { DnsContext } from './context.ts';
import { meanDuration } from '../prng.ts';
import { fmtS } from './events.ts';
import { writerName } from './context.ts';

/** The endpoint every sweep writes first: the regional one in the shipped scenarios. */
export const TARGET_ENDPOINT = 0;

export const ADVERSARIAL_LABEL =
  "adversarial trigger: a schedule chosen to expose the race (like a model checker's counterexample), not a measured delay";

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/**
 * The next representable time after t (t >= 0, finite): the trigger looks at the state that another Enactor's
 * step left, before anything else can happen, whatever the tie-break order of actors at equal times.
 */
export function justAfter(t: number): number {
  if (t === 0) return Number.MIN_VALUE;
  f64[0] = t;
  u64[0] += 1n;
  return f64[0];
}

export type TriggerStep = { wake: false; nextS: number } | { wake: true; why: string; writeNow: boolean };

export class AdversarialTrigger {
  constructor(
    private readonly ctx: DnsContext,
    /** The stalled Enactor's index, the generation it checked and that plan's slot. */
    private readonly self: number,
    private readonly gen: number,
    private readonly slot: number,
  ) {}

  /** Whether Enactor i's next step comes before every other Enactor's (the stalled one aside). */
  private actsNext(i: number): boolean {
    const t = this.ctx.enactorNextS(i);
    for (let j = 0; j < this.ctx.cfg.enactors; j++) if (j !== i && j !== this.self && this.ctx.enactorNextS(j) < t) return false;
    return true;
  }

  /** Called at each of the stalled Enactor's turns: resume now, or look again just after the next other step. */
  step(nowS: number): TriggerStep {
    const { ctx, gen } = this;
    const keep = ctx.cfg.cleanup.keepGenerations;
    const name = ctx.names[TARGET_ENDPOINT];
    if (ctx.cfg.enactors < 2) {
      return {
        wake: true,
        writeNow: false,
        why: 'no other Enactor: no clean-up can overtake the stale plan, so there is no vulnerable window',
      };
    }
    if (ctx.store.planGen(this.slot) !== gen) {
      return {
        wake: true,
        writeNow: false,
        why: `gen ${gen} was deleted before the window opened: the window was missed (another Enactor held the lock of ${name}, or clean-up followed the last write at once)`,
      };
    }
    const r = ctx.record(TARGET_ENDPOINT);
    if (r.appliedGen > gen + keep && r.lastWriter > 0 && r.lastWriter !== this.self + 1 && r.lockHolder === 0) {
      // Enactors that have written the target endpoint with a plan more than keep ahead of g (their clean-up
      // will delete g), and Enactors whose sweep has yet to write the target endpoint (their write would repair
      // a stale write that lands before it).
      let deleter = -1;
      let pending = -1;
      for (let i = 0; i < ctx.cfg.enactors; i++) {
        if (i === this.self) continue;
        const sw = ctx.sweepOf(i);
        if (sw.gen === 0) continue;
        if (sw.gen > gen + keep && sw.endpoint > TARGET_ENDPOINT) {
          if (deleter < 0 || sw.endpoint > ctx.sweepOf(deleter).endpoint) deleter = i;
        } else if (sw.endpoint <= TARGET_ENDPOINT && (pending < 0 || ctx.enactorNextS(i) < ctx.enactorNextS(pending))) {
          pending = i;
        }
      }
      if (deleter >= 0) {
        const sw = ctx.sweepOf(deleter);
        const done = `enactor-${deleter} has written gen ${sw.gen} (more than ${keep} newer than gen ${gen})`;
        if (sw.endpoint >= ctx.endpoints) {
          return {
            wake: true,
            writeNow: true,
            why: `the vulnerable window is open: ${writerName(r.lastWriter)} wrote gen ${r.appliedGen} to ${name} at ${fmtS(r.lastWriteAtS)}; ${done} to every endpoint and started its clean-up, which has not yet reached gen ${gen}`,
          };
        }
        // Another Enactor is about to write the target endpoint (it acts next) while the deleter is still
        // sweeping: this is the last free moment before it. Its write repairs a stale write only if it lands
        // before the deleter's clean-up; compare the expected times (the model's own mean apply and delete times).
        if (pending >= 0 && this.actsNext(pending)) {
          const applyS = meanDuration(ctx.cfg.enactor.applyS);
          const pendingWriteS = ctx.enactorNextS(pending) + applyS;
          const deleteS = ctx.enactorNextS(deleter) + (ctx.endpoints - 1 - sw.endpoint) * applyS + meanDuration(ctx.cfg.cleanup.deleteS);
          if (pendingWriteS > deleteS) {
            return {
              wake: true,
              writeNow: true,
              why: `the vulnerable window is open: ${done} to ${name} and is still sweeping; enactor-${pending} is about to write ${name} too, expected after enactor-${deleter}'s clean-up reaches gen ${gen} (${fmtS(pendingWriteS)} vs ${fmtS(deleteS)}), so the last free moment before it is the worst`,
            };
          }
        }
      }
    }
    let next = Infinity;
    for (let i = 0; i < ctx.cfg.enactors; i++) if (i !== this.self) next = Math.min(next, ctx.enactorNextS(i));
    if (!Number.isFinite(next))
      return { wake: true, writeNow: false, why: 'no other Enactor has anything left to do: the window cannot open' };
    return { wake: false, nextS: justAfter(Math.max(next, nowS)) };
  }
}

/** What the run's scheduled faults did, from the event log: for the summary, --json and the reports. */
export interface TriggerReport {
  kind: 'stall' | 'adversarial';
  enactor: string;
  /** When the Enactor passed its check and stalled, and the generation it had checked. */
  checkAtS: number;
  gen: number;
  /** When it resumed (null: still stalled when the run ended). */
  resumedAtS: number | null;
  stalledS: number | null;
  /** What kind of schedule this is, in words. */
  schedule: string;
  /** Adversarial only: why it resumed when it did. */
  why: string | null;
}

type TriggerEvent = { atS: number; actor: string; kind: string; gen: number; detail: string };

/** `reachedS`: the simulated time the run reached (a stall that would end later had not ended). */
export function triggerReports(
  events: readonly TriggerEvent[],
  faults: readonly { kind: string; enactor: number; atS: number; stallS?: number }[],
  reachedS: number,
): TriggerReport[] {
  const out: TriggerReport[] = [];
  const open = new Map<string, TriggerReport>();
  const fixed = new Map<string, number[]>();
  for (const f of [...faults].sort((a, b) => a.atS - b.atS)) {
    if (f.kind !== 'stall') continue;
    const key = `enactor-${f.enactor}`;
    fixed.set(key, [...(fixed.get(key) ?? []), f.stallS ?? 0]);
  }
  for (const ev of events) {
    if (ev.kind === 'fault-stall') {
      const stallS = fixed.get(ev.actor)?.shift() ?? null;
      // A fixed stall is the Enactor's next event put off by stallS; it resumed only if the run got that far.
      const resumed = stallS !== null && ev.atS + stallS <= reachedS;
      out.push({
        kind: 'stall',
        enactor: ev.actor,
        checkAtS: ev.atS,
        gen: ev.gen,
        resumedAtS: resumed ? ev.atS + stallS : null,
        stalledS: resumed ? stallS : null,
        schedule: `a fixed stall of ${stallS ?? '?'} s set in the scenario`,
        why: null,
      });
    } else if (ev.kind === 'adversarial-stall') {
      const t: TriggerReport = {
        kind: 'adversarial',
        enactor: ev.actor,
        checkAtS: ev.atS,
        gen: ev.gen,
        resumedAtS: null,
        stalledS: null,
        schedule: ADVERSARIAL_LABEL,
        why: null,
      };
      out.push(t);
      open.set(ev.actor, t);
    } else if (ev.kind === 'adversarial-wake') {
      const t = open.get(ev.actor);
      if (!t) continue;
      open.delete(ev.actor);
      t.resumedAtS = ev.atS;
      t.stalledS = ev.atS - t.checkAtS;
      const i = ev.detail.indexOf('stalled: ');
      t.why = i >= 0 ? ev.detail.slice(i + 'stalled: '.length) : ev.detail;
    }
  }
  return out;
}
