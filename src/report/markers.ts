/**
 * What the charts mark: the trigger (the scheduled Enactor stall, at the time it really began; an adversarial
 * trigger also where it chose to resume, labelled as a chosen schedule, not a measured delay), the race (the
 * first endpoint that resolved to nothing, and the first invariant violation), every violation, the endpoints
 * coming back, and the operators' actions. All come from the event log, so a marker sits where the thing
 * happened in the run, not where the scenario asked for it.
 */
import type { RunResult } from '../engine/result.ts';

export type MarkerKind = 'trigger' | 'race' | 'violation' | 'restored' | 'action';

export interface Marker {
  atS: number;
  kind: MarkerKind;
  /** Short text drawn on the chart. */
  label: string;
  /** The event's own words, for the list under the charts. */
  detail: string;
}

/** More violation markers than this are listed, not drawn: a run with thousands would hide the series. */
export const MAX_DRAWN_VIOLATIONS = 40;

function describeAction(r: RunResult, atS: number, what: string): string {
  // The event carries only the action's name; the scenario holds its parameters.
  const a = r.scenario.actions.find((x) => Math.abs(x.atS - atS) < 1e-6 + r.scenario.sim.epochS && x.do === what);
  if (!a) return what;
  const params = Object.entries(a)
    .filter(([k, v]) => k !== 'atS' && k !== 'do' && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return params.length > 0 ? `${what} (${params.join(', ')})` : what;
}

export function markersOf(r: RunResult): { markers: Marker[]; violationsNotDrawn: number } {
  const names = r.scenario.dns.endpoints.map((e) => e.name);
  const endpoint = (i: number) => (i >= 0 ? (names[i] ?? `endpoint ${i}`) : '');
  const markers: Marker[] = [];
  let firstEmpty = true;
  let firstViolation = true;
  let violations = 0;
  let violationsNotDrawn = 0;
  for (const ev of r.events) {
    switch (ev.kind) {
      case 'fault-stall':
        markers.push({ atS: ev.atS, kind: 'trigger', label: `trigger: ${ev.actor} stalls (fixed length)`, detail: ev.detail });
        break;
      case 'random-stall':
        markers.push({ atS: ev.atS, kind: 'trigger', label: `stall: ${ev.actor}`, detail: ev.detail });
        break;
      case 'adversarial-stall':
        markers.push({
          atS: ev.atS,
          kind: 'trigger',
          label: `adversarial trigger: ${ev.actor} stalls (chosen schedule)`,
          detail: ev.detail,
        });
        break;
      case 'adversarial-wake':
        markers.push({ atS: ev.atS, kind: 'trigger', label: `adversarial trigger: ${ev.actor} writes (chosen moment)`, detail: ev.detail });
        break;
      case 'endpoint-empty':
        markers.push({
          atS: ev.atS,
          kind: 'race',
          label: firstEmpty ? `race: ${endpoint(ev.endpoint)} empty` : `${endpoint(ev.endpoint)} empty`,
          detail: ev.detail,
        });
        firstEmpty = false;
        break;
      case 'violation':
        violations++;
        if (firstViolation) {
          markers.push({ atS: ev.atS, kind: 'race', label: `first violation: ${ev.invariant ?? '?'}`, detail: ev.detail });
          firstViolation = false;
        } else if (violations <= MAX_DRAWN_VIOLATIONS) {
          markers.push({ atS: ev.atS, kind: 'violation', label: `violation: ${ev.invariant ?? '?'}`, detail: ev.detail });
        } else {
          violationsNotDrawn++;
        }
        break;
      case 'endpoint-restored':
        markers.push({ atS: ev.atS, kind: 'restored', label: `${endpoint(ev.endpoint)} restored`, detail: ev.detail });
        break;
      case 'dns-repair':
        markers.push({ atS: ev.atS, kind: 'action', label: 'operators: dns-repair', detail: ev.detail });
        break;
      case 'action':
        markers.push({ atS: ev.atS, kind: 'action', label: `operators: ${ev.detail}`, detail: describeAction(r, ev.atS, ev.detail) });
        break;
      default:
        break;
    }
  }
  markers.sort((a, b) => a.atS - b.atS);
  return { markers, violationsNotDrawn };
}
