/**
 * The simulated incident transitions beside AWS's published times (incident.md §2), on the scenario's clock.
 *
 * Models: nothing; it reads the summary. Each row says what kind of figure its simulated time is:
 * - scheduled: set by the trigger or an operator action at AWS's time (the row lands there by construction);
 * - calibrated: a parameter AWS did not publish was set so that this row lands near AWS's time;
 * - predicted: no parameter was chosen for it; where it lands is the model's answer.
 * Only predicted rows test the model. `offsetShare` is |simulated - AWS| over AWS's time since the trigger (the
 * race at 23:48 PDT). Rows come in AWS's order; `orderNote` says where the simulated order differs.
 */
import type { Ec2Summary } from './model.ts';

export type TimelineKind = 'scheduled' | 'calibrated' | 'predicted';

/** AWS's times, PDT (UTC-7). */
export const AWS_TRIGGER = '2025-10-19T23:48:00-07:00';

/** What the run knows beside the EC2 summary: when the clients' endpoint first resolved to nothing. */
export interface TimelineInputs {
  raceAtS: number | null;
}

/** The last EC2 stage back to normal; null while any stage that went bad has not recovered. */
export function ec2RecoveredAtS(s: Ec2Summary): number | null {
  const stages: [number | null | boolean, number | null][] = [
    [s.leasesLostMax > 0, s.leasesRecoveredAtS],
    [s.launchFailuresFromS, s.launchFailuresEndS],
    [s.propagationDegradedFromS, s.propagationNormalAtS],
    [s.nlbErrorsFromS, s.nlbErrorsEndS],
  ];
  let last: number | null = null;
  for (const [began, end] of stages) {
    if (began === null || began === false) continue;
    if (end === null) return null;
    last = last === null ? end : Math.max(last, end);
  }
  return last;
}

export const AWS_EVENTS: {
  event: string;
  aws: string;
  kind: TimelineKind;
  basis: string;
  from: (s: Ec2Summary, x: TimelineInputs) => number | null;
}[] = [
  {
    event: 'regional-endpoint-empty',
    aws: '2025-10-19T23:48:00-07:00',
    kind: 'scheduled',
    basis: 'the adversarial trigger (a chosen schedule) checks at 23:47 and lands the stale write in the race window',
    from: (_s, x) => x.raceAtS,
  },
  {
    event: 'dynamodb-errors-end',
    aws: '2025-10-20T02:40:00-07:00',
    kind: 'calibrated',
    basis: "the 02:25 repair is scheduled; the resolvers' negative TTL (900 s, not published) was set to end errors near 02:40",
    from: (s) => s.ddbErrorsEndS,
  },
  {
    event: 'leases-recovered',
    aws: '2025-10-20T05:28:00-07:00',
    kind: 'calibrated',
    basis:
      'the 04:14 throttle and restarts are scheduled; DWFM fleet size and service time (not published) were set to drain the backlog by 05:28',
    from: (s) => s.leasesRecoveredAtS,
  },
  {
    event: 'nlb-errors-begin',
    aws: '2025-10-20T05:30:00-07:00',
    kind: 'calibrated',
    basis: 'NLB target share, skew and flap cost (not published) were chosen so that flapping causes errors in this run',
    from: (s) => s.nlbErrorsFromS,
  },
  {
    event: 'propagation-degraded',
    aws: '2025-10-20T06:21:00-07:00',
    kind: 'predicted',
    basis: 'no parameter was set for it: the re-sync burst reaches Network Manager as DWFM hosts finish their lease work',
    from: (s) => s.propagationDegradedFromS,
  },
  {
    event: 'nlb-errors-end',
    aws: '2025-10-20T09:36:00-07:00',
    kind: 'scheduled',
    basis: 'ends with the 09:36 failover-off action',
    from: (s) => s.nlbErrorsEndS,
  },
  {
    event: 'propagation-normal',
    aws: '2025-10-20T10:36:00-07:00',
    kind: 'calibrated',
    basis: 'Network Manager capacity (300 units/s, not published) was set for the backlog to drain near 10:36',
    from: (s) => s.propagationNormalAtS,
  },
  {
    event: 'launch-failures-end',
    aws: '2025-10-20T10:36:00-07:00',
    kind: 'predicted',
    basis:
      'no parameter was set for it: the last window where under 10% of placed launches succeed (AWS counts launches without connectivity as failed too)',
    from: (s) => s.launchFailuresEndS,
  },
  {
    event: 'ec2-fully-recovered',
    aws: '2025-10-20T13:50:00-07:00',
    kind: 'predicted',
    basis:
      'no parameter was set for it: the last EC2 stage back to normal (leases, launches, propagation, NLB errors); throttled launches are not counted',
    from: (s) => ec2RecoveredAtS(s),
  },
];

