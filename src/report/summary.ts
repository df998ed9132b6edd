/**
 * The end-of-run summary as data: one row per phase (and one for the whole run) with the clients' error rates,
 * latency percentiles and amplification, the violations and empty-endpoint time in the phase, and the EC2
 * backlog peaks; then the recovery times. The terminal tables, the HTML report and `compare` all render this.
 *
 * Phase latency percentiles come from the clients' merged per-phase histograms (clients.phases), never from
 * averaging window percentiles. EC2 peaks are maxima over the EC2 windows that start inside the phase, the
 * same attribution rule the client phases use.
 */
import type { RunResult } from '../engine/result.ts';
import { windowsIn } from '../engine/phases.ts';
import { ERROR_CLASSES, type ErrorClass } from '../metrics/client-counters.ts';
import type { PhaseSummary } from '../metrics/client-windows.ts';
import { ec2Summary, ec2Windows, isRecord, numAt } from './access.ts';
import { fmtDuration } from './format.ts';

/** A window counts as one with client errors when more than this share of its finished requests failed. */
export const CLIENT_ERROR_SHARE = 0.01;

export interface Ec2Peaks {
  leaseBacklogMax: number | null;
  leasesLostMax: number | null;
  propagationDelayMaxS: number | null;
  propagationBacklogMax: number | null;
  nlbErrorRateMax: number | null;
}

export interface PhaseRow {
  name: string;
  fromS: number;
  toS: number;
  /** null when the run had no clients. */
  clients: {
    windows: number;
    requests: number;
    attempts: number;
    errorRate: number;
    attemptErrorShare: number;
    /** Attempts that failed with each class, as a share of all attempts. */
    errorShares: Record<ErrorClass, number>;
    amplification: number;
    latencyMsP50: number;
    latencyMsP99: number;
    latencyMsP999: number;
    latencyMsMax: number;
    attemptLatencyMsP99: number;
  } | null;
  violations: number;
  /** Seconds any endpoint resolved to nothing inside the phase (summed over endpoints). */
  emptyEndpointS: number;
  ec2: Ec2Peaks | null;
}

export interface RecoveryRow {
  what: string;
  fromS: number | null;
  /** null: still so when the run ended. */
  toS: number | null;
  note: string;
  /** A moment, not an episode: fromS is when it happened; there is no end. */
  instant?: boolean;
}

function clientsOf(
  p: Pick<PhaseSummary, 'windows' | 'requests' | 'attempts' | 'errors' | 'errorRate' | 'amplification' | 'latencyMs' | 'attemptLatencyMs'>,
): PhaseRow['clients'] {
  const failed = ERROR_CLASSES.reduce((a, k) => a + (p.errors[k] ?? 0), 0);
  const shares = {} as Record<ErrorClass, number>;
  for (const k of ERROR_CLASSES) shares[k] = p.attempts > 0 ? (p.errors[k] ?? 0) / p.attempts : 0;
  return {
    windows: p.windows,
    requests: p.requests,
    attempts: p.attempts,
    errorRate: p.errorRate,
    attemptErrorShare: p.attempts > 0 ? failed / p.attempts : 0,
    errorShares: shares,
    amplification: p.amplification,
    latencyMsP50: p.latencyMs.p50,
    latencyMsP99: p.latencyMs.p99,
    latencyMsP999: p.latencyMs.p999,
    latencyMsMax: p.latencyMs.max,
    attemptLatencyMsP99: p.attemptLatencyMs.p99,
  };
}

function maxOf(values: (number | null)[]): number | null {
  let m: number | null = null;
  for (const v of values) if (v !== null && (m === null || v > m)) m = v;
  return m;
}

function ec2Peaks(r: RunResult, fromS: number, toS: number): Ec2Peaks | null {
  const wins = windowsIn(ec2Windows(r), { fromS, toS });
  if (wins.length === 0) return null;
  const peak = (path: string) => maxOf(wins.map((w) => numAt(w.raw, path)));
  return {
    leaseBacklogMax: peak('leases.backlog'),
    leasesLostMax: peak('leases.lost'),
    propagationDelayMaxS: peak('network.propagationDelayS'),
    propagationBacklogMax: peak('network.backlogUnits'),
    nlbErrorRateMax: peak('nlb.errorRate'),
  };
}

function overlapS(aFrom: number, aTo: number, bFrom: number, bTo: number): number {
  return Math.max(0, Math.min(aTo, bTo) - Math.max(aFrom, bFrom));
}

export function phaseRows(r: RunResult): PhaseRow[] {
  const clientPhases = r.clients?.phases ?? [];
  const emptyS = (fromS: number, toS: number) =>
    r.dns.emptyIntervals.reduce((a, iv) => a + overlapS(iv.fromS, iv.toS ?? r.reachedS, fromS, toS), 0);
  const rows: PhaseRow[] = r.phases.map((p) => {
    const cp = clientPhases.find((c) => c.name === p.name && c.fromS === p.fromS);
    return {
      name: p.name,
      fromS: p.fromS,
      toS: p.toS,
      clients: cp ? clientsOf(cp) : null,
      // The last phase owns its end: a violation at exactly reachedS still counts.
      violations: r.dns.violations.filter((v) => v.atS >= p.fromS && (v.atS < p.toS || (p.toS >= r.reachedS && v.atS <= p.toS))).length,
      emptyEndpointS: emptyS(p.fromS, p.toS),
      ec2: ec2Peaks(r, p.fromS, p.toS),
    };
  });
  const c = r.clients;
  rows.push({
    name: 'whole run',
    fromS: 0,
    toS: r.reachedS,
    clients: c
      ? clientsOf({
          windows: r.windows.clients.length,
          requests: c.requests,
          attempts: c.attempts,
          errors: c.errors,
          errorRate: c.errorRate,
          amplification: c.amplification,
          latencyMs: c.latencyMs,
          attemptLatencyMs: c.attemptLatencyMs,
        })
      : null,
    violations: r.dns.violations.length,
    emptyEndpointS: emptyS(0, r.reachedS),
    ec2: ec2Peaks(r, 0, Infinity),
  });
  return rows;
}

