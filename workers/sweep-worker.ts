/**
 * Piscina entry of a sweep: one task is one whole simulation, run on this thread (one engine worker, in-process).
 * The base scenario arrives once per thread (workerData), parsed; a task carries only the run's overrides, and
 * the answer only the run's metrics, so a run costs neither a process start nor a scenario parse.
 */
import { workerData } from 'node:worker_threads';
import { runSweepTask, type SweepTask, type SweepTaskResult, type SweepWorkerData } from '../src/sweep/task.ts';

const data = workerData as SweepWorkerData;

export default function run(task: SweepTask): Promise<SweepTaskResult> {
  return runSweepTask(data, task);
}
