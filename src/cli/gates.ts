/**
 * The CI gates on the command line, shared by run, report and compare: the options (--threshold, --baseline,
 * --fail-if, --expect-digest, --junit), checking them before a long run, judging a result, and the outputs (the
 * table, JUnit XML, GitHub's job summary). Exit code 99 when any gate fails, as k6 does.
 */
import { existsSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { ExitCode, InputError, OutputError } from '../errors.ts';
import { appendTarget, checkDistinct, type OutputTarget, planOutput, shownPath, writeTarget } from '../io/output.ts';
import {
  checkDigest,
  type CompiledThreshold,
  isDigestOrKey,
  compareResults,
  compileGates,
  compileThresholds,
  evaluateThresholds,
  type MetricScope,
  readResult,
  type RunResult,
} from '../api.ts';
import { NO_COLORS } from '../report/table.ts';
import { type GateReport, gatesFailed, gateTableLines, type JUnitSuite, junitXml, markdownSummary } from '../report/gates.ts';
import { type Out, outColors, planOutputs, type Values } from './common.ts';

export const GATE_OPTIONS = {
  threshold: { type: 'string', multiple: true },
  baseline: { type: 'string' },
  'fail-if': { type: 'string', multiple: true },
  'expect-digest': { type: 'string' },
  junit: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** What a command writes and reads besides the gates, for the one check of every output against every input. */
export interface CommandFiles {
  outputs: [option: string, file: string | undefined][];
  inputs: { what: string; file: string }[];
}

export interface GateOptions {
  /** --threshold, compiled (the scenario's own are added when the result is judged). */
  thresholds: CompiledThreshold[];
  baseline: RunResult | null;
  failIfs: string[];
  /** A digest, or the expected run's result. */
  expectDigest: string | RunResult | null;
  junit: OutputTarget | null;
  /** GITHUB_STEP_SUMMARY, appended to; null when unset or unusable (then stepSummaryProblem says why). */
  stepSummary: OutputTarget | null;
  stepSummaryProblem: string | null;
  /** The command's own outputs, planned with the gates' (in the order given). */
  targets: (OutputTarget | null)[];
}

/**
 * Read and check the gate options; problems are collected (each with its option), files read up front. The
 * command's outputs are planned here with the gates' (--junit, GITHUB_STEP_SUMMARY), so that no output names an
 * input (the scenario, a RESULT, --baseline, --expect-digest) or another output.
 */
export function gateOptions(
  values: Values,
  problems: string[],
  files: CommandFiles,
  allow: { baseline: boolean } = { baseline: true },
  scope?: MetricScope,
): GateOptions {
  const specs = (values.threshold as string[] | undefined) ?? [];
  let thresholds: CompiledThreshold[] = [];
  try {
    thresholds = compileThresholds(specs, '--threshold', scope);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  const failIfs = (values['fail-if'] as string[] | undefined) ?? [];
  try {
    compileGates(failIfs);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  const read = (file: string, option: string): RunResult | null => {
    try {
      return readResult(file);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems.map((p) => `${option}: ${p}`));
      return null;
    }
  };
  let baseline: RunResult | null = null;
  const baseFile = values.baseline as string | undefined;
  if (baseFile !== undefined) {
    if (!allow.baseline) problems.push('--baseline: compare takes the baseline as its first RESULT');
    else baseline = read(baseFile, '--baseline');
  }
  if (failIfs.length > 0 && allow.baseline && baseFile === undefined)
    problems.push('--fail-if needs --baseline RESULT (the run to compare with)');
  let expectDigest: string | RunResult | null = null;
  const want = values['expect-digest'] as string | undefined;
  if (want !== undefined) {
    if (isDigestOrKey(want)) expectDigest = want.trim().toLowerCase();
    else if (existsSync(want)) expectDigest = read(want, '--expect-digest');
    else
      problems.push(
        `--expect-digest: expected a 64-digit hex digest, a digest key (DIGEST:EVENTS:CLIENTWINDOWS:EC2WINDOWS:SUMMARY, printed by run) or a result file (got ${want})`,
      );
  }
  const inputs = [...files.inputs];
  if (baseFile !== undefined && allow.baseline) inputs.push({ what: '--baseline result', file: baseFile });
  if (want !== undefined && typeof expectDigest === 'object' && expectDigest !== null)
    inputs.push({ what: '--expect-digest result', file: want });
  const junit = values.junit as string | undefined;
  if (junit === '-') problems.push('--junit -: name a file (or /dev/stdout)');
  const targets = planOutputs([...files.outputs, ['--junit', junit === '-' ? undefined : junit]], inputs, problems);
  // GitHub's job summary: an unusable one is said and skipped (the gates do not depend on it), but it must not be
  // one of the command's inputs or outputs.
  const step = process.env.GITHUB_STEP_SUMMARY;
  const stepProblems: string[] = [];
  const stepSummary = step ? planOutput('GITHUB_STEP_SUMMARY', step, stepProblems) : null;
  if (stepSummary) {
    // planOutputs has judged the other targets already: keep only what this check says of the summary itself.
    const again: string[] = [];
    checkDistinct([...targets, stepSummary], inputs, again);
    problems.push(...again.filter((p) => p.startsWith(`${stepSummary.option} `)));
  }
  return {
    thresholds,
    baseline,
    failIfs,
    expectDigest,
    junit: targets[files.outputs.length],
    stepSummary,
    stepSummaryProblem: stepProblems[0] ?? null,
    targets: targets.slice(0, files.outputs.length),
  };
}

/** Judge a result: the scenario's thresholds and --threshold, the baseline gates, the digest. */
export function judge(r: RunResult, o: GateOptions): GateReport {
  const own = r.scenario.thresholds ? compileThresholds(r.scenario.thresholds) : [];
  return {
    thresholds: evaluateThresholds(r, [...own, ...o.thresholds]),
    baseline: o.baseline ? compareResults(o.baseline, r, o.failIfs) : null,
    digest: o.expectDigest !== null ? checkDigest(r, o.expectDigest) : null,
    abortedBy: r.stoppedBy ? `${r.stoppedBy.metric} ${r.stoppedBy.condition}` : null,
  };
}

/** Has anything to show: gates asked for, or thresholds in the scenario. */
export function hasGates(g: GateReport): boolean {
  return g.thresholds.length > 0 || g.baseline !== null || g.digest !== null;
}

/** The table (to `print`, unless quiet), JUnit (--junit), GitHub's job summary; the exit code the gates give. */
export function emitGates(
  g: GateReport,
  suites: JUnitSuite[],
  o: GateOptions,
  io: Out,
  print: ((s: string) => void) | null,
  summaryOf: RunResult | null,
): number {
  // Quiet or --json: a failure still says what failed, on stderr (stdout keeps its one JSON object).
  const to = print ?? (gatesFailed(g) ? io.err : null);
  if (to && hasGates(g)) {
    if (print) print('');
    for (const l of gateTableLines(g, print ? outColors(io) : NO_COLORS)) to(l);
  }
  if (o.junit !== null) {
    writeTarget(o.junit, junitXml(suites), 'the JUnit report');
    io.err(`cascadesim: JUnit report written to ${shownPath(o.junit)}`);
  }
  if (summaryOf && o.stepSummaryProblem) io.err(`cascadesim: cannot append to ${o.stepSummaryProblem}`);
  if (summaryOf && o.stepSummary) {
    try {
      appendTarget(o.stepSummary, markdownSummary(summaryOf, g), 'the job summary');
    } catch (err) {
      // The run's outcome does not depend on GitHub's summary file: say so and go on.
      if (!(err instanceof OutputError)) throw err;
      io.err(`cascadesim: ${err.message}`);
    }
  }
  return gatesFailed(g) ? ExitCode.thresholdsFailed : ExitCode.ok;
}

/** The gates in --json: thresholds always (maybe empty), baseline and digest when asked. */
export function gatesJson(g: GateReport): Record<string, unknown> {
  const out: Record<string, unknown> = {
    thresholds: g.thresholds.map((t) => ({
      metric: t.metric,
      condition: t.condition,
      value: t.value,
      ok: t.ok,
      unit: t.unit,
      abortOnFail: t.abortOnFail,
    })),
  };
  if (g.baseline) out.baseline = g.baseline;
  if (g.digest) out.digestCheck = g.digest;
  if (g.abortedBy) out.abortedBy = g.abortedBy;
  return out;
}
