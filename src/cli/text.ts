/** The readable output of `run`: the event timeline that matters and a summary. */
import { digestKey, type RunResult } from '../api.ts';
import { notableEvents } from '../report/notable.ts';
import { noOutageExplanation } from '../report/explain.ts';
import { replayCommand } from '../report/replay.ts';

export function clock(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
}

export function timelineLines(r: RunResult, limit = 60): string[] {
  const names = r.scenario.dns.endpoints.map((e) => e.name);
  const { events, suppressed } = notableEvents(r, limit);
  const lines = events.map((ev) => {
    const where = ev.endpoint >= 0 ? ` [${names[ev.endpoint]}]` : '';
    const tag =
      ev.kind === 'violation'
        ? `VIOLATION ${ev.invariant}`
        : ev.kind.startsWith('adversarial')
          ? `ADVERSARIAL TRIGGER ${ev.kind.slice('adversarial-'.length)}`
          : ev.kind;
    return `  ${clock(ev.atS)}  ${ev.actor.padEnd(10)} ${tag}${where}: ${ev.detail}`;
  });
  if (suppressed > 0) lines.push(`  ... ${suppressed} more notable events (see --out / --json)`);
  return lines;
}

/**
 * perf.othersCpuShare, and perf.cpuWaitShare, from which the summary says the machine was busy (a machine to
 * itself: about 0 and a few percent).
 */
const BUSY_MACHINE_SHARE = 0.1;

export function summaryLines(r: RunResult): string[] {
  const d = r.dns;
  const out: string[] = [];
  out.push(
    `scenario ${r.scenario.name}  seed ${r.seed}  workers ${r.workers}  protocol ${d.protocol}${r.partial ? '  PARTIAL (interrupted)' : ''}`,
  );
  out.push(
    `simulated ${r.reachedS}s in ${r.perf.wallS.toFixed(2)}s wall; ${r.perf.events} events (${Math.round(r.perf.eventsPerS).toLocaleString('en-US')}/s)`,
  );
  // Both: other processes had a share of the machine, and this run's workers waited for a CPU (on a large machine
  // others may be busy on cores this run never wanted). Without the workers' figure, the machine's alone.
  const others = r.perf.othersCpuShare;
  const waited = r.perf.cpuWaitShare;
  if (typeof others === 'number' && others >= BUSY_MACHINE_SHARE && !(typeof waited === 'number' && waited < BUSY_MACHINE_SHARE)) {
    const workers = typeof waited === 'number' ? `, and the workers waited ${(100 * waited).toFixed(0)}% of their time for a CPU` : '';
    out.push(
      `  the machine was busy: other processes used ${(100 * others).toFixed(0)}% of its CPU time${workers}; this wall time says more about the machine than the engine`,
    );
  }
  out.push(
    `plans: ${d.plansGenerated} generated, ${d.plansApplied} applied, ${d.plansDeleted} deleted; Enactors stuck: ${d.stuck ? 'yes' : 'no'}`,
  );
  for (const iv of d.stuckIntervals)
    out.push(`  stuck on ${iv.endpoint}: ${iv.fromS.toFixed(1)}s -> ${iv.toS === null ? 'end of run' : `${iv.toS.toFixed(1)}s`}`);
  if (d.emptyIntervals.length === 0) out.push('empty endpoints: none');
  const why = noOutageExplanation(r);
  if (why) {
    out.push('why no outage:');
    for (const l of why) out.push(`  ${l}`);
  }
  for (const t of d.triggers ?? []) {
    out.push(
      `trigger: ${t.enactor}, ${t.schedule}; checked gen ${t.gen} at ${t.checkAtS.toFixed(3)}s, ${t.resumedAtS === null ? 'still stalled at the end' : `resumed at ${t.resumedAtS.toFixed(3)}s`}`,
    );
  }
  for (const iv of d.emptyIntervals) {
    const len = (iv.toS ?? r.reachedS) - iv.fromS;
    out.push(
      `empty: ${iv.endpoint} from ${iv.fromS.toFixed(1)}s to ${iv.toS === null ? 'end of run' : `${iv.toS.toFixed(1)}s`} (${(len / 60).toFixed(1)} min)`,
    );
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
  out.push(`digest key (pinned with --expect-digest, names the parts that differ) ${digestKey(r)}`);
  const replay = replayCommand(r);
  out.push(replay ? `replay: ${replay}` : `replay: run the scenario as run (in the result file and its HTML report) with --seed ${r.seed}`);
  return out;
}
