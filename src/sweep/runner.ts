/**
 * Runs a sweep's runs over a pool of threads (piscina), each thread simulating whole runs one at a time.
 *
 * Results are handed to `onRecord` as they finish, in whatever order; everything that must be deterministic is
 * ordered by run index later (file.ts, summary.ts). A few more runs than threads are kept in flight so a thread
 * never waits for the main thread between runs. Aborting (Ctrl-C) cancels the runs in flight (their threads are
 * terminated): they are not recorded, and --resume runs them again.
 */
import { Piscina } from 'piscina';
import { InputError } from '../errors.ts';
import { type SweepPlan, runSpec } from './plan.ts';
import type { SweepTask, SweepTaskResult, SweepWorkerData } from './task.ts';

export interface SweepRunOptions {
  jobs: number;
  signal?: AbortSignal;
  onResult: (r: SweepTaskResult) => void;
}

function workerFile(): string {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../workers/sweep-dev-bootstrap.mjs', here).href : new URL('./sweep-worker.js', here).href;
}

export class SweepRunFailure extends Error {
  constructor(run: number, detail: string) {
    super(`run ${run} failed: ${detail}`);
    this.name = 'SweepRunFailure';
  }
}

/** Run `todo` (run indices, in the order to start them). Resolves when all are done or the signal aborted. */
export async function runSweepRuns(
  plan: SweepPlan,
  todo: readonly number[],
  metrics: string[],
  opts: SweepRunOptions,
): Promise<{ aborted: boolean }> {
  if (todo.length === 0) return { aborted: false };
  const jobs = Math.max(1, Math.min(opts.jobs, todo.length));
  const data: SweepWorkerData = { base: plan.base, metrics, thresholds: plan.spec.thresholds as SweepWorkerData['thresholds'] };
  const pool = new Piscina<SweepTask, SweepTaskResult>({
    filename: workerFile(),
    minThreads: jobs,
    maxThreads: jobs,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
    workerData: data,
  });
  const cancel = new AbortController();
  const onAbort = () => cancel.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let failure: Error | null = null;
  pool.on('error', (err: Error) => {
    failure ??= err;
    cancel.abort();
  });
  let next = 0;
  const inFlight = jobs * 2;
  const lane = async (): Promise<void> => {
    while (!cancel.signal.aborted && failure === null && next < todo.length) {
      const run = todo[next++];
      const spec = runSpec(plan, run);
      try {
        const r = await pool.run({ run, sets: spec.sets }, { signal: cancel.signal });
        if (r.partial) throw new Error('the run ended early');
        opts.onResult(r);
      } catch (err) {
        if (cancel.signal.aborted && failure === null) return;
        const msg = err instanceof InputError ? err.problems.join('; ') : err instanceof Error ? err.message : String(err);
        failure ??= new SweepRunFailure(run, msg);
        cancel.abort();
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(inFlight, todo.length) }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
  if (failure) throw failure;
  return { aborted: opts.signal?.aborted === true };
}
