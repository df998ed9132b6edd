/** The clients' part of a result: per-window metrics merged across workers, and the per-phase summary. */
import type { Scenario } from '../config/schema.ts';
import type { ClientWindowRaw } from '../metrics/client-counters.ts';
import { mergeClientWindows, summarizeClients, type ClientsSummary, type ClientWindow } from '../metrics/client-windows.ts';
import type { Phase } from './phases.ts';
import type { WorkerOutcome } from './task.ts';

export interface ClientsPart {
  summary: ClientsSummary | null;
  windows: ClientWindow[];
}

export function buildClients(s: Scenario, outcomes: WorkerOutcome[], phases: Phase[]): ClientsPart {
  if (!s.clients) return { summary: null, windows: [] };
  // Window i from every worker that has clients; merged by integer sums, so the worker count cannot show.
  const byIndex = new Map<number, ClientWindowRaw[]>();
  for (const o of outcomes) {
    for (const w of o.clientWindows) {
      const list = byIndex.get(w.index) ?? [];
      list.push(w);
      byIndex.set(w.index, list);
    }
  }
  const windows = [...byIndex.keys()].sort((a, b) => a - b).map((i) => mergeClientWindows(byIndex.get(i) as ClientWindowRaw[]));
  return { summary: summarizeClients(s.clients.count, windows, phases), windows };
}
