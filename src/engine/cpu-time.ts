/**
 * What the machine gave a run, from Linux's /proc, so that a result can say whether a slow run was the machine's
 * (a busy neighbour, a shared CI runner) or the engine's (workers waiting for each other: perf.coordinationShare).
 *
 * - Per worker thread (/proc/thread-self/schedstat: nanoseconds on a CPU, nanoseconds runnable on a run queue
 *   waiting for one, time slices), read at the worker's start and end: how long it waited for a CPU. That wait
 *   has two sources, other processes and this one's own threads (more workers than cores, the coordinator, V8's
 *   background compilers and collector, which take their turns in a short run): perf.cpuWaitShare.
 * - For the machine (/proc/stat's first line, every CPU's time by state, against this process's own CPU time),
 *   read by the coordinator around the run: the share of all the CPUs' time that other processes used meanwhile,
 *   perf.othersCpuShare. That one is the neighbours' alone.
 * Null where the files are missing (other systems, a kernel without schedstats) or unreadable. A virtual machine
 * sees neither its host's other guests nor the time its virtual CPUs are taken away (steal), where the host does
 * not report it.
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

/** The machine's CPU time so far, in /proc/stat's ticks, and the CPUs it counts over. */
export interface MachineCpu {
  busyTicks: number;
  totalTicks: number;
  cpus: number;
}

/**
 * /proc/stat's aggregate line (user nice system idle iowait irq softirq steal ...): busy is everything but idle
 * and iowait; guest time is already inside user. `cpus`: its per-CPU lines. Null unless the line is there.
 */
export function parseProcStat(text: string): MachineCpu | null {
  const m = /^cpu\s+(\d+(?:\s+\d+){3,})/m.exec(text);
  if (!m) return null;
  const f = m[1].split(/\s+/).map(Number);
  // The first eight fields: guest and guest_nice are counted in user and nice already.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  const cpus = (text.match(/^cpu\d+\s/gm) ?? []).length;
  return cpus > 0 ? { busyTicks: total - idle, totalTicks: total, cpus } : null;
}

export function machineCpu(): MachineCpu | null {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'latin1'));
  } catch {
    return null;
  }
}

/**
 * /proc/stat's ticks per CPU a span needs for othersCpuShare: its counts move a tick at a time (10 ms each almost
 * everywhere), so over 50 of them a tick or two of rounding moves the share by 2-4%, under the summary's 10%.
 */
export const MIN_TICKS_PER_CPU = 50;

/**
 * Share of all the machine's CPU time between two readings that went to anything but this process, whose own
 * CPU time over the same span is `selfCpuS` (process.cpuUsage: every thread) and wall time `wallS`. Both terms
 * are shares of the machine's capacity, so /proc/stat's tick length never enters. Null when a reading is missing
 * or the span too short to count (MIN_TICKS_PER_CPU: runs under about half a second).
 */
export function othersCpuShare(from: MachineCpu | null, to: MachineCpu | null, selfCpuS: number, wallS: number): number | null {
  if (!from || !to || to.cpus !== from.cpus || wallS <= 0) return null;
  const total = to.totalTicks - from.totalTicks;
  if (total < MIN_TICKS_PER_CPU * to.cpus) return null;
  const busy = (to.busyTicks - from.busyTicks) / total;
  const self = selfCpuS / (wallS * to.cpus);
  return Math.min(1, Math.max(0, busy - self));
}
