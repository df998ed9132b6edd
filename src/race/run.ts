/**
 * The free-running race's coordinator: lays out the plan store and the monitors, writes the bootstrap plan,
 * starts one Piscina thread per actor (the Planner, each Enactor) and per client reader, and stops them after a
 * number of store operations or a time limit. A watchdog reports `stuck` when no thread makes progress (a
 * seqlock left odd spins every reader and writer forever) and terminates the threads.
 *
 * Not deterministic, and says so: the interleaving is whatever the hardware and the OS scheduler make of it.
 */
import { Piscina } from 'piscina';
import type { Scenario } from '../config/schema.ts';
import type { BrokenVariant } from '../memory/seqlock.ts';
import { SharedStore } from '../memory/store.ts';
import { DnsContext } from '../model/dns/context.ts';
import { EventLog } from '../model/dns/events.ts';
import { Planner } from '../model/dns/planner.ts';
import { seedFor, Stream } from '../model/prng.ts';
import { storeDims } from '../engine/task.ts';
import { BREAKS, RaceMonitor, type BreakKind } from './monitor.ts';
import { instrumentStore, type BreakExample, type RaceOutcome, type RaceTask, type Role } from './worker.ts';

export interface RaceOptions {
  readers: number;
  /** Simulated seconds per real second. */
  speed: number;
  /** Stop after this many store operations (all threads together)... */
  maxOps: number;
  /** ...or after this many seconds, whichever comes first. */
  maxSeconds: number;
  /** A deliberately broken store for every thread (test-only), or null. */
  broken?: BrokenVariant | null;
  /** Stop at the first invariant break (CI: the time to catch a broken variant, not a fixed budget). */
  stopOnBreak?: boolean;
  /** No progress for this long counts as stuck. */
  stuckMs?: number;
  onProgress?: (p: { ops: number; wallS: number; breaks: number }) => void;
}

export interface RaceResult {
  protocol: string;
  broken: BrokenVariant | null;
  deterministic: false;
  threads: { planner: number; enactors: number; readers: number };
  seed: number;
  speed: number;
  wallS: number;
  ops: number;
  reads: number;
  writes: number;
  steps: number;
  opsPerS: number;
  /** Whether the run stopped at its first break (--stop-on-break) rather than at its operation budget. */
  stoppedOnBreak: boolean;
  breaks: Record<BreakKind, number>;
  totalBreaks: number;
  examples: BreakExample[];
  /** Threads that never returned (terminated after a stuck state). */
  hung: string[];
}

function workerFile(): string {
  const here = import.meta.url;
  if (here.endsWith('.ts')) throw new Error('the race needs the built worker: run it through dist/cli.js (npm run build)');
  return new URL('./race-worker.js', here).href;
}

export async function runRace(s: Scenario, opts: RaceOptions): Promise<RaceResult> {
  const enactors = s.dns.enactors;
  const roles: { role: Role; index: number }[] = [
    { role: 'planner', index: 0 },
    ...Array.from({ length: enactors }, (_, i) => ({ role: 'enactor' as const, index: i })),
    ...Array.from({ length: opts.readers }, (_, i) => ({ role: 'reader' as const, index: i })),
  ];
  const dims = storeDims(s, 1);
  const store = SharedStore.create(dims);
  const monitorDims = { threads: roles.length, endpoints: s.dns.endpoints.length };
  const mon = RaceMonitor.create(monitorDims);
  const fenced = s.dns.protocol === 'fenced';
  // The bootstrap plan goes through the monitors too: the registry learns its content, the chains their start.
  instrumentStore(store, mon, null, fenced);
  new Planner(new DnsContext(store, s.dns, new EventLog()), seedFor(s.seed, Stream.planner, 1)).bootstrap(0);
  store.publish();

  const pool = new Piscina<RaceTask, RaceOutcome>({
    filename: workerFile(),
    minThreads: roles.length,
    maxThreads: roles.length,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
    maxQueue: roles.length,
  });
  const startMs = performance.now();
  const outcomes: (RaceOutcome | null)[] = roles.map(() => null);
  const errors: string[] = [];
  const running = roles.map((r, thread) =>
    pool
      .run({
        ...r,
        thread,
        storeSab: store.sab,
        dims,
        monitorSab: mon.sab,
        monitorDims,
        scenario: s,
        speed: opts.speed,
        broken: opts.broken ?? null,
      })
      .then((o) => {
        outcomes[thread] = o;
      })
      .catch((err: unknown) => {
        if (!mon.stopped()) errors.push(err instanceof Error ? err.message : String(err));
      }),
  );
  const all = Promise.all(running);
  const stuckMs = opts.stuckMs ?? 3000;
  let lastOps = -1;
  let lastChangeMs = performance.now();
  let stuck = false;
  let stuckThread = '';
  const names = roles.map((r) => (r.role === 'planner' ? 'planner' : `${r.role}-${r.index}`));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const c = mon.counts();
      if (c.ops !== lastOps) {
        lastOps = c.ops;
        lastChangeMs = now;
      }
      const breaks = Object.values(mon.breaks()).reduce((a, b) => a + b, 0);
      opts.onProgress?.({ ops: c.ops, wallS: (now - startMs) / 1000, breaks });
      // Stuck: nobody progresses, or one thread is overdue (say, spinning on a seqlock version left odd).
      const overdue = mon.mostOverdue(performance.timeOrigin + now);
      if ((c.ops > 0 && now - lastChangeMs > stuckMs) || overdue.overdueMs > stuckMs) {
        stuck = true;
        mon.addBreak('stuck');
        stuckThread = overdue.thread >= 0 ? names[overdue.thread] : 'every thread';
      }
      if (
        stuck ||
        (opts.stopOnBreak && breaks > 0) ||
        c.ops >= opts.maxOps ||
        now - startMs >= opts.maxSeconds * 1000 ||
        errors.length > 0
      ) {
        clearInterval(timer);
        mon.stop();
        resolve();
      }
    }, 20);
  });
  const wallS = (performance.now() - startMs) / 1000;
  // Threads that do not come back (spinning on a seqlock left odd) are terminated.
  const settled = await Promise.race([all.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
  await pool.destroy();
  if (errors.length > 0) throw new Error(`race thread failed: ${errors[0]}`);
  // A thread that does not come back after the stop is spinning in the store: stuck, if not seen already.
  if (!settled && !stuck) mon.addBreak('stuck');
  const c = mon.counts();
  const breaks = mon.breaks();
  const examples = outcomes.flatMap((o) => o?.examples ?? []);
  if (stuck || !settled) {
    const who = stuckThread || names.filter((_, i) => outcomes[i] === null).join(', ');
    examples.push({
      kind: 'stuck',
      thread: who,
      atMs: wallS * 1000,
      detail: `${who} made no progress for ${stuckMs} ms (spinning in the store?)`,
    });
  }
  return {
    protocol: s.dns.protocol,
    broken: opts.broken ?? null,
    deterministic: false,
    threads: { planner: 1, enactors, readers: opts.readers },
    seed: s.seed,
    speed: opts.speed,
    wallS,
    ...c,
    opsPerS: c.ops / wallS,
    stoppedOnBreak: opts.stopOnBreak === true && BREAKS.some((k) => breaks[k] > 0),
    breaks,
    totalBreaks: BREAKS.reduce((a, k) => a + breaks[k], 0),
    examples: examples.sort((a, b) => a.atMs - b.atMs),
    hung: settled ? [] : names.filter((_, i) => outcomes[i] === null),
  };
}
