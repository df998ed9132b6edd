/** Piscina worker entry: one task is one worker's whole run (see src/engine/worker-loop.ts). */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runWorker } from '../src/engine/worker-loop.ts';
import type { WorkerOutcome, WorkerTask } from '../src/engine/task.ts';
import { ownedBuffers } from '../src/engine/transfer.ts';

/** The outcome, its buffers moved to the coordinator rather than copied (transfer.ts); piscina unwraps it. */
export default function simulate(task: WorkerTask): WorkerOutcome {
  const outcome = runWorker(task);
  return move({ [transferableSymbol]: ownedBuffers(outcome), [valueSymbol]: outcome }) as unknown as WorkerOutcome;
}
