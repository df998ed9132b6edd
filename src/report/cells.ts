/**
 * The contents of the summary tables, shared by the terminal and the HTML renderers: each returns cells as text
 * plus a `bad` flag, and the renderer decides how a bad cell looks (red on a terminal, a CSS class in HTML).
 */
import type { RunResult } from '../engine/result.ts';
import { ERROR_CLASSES } from '../metrics/client-counters.ts';
import type { TimelineRow } from './access.ts';
import { fmtCount, fmtDuration, fmtMs, fmtPct, fmtRatio } from './format.ts';
import { CLIENT_ERROR_SHARE, type PhaseRow, type RecoveryRow } from './summary.ts';

export interface Cell {
  text: string;
  bad?: boolean;
}

/** Off by more than this share of AWS's time since the trigger: outside what the scenario promises. */
export const TIMELINE_OFFSET_LIMIT = 0.2;

export function clientPhaseCells(p: PhaseRow, span: string): Cell[] {
  const k = p.clients as NonNullable<PhaseRow['clients']>;
  return [
    { text: p.name },
    { text: span },
    { text: fmtCount(k.requests) },
    { text: fmtPct(k.errorRate), bad: k.errorRate > CLIENT_ERROR_SHARE },
    ...ERROR_CLASSES.map((e) => ({ text: fmtPct(k.errorShares[e]) })),
    { text: fmtRatio(k.amplification) },
    { text: fmtMs(k.latencyMsP50) },
    { text: fmtMs(k.latencyMsP99) },
    { text: fmtMs(k.latencyMsP999) },
    { text: fmtMs(k.latencyMsMax) },
    { text: fmtMs(k.attemptLatencyMsP99) },
  ];
}

export function controlPhaseCells(p: PhaseRow, span: string, withEc2: boolean): Cell[] {
  const cells: Cell[] = [
    { text: p.name },
    { text: span },
    { text: String(p.violations), bad: p.violations > 0 },
    { text: p.emptyEndpointS > 0 ? fmtDuration(p.emptyEndpointS) : '-' },
  ];
  if (withEc2) {
    const e = p.ec2;
    cells.push(
      { text: fmtCount(e?.leaseBacklogMax) },
      { text: fmtCount(e?.leasesLostMax) },
      { text: fmtDuration(e?.propagationDelayMaxS) },
      { text: fmtCount(e?.propagationBacklogMax) },
      { text: fmtPct(e?.nlbErrorRateMax) },
    );
  }
  return cells;
}

export function recoveryCells(r: RunResult, x: RecoveryRow, when: (s: number | null) => string): Cell[] {
  return [
    { text: x.what },
    { text: when(x.fromS) },
    { text: x.instant ? '-' : x.toS === null ? (x.fromS === null ? '-' : 'end of run') : when(x.toS) },
    { text: x.instant || x.fromS === null ? '-' : fmtDuration((x.toS ?? r.reachedS) - x.fromS) + (x.toS === null ? '+' : '') },
    { text: x.note },
  ];
}

/** The incident table's columns, shared by the terminal and HTML renderers. */
export const INCIDENT_HEAD = ['event', 'kind', 'simulated', 'AWS', 'difference', 'offset', 'note'];

/** What the kinds mean, printed under the table. */
export const INCIDENT_KINDS =
  "scheduled: set by the trigger or an operator action at AWS's time; calibrated: an unpublished parameter was set to land it; predicted: no parameter was chosen for it (only these test the model)";

export function incidentCells(e: TimelineRow, clockOf: (s: number | null, given: string | null) => string, withBasis = true): Cell[] {
  const note = [e.orderNote, withBasis ? e.basis : null].filter((x): x is string => x !== null).join('. ');
  return [
    { text: e.event },
    { text: e.kind },
    e.simulatedAtS === null ? { text: 'never', bad: true } : { text: clockOf(e.simulatedAtS, e.simulatedClock) },
    { text: clockOf(e.awsAtS, e.awsClock) },
    {
      text:
        e.simulatedAtS !== null && e.awsAtS !== null
          ? `${e.simulatedAtS >= e.awsAtS ? '+' : '-'}${fmtDuration(Math.abs(e.simulatedAtS - e.awsAtS))}`
          : '-',
    },
    { text: e.offsetShare === null ? '-' : fmtPct(e.offsetShare), bad: e.offsetShare !== null && e.offsetShare > TIMELINE_OFFSET_LIMIT },
    { text: note },
  ];
}

