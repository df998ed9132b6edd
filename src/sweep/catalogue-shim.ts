/**
 * TEMPORARY stand-in for src/metrics/catalogue.ts (issue 10), with the same interface, until it lands on main.
 * The sweep code imports metrics only through this module, so switching over is one import line.
 */
import type { RunResult } from '../engine/result.ts';
import { InputError } from '../errors.ts';

export interface MetricDef {
  name: string;
  unit: string;
  meaning: string;
}

type Getter = (r: RunResult) => number | null;

function intervalS(r: RunResult, ivs: { fromS: number; toS: number | null }[]): number {
  return ivs.reduce((a, iv) => a + ((iv.toS ?? r.reachedS) - iv.fromS), 0);
}

function phase(r: RunResult, name: string) {
  return r.clients?.phases.find((p) => p.name === name) ?? null;
}

function triggerS(r: RunResult): number | null {
  const f = r.scenario.dns.faults;
  return f.length > 0 ? Math.min(...f.map((x) => x.atS)) : null;
}

function repairS(r: RunResult): number | null {
  const t = triggerS(r) ?? 0;
  const reps = r.scenario.actions.filter((a) => a.do === 'dns-repair' && a.atS >= t).map((a) => a.atS);
  return reps.length > 0 ? Math.min(...reps) : null;
}

const DEFS: [MetricDef, Getter][] = [
  [{ name: 'dns.violations', unit: 'count', meaning: 'invariant violations' }, (r) => r.dns.violations.length],
  ...(['monotonic', 'never-delete-active', 'non-empty'] as const).map(
    (inv): [MetricDef, Getter] => [
      { name: `dns.violations.${inv}`, unit: 'count', meaning: `${inv} violations` },
      (r) => r.dns.violations.filter((v) => v.invariant === inv).length,
    ],
  ),
  [{ name: 'dns.emptyS', unit: 's', meaning: 'endpoint-seconds empty' }, (r) => intervalS(r, r.dns.emptyIntervals)],
  [{ name: 'dns.stuckS', unit: 's', meaning: 'endpoint-seconds stuck' }, (r) => intervalS(r, r.dns.stuckIntervals)],
  [{ name: 'clients.errorRate', unit: 'ratio', meaning: 'failed requests' }, (r) => r.clients?.errorRate ?? null],
  [{ name: 'clients.amplification', unit: 'ratio', meaning: 'attempts per request' }, (r) => r.clients?.amplification ?? null],
  [{ name: 'clients.outage.errorRate', unit: 'ratio', meaning: 'failed requests, outage' }, (r) => phase(r, 'outage')?.errorRate ?? null],
  [{ name: 'clients.outage.amplification', unit: 'ratio', meaning: 'attempts per request, outage' }, (r) => phase(r, 'outage')?.amplification ?? null],
  [{ name: 'clients.outage.latencyMs.p99', unit: 'ms', meaning: 'p99 latency, outage' }, (r) => phase(r, 'outage')?.latencyMs.p99 ?? null],
  [
    { name: 'clients.recoveredAfterRepairS', unit: 's', meaning: 'repair to the end of the last window with >1% errors' },
    (r) => {
      const rep = repairS(r);
      if (rep === null || !r.clients) return null;
      let last = rep;
      for (const w of r.windows.clients) if (w.toS > rep && w.errorRate > 0.01) last = w.toS;
      return last - rep;
    },
  ],
  [{ name: 'ec2.leasesLostMax', unit: 'count', meaning: 'most leases lost at once' }, (r) => r.ec2?.leasesLostMax ?? null],
  [
    { name: 'ec2.leasesRecoveredAfterS', unit: 's', meaning: 'trigger to the last lease back (null: never)' },
    (r) => {
      const t = triggerS(r);
      return r.ec2?.leasesRecoveredAtS == null || t === null ? null : r.ec2.leasesRecoveredAtS - t;
    },
  ],
  ...(['ddbErrorsEndS', 'leasesRecoveredAtS', 'nlbErrorsFromS', 'propagationDegradedFromS', 'nlbErrorsEndS', 'propagationNormalAtS'] as const).map(
    (k): [MetricDef, Getter] => [{ name: `ec2.${k}`, unit: 's', meaning: k }, (r) => (r.ec2 ? r.ec2[k] : null)],
  ),
];

const BY_NAME = new Map(DEFS.map(([d, g]) => [d.name, g]));

export function listMetrics(): MetricDef[] {
  return DEFS.map(([d]) => d);
}

export function metricValue(r: RunResult, name: string): number | null {
  const g = BY_NAME.get(name);
  if (!g) throw new InputError([`${name}: unknown metric`], 'unknown metric');
  return g(r);
}

export function metricValues(r: RunResult, names?: readonly string[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const n of names ?? [...BY_NAME.keys()]) out[n] = metricValue(r, n);
  return out;
}

/** TEMPORARY stand-in for api.evaluateThresholds (issue 10): conditions "OP NUMBER". */
export function evaluateThresholds(r: RunResult, thresholds: Record<string, unknown[]>): { metric: string; condition: string; value: number | null; ok: boolean }[] {
  const out: { metric: string; condition: string; value: number | null; ok: boolean }[] = [];
  for (const [metric, conds] of Object.entries(thresholds)) {
    const value = metricValue(r, metric);
    for (const c of conds) {
      const condition = typeof c === 'string' ? c : String((c as { condition?: unknown }).condition);
      const m = /^\s*(<=|>=|==|!=|<|>)\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*$/i.exec(condition);
      if (!m) throw new InputError([`thresholds.${metric}: '${condition}': expected OP NUMBER`], 'invalid threshold');
      out.push({ metric, condition, value, ok: value !== null && compare(value, m[1], Number(m[2])) });
    }
  }
  return out;
}

function compare(v: number, op: string, x: number): boolean {
  return op === '<' ? v < x : op === '<=' ? v <= x : op === '>' ? v > x : op === '>=' ? v >= x : op === '==' ? v === x : v !== x;
}
