/**
 * Baseline gates: `--fail-if 'clients.outage.latencyMs.p99 > +10%'` fails when the new run's value crosses a
 * limit set relative to the baseline's (or an absolute one, without a sign). A metric with a value in only one of
 * the two runs fails too (it appeared or vanished); with a value in neither it passes, as not applicable.
 */
import type { RunResult } from '../engine/result.ts';
import { InputError } from '../errors.ts';
import { metricDef, metricProblem, metricValue } from '../metrics/catalogue.ts';
import { compare, parseRelativeCondition, type RelativeCondition, relativeLimit, splitMetricCondition } from './conditions.ts';

export interface GateResult {
  metric: string;
  /** The condition as written, e.g. '> +10%'. */
  condition: string;
  unit: string;
  base: number | null;
  value: number | null;
  /** The limit the new value was held to (null when either value is missing). */
  limit: number | null;
  failed: boolean;
  note: string;
}

interface CompiledGate {
  metric: string;
  unit: string;
  cond: RelativeCondition;
}

/** Parse `METRIC OP [+|-]VALUE[unit|%]` gates; InputError listing every problem (with near metric names). */
export function compileGates(failIfs: readonly string[], option = '--fail-if'): CompiledGate[] {
  const problems: string[] = [];
  const out: CompiledGate[] = [];
  for (const text of failIfs) {
    const mc = splitMetricCondition(text);
    if (!mc) {
      problems.push(
        `${option} ${JSON.stringify(text)}: expected METRIC OP VALUE, e.g. 'clients.outage.latencyMs.p99 > +10%' or 'clients.errorRate > +0.01'`,
      );
      continue;
    }
    const why = metricProblem(mc.metric);
    if (why) {
      problems.push(`${option} ${text}: ${mc.metric}: ${why}`);
      continue;
    }
    const unit = metricDef(mc.metric).unit;
    try {
      out.push({ metric: mc.metric, unit, cond: parseRelativeCondition(mc.condition, unit) });
    } catch (err) {
      problems.push(`${option} ${text}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new InputError(problems, 'invalid gate');
  return out;
}

/** Judge `next` against `base` with fail-if gates. */
export function compareResults(base: RunResult, next: RunResult, failIfs: readonly string[]): GateResult[] {
  return compileGates(failIfs).map(({ metric, unit, cond }) => {
    const b = metricValue(base, metric);
    const v = metricValue(next, metric);
    const common = { metric, condition: cond.text, unit, base: b, value: v };
    if (b === null && v === null) return { ...common, limit: null, failed: false, note: 'not applicable in either run' };
    if (v === null) return { ...common, limit: null, failed: true, note: 'no value in the new run' };
    if (b === null && cond.mode !== 'absolute') return { ...common, limit: null, failed: true, note: 'no value in the baseline' };
    const limit = relativeLimit(cond, b ?? 0);
    const failed = compare(v, cond.op, limit);
    return { ...common, limit, failed, note: '' };
  });
}
