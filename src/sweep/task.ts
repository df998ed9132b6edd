/** One run of a sweep, as a pool thread executes it: the base scenario plus the run's overrides, simulated here. */
import type { Scenario } from '../config/schema.ts';
import { runSimulation } from '../engine/coordinator.ts';
import { evaluateThresholds, metricValues } from './catalogue-shim.ts';
import { runScenario } from './plan.ts';

export interface SweepWorkerData {
  base: Scenario;
  metrics: string[];
  thresholds: Record<string, unknown[]>;
}

export interface SweepTask {
  run: number;
  sets: string[];
}

export interface SweepTaskResult {
  run: number;
  digest: string;
  partial: boolean;
  metrics: Record<string, number | null>;
  thresholds: { metric: string; condition: string; ok: boolean }[];
}

export async function runSweepTask(data: SweepWorkerData, task: SweepTask): Promise<SweepTaskResult> {
  const s = runScenario(data.base, task.sets);
  const r = await runSimulation(s, { workers: 1, inProcess: true });
  const thresholds = Object.keys(data.thresholds).length > 0 ? evaluateThresholds(r, data.thresholds).map(({ metric, condition, ok }) => ({ metric, condition, ok })) : [];
  return { run: task.run, digest: r.digest, partial: r.partial, metrics: metricValues(r, data.metrics), thresholds };
}