/** Start of the first and end of the last client window over CLIENT_ERROR_SHARE; end null while still bad. */
export function clientErrorEpisode(r: RunResult): { fromS: number; toS: number | null } | null {
  const wins = r.windows.clients;
  let fromS: number | null = null;
  let toS: number | null = null;
  let last = false;
  for (const w of wins) {
    const bad = w.errorRate > CLIENT_ERROR_SHARE;
    if (bad) {
      fromS ??= w.fromS;
      toS = w.toS;
    }
    last = bad;
  }
  if (fromS === null) return null;
  return { fromS, toS: last ? null : toS };
}

const EC2_EPISODES: [string, string, string][] = [
  ['DynamoDB errors seen by EC2 (DWFM)', 'ddbErrorsFromS', 'ddbErrorsEndS'],
  ['lease collapse (no forward progress)', 'leaseCollapseFromS', 'leaseCollapseEndS'],
  ['launch failures', 'launchFailuresFromS', 'launchFailuresEndS'],
  ['network propagation degraded', 'propagationDegradedFromS', 'propagationNormalAtS'],
  ['NLB errors', 'nlbErrorsFromS', 'nlbErrorsEndS'],
];

export function recoveryRows(r: RunResult): RecoveryRow[] {
  const rows: RecoveryRow[] = [];
  const trigger = r.events.find((e) => e.kind === 'fault-stall' || e.kind === 'adversarial-stall');
  const race = r.events.find((e) => e.kind === 'endpoint-empty') ?? r.events.find((e) => e.kind === 'violation');
  const repair = r.events.find((e) => e.kind === 'dns-repair');
  const how = trigger?.kind === 'adversarial-stall' ? 'stall, adversarial: a chosen schedule' : 'stall, fixed length';
  if (trigger && race) rows.push({ what: `trigger to race (${trigger.actor} ${how})`, fromS: trigger.atS, toS: race.atS, note: '' });
  else if (trigger)
    rows.push({
      what: `trigger (${trigger.actor} ${how})`,
      fromS: trigger.atS,
      toS: null,
      instant: true,
      note: 'no race followed: no endpoint resolved to nothing, no invariant broke',
    });
  for (const iv of r.dns.emptyIntervals) rows.push({ what: `${iv.endpoint} resolved to nothing`, fromS: iv.fromS, toS: iv.toS, note: '' });
  for (const iv of r.dns.stuckIntervals) rows.push({ what: `Enactors stuck on ${iv.endpoint}`, fromS: iv.fromS, toS: iv.toS, note: '' });
  const ep = clientErrorEpisode(r);
  if (ep) {
    let note = '';
    if (repair && ep.toS !== null && ep.toS >= repair.atS) note = `clients recovered ${fmtDuration(ep.toS - repair.atS)} after the repair`;
    rows.push({ what: `client errors (> ${CLIENT_ERROR_SHARE * 100}% of requests)`, fromS: ep.fromS, toS: ep.toS, note });
  }
  const s = ec2Summary(r);
  if (s) {
    for (const [what, from, to] of EC2_EPISODES) {
      const f = numAt(s, from);
      if (f === null) continue;
      rows.push({ what, fromS: f, toS: numAt(s, to), note: '' });
    }
    const rec = isRecord(s.recovery) ? s.recovery : null;
    const leasesAt = numAt(s, 'leasesRecoveredAtS');
    if (leasesAt !== null || numAt(s, 'leasesLostMax')) {
      const after = rec ? numAt(rec, 'leasesAfterDdbS') : null;
      rows.push({
        what: 'all droplet leases re-established',
        fromS: null,
        toS: leasesAt,
        note: after !== null ? `${fmtDuration(after)} after DynamoDB recovered` : leasesAt === null ? 'not by the end of the run' : '',
      });
    }
  }
  return rows;
}

export type FieldKind = 'instant' | 'duration' | 'perS' | 'share' | 'ratio' | 'count';

/** What an EC2 summary field holds, from its unit-last name (leasesRecoveredAtS, flapRateMaxPerS, ...). */
export function fieldKind(key: string): FieldKind {
  if (/(AtS|FromS|EndS)$/.test(key)) return 'instant';
  if (/PerS$/.test(key)) return 'perS';
  if (/[a-z0-9]S$/.test(key)) return 'duration';
  if (/(Rate|Share)(Max|Mean)?$/.test(key)) return 'share';
  if (/(Utilization|Index)(Max|Mean)?$/.test(key)) return 'ratio';
  return 'count';
}

/** EC2 summary fields not already in the recovery rows, flattened, for a key/value table. */
export function ec2SummaryFields(r: RunResult): [string, number | boolean | null][] {
  const s = ec2Summary(r);
  if (!s) return [];
  const out: [string, number | boolean | null][] = [];
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (isRecord(v)) walk(v, path);
      else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out.push([path, v as number | boolean | null]);
    }
  };
  walk(s, '');
  return out.filter(([k]) => k !== 'timeline');
}
