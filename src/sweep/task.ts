/** One run of a sweep, as a pool thread executes it: the base scenario plus the run's overrides, simulated here. */
import type { Scenario } from '../config/schema.ts';
import { runSimulation } from '../engine/coordinator.ts';
import { type CompiledThreshold, compileThresholds, evaluateThresholds, type ThresholdsSection } from '../gates/thresholds.ts';
import { metricValues } from '../metrics/catalogue.ts';
import { runScenario } from './plan.ts';

export interface SweepWorkerData {
  base: Scenario;
  metrics: string[];
  thresholds: ThresholdsSection;
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

/** Thresholds compiled once per thread (the plan checked them before anything ran). */
const compiled = new WeakMap<SweepWorkerData, CompiledThreshold[]>();

export async function runSweepTask(data: SweepWorkerData, task: SweepTask): Promise<SweepTaskResult> {
  const s = runScenario(data.base, task.sets);
  // On this thread: one engine worker, no pool of its own. Every run goes to its end: a sweep summarises whole runs,
  // so a base scenario's abortOnFail thresholds are judged at the end like the others, not allowed to stop it.
  const r = await runSimulation(s, { workers: 1, inProcess: true });
  let th = compiled.get(data);
  if (!th) {
    th = Object.keys(data.thresholds).length > 0 ? compileThresholds(data.thresholds) : [];
    compiled.set(data, th);
  }
  const thresholds = th.length > 0 ? evaluateThresholds(r, th).map(({ metric, condition, ok }) => ({ metric, condition, ok })) : [];
  return { run: task.run, digest: r.digest, partial: r.partial, metrics: metricValues(r, data.metrics), thresholds };
}
