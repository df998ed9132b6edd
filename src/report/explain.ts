/**
 * Why a run had no outage: when no endpoint ever resolved to nothing, say what each stall did instead (the stale
 * write regressed an endpoint and the next sweep repaired it, the stale plan was already deleted, the protocol
 * refused the write, the Enactor was still stalled), read from the event log. A seed without the coincidence is
 * explained, not silent. The terminal summary and the HTML report both print these lines.
 */
import type { RunResult } from '../engine/result.ts';
import type { SimEvent } from '../model/dns/events.ts';

/** Explanations beyond this many lines are counted, not printed. */
const MAX_LINES = 12;

const STALLS = new Set<SimEvent['kind']>(['fault-stall', 'adversarial-stall', 'random-stall']);

function s3(s: number): string {
  return `${s.toFixed(3)}s`;
}

/** What one stall led to, in one or more sentences. */
function stallOutcome(r: RunResult, i: number, names: string[]): string[] {
  const events = r.events;
  const stall = events[i];
  const who = stall.actor;
  const gen = stall.gen;
  const out: string[] = [];
  const label =
    stall.kind === 'adversarial-stall'
      ? 'the adversarial trigger, a chosen schedule'
      : stall.kind === 'fault-stall'
        ? 'a fixed stall'
        : 'a random stall';
  out.push(`${who} stalled at ${s3(stall.atS)} holding its check of gen ${gen} (${label}).`);
  // Its next sweep: everything it did with that generation after the stall, up to its next check.
  let resumed = false;
  for (let j = i + 1; j < events.length; j++) {
    const ev = events[j];
    if (ev.actor !== who) continue;
    if (ev.kind === 'check' || STALLS.has(ev.kind)) break;
    if (ev.kind === 'adversarial-wake') {
      const k = ev.detail.indexOf('stalled: ');
      out.push(
        `It resumed at ${s3(ev.atS)}, ${(ev.atS - stall.atS).toFixed(3)} s later: ${k >= 0 ? ev.detail.slice(k + 'stalled: '.length) : ev.detail}.`,
      );
      resumed = true;
      continue;
    }
    if (ev.gen !== gen) continue;
    if (ev.kind === 'apply') {
      resumed = true;
      const m = /gen (\d+) -> (\d+)/.exec(ev.detail);
      const before = m ? Number(m[1]) : 0;
      if (before <= gen) continue;
      // The stale write regressed this endpoint: who wrote it next, and when?
      const next = events
        .slice(j + 1)
        .find((x) => x.endpoint === ev.endpoint && (x.kind === 'apply' || (x.kind === 'dns-repair' && x.gen > 0)));
      const deleted = events.slice(j + 1).find((x) => x.kind === 'cleanup-delete' && x.gen === gen);
      const end = next
        ? `${next.actor === 'operator' ? 'the operators' : `${next.actor}'s next sweep`} wrote gen ${next.gen} at ${s3(next.atS)}, ${(next.atS - ev.atS).toFixed(3)} s later`
        : 'nothing overwrote it before the run ended';
      out.push(
        `Its stale write regressed ${names[ev.endpoint]} from gen ${before} to gen ${gen} at ${s3(ev.atS)}; ${end}` +
          (deleted && next && deleted.atS > next.atS ? `, before clean-up deleted gen ${gen} (${s3(deleted.atS)}).` : '.'),
      );
    } else if (ev.kind === 'apply-failed' && ev.detail.includes('no longer exists')) {
      resumed = true;
      const del = events.find((x) => x.kind === 'cleanup-delete' && x.gen === gen && x.atS <= ev.atS);
      out.push(
        `When it went to write at ${s3(ev.atS)}, gen ${gen} was already deleted${del ? ` (by ${del.actor}'s clean-up at ${s3(del.atS)})` : ''}: the window had closed, nothing stale was written there.`,
      );
      break;
    } else if (ev.kind === 'apply-refused') {
      resumed = true;
      out.push(`The ${r.dns.protocol} protocol refused its write to ${names[ev.endpoint] ?? '?'} at ${s3(ev.atS)}: ${ev.detail}.`);
    }
  }
  if (!resumed) out.push(`It was still stalled when the run ended (${s3(r.reachedS)}).`);
  return out;
}

/** Lines explaining a run in which no endpoint resolved to nothing; null when one did (the outage happened). */
export function noOutageExplanation(r: RunResult): string[] | null {
  if (r.dns.emptyIntervals.length > 0) return null;
  const names = r.scenario.dns.endpoints.map((e) => e.name);
  const out: string[] = [];
  let stalls = 0;
  let unexplained = 0;
  r.events.forEach((ev, i) => {
    if (!STALLS.has(ev.kind)) return;
    stalls++;
    const lines = stallOutcome(r, i, names);
    // Random stalls are many; the ones whose resumed sweep did nothing notable are only counted.
    if (ev.kind === 'random-stall' && !lines.some((l) => /regressed|already deleted|refused/.test(l))) return;
    if (out.length >= MAX_LINES) {
      unexplained++;
      return;
    }
    out.push(...lines);
  });
  if (unexplained > 0) out.push(`... and ${unexplained} more stalls with stale writes (see the event log).`);
  if (stalls > 0 && out.length === 0) out.push(`${stalls} random stalls; none ended with a stale write.`);
  if (stalls === 0) out.push('No fault was scheduled and no Enactor stalled: nothing delayed a write, so there was nothing to race.');
  const nda = r.dns.violations.filter((v) => v.invariant === 'never-delete-active').length;
  out.push(
    nda === 0
      ? 'No plan in use was deleted, so every endpoint kept its addresses.'
      : `Clean-up deleted a plan in use ${nda} time(s), but each endpoint had addresses again before anything resolved it to nothing.`,
  );
  return out;
}
