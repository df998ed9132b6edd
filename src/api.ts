/**
 * The package's public API (`import { simulate } from 'cascadesim'`): load a scenario, run it, read and write
 * result files, judge results with thresholds and baseline gates, and read any figure by its catalogue name.
 * The command line is a thin layer over these functions; a run here gives the same result (and digest) as
 * `cascadesim run` with the same scenario, seed and worker count.
 */
import os from 'node:os';
import path from 'node:path';
import { applySets, DEFAULT_SCENARIO, loadScenario as loadScenarioFile, readScenarioFile, validateScenario } from './config/load.ts';
import type { Scenario, ScenarioInput } from './config/schema.ts';
import { type Progress, runSimulation } from './engine/coordinator.ts';
import type { RunResult } from './engine/result.ts';
import { InputError } from './errors.ts';
import { abortRules, type CompiledThreshold, compileThresholds } from './gates/thresholds.ts';
import { type Counterexample, type Exploration, explore } from './check/explore.ts';
import { replayScenario, type TraceStep, traceOf } from './check/trace.ts';
import { type Bounds, boundedScenario, World } from './check/world.ts';
import { type RaceOptions, type RaceResult, runRace } from './race/run.ts';
import { readResultFile, writeResultFile } from './result/file.ts';

export type { Scenario, ScenarioInput } from './config/schema.ts';
export type { Progress } from './engine/coordinator.ts';
export type { StoppedBy } from './engine/live.ts';
export type { DnsSummary, Interval, Phase, RunResult, Violation } from './engine/result.ts';
export type { Invariant, SimEvent } from './model/dns/events.ts';
export type { ClientsSummary, ClientTotals, ClientWindow, PhaseSummary } from './metrics/client-windows.ts';
export type { Ec2Summary, Ec2Window } from './model/ec2/model.ts';
export { ExitCode, InputError } from './errors.ts';
export {
  listMetrics,
  metricDef,
  metricValue,
  metricValues,
  scopeOf,
  type MetricDef,
  type MetricScope,
  type MetricUnit,
} from './metrics/catalogue.ts';
export { compareResults, type GateResult } from './gates/baseline.ts';
export {
  type CompiledThreshold,
  compileThresholds,
  evaluateThresholds,
  thresholdProblems,
  type ThresholdResult,
  type ThresholdSpec,
  type ThresholdsInput,
  type ThresholdsSection,
} from './gates/thresholds.ts';
export { builtinScenarios, DEFAULT_SCENARIO, resolveScenario, scenarioToYaml } from './config/load.ts';
export { PROTOCOLS, type Protocol } from './config/schema.ts';
export { INVARIANTS } from './model/dns/events.ts';
export { compileGates } from './gates/baseline.ts';
export { checkDigest, type DigestCheck, digestKey, digestParts, isDigestOrKey } from './gates/digest.ts';
export { encodeResult } from './result/file.ts';
// Reports of a result, as `cascadesim report` writes them: a self-contained HTML page, the windows as CSV or JSON,
// the latency histograms as an HdrHistogram interval log.
export { compareHtml, type ReportOptions, reportHtml } from './report/html.ts';
export type { GateReport } from './report/gates.ts';
export { hdrLog, windowsCsv, windowsJson } from './report/export.ts';

export interface LoadOptions {
  /** Overrides by dotted path, as `--set` takes them: 'clients.count=2000', 'dns.faults[0].atS=300'. */
  set?: string[];
  seed?: number;
}

/**
 * A scenario, validated with every default filled in: by built-in name ('dns-race'), by file (YAML or JSON), or
 * from an object (a partial scenario: what is missing takes its default). Bad input throws InputError listing
 * every problem with its path.
 */
export function loadScenario(scenario: string | ScenarioInput | Scenario = DEFAULT_SCENARIO, opts: LoadOptions = {}): Scenario {
  if (typeof scenario === 'string') return loadScenarioFile(scenario, { sets: opts.set, seed: opts.seed }).scenario;
  if (typeof scenario !== 'object' || scenario === null || Array.isArray(scenario)) {
    throw new InputError(['(scenario): must be a name, a file or an object'], 'invalid scenario');
  }
  const problems: string[] = [];
  const raw = applySets(structuredClone(scenario) as Record<string, unknown>, opts.set ?? [], problems);
  if (opts.seed !== undefined) raw.seed = opts.seed;
  if (problems.length > 0) throw new InputError(problems, 'invalid scenario');
  return validateScenario(raw);
}

/** Check a scenario file without running it: the scenario with defaults filled in, or InputError listing every problem. */
export function validateScenarioFile(file: string): Scenario {
  return validateScenario(readScenarioFile(file), `scenario ${file}`);
}

export interface SimulateOptions {
  /** Worker threads (default: the machine's cores, at most 16). The result does not depend on it. */
  workers?: number;
  seed?: number;
  /** Called about every progressMs (default 250) with simulated time reached, attempts and live counts. */
  onProgress?: (p: Progress & { durationS: number }) => void;
  progressMs?: number;
  /** Aborting stops the run at the next epoch; the result is then marked partial. */
  signal?: AbortSignal;
  /**
   * More thresholds with abortOnFail, beside the scenario's own. Each is checked at the end of every epoch; the
   * first that can no longer hold stops the run there: the result is partial, its stoppedBy names the threshold,
   * and the stop is the same for any worker count, run after run (perf.wallS excepted: it is wall-clock time).
   */
  abortThresholds?: readonly CompiledThreshold[];
  /** Run on this thread, one worker, no pool (no progress then, nor a stop by signal; abortOnFail still stops it). Same result. */
  inProcess?: boolean;
}

