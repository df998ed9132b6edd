/** Piscina worker entry of `cascadesim race`: one task is one thread's whole share of the race (src/race/worker.ts). */
import { runRaceThread, type RaceOutcome, type RaceTask } from '../src/race/worker.ts';

export default function race(task: RaceTask): RaceOutcome {
  return runRaceThread(task);
}
