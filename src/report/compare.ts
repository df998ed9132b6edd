/**
 * Two results side by side (legacy vs fenced, TTL 5 s vs 60 s, ...): the settings that differ, then the same
 * metrics for each with the difference B - A. Phases are matched by name; a phase only one run has shows '-'
 * on the other side rather than being compared with something else.
 */
import type { Scenario } from '../config/schema.ts';
import type { RunResult } from '../engine/result.ts';
import { ERROR_CLASSES } from '../metrics/client-counters.ts';
import { incidentTimeline, isRecord } from './access.ts';
import { fmtCount, fmtDelta, fmtDuration, fmtElapsed, fmtMs, fmtPct, fmtRatio, sig3 } from './format.ts';
import { clientErrorEpisode, ec2SummaryFields, fieldKind, phaseRows } from './summary.ts';
import { type Colors, NO_COLORS, renderTable } from './table.ts';

export type ValueKind = 'count' | 'share' | 'ms' | 'ratio' | 'duration' | 'instant';

export interface CompareRow {
  section: string;
  metric: string;
  a: number | null;
  b: number | null;
  kind: ValueKind;
  /** Which direction is an improvement, where one is obvious. */
  better?: 'lower' | 'higher';
}

export function formatCompareValue(row: Pick<CompareRow, 'kind'>, x: number): string {
  switch (row.kind) {
    case 'count':
      return fmtCount(x);
    case 'share':
      return fmtPct(x);
    case 'ms':
      return `${fmtMs(x)} ms`;
    case 'ratio':
      return fmtRatio(x);
    case 'duration':
      return fmtDuration(x);
    case 'instant':
      return fmtElapsed(x);
  }
}

/** Differences of shares are in percentage points; "-80%" would read as a relative change. */
export function formatCompareDelta(row: Pick<CompareRow, 'kind'>, x: number): string {
  return row.kind === 'share' ? `${sig3(x * 100)} pp` : formatCompareValue(row, x);
}

export function compareRows(a: RunResult, b: RunResult): CompareRow[] {
  const rows: CompareRow[] = [];
  const pa = phaseRows(a);
  const pb = phaseRows(b);
  const names = [...new Set([...pa.map((p) => p.name), ...pb.map((p) => p.name)])];
  for (const name of names) {
    const x = pa.find((p) => p.name === name);
    const y = pb.find((p) => p.name === name);
    const section = `phase: ${name}`;
    const add = (
      metric: string,
      kind: ValueKind,
      get: (p: NonNullable<typeof x>) => number | null | undefined,
      better?: 'lower' | 'higher',
    ) => rows.push({ section, metric, kind, better, a: x ? (get(x) ?? null) : null, b: y ? (get(y) ?? null) : null });
    add('span', 'duration', (p) => p.toS - p.fromS);
    if (x?.clients || y?.clients) {
      add('requests', 'count', (p) => p.clients?.requests);
      add('failed requests', 'share', (p) => p.clients?.errorRate, 'lower');
      for (const k of ERROR_CLASSES) add(`${k} (of attempts)`, 'share', (p) => p.clients?.errorShares[k], 'lower');
      add('amplification (attempts/request)', 'ratio', (p) => p.clients?.amplification, 'lower');
      add('latency p50', 'ms', (p) => p.clients?.latencyMsP50, 'lower');
      add('latency p99', 'ms', (p) => p.clients?.latencyMsP99, 'lower');
      add('latency p99.9', 'ms', (p) => p.clients?.latencyMsP999, 'lower');
      add('latency max', 'ms', (p) => p.clients?.latencyMsMax, 'lower');
    }
    add('invariant violations', 'count', (p) => p.violations, 'lower');
    add('endpoint resolving to nothing', 'duration', (p) => p.emptyEndpointS, 'lower');
    if (x?.ec2 || y?.ec2) {
      add('lease backlog peak', 'count', (p) => p.ec2?.leaseBacklogMax, 'lower');
      add('propagation delay peak', 'duration', (p) => p.ec2?.propagationDelayMaxS, 'lower');
      add('NLB error rate peak', 'share', (p) => p.ec2?.nlbErrorRateMax, 'lower');
    }
  }
  const dns = 'DNS control plane';
  const firstEmpty = (r: RunResult) => r.events.find((e) => e.kind === 'endpoint-empty')?.atS ?? null;
  rows.push(
    { section: dns, metric: 'plans applied', kind: 'count', a: a.dns.plansApplied, b: b.dns.plansApplied },
    { section: dns, metric: 'plans deleted', kind: 'count', a: a.dns.plansDeleted, b: b.dns.plansDeleted },
    { section: dns, metric: 'first endpoint empty at', kind: 'instant', a: firstEmpty(a), b: firstEmpty(b) },
    {
      section: dns,
      metric: 'Enactors stuck (intervals)',
      kind: 'count',
      a: a.dns.stuckIntervals.length,
      b: b.dns.stuckIntervals.length,
      better: 'lower',
    },
  );
  const episode = (r: RunResult) => {
    const e = clientErrorEpisode(r);
    return e ? (e.toS ?? r.reachedS) - e.fromS : r.clients ? 0 : null;
  };
  if (a.clients || b.clients)
    rows.push({
      section: 'recovery',
      metric: 'client errors lasted (> 1% of requests)',
      kind: 'duration',
      a: episode(a),
      b: episode(b),
      better: 'lower',
    });
  const ea = new Map(ec2SummaryFields(a));
  const eb = new Map(ec2SummaryFields(b));
  for (const key of [...new Set([...ea.keys(), ...eb.keys()])]) {
    const va = ea.get(key);
    const vb = eb.get(key);
    if (typeof va === 'boolean' || typeof vb === 'boolean') continue;
    const fk = fieldKind(key);
    const kind: ValueKind = fk === 'perS' ? 'ratio' : fk;
    rows.push({ section: 'EC2', metric: key, kind, a: va ?? null, b: vb ?? null });
  }
  const ta = incidentTimeline(a);
  const tb = incidentTimeline(b);
  for (const ev of [...new Set([...ta.map((e) => e.event), ...tb.map((e) => e.event)])]) {
    rows.push({
      section: 'incident timeline',
      metric: ev,
      kind: 'instant',
      a: ta.find((e) => e.event === ev)?.simulatedAtS ?? null,
      b: tb.find((e) => e.event === ev)?.simulatedAtS ?? null,
    });
  }
  return rows;
}

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (Array.isArray(v)) {
    if (v.length === 0) out.set(prefix, '[]');
    v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out));
  } else if (isRecord(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) out.set(prefix, '{}');
    for (const k of keys) flatten(v[k], prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, v === undefined ? 'undefined' : JSON.stringify(v));
  }
}

