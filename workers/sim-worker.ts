/** Piscina worker entry: one task is one worker's whole run (see src/engine/worker-loop.ts). */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runWorker } from '../src/engine/worker-loop.ts';
import type { WorkerOutcome, WorkerTask } from '../src/engine/task.ts';
import { ownedBuffers } from '../src/engine/transfer.ts';

/**
 * The outcome, its buffers moved to the coordinator rather than copied (transfer.ts); piscina unwraps it. Importing
 * piscina here costs each thread about 15 ms at its start (a 1,000-client run: 0.09-0.10 s against 0.07-0.08 s);
 * moving saves 0.1-0.5 s at the end of a 1M-client run.
 */
export default function simulate(task: WorkerTask): WorkerOutcome {
  const outcome = runWorker(task);
  return move({ [transferableSymbol]: ownedBuffers(outcome), [valueSymbol]: outcome }) as unknown as WorkerOutcome;
}
