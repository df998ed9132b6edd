/**
 * The end-of-run summary in the terminal: per-phase tables (clients; control plane and EC2), recovery times, and
 * the incident timeline beside AWS's published times where the result has one.
 */
import type { RunResult } from '../engine/result.ts';
import { ERROR_CLASSES } from '../metrics/client-counters.ts';
import { clockAtOrigin, clockOrigin, incidentTimeline } from './access.ts';
import { fmtCount, fmtDuration, fmtElapsed, fmtMs, fmtPct, fmtRatio } from './format.ts';
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
  const hot = (share: number, text: string) => (share > 0.01 ? c.red(text) : text);
  if (rows.some((p) => p.clients)) {
    out.push(c.bold('clients by phase') + c.dim('  (errors: share of requests that failed; by class: share of attempts; latency: from the intended start, ms)'));
    out.push(
      ...renderTable(
        ['phase', 'span', 'requests', 'errors', ...ERROR_CLASSES, 'amplif.', 'p50', 'p99', 'p99.9', 'max', 'attempt p99'],
        rows
          .filter((p) => p.clients)
          .map((p) => {
            const k = p.clients as NonNullable<typeof p.clients>;
            return [
              p.name,
              span(r, p.fromS, p.toS),
              fmtCount(k.requests),
              hot(k.errorRate, fmtPct(k.errorRate)),
              ...ERROR_CLASSES.map((e) => fmtPct(k.errorShares[e])),
              fmtRatio(k.amplification),
              fmtMs(k.latencyMsP50),
              fmtMs(k.latencyMsP99),
              fmtMs(k.latencyMsP999),
              fmtMs(k.latencyMsMax),
              fmtMs(k.attemptLatencyMsP99),
            ];
          }),
        { colors: c, align: ['l', 'l'] },
      ),
    );
  }
  const withEc2 = rows.some((p) => p.ec2);
  if (out.length > 0) out.push('');
  out.push(c.bold(withEc2 ? 'control plane and EC2 by phase' : 'control plane by phase') + (withEc2 ? c.dim('  (peaks over the windows that start in the phase)') : ''));
  const head = ['phase', 'span', 'violations', 'endpoint empty'];
  if (withEc2) head.push('lease backlog', 'leases lost', 'prop. delay', 'prop. backlog', 'NLB errors');
  out.push(
    ...renderTable(
      head,
      rows.map((p) => {
        const cells = [p.name, span(r, p.fromS, p.toS), p.violations > 0 ? c.red(String(p.violations)) : '0', p.emptyEndpointS > 0 ? fmtDuration(p.emptyEndpointS) : '-'];
        if (withEc2) {
          const e = p.ec2;
          cells.push(fmtCount(e?.leaseBacklogMax), fmtCount(e?.leasesLostMax), fmtDuration(e?.propagationDelayMaxS), fmtCount(e?.propagationBacklogMax), fmtPct(e?.nlbErrorRateMax));
        }
        return cells;
      }),
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
      rows.map((x) => [
        x.what,
        when(r, x.fromS),
        x.instant ? '-' : x.toS === null ? (x.fromS === null ? '-' : 'end of run') : when(r, x.toS),
        x.instant || x.fromS === null ? '-' : fmtDuration((x.toS ?? r.reachedS) - x.fromS) + (x.toS === null ? '+' : ''),
        x.note,
      ]),
      { colors: c, align: ['l', 'l', 'l', 'r', 'l'] },
    ),
  ];
}

export function incidentTimelineLines(r: RunResult, c: Colors = NO_COLORS): string[] {
  const t = incidentTimeline(r);
  if (t.length === 0) return [];
  const origin = clockOrigin(r);
  const clockOf = (s: number | null, given: string | null) => given ?? (s === null ? '-' : origin ? clockAtOrigin(origin, s).slice(0, 5) : fmtElapsed(s));
  return [
    c.bold('incident timeline: simulated vs AWS') + c.dim('  (offset: |simulated - AWS| over AWS time since the trigger)'),
    ...renderTable(
      ['event', 'simulated', 'AWS', 'difference', 'offset'],
      t.map((e) => [
        e.event,
        e.simulatedAtS === null ? c.yellow('never') : clockOf(e.simulatedAtS, e.simulatedClock),
        clockOf(e.awsAtS, e.awsClock),
        e.simulatedAtS !== null && e.awsAtS !== null ? `${e.simulatedAtS >= e.awsAtS ? '+' : '-'}${fmtDuration(Math.abs(e.simulatedAtS - e.awsAtS))}` : '-',
        e.offsetShare === null ? '-' : e.offsetShare > 0.2 ? c.red(fmtPct(e.offsetShare)) : fmtPct(e.offsetShare),
      ]),
      { colors: c, align: ['l', 'r', 'r', 'r', 'r'] },
    ),
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