export interface TimelineEntry {
  event: string;
  simulatedAtS: number | null;
  awsAtS: number;
  simulatedClock: string | null;
  awsClock: string;
  /** |simulated - AWS| / (AWS - AWS trigger); null when the transition never happened in the run, or is the trigger. */
  offsetShare: number | null;
  kind: TimelineKind;
  /** What sets the simulated time (the schedule or parameter behind it, or that none was chosen). */
  basis: string;
  /** Where the simulated order differs from AWS's (rows come in AWS's order); null where it agrees. */
  orderNote: string | null;
}

function offsetMinutes(iso: string): number {
  const m = /([+-])(\d\d):?(\d\d)$/.exec(iso);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Seconds of simulated time at which the wall-clock instant `iso` falls, for a run whose second 0 is `origin`. */
export function secondsAt(origin: string, iso: string): number {
  return (Date.parse(iso) - Date.parse(origin)) / 1000;
}

/** HH:MM on the origin's clock (its UTC offset) at simulated second s. */
export function clockAt(origin: string, s: number): string {
  const off = offsetMinutes(origin);
  const d = new Date(Date.parse(origin) + s * 1000 + off * 60_000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${hh}:${mm}`;
}

export function buildTimeline(summary: Ec2Summary, origin: string, inputs: TimelineInputs = { raceAtS: null }): TimelineEntry[] {
  const triggerS = secondsAt(origin, AWS_TRIGGER);
  const rows: TimelineEntry[] = AWS_EVENTS.map(({ event, aws, kind, basis, from }) => {
    const awsAtS = secondsAt(origin, aws);
    const sim = from(summary, inputs);
    return {
      event,
      simulatedAtS: sim === null ? null : Math.round(sim),
      awsAtS,
      simulatedClock: sim === null ? null : clockAt(origin, sim),
      awsClock: clockAt(origin, awsAtS),
      // The trigger's own row has no time since the trigger to measure against.
      offsetShare: sim === null || awsAtS <= triggerS ? null : Math.abs(sim - awsAtS) / (awsAtS - triggerS),
      kind,
      basis,
      orderNote: null,
    };
  });
  // AWS's order (stable for equal times); then every pair the run puts the other way round.
  rows.sort((a, b) => a.awsAtS - b.awsAtS);
  for (const r of rows) {
    if (r.simulatedAtS === null) continue;
    const before = rows
      .filter((o) => o.awsAtS > r.awsAtS && o.simulatedAtS !== null && o.simulatedAtS < (r.simulatedAtS as number))
      .map((o) => o.event);
    const after = rows
      .filter((o) => o.awsAtS < r.awsAtS && o.simulatedAtS !== null && o.simulatedAtS > (r.simulatedAtS as number))
      .map((o) => o.event);
    const notes: string[] = [];
    if (after.length > 0) notes.push(`simulated before ${after.join(', ')} (AWS: after)`);
    if (before.length > 0) notes.push(`simulated after ${before.join(', ')} (AWS: before)`);
    r.orderNote = notes.length > 0 ? `out of AWS's order: ${notes.join('; ')}` : null;
  }
  return rows;
}
