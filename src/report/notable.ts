/**
 * Which control-plane events a reader should see, shared by the terminal summary and the HTML report: the
 * events that tell the story of a run, not the thousands of routine plans and applies.
 */
import type { RunResult } from '../engine/result.ts';
import type { SimEvent } from '../model/dns/events.ts';

/** Routine events (every plan, every apply) are counted, not listed. */
const NOTABLE = new Set<SimEvent['kind']>([
  'fault-stall',
  'adversarial-stall',
  'adversarial-wake',
  'random-stall',
  'violation',
  'endpoint-empty',
  'endpoint-restored',
  'dns-repair',
  'action',
]);

/**
 * The events worth reading, in order: every notable kind, the check that preceded a stall, the first refused
 * update of a stuck endpoint every 10 minutes, and Enactor writes that moved an endpoint back.
 */
export function notableEvents(r: RunResult, limit = Infinity): { events: SimEvent[]; suppressed: number } {
  const picked: SimEvent[] = [];
  let lastStuckReport = -Infinity;
  let suppressed = 0;
  const events = r.events;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    let show = NOTABLE.has(ev.kind);
    // The check that preceded a stall, and the first refused update of a stuck endpoint, tell the story.
    const nextKind = events[i + 1]?.kind;
    if (ev.kind === 'check' && (nextKind === 'fault-stall' || nextKind === 'adversarial-stall')) show = true;
    if (ev.kind === 'apply-failed' && ev.detail.startsWith('inconsistent')) {
      show = ev.atS - lastStuckReport > 600;
      if (show) lastStuckReport = ev.atS;
    }
    if (ev.kind === 'apply' && ev.actor.startsWith('enactor') && /gen \d+ -> \d+/.test(ev.detail)) {
      const m = /gen (\d+) -> (\d+)/.exec(ev.detail);
      if (m && Number(m[2]) < Number(m[1])) show = true;
    }
    if (!show) continue;
    if (picked.length >= limit) {
      suppressed++;
      continue;
    }
    picked.push(ev);
  }
  return { events: picked, suppressed };
}
