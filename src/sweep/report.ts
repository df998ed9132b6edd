/** A sweep's summary for people and spreadsheets: the terminal table, CSV per point and per run. */
import { sig3 } from '../report/format.ts';
import { type Colors, NO_COLORS, renderTable } from '../report/table.ts';
import type { RunRecord, SweepHeader } from './file.ts';
import type { Share, Spread } from './stats.ts';
import type { SweepSummary } from './summary.ts';

export function fmtParam(v: unknown): string {
  if (v === null || v === undefined) return 'base';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

function fmtNum(x: number | null): string {
  return x === null ? '-' : sig3(x);
}

function pct(x: number): string {
  const p = x * 100;
  return p === 0 ? '0' : p >= 10 ? p.toFixed(1) : p >= 0.1 ? p.toFixed(2) : p.toPrecision(2);
}

/** `12/1000 1.20% [0.69-2.09]`: share with its 95% Wilson interval. */
export function fmtShare(s: Share): string {
  if (s.n === 0) return '-';
  return `${s.yes}/${s.n} ${pct(s.yes / s.n)}% [${pct(s.lo)}-${pct(s.hi)}]`;
}

/** `4.20 [3.10-5.00]`: median with p5-p95. */
export function fmtSpread(s: Spread): string {
  if (s.n === 0 || s.median === null) return '-';
  if (s.p5 === s.p95) return fmtNum(s.median);
  return `${fmtNum(s.median)} [${fmtNum(s.p5)}-${fmtNum(s.p95)}]`;
}

/** The parameter a one-at-a-time point moves, and to what ('baseline' for the first point). */
export function moved(s: SweepSummary, params: Record<string, unknown>): [string, string] {
  const k = s.params.find((p) => params[p] !== null && params[p] !== 1);
  return k === undefined ? ['baseline', ''] : [k, `x${fmtParam(params[k])}`];
}

/** The columns that say which point a row is: every parameter (grid), or the one moved (one-at-a-time). */
export function pointColumns(s: SweepSummary): { head: string[]; cells: (params: Record<string, unknown>, index: number) => string[] } {
  if (s.design === 'one-at-a-time') return { head: ['parameter', 'at'], cells: (p) => moved(s, p) };
  if (s.params.length === 0) return { head: ['point'], cells: (_p, i) => [String(i)] };
  return { head: s.params, cells: (p) => s.params.map((k) => fmtParam(p[k])) };
}

export function summaryTable(s: SweepSummary, c: Colors = NO_COLORS): string[] {
  const outcomes = Object.keys(s.outcomes);
  const thresholds = s.points[0] ? Object.keys(s.points[0].thresholds) : [];
  const cols = pointColumns(s);
  const head = [
    ...cols.head,
    'runs',
    ...outcomes.map((o) => `P(${o}) [95% CI, %]`),
    ...thresholds.map((t) => `held: ${t}`),
    ...s.metrics.map((m) => `${m} median [p5-p95]`),
  ];
  const rows = s.points.map((p) => [
    ...cols.cells(p.params, p.point),
    String(p.runs),
    ...outcomes.map((o) => fmtShare(p.outcomes[o])),
    ...thresholds.map((t) => fmtShare(p.thresholds[t])),
    ...s.metrics.map((m) => fmtSpread(p.metrics[m])),
  ]);
  const lines = [c.bold(`sweep ${s.sweep}`) + (s.question ? `: ${s.question}` : '')];
  lines.push(
    `${s.runs.done} of ${s.runs.inFile} runs${s.shard ? ` (shard ${s.shard.index}/${s.shard.count} of ${s.runs.total})` : ''}, ${s.points.length} points x ${s.seedsPerPoint} seeds, sweep seed ${s.seed}, base ${s.base}${s.complete ? '' : c.yellow(' (partial)')}`,
  );
  for (const o of outcomes) lines.push(`  ${o}: ${s.outcomes[o]}`);
  if (s.given) lines.push(`  metrics and the other outcomes: over the runs where ${s.given} only`);
  lines.push('');
  lines.push(...renderTable(head, rows, { colors: c, align: head.map((_, i) => (i < cols.head.length ? 'l' : 'r')) }));
  // Where the drawn values made an outcome happen (e.g. the stall lengths that emptied the endpoint).
  for (const d of s.draws) {
    for (const o of outcomes) {
      const hits = s.points.filter((p) => (p.drawnWhen[o]?.[d]?.n ?? 0) > 0);
      if (hits.length === 0) continue;
      lines.push('');
      lines.push(c.bold(`${d} in the runs where ${o}:`));
      for (const p of hits) {
        const sp = p.drawnWhen[o][d];
        const label = cols.cells(p.params, p.point).join(' ');
        lines.push(`  ${label}: ${sp.n} runs, ${fmtNum(sp.min)} to ${fmtNum(sp.max)} (median ${fmtNum(sp.median)})`);
      }
    }
  }
  return lines;
}

/** RFC 4180 cell: quoted when it holds a comma, a quote or a line break. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const t = typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

function csv(head: string[], rows: unknown[][]): string {
  return `${[head, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

export function pointsCsv(s: SweepSummary): string {
  const outcomes = Object.keys(s.outcomes);
  const thresholds = s.points[0] ? Object.keys(s.points[0].thresholds) : [];
  const head = [
    'point',
    ...s.params,
    'runs',
    ...[...outcomes, ...thresholds.map((t) => `held: ${t}`)].flatMap((o) => [`${o}.yes`, `${o}.share`, `${o}.lo95`, `${o}.hi95`]),
    ...s.metrics.flatMap((m) => [`${m}.n`, `${m}.median`, `${m}.p5`, `${m}.p95`]),
  ];
  const rows = s.points.map((p) => [
    p.point,
    ...s.params.map((k) => p.params[k]),
    p.runs,
    ...[...outcomes.map((o) => p.outcomes[o]), ...thresholds.map((t) => p.thresholds[t])].flatMap((x) => [x.yes, x.share, x.lo, x.hi]),
    ...s.metrics.flatMap((m) => [p.metrics[m].n, p.metrics[m].median, p.metrics[m].p5, p.metrics[m].p95]),
  ]);
  return csv(head, rows);
}

export function runsCsv(header: SweepHeader, records: Iterable<RunRecord>): string {
  const spec = header.spec;
  const params = spec.axes.filter((a) => a.kind !== 'draw').map((a) => a.name);
  const draws = spec.axes.filter((a) => a.kind === 'draw').map((a) => a.name);
  const outcomes = Object.keys(spec.outcomes);
  const head = ['run', 'point', 'replicate', 'seed', ...params, ...draws, 'digest', ...spec.metrics, ...outcomes];
  const sorted = [...records].sort((a, b) => a.run - b.run);
  const rows = sorted.map((r) => [
    r.run,
    r.point,
    r.replicate,
    r.seed,
    ...params.map((k) => header.points[r.point]?.params[k]),
    ...draws.map((d) => r.draws[d]),
    r.digest,
    ...spec.metrics.map((m) => r.metrics[m]),
    ...outcomes.map((o) => r.outcomes[o]),
  ]);
  return csv(head, rows);
}

/** Per-point summary as JSON Lines: one object per point. */
export function pointsJsonl(s: SweepSummary): string {
  return `${s.points.map((p) => JSON.stringify(p)).join('\n')}\n`;
}
