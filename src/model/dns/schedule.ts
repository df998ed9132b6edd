/**
 * A scheduled run (dns.schedule): the Planner and the Enactors step at the times a schedule lists instead of the
 * times they choose themselves. `cascadesim check` writes such schedules to replay a counterexample it found in
 * `cascadesim run`: the same steps, in the same order, by the same code.
 *
 * Models: nothing of the incident; it is a trigger, like a fault. It decides only when an actor steps, never what
 * the step does: each step still reads and writes the store as the model's code says. The times the actor asks
 * for are ignored, and an actor the schedule does not list never steps.
 */
import type { DnsConfig } from '../../config/schema.ts';

export interface Steppable {
  step(nowS: number): number;
}

/** The listed step times of an actor ('planner', 'enactor-N'), or null when the run has no schedule. */
export function scheduledTimes(cfg: DnsConfig, actor: string): number[] | null {
  if (cfg.schedule === undefined) return null;
  return cfg.schedule.find((e) => e.actor === actor)?.atS ?? [];
}

/** When the actor first steps: its schedule's first time, or `natural` in a run without a schedule. */
export function firstStepS(cfg: DnsConfig, actor: string, natural: number): number {
  const times = scheduledTimes(cfg, actor);
  return times === null ? natural : (times[0] ?? Infinity);
}

/** Wraps an actor so that it steps exactly at the schedule's times (the first one is set by the coordinator). */
export function onSchedule<A extends Steppable>(cfg: DnsConfig, actor: string, inner: A): Steppable {
  const times = scheduledTimes(cfg, actor);
  if (times === null) return inner;
  let k = 0;
  return {
    step(nowS: number): number {
      inner.step(nowS);
      k++;
      return k < times.length ? times[k] : Infinity;
    },
  };
}
