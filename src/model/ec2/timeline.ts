/**
 * The simulated EC2 transitions beside AWS's published times (incident.md §2), on the scenario's clock.
 *
 * Models: nothing; it reads the summary. Each transition's simulated time comes from the model's own windows
 * (emergent), AWS's from its post-event summary; `offsetShare` is |simulated - AWS| over AWS's time since the
 * trigger (the race at 23:48 PDT), the measure issue 4 holds each transition to (at most 0.2).
 */
import type { Ec2Summary } from './model.ts';

/** AWS's times, PDT (UTC-7). */
export const AWS_TRIGGER = '2025-10-19T23:48:00-07:00';
export const AWS_EVENTS: { event: string; aws: string; from: (s: Ec2Summary) => number | null }[] = [
  { event: 'dynamodb-errors-end', aws: '2025-10-20T02:40:00-07:00', from: (s) => s.ddbErrorsEndS },
  { event: 'leases-recovered', aws: '2025-10-20T05:28:00-07:00', from: (s) => s.leasesRecoveredAtS },
  { event: 'nlb-errors-begin', aws: '2025-10-20T05:30:00-07:00', from: (s) => s.nlbErrorsFromS },
  { event: 'propagation-degraded', aws: '2025-10-20T06:21:00-07:00', from: (s) => s.propagationDegradedFromS },
  { event: 'nlb-errors-end', aws: '2025-10-20T09:36:00-07:00', from: (s) => s.nlbErrorsEndS },
  { event: 'propagation-normal', aws: '2025-10-20T10:36:00-07:00', from: (s) => s.propagationNormalAtS },
];

export interface TimelineEntry {
  event: string;
  simulatedAtS: number | null;
  awsAtS: number;
  simulatedClock: string | null;
  awsClock: string;
  /** |simulated - AWS| / (AWS - AWS trigger); null when the transition never happened in the run. */
  offsetShare: number | null;
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

export function buildTimeline(summary: Ec2Summary, origin: string): TimelineEntry[] {
  const triggerS = secondsAt(origin, AWS_TRIGGER);
  return AWS_EVENTS.map(({ event, aws, from }) => {
    const awsAtS = secondsAt(origin, aws);
    const sim = from(summary);
    return {
      event,
      simulatedAtS: sim === null ? null : Math.round(sim),
      awsAtS,
      simulatedClock: sim === null ? null : clockAt(origin, sim),
      awsClock: clockAt(origin, awsAtS),
      offsetShare: sim === null ? null : Math.abs(sim - awsAtS) / (awsAtS - triggerS),
    };
  });
}
