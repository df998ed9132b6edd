/**
 * How much CPU this thread got, and how long it waited for one: Linux's per-thread scheduler statistics
 * (/proc/thread-self/schedstat: nanoseconds on a CPU, nanoseconds runnable on a run queue waiting for a CPU,
 * time slices). The engine reads them at a worker's start and end, so that a result can say whether a slow run
 * was the machine's (its threads ready to run while the CPUs ran something else: a busy neighbour, a shared CI
 * runner) or the engine's (waiting for a peer, perf.coordinationShare). Null where the file is missing (other
 * systems, a kernel without schedstats) or unreadable.
 */
import { readFileSync } from 'node:fs';

export interface ThreadCpu {
  /** Seconds on a CPU. */
  runS: number;
  /** Seconds runnable but waiting on a run queue for a CPU. */
  waitS: number;
}

/** The first two fields of a schedstat line (nanoseconds), in seconds; null unless both are whole numbers. */
export function parseSchedstat(text: string): ThreadCpu | null {
  const m = /^\s*(\d+)\s+(\d+)(\s|$)/.exec(text);
  return m ? { runS: Number(m[1]) / 1e9, waitS: Number(m[2]) / 1e9 } : null;
}

export function threadCpu(): ThreadCpu | null {
  try {
    return parseSchedstat(readFileSync('/proc/thread-self/schedstat', 'latin1'));
  } catch {
    return null;
  }
}

/** What a worker's thread got over its run: CPU and run-queue seconds between two readings, and the wall time. */
export interface WorkerCpu extends ThreadCpu {
  wallS: number;
}

/** From `since` (threadCpu() at `sinceMs`, performance.now()) to now; null when either reading is missing. */
export function cpuSince(since: ThreadCpu | null, sinceMs: number): WorkerCpu | null {
  const now = since ? threadCpu() : null;
  if (!since || !now) return null;
  return { runS: now.runS - since.runS, waitS: now.waitS - since.waitS, wallS: (performance.now() - sinceMs) / 1000 };
}
