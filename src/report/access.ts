/**
 * Typed, defensive views of the parts of a result that other models fill in and that the RunResult type only
 * knows as `unknown` (EC2 windows and summary, the incident timeline, the scenario's clock origin). Reports
 * draw what is there and skip what is not; a field of the wrong type reads as absent, never as a crash.
 */
import type { RunResult } from '../engine/result.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A number at a dotted path inside an object, or null. */
export function numAt(obj: unknown, path: string): number | null {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (!isRecord(cur)) return null;
    cur = cur[k];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : null;
}

export interface Ec2WindowView {
  index: number;
  fromS: number;
  toS: number;
  raw: Record<string, unknown>;
}

/** EC2 windows that carry at least their time span; anything else is ignored. */
export function ec2Windows(r: RunResult): Ec2WindowView[] {
  const list = Array.isArray(r.windows?.ec2) ? r.windows.ec2 : [];
  const out: Ec2WindowView[] = [];
  for (const w of list) {
    if (!isRecord(w)) continue;
    const fromS = numAt(w, 'fromS');
    const toS = numAt(w, 'toS');
    if (fromS === null || toS === null) continue;
    out.push({ index: numAt(w, 'index') ?? out.length, fromS, toS, raw: w });
  }
  return out;
}

export function ec2Summary(r: RunResult): Record<string, unknown> | null {
  return isRecord(r.ec2) ? r.ec2 : null;
}

export interface TimelineRow {
  event: string;
  simulatedAtS: number | null;
  awsAtS: number | null;
  simulatedClock: string | null;
  awsClock: string | null;
  offsetShare: number | null;
  /** scheduled, calibrated or predicted ('?' in results written before rows had a kind). */
  kind: string;
  basis: string | null;
  orderNote: string | null;
}

/** The incident timeline (simulated vs AWS's published times), where the result has one. */
export function incidentTimeline(r: RunResult): TimelineRow[] {
  const t = (r as unknown as { timeline?: unknown }).timeline ?? (isRecord(r.ec2) ? r.ec2.timeline : undefined);
  if (!Array.isArray(t)) return [];
  return t.filter(isRecord).map((e) => ({
    event: typeof e.event === 'string' ? e.event : String(e.event ?? '?'),
    simulatedAtS: numAt(e, 'simulatedAtS'),
    awsAtS: numAt(e, 'awsAtS'),
    simulatedClock: typeof e.simulatedClock === 'string' ? e.simulatedClock : null,
    awsClock: typeof e.awsClock === 'string' ? e.awsClock : null,
    offsetShare: numAt(e, 'offsetShare'),
    kind: typeof e.kind === 'string' ? e.kind : '?',
    basis: typeof e.basis === 'string' ? e.basis : null,
    orderNote: typeof e.orderNote === 'string' ? e.orderNote : null,
  }));
}

/** The wall-clock instant of simulated second 0 (ISO 8601 with its UTC offset), when the scenario has one. */
export function clockOrigin(r: RunResult): string | null {
  const ec2 = (r.scenario as unknown as { ec2?: unknown }).ec2;
  const o = isRecord(ec2) ? ec2.clockOrigin : undefined;
  return typeof o === 'string' && !Number.isNaN(Date.parse(o)) ? o : null;
}

/** Offset of the origin's clock from UTC, in minutes (so clock times read as AWS published them). */
export function originOffsetMin(origin: string): number {
  const m = /([+-])(\d\d):?(\d\d)$/.exec(origin);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** HH:MM:SS on the origin's clock at simulated second s. */
export function clockAtOrigin(origin: string, s: number): string {
  const d = new Date(Date.parse(origin) + s * 1000 + originOffsetMin(origin) * 60_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
}
