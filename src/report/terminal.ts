/**
 * The end-of-run summary in the terminal: per-phase tables (clients; control plane and EC2), recovery times, and
 * the incident timeline beside AWS's published times where the result has one.
 */
import type { RunResult } from '../engine/result.ts';
import { ERROR_CLASSES } from '../metrics/client-counters.ts';
import { clockAtOrigin, clockOrigin, incidentTimeline } from './access.ts';
import {
  type Cell,
  clientPhaseCells,
  controlPhaseCells,
  INCIDENT_HEAD,
  INCIDENT_KINDS,
  incidentCells,
  recoveryCells,
  regionHead,
  regionPhaseCells,
  regionVerdict,
  serviceCells,
  serviceHead,
} from './cells.ts';
import { fmtElapsed } from './format.ts';
import { phaseRows, recoveryRows } from './summary.ts';
import { type Colors, NO_COLORS, renderTable } from './table.ts';

/** A simulated instant: elapsed time, plus the scenario's wall clock when it has one. */
export function when(r: RunResult, s: number | null): string {
  if (s === null) return '-';
  const origin = clockOrigin(r);
  return origin ? `${fmtElapsed(s)} (${clockAtOrigin(origin, s).slice(0, 5)})` : fmtElapsed(s);
}

function span(r: RunResult, fromS: number, toS: number): string {
  return `${when(r, fromS)} - ${when(r, toS)}`;
}

export function phaseTableLines(r: RunResult, c: Colors = NO_COLORS): string[] {
  const rows = phaseRows(r);
  const out: string[] = [];
  const style = (cells: Cell[]) => cells.map((x) => (x.bad ? c.red(x.text) : x.text));
  if (rows.some((p) => p.clients)) {
    out.push(
      c.bold('clients by phase') +
        c.dim('  (errors: share of requests that failed; by class: share of attempts; latency: from the intended start, ms)'),
    );
    out.push(
      ...renderTable(
        ['phase', 'span', 'requests', 'errors', ...ERROR_CLASSES, 'amplif.', 'p50', 'p99', 'p99.9', 'max', 'attempt p99'],
        rows.filter((p) => p.clients).map((p) => style(clientPhaseCells(p, span(r, p.fromS, p.toS)))),
        { colors: c, align: ['l', 'l'] },
      ),
    );
  }
  const g = r.regions;
  if (g) {
    out.push(
      '',
      c.bold('regions by phase') +
        c.dim('  (util.: offered load over capacity; errors: share of attempts; multi/pinned errors: share of requests)'),
    );
    out.push(
      ...renderTable(
        regionHead(r),
        g.phases.map((p) => style(regionPhaseCells(p, span(r, p.fromS, p.toS)))),
        { colors: c, align: ['l', 'l'] },
      ),
    );
    const v = regionVerdict(r) as string;
    out.push(g.phases.some((p) => p.backup.overloaded) ? c.red(v) : v);
  }
  const sv = r.services;
  if (sv) {
    out.push(
      '',
      c.bold('services by phase') +
        c.dim(
          `  (a request calls ${sv.request.join(' -> ')}; errors: share of calls that failed after their retries; the clients' errors above are the user-visible ones)`,
        ),
    );
    out.push(
      ...renderTable(
        serviceHead(r),
        sv.services.map((x) => style(serviceCells(r, x))),
        { colors: c, align: ['l', 'l'] },
      ),
    );
  }
  const withEc2 = rows.some((p) => p.ec2);
  if (out.length > 0) out.push('');
  out.push(
    c.bold(withEc2 ? 'control plane and EC2 by phase' : 'control plane by phase') +
      (withEc2 ? c.dim('  (peaks over the windows that start in the phase)') : ''),
  );
  const head = ['phase', 'span', 'violations', 'endpoint empty'];
  if (withEc2) head.push('lease backlog', 'leases lost', 'prop. delay', 'prop. backlog', 'NLB errors');
  out.push(
    ...renderTable(
      head,
      rows.map((p) => style(controlPhaseCells(p, span(r, p.fromS, p.toS), withEc2))),
      { colors: c, align: ['l', 'l'] },
    ),
  );
  return out;
}

export function recoveryTableLines(r: RunResult, c: Colors = NO_COLORS): string[] {
  const rows = recoveryRows(r);
  if (rows.length === 0) return [];
  return [
    c.bold('episodes and recovery'),
    ...renderTable(
      ['what', 'from', 'until', 'lasted', 'note'],
      rows.map((x) => recoveryCells(r, x, (s) => when(r, s)).map((cell) => cell.text)),
      { colors: c, align: ['l', 'l', 'l', 'r', 'l'] },
    ),
  ];
}

export function incidentTimelineLines(r: RunResult, c: Colors = NO_COLORS): string[] {
  const t = incidentTimeline(r);
  if (t.length === 0) return [];
  const origin = clockOrigin(r);
  const clockOf = (s: number | null, given: string | null) =>
    given ?? (s === null ? '-' : origin ? clockAtOrigin(origin, s).slice(0, 5) : fmtElapsed(s));
  return [
    c.bold('incident timeline: simulated vs AWS') + c.dim('  (offset: |simulated - AWS| over AWS time since the trigger)'),
    ...renderTable(
      INCIDENT_HEAD,
      t.map((e) => incidentCells(e, clockOf, false).map((x, i) => (x.bad ? (i === 2 ? c.yellow(x.text) : c.red(x.text)) : x.text))),
      { colors: c, align: ['l', 'l', 'r', 'r', 'r', 'r', 'l'] },
    ),
    c.dim(`  ${INCIDENT_KINDS}`),
  ];
}

/** Everything after the event timeline and the DNS summary lines. */
export function summaryTableLines(r: RunResult, c: Colors = NO_COLORS): string[] {
  const out = [...phaseTableLines(r, c)];
  const rec = recoveryTableLines(r, c);
  if (rec.length > 0) out.push('', ...rec);
  const inc = incidentTimelineLines(r, c);
  if (inc.length > 0) out.push('', ...inc);
  return out;
}
