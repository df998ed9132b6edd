/** Piscina worker entry: one task is one worker's whole run (see src/engine/worker-loop.ts). */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runWorker } from '../src/engine/worker-loop.ts';
import type { WorkerOutcome, WorkerTask } from '../src/engine/task.ts';
import { ownedBuffers } from '../src/engine/transfer.ts';

/**
 * The outcome wrapped so that piscina moves its buffers to the coordinator rather than copying them (transfer.ts);
 * piscina unwraps it, and the coordinator receives the outcome itself. Importing piscina here costs each thread
 * about 15 ms at its start (a 1,000-client run: 0.09-0.10 s against 0.07-0.08 s); moving saves 0.1-0.5 s at the
 * end of a 1M-client run.
 */
export function handOver(outcome: WorkerOutcome): unknown {
  return move({ [transferableSymbol]: ownedBuffers(outcome), [valueSymbol]: outcome });
}

export default function simulate(task: WorkerTask): unknown {
  return handOver(runWorker(task));
}
