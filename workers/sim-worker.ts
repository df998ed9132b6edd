/** Piscina worker entry: one task is one worker's whole run (see src/engine/worker-loop.ts). */
import { runWorker } from '../src/engine/worker-loop.ts';
import type { WorkerOutcome, WorkerTask } from '../src/engine/task.ts';

export default function simulate(task: WorkerTask): WorkerOutcome {
  return runWorker(task);
}