/** Every setting that differs between two scenarios, by dotted path (the way --set names them). */
export function scenarioDiff(a: Scenario, b: Scenario): { path: string; a: string; b: string }[] {
  const fa = new Map<string, string>();
  const fb = new Map<string, string>();
  flatten({ ...a, description: undefined, assumptions: undefined }, '', fa);
  flatten({ ...b, description: undefined, assumptions: undefined }, '', fb);
  const out: { path: string; a: string; b: string }[] = [];
  for (const p of [...new Set([...fa.keys(), ...fb.keys()])]) {
    const x = fa.get(p) ?? '(absent)';
    const y = fb.get(p) ?? '(absent)';
    if (x !== y && !(x === 'undefined' && y === 'undefined')) out.push({ path: p, a: x, b: y });
  }
  return out;
}

export function compareLines(a: RunResult, b: RunResult, labels: [string, string], c: Colors = NO_COLORS): string[] {
  const out: string[] = [];
  out.push(c.bold(`compare ${labels[0]} vs ${labels[1]}`));
  for (const [l, r] of [
    [labels[0], a],
    [labels[1], b],
  ] as const) {
    out.push(
      `  ${l}: ${r.scenario.name}, seed ${r.seed}, protocol ${r.dns.protocol}, ${fmtDuration(r.reachedS)} simulated${r.partial ? c.yellow(' (PARTIAL)') : ''}, digest ${r.digest.slice(0, 12)}`,
    );
  }
  const diff = scenarioDiff(a.scenario, b.scenario);
  out.push('', c.bold('settings that differ'));
  if (diff.length === 0) out.push(`  none: same scenario${a.digest === b.digest ? ' and identical results' : ''}`);
  else
    out.push(
      ...renderTable(
        ['setting', labels[0], labels[1]],
        diff.slice(0, 40).map((d) => [d.path, d.a, d.b]),
        { colors: c, align: ['l', 'l', 'l'] },
      ),
    );
  if (diff.length > 40) out.push(`  ... ${diff.length - 40} more`);
  const rows = compareRows(a, b);
  const sections = [...new Set(rows.map((r) => r.section))];
  for (const s of sections) {
    out.push('', c.bold(s));
    out.push(
      ...renderTable(
        ['metric', labels[0], labels[1], `${labels[1]} - ${labels[0]}`],
        rows
          .filter((r) => r.section === s)
          .map((r) => {
            const f = (x: number) => formatCompareValue(r, x);
            let d = fmtDelta(r.a, r.b, (x) => formatCompareDelta(r, x));
            if (r.better && r.a !== null && r.b !== null && r.a !== r.b) d = (r.better === 'lower') === r.b < r.a ? c.green(d) : c.red(d);
            return [r.metric, r.a === null ? '-' : f(r.a), r.b === null ? '-' : f(r.b), d];
          }),
        { colors: c },
      ),
    );
  }
  return out;
}
