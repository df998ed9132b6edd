/**
 * Yes/no outcomes of a run, from its metrics: `dns.emptyS > 0` (the endpoint emptied), `clients.recoveredAfterRepairS
 * <= 5m`, `ec2.leasesRecoveredAfterS exists` (the leases came back). The condition is a threshold's (the gates'
 * parseCondition: the metric's unit, `250ms`, `5%`, `2m`), so a sweep and a CI gate read a condition the same way;
 * `exists` / `missing` ask whether the metric has a value. A metric that does not apply (null) makes every
 * comparison "no".
 */
import { InputError } from '../errors.ts';
import { compare, parseCondition, splitMetricCondition } from '../gates/conditions.ts';
import { metricDef, type MetricScope, metricProblem } from '../metrics/catalogue.ts';

export interface Outcome {
  label: string;
  metric: string;
  test: (v: number | null) => boolean;
}

const PRESENCE = /^\s*([A-Za-z][\w.-]*)\s+(exists|missing)\s*$/i;

const SYNTAX = 'must read METRIC CONDITION, with the condition of a threshold ("== 1", "> 0", "<= 5m", "< 2%"), or METRIC exists|missing';

/** One outcome, or the one-line reason it is not one (the metric must be in the catalogue). */
function parseOutcome(label: string, text: string, scope?: MetricScope): Outcome | string {
  const presence = PRESENCE.exec(text);
  const mc = presence ? { metric: presence[1], condition: '' } : splitMetricCondition(text);
  if (!mc) return `'${text}': ${SYNTAX}`;
  const unknown = metricProblem(mc.metric, scope);
  if (unknown) return `${mc.metric}: ${unknown}`;
  if (presence) {
    const exists = presence[2].toLowerCase() === 'exists';
    return { label, metric: mc.metric, test: (v) => (v !== null) === exists };
  }
  try {
    const c = parseCondition(mc.condition, metricDef(mc.metric).unit);
    return { label, metric: mc.metric, test: (v) => v !== null && compare(v, c.op, c.value) };
  } catch (err) {
    return `${(err as Error).message}; ${SYNTAX}`;
  }
}

/** Every problem with a spec's outcomes, each with its path (`outcomes.emptied: ...`). */
export function outcomeProblems(outcomes: Record<string, string>, scope?: MetricScope): string[] {
  return Object.entries(outcomes).flatMap(([label, text]) => {
    const o = parseOutcome(label, text, scope);
    return typeof o === 'string' ? [`outcomes.${label}: ${o}`] : [];
  });
}

export function parseOutcomes(outcomes: Record<string, string>): Outcome[] {
  const problems = outcomeProblems(outcomes);
  if (problems.length > 0) throw new InputError(problems, 'invalid sweep');
  return Object.entries(outcomes).map(([label, text]) => parseOutcome(label, text) as Outcome);
}

/** Metrics the outcomes read, beside the ones the spec lists. */
export function metricsNeeded(listed: readonly string[], outcomes: readonly Outcome[]): string[] {
  const out = [...listed];
  for (const o of outcomes) if (!out.includes(o.metric)) out.push(o.metric);
  return out;
}

export function judge(outcomes: readonly Outcome[], metrics: Record<string, number | null>): Record<string, boolean> {
  return Object.fromEntries(outcomes.map((o) => [o.label, o.test(metrics[o.metric] ?? null)]));
}
