/**
 * What a run can be stopped on while it goes on (abortOnFail thresholds): the figures worker 0 knows at the end
 * of every epoch, and the rules it checks against them there. Checking at an epoch boundary, on figures that are
 * sums over every worker's finished chunks, makes the stop a function of the scenario and seed: the same run
 * stops after the same epoch, with the same partial result, for any worker count, run after run (perf.wallS
 * excepted: a wall-clock figure can stop a run anywhere).
 */
import { failsForGood, type Operator } from '../gates/conditions.ts';
import { INVARIANTS } from '../model/dns/events.ts';

/**
 * Metrics the engine reports while a run goes on (counts that only grow), so abortOnFail can stop the run once
 * an upper bound is crossed. Everything else is known only at the end.
 */
export const WATCHED = [
  'dns.violations',
  'dns.violations.never-delete-active',
  'dns.violations.monotonic',
  'dns.violations.non-empty',
  'dns.endpointEmptied',
  'clients.attempts',
  'perf.wallS',
] as const;

/** The live figures at an epoch boundary (or on the coordinator's progress line). */
export interface LiveFigures {
  violations: Record<string, number>;
  endpointEmpties: number;
  attempts: number;
  wallS: number;
}

/** A threshold with abortOnFail, as plain data a worker can receive: the limit is in the metric's own unit. */
export interface AbortRule {
  metric: string;
  /** As written (for messages). */
  condition: string;
  op: Operator;
  limit: number;
}

/** Why a run stopped early on a rule: the rule, the figure that broke it and the epoch's end. */
export interface StoppedBy {
  metric: string;
  condition: string;
  value: number;
  /** Simulated time of the epoch boundary where the rule was found broken (the run's reachedS). */
  atS: number;
}

/**
 * Live figures from the counts in LIVE_ORDER (violations by invariant, then endpoint-empty events): the one
 * place that reads that order, for worker 0's epoch-end check and the coordinator's progress line alike.
 */
export function liveFromCounts(live: ArrayLike<number>, attempts: number, wallS: number): LiveFigures {
  return {
    violations: Object.fromEntries(INVARIANTS.map((inv, k) => [inv, live[k]])),
    endpointEmpties: live[INVARIANTS.length],
    attempts,
    wallS,
  };
}

export function liveValue(metric: string, f: LiveFigures): number | null {
  if (metric === 'dns.violations') return Object.values(f.violations).reduce((a, b) => a + b, 0);
  if (metric.startsWith('dns.violations.')) return f.violations[metric.slice('dns.violations.'.length)] ?? 0;
  if (metric === 'dns.endpointEmptied') return f.endpointEmpties > 0 ? 1 : 0;
  if (metric === 'clients.attempts') return f.attempts;
  if (metric === 'perf.wallS') return f.wallS;
  return null;
}

/** The first rule that can no longer hold given the live figures, with the figure; null when all may still hold. */
export function brokenRule<R extends { metric: string; op: Operator; limit: number }>(
  rules: readonly R[],
  f: LiveFigures,
): { rule: R; value: number } | null {
  for (const rule of rules) {
    const v = liveValue(rule.metric, f);
    if (v !== null && failsForGood(v, rule.op, rule.limit)) return { rule, value: v };
  }
  return null;
}