/** The default worker count: every core the process may use, at most 16. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(os.availableParallelism(), 16));
}

/** Run a scenario (object, name or file) and return its result: the same one `cascadesim run` writes. */
export async function simulate(scenario: Scenario | ScenarioInput | string, opts: SimulateOptions = {}): Promise<RunResult> {
  let s = typeof scenario === 'string' ? loadScenario(scenario) : validateScenario(scenario);
  if (opts.seed !== undefined) s = { ...s, seed: opts.seed };
  const workers = opts.inProcess ? 1 : (opts.workers ?? defaultWorkers());
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw new InputError([`workers: must be an integer from 1 to 256 (got ${workers})`], 'invalid run');
  const watched = [...(s.thresholds ? compileThresholds(s.thresholds) : []), ...(opts.abortThresholds ?? [])];
  const onProgress = opts.onProgress;
  return runSimulation(s, {
    workers,
    inProcess: opts.inProcess,
    signal: opts.signal,
    onProgress: onProgress ? (p) => onProgress({ ...p, durationS: s.durationS }) : undefined,
    progressMs: opts.progressMs ?? 250,
    abortOn: abortRules(watched),
  });
}

/** Read a result file written by `cascadesim run --out` or writeResult (InputError when it is not one). */
export function readResult(file: string): RunResult {
  return readResultFile(file);
}

/** Write a result file atomically (a reader never sees half a file); a device or a pipe is written as a stream. */
export function writeResult(file: string, r: RunResult): void {
  writeResultFile(path.resolve(file), r);
}

// ---- protocol assurance: every schedule within a bound (`cascadesim check`), real threads (`cascadesim race`) ----

export type { Bounds as CheckBounds } from './check/world.ts';
export type { Counterexample, Exploration } from './check/explore.ts';
export type { TraceStep } from './check/trace.ts';
export { BREAKS, type BreakKind } from './race/monitor.ts';
export type { RaceOptions, RaceResult } from './race/run.ts';

/** What checkProtocol found: the exploration, and each counterexample with its step-by-step trace. */
export interface ProtocolCheck extends Exploration {
  /** The scenario cut down to the bound (DNS only, untimed): what was explored, and what a replay runs. */
  scenario: Scenario;
  counterexamples: (Counterexample & { trace: TraceStep[] })[];
}

/**
 * Explore every interleaving of the Planner's and the Enactors' steps within `bounds`, breadth-first (so the first
 * schedule found for each broken invariant is a shortest one), running the model's own actors and monitors.
 */
export function checkProtocol(base: Scenario, bounds: Bounds): ProtocolCheck {
  const scenario = boundedScenario(base, bounds);
  const world = new World(scenario, bounds.generations);
  const initial = world.save();
  const r = explore(world, bounds.maxSteps);
  return { ...r, scenario, counterexamples: r.counterexamples.map((c) => ({ ...c, trace: traceOf(world, initial, c) })) };
}

/** A scenario whose dns.schedule makes `run` take a counterexample's steps at the same simulated times. */
export function counterexampleScenario(check: ProtocolCheck, c: ProtocolCheck['counterexamples'][number]): Scenario {
  return replayScenario(check.scenario, c, c.trace);
}

/**
 * Run the Planner, each Enactor and `readers` client threads free-running on worker threads (no epochs), with
 * monitors on every store operation. Not deterministic: thread timing decides the interleaving. The scenario is cut
 * to `bounds` as checkProtocol cuts it, but the actors keep their timing.
 */
export function raceProtocol(
  base: Scenario,
  bounds: Pick<Bounds, 'protocol' | 'enactors' | 'endpoints' | 'keepGenerations'>,
  opts: RaceOptions,
): Promise<RaceResult> {
  return runRace(boundedScenario(base, { ...bounds, generations: 0, maxSteps: 0 }, { untimed: false }), opts);
}

// ---- sweeps: one base scenario run many times over a grid, seeds and drawn values (`cascadesim sweep`) ----
// A spec (validateSweepSpec of a parsed file, or readSweepSpec of a file or built-in name) is planned (planSweep:
// every run's seed and values), run on worker processes with its result appended run by run to a file (runSweep),
// and summarised per point (summarizeSweep); a sweep result file is read back with readSweepResult.

export type { Axis, SweepSpec } from './sweep/spec.ts';
export type { SweepPlan, RunSpec } from './sweep/plan.ts';
export type { ExecuteOptions as SweepOptions, Shard, SweepOutcome } from './sweep/execute.ts';
export type { RunRecord, SweepFile, SweepHeader } from './sweep/file.ts';
export type { PointSummary, SweepSummary } from './sweep/summary.ts';
export { builtinSweeps, parseVaryOption, readSweepSpec, validateSpec as validateSweepSpec } from './sweep/spec.ts';
export { planSweep, pointLabel, runSpec as sweepRun, shardRuns } from './sweep/plan.ts';
export { executeSweep as runSweep, mergeSweepFiles as mergeSweepResults } from './sweep/execute.ts';
export { canonicalText as encodeSweep, readSweepFile as readSweepResult } from './sweep/file.ts';
export { summarize as summarizeSweep } from './sweep/summary.ts';
export { sweepHtml } from './sweep/html.ts';
export { pointsCsv as sweepPointsCsv, pointsJsonl as sweepPointsJsonl, runsCsv as sweepRunsCsv } from './sweep/report.ts';