/** Columns of the per-phase multi-region table (regionPhaseCells). */
export function regionHead(r: RunResult): string[] {
  const g = r.regions;
  const home = g ? g.home.name : 'home';
  const backup = g ? g.backup.name : 'backup';
  return [
    'phase',
    'span',
    `${home} util.`,
    `${home} errors`,
    `${backup} util.`,
    `${backup} peak`,
    `${backup} errors`,
    `${backup}`,
    'failovers',
    'failbacks',
    'multi errors',
    'pinned errors',
  ];
}

/**
 * One phase of the multi-region table: each region's utilisation (offered / capacity) and attempt error share,
 * the failover region's peak and whether it was overloaded, the moves, and the request error shares of
 * multi-region and pinned clients.
 */
export function regionPhaseCells(p: NonNullable<RunResult['regions']>['phases'][number], span: string): Cell[] {
  return [
    { text: p.name },
    { text: span },
    { text: fmtPct(p.home.utilisation), bad: p.home.overloaded },
    { text: fmtPct(p.home.attemptErrorRate), bad: p.home.attemptErrorRate > CLIENT_ERROR_SHARE },
    { text: fmtPct(p.backup.utilisation), bad: p.backup.utilisation > 1 },
    { text: fmtPct(p.backup.peakUtilisation), bad: p.backup.overloaded },
    { text: fmtPct(p.backup.attemptErrorRate), bad: p.backup.attemptErrorRate > CLIENT_ERROR_SHARE },
    { text: p.backup.overloaded ? 'overloaded' : 'held', bad: p.backup.overloaded },
    { text: fmtCount(p.failovers) },
    { text: fmtCount(p.failbacks) },
    { text: p.multiErrorRate === null ? '-' : fmtPct(p.multiErrorRate), bad: (p.multiErrorRate ?? 0) > CLIENT_ERROR_SHARE },
    { text: p.pinnedErrorRate === null ? '-' : fmtPct(p.pinnedErrorRate), bad: (p.pinnedErrorRate ?? 0) > CLIENT_ERROR_SHARE },
  ];
}

/** One line on the failover region: overloaded in which phases, at what peak, or that it held. */
export function regionVerdict(r: RunResult): string | null {
  const g = r.regions;
  if (!g) return null;
  const over = g.phases.filter((p) => p.backup.overloaded);
  const who = `${fmtCount(g.multiClients)} of ${fmtCount(r.clients?.count ?? 0)} clients can fail over to ${g.backup.name} (+${g.backup.crossLatencyMs} ms)`;
  if (over.length === 0)
    return `${who}: ${g.backup.name} held (peak utilisation ${fmtPct(g.backup.peakUtilisation)} of ${fmtCount(g.backup.capacityPerS)}/s).`;
  return `${who}: ${g.backup.name} OVERLOADED in ${over.map((p) => `${p.name} (peak utilisation ${fmtPct(p.backup.peakUtilisation)} of ${fmtCount(g.backup.capacityPerS)}/s; ${fmtPct(p.backup.attemptErrorRate)} of its attempts failed)`).join(', ')}.`;
}

/** Columns of the per-service table (scenario `chains`): one row per service, its calls' error rate per phase. */
export function serviceHead(r: RunResult): string[] {
  return ['service', 'endpoint', ...r.phases.map((p) => `${p.name} calls`), ...r.phases.map((p) => `${p.name} errors`)];
}

export function serviceCells(r: RunResult, x: NonNullable<RunResult['services']>['services'][number]): Cell[] {
  const at = (name: string) => x.phases.find((p) => p.name === name);
  return [
    { text: x.name },
    { text: x.dynamic ? 'dynamic (the race)' : 'static' },
    ...r.phases.map((p) => ({ text: fmtCount(at(p.name)?.calls ?? 0) })),
    ...r.phases.map((p) => {
      const e = at(p.name)?.errorRate ?? null;
      return { text: e === null ? '-' : fmtPct(e), bad: (e ?? 0) > CLIENT_ERROR_SHARE };
    }),
  ];
}
