/**
 * Yes/no outcomes of a run, from its metrics: `dns.emptyS > 0` (the endpoint emptied), `ec2.leasesRecoveredAfterS
 * exists` (the leases came back). A metric that does not apply (null) makes every comparison "no".
 */
import { InputError } from '../errors.ts';
import { compare, type Operator } from '../gates/conditions.ts';
import { CONDITION } from './spec.ts';

export interface Outcome {
  label: string;
  metric: string;
  test: (v: number | null) => boolean;
}

export function parseOutcomes(outcomes: Record<string, string>): Outcome[] {
  return Object.entries(outcomes).map(([label, text]) => {
    const m = CONDITION.exec(text);
    if (!m) throw new InputError([`outcomes.${label}: '${text}' must read METRIC OP NUMBER or METRIC exists|missing`], 'invalid sweep');
    const [, metric, op, num, word] = m;
    if (word) {
      const exists = word.toLowerCase() === 'exists';
      return { label, metric, test: (v) => (v !== null) === exists };
    }
    const x = Number(num);
    return { label, metric, test: (v) => v !== null && compare(v, op as Operator, x) };
  });
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
