/** The readable output of `run`: the event timeline that matters and a summary. */
import type { RunResult } from '../engine/result.ts';
import type { SimEvent } from '../model/dns/events.ts';
import { replayCommand } from '../report/replay.ts';

/** Routine events (every plan, every apply) are counted, not listed. */
const NOTABLE = new Set<SimEvent['kind']>([
  'fault-stall',
  'random-stall',
  'violation',
  'endpoint-empty',
  'endpoint-restored',
  'dns-repair',
  'action',
]);

export function clock(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
}

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
    if (ev.kind === 'check' && events[i + 1]?.kind === 'fault-stall') show = true;
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

export function timelineLines(r: RunResult, limit = 60): string[] {
  const names = r.scenario.dns.endpoints.map((e) => e.name);
  const { events, suppressed } = notableEvents(r, limit);
  const lines = events.map((ev) => {
    const where = ev.endpoint >= 0 ? ` [${names[ev.endpoint]}]` : '';
    const tag = ev.kind === 'violation' ? `VIOLATION ${ev.invariant}` : ev.kind;
    return `  ${clock(ev.atS)}  ${ev.actor.padEnd(10)} ${tag}${where}: ${ev.detail}`;
  });
  if (suppressed > 0) lines.push(`  ... ${suppressed} more notable events (see --out / --json)`);
  return lines;
}

export function summaryLines(r: RunResult): string[] {
  const d = r.dns;
  const out: string[] = [];
  out.push(`scenario ${r.scenario.name}  seed ${r.seed}  workers ${r.workers}  protocol ${d.protocol}${r.partial ? '  PARTIAL (interrupted)' : ''}`);
  out.push(`simulated ${r.reachedS}s in ${r.perf.wallS.toFixed(2)}s wall; ${r.perf.events} events (${Math.round(r.perf.eventsPerS).toLocaleString('en-US')}/s)`);
  out.push(`plans: ${d.plansGenerated} generated, ${d.plansApplied} applied, ${d.plansDeleted} deleted; Enactors stuck: ${d.stuck ? 'yes' : 'no'}`);
  for (const iv of d.stuckIntervals) out.push(`  stuck on ${iv.endpoint}: ${iv.fromS.toFixed(1)}s -> ${iv.toS === null ? 'end of run' : `${iv.toS.toFixed(1)}s`}`);
  if (d.emptyIntervals.length === 0) out.push('empty endpoints: none');
  for (const iv of d.emptyIntervals) {
    const len = (iv.toS ?? r.reachedS) - iv.fromS;
    out.push(`empty: ${iv.endpoint} from ${iv.fromS.toFixed(1)}s to ${iv.toS === null ? 'end of run' : `${iv.toS.toFixed(1)}s`} (${(len / 60).toFixed(1)} min)`);
  }
  const byInv = new Map<string, number>();
  for (const v of d.violations) byInv.set(v.invariant, (byInv.get(v.invariant) ?? 0) + 1);
  out.push(`invariant violations: ${d.violations.length === 0 ? 'none' : [...byInv].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  const first = d.violations.find((v) => v.invariant === 'never-delete-active') ?? d.violations[0];
  if (first) {
    out.push(`  first ${first.invariant} at ${first.atS.toFixed(3)}s on ${first.endpoint}: ${first.detail}`);
    for (const c of first.chain) out.push(`    <- ${c}`);
  }
  out.push(`digest ${r.digest}`);
  const replay = replayCommand(r);
  out.push(replay ? `replay: ${replay}` : `replay: run the scenario as run (in the result file and its HTML report) with --seed ${r.seed}`);
  return out;
}
