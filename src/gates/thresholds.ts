/**
 * Thresholds, k6-style: conditions on catalogue metrics that a run must meet. They come from a scenario's
 * `thresholds:` section (metric -> list of conditions, each a string or { condition, abortOnFail }) or from the
 * command line (`--threshold 'dns.violations==0'`). A metric with no value in the run (null) fails: a gate that
 * cannot be checked must not pass silently.
 */
import type { RunResult } from '../engine/result.ts';
import { InputError } from '../errors.ts';
import { type MetricDef, type MetricScope, metricDef, metricProblem, metricValue } from '../metrics/catalogue.ts';
import { type AbortRule, WATCHED } from '../engine/live.ts';
import { type Condition, compare, parseCondition, splitMetricCondition } from './conditions.ts';

/** One condition on one metric. */
export interface ThresholdSpec {
  metric: string;
  condition: string;
  /** Stop the run as soon as the condition can no longer hold (only for metrics watched live: see WATCHED). */
  abortOnFail?: boolean;
}

/** A scenario's `thresholds:` section: metric -> condition(s). */
export type ThresholdsSection = Record<string, string | (string | { condition: string; abortOnFail?: boolean })[]>;

/** What evaluateThresholds and friends accept: a scenario section, specs, or command-line strings. */
export type ThresholdsInput = ThresholdsSection | readonly (ThresholdSpec | string)[];

export interface ThresholdResult {
  metric: string;
  condition: string;
  unit: string;
  /** null: the metric has no value in this run (the threshold fails). */
  value: number | null;
  ok: boolean;
  abortOnFail: boolean;
}

export interface CompiledThreshold {
  spec: ThresholdSpec;
  def: MetricDef;
  cond: Condition;
}

type Seg = string | number;

/** A problem with its place: segments inside a scenario section, or the command-line text it came from. */
export interface ThresholdIssue {
  at: Seg[];
  message: string;
}

/** Specs from any accepted form, each with where it came from (for messages). */
function specsOf(input: ThresholdsInput, issues: ThresholdIssue[]): { spec: ThresholdSpec; at: Seg[]; label: string }[] {
  const out: { spec: ThresholdSpec; at: Seg[]; label: string }[] = [];
  if (Array.isArray(input)) {
    input.forEach((x: ThresholdSpec | string, i) => {
      if (typeof x !== 'string') out.push({ spec: x, at: [i], label: '' });
      else {
        const mc = splitMetricCondition(x);
        if (mc) out.push({ spec: mc, at: [], label: `${x}: ` });
        else
          issues.push({
            at: [],
            message: `${JSON.stringify(x)}: expected METRIC<OP>VALUE, e.g. 'dns.violations==0' or 'clients.outage.latencyMs.p99<=250ms'`,
          });
      }
    });
  } else {
    for (const [metric, list] of Object.entries(input as ThresholdsSection)) {
      const items = typeof list === 'string' ? [list] : list;
      items.forEach((c, i) => {
        const at = typeof list === 'string' ? [metric] : [metric, i];
        out.push({
          spec: typeof c === 'string' ? { metric, condition: c } : { metric, condition: c.condition, abortOnFail: c.abortOnFail },
          at,
          label: '',
        });
      });
    }
  }
  return out;
}

/**
 * Problems with thresholds, each with its place: an unknown metric (with near names), a malformed condition, an
 * abortOnFail on a metric not watched during the run.
 */
export function thresholdIssues(input: ThresholdsInput, scope?: MetricScope): ThresholdIssue[] {
  const issues: ThresholdIssue[] = [];
  const unknown = new Set<string>();
  for (const { spec, at, label } of specsOf(input, issues)) {
    const why = metricProblem(spec.metric, scope);
    if (why) {
      // Once per metric, at its key in a scenario section (not once per condition under it).
      const where = at.length === 2 ? at.slice(0, 1) : at;
      const key = `${where.join('\u0000')}\u0000${spec.metric}`;
      if (!unknown.has(key)) issues.push({ at: where, message: `${label}${spec.metric}: ${why}` });
      unknown.add(key);
      continue;
    }
    try {
      parseCondition(spec.condition, metricDef(spec.metric).unit);
    } catch (err) {
      issues.push({ at, message: `${label}${(err as Error).message}` });
      continue;
    }
    if (spec.abortOnFail && !(WATCHED as readonly string[]).includes(spec.metric)) {
      issues.push({
        at,
        message: `${label}abortOnFail needs a metric watched during the run (${WATCHED.join(', ')}); ${spec.metric} is known only at the end`,
      });
    }
  }
  return issues;
}

/** The issues as lines: `where.metric[i]: message`, or `where message` for command-line strings. */
export function thresholdProblems(input: ThresholdsInput, where = 'thresholds', scope?: MetricScope): string[] {
  return thresholdIssues(input, scope).map(({ at, message }) => {
    if (at.length === 0) return `${where} ${message}`;
    const path = at.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`)).join('');
    return `${where}${path}: ${message}`;
  });
}

/** Parse and check thresholds; InputError listing every problem with its path. */
export function compileThresholds(input: ThresholdsInput, where = 'thresholds', scope?: MetricScope): CompiledThreshold[] {
  const problems = thresholdProblems(input, where, scope);
  if (problems.length > 0) throw new InputError(problems, 'invalid thresholds');
  return specsOf(input, []).map(({ spec }) => {
    const def = metricDef(spec.metric);
    return { spec, def, cond: parseCondition(spec.condition, def.unit) };
  });
}

/** Judge a result against thresholds (scenario section, specs or 'METRIC<VALUE' strings). */
export function evaluateThresholds(r: RunResult, thresholds: ThresholdsInput | readonly CompiledThreshold[]): ThresholdResult[] {
  const compiled = isCompiled(thresholds) ? thresholds : compileThresholds(thresholds);
  return compiled.map(({ spec, def, cond }) => {
    const value = metricValue(r, spec.metric);
    return {
      metric: spec.metric,
      condition: cond.text,
      unit: def.unit,
      value,
      ok: value !== null && compare(value, cond.op, cond.value),
      abortOnFail: spec.abortOnFail === true,
    };
  });
}

function isCompiled(x: unknown): x is readonly CompiledThreshold[] {
  return Array.isArray(x) && x.length > 0 && typeof x[0] === 'object' && x[0] !== null && 'cond' in x[0];
}

/** The abortOnFail thresholds as the engine checks them at each epoch's end (plain data for the workers). */
export function abortRules(compiled: readonly CompiledThreshold[]): AbortRule[] {
  return compiled
    .filter((t) => t.spec.abortOnFail)
    .map((t) => ({ metric: t.spec.metric, condition: t.cond.text, op: t.cond.op, limit: t.cond.value }));
}
