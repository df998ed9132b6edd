/** `cascadesim run`: load a scenario, simulate it with progress, write the result and reports, print the summary, judge the gates. */
import os from 'node:os';
import pc from 'picocolors';
import {
  defaultWorkers,
  encodeResult,
  loadScenario,
  reportHtml,
  resolveScenario,
  type RunResult,
  type Scenario,
  scopeOf,
  simulate,
} from '../../api.ts';
import { ExitCode, InputError } from '../../errors.ts';
import { type OutputJob, shownPath, writeAllOutputs } from '../../io/output.ts';
import { intOption, jsonSummary, openHint, type Out, parse, printFailures, printSummary, toStdout } from '../common.ts';
import { emitGates, GATE_OPTIONS, gateOptions, gatesJson, judge } from '../gates.ts';
import { createProgress, type ProgressMode, useColor } from '../progress.ts';

/** The signals that stop a run at the next epoch with a partial result; any other signal loses the run. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export async function cmdRun(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(argv, {
    seed: { type: 'string' },
    workers: { type: 'string' },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    html: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    ...GATE_OPTIONS,
  });
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`run takes one scenario, got ${positionals.length}: ${positionals.join(' ')}`);
  const seed = intOption(values.seed as string | undefined, 'seed', 0, 0xffffffff, problems);
  const workers = intOption(values.workers as string | undefined, 'workers', 1, 256, problems) ?? defaultWorkers();
  const outFile = values.out as string | undefined;
  const htmlFile = values.html as string | undefined;
  const json = values.json === true;
  const quiet = values.quiet === true || json;
  let scenario: Scenario | undefined;
  let scenarioFile: string | undefined;
  try {
    scenarioFile = resolveScenario(positionals[0]);
    scenario = loadScenario(positionals[0], { set: (values.set as string[] | undefined) ?? [], seed });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  // --threshold names are checked against the scenario too (a misspelt service would only ever read null).
  const gates = gateOptions(
    values,
    problems,
    {
      outputs: [
        ['--out', outFile],
        ['--html', htmlFile],
      ],
      inputs: scenarioFile ? [{ what: 'scenario', file: scenarioFile }] : [],
    },
    { baseline: true },
    scenario ? scopeOf(scenario) : undefined,
  );
  const [outT, htmlT] = gates.targets;
  for (const [t, opt] of [
    [outT, '--out'],
    [htmlT, '--html'],
    [gates.junit, '--junit'],
    [gates.stepSummary, 'GITHUB_STEP_SUMMARY'],
  ] as const) {
    if (toStdout(t) && (json || values.quiet !== true))
      problems.push(`${opt} ${t?.file}: stdout carries the ${json ? 'JSON summary; drop --json and add --quiet' : 'summary; add --quiet'}`);
  }
  if (outFile === '-' || htmlFile === '-')
    problems.push(`${outFile === '-' ? '--out' : '--html'} -: run writes files; for stdout name /dev/stdout and add --quiet`);
  if (problems.length > 0 || !scenario) throw new InputError(problems, 'invalid run');
  const cores = os.availableParallelism();
  // More threads than cores only take turns (same result, slower, about 17 MB more memory each).
  if (workers > cores && values.quiet !== true)
    io.err(
      `cascadesim: warning: --workers ${workers} is more than this machine's ${cores} cores; the threads will take turns (same result, slower)`,
    );
  const errStream = io.errStream ?? process.stderr;
  const errColors = pc.createColors(useColor(errStream));
  if (!quiet)
    io.err(
      `cascadesim: running ${scenario.name} (seed ${scenario.seed}, ${workers} workers, protocol ${scenario.dns.protocol}); replay with --seed ${scenario.seed}`,
    );
  const mode: ProgressMode = quiet ? 'none' : errStream.isTTY ? 'bar' : 'lines';
  const progress = createProgress(mode, scenario.durationS, errStream, errColors);
  const ac = new AbortController();
  // Ctrl-C (SIGINT) and SIGTERM (what `timeout`, CI runners and Kubernetes send) both ask for a partial result.
  const onSignal = (sig: NodeJS.Signals) => {
    progress.stop();
    if (!quiet)
      io.err(
        errColors.yellow(
          `cascadesim: interrupted (${sig}); stopping at the next epoch and writing a partial result (${sig === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)`,
        ),
      );
    // Only the first signal asks for a partial result; the next one gets Node's default: exit at once.
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    ac.abort();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  let result: RunResult;
  try {
    result = await simulate(scenario, {
      workers,
      signal: ac.signal,
      onProgress: (p) => progress.update(p),
      progressMs: 200,
      abortThresholds: gates.thresholds,
    });
  } finally {
    progress.stop();
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
  const abortedBy = result.stoppedBy ?? null;
  if (abortedBy && !quiet) {
    io.err(
      errColors.yellow(
        `cascadesim: threshold ${abortedBy.metric} ${abortedBy.condition} can no longer hold (${abortedBy.metric} = ${abortedBy.value} at ${abortedBy.atS}s simulated); stopped there (abortOnFail)`,
      ),
    );
  }
  // Files first: an interrupted run is worth keeping even if printing fails later (a closed pipe, say); one output
  // that fails (a full disk) does not cost the others. The result file comes before any judging: the gates are
  // judged on first need (the HTML report, after --out, then the table), so a failure there cannot lose --out.
  const partialTag = result.partial ? ' (partial)' : '';
  let judged: ReturnType<typeof judge> | null = null;
  const verdictOf = (): ReturnType<typeof judge> => (judged ??= judge(result, gates));
  const jobs: OutputJob[] = [];
  if (outT)
    jobs.push({
      target: outT,
      what: 'the result',
      data: () => encodeResult(result),
      done: (t) => `result written to ${shownPath(t)}${partialTag}`,
    });
  if (htmlT)
    jobs.push({
      target: htmlT,
      what: 'the HTML report',
      data: () => reportHtml(result, { gates: verdictOf() }),
      done: (t) => `HTML report written to ${shownPath(t)}${partialTag}${openHint(t)}`,
    });
  const { written, failed } = writeAllOutputs(jobs);
  const verdict = verdictOf();
  const suite = { name: result.scenario.name, result, gates: verdict, timeS: result.perf.wallS };
  let code: number;
  if (json) {
    io.out(JSON.stringify({ ...jsonSummary(result), ...gatesJson(verdict) }));
    code = emitGates(verdict, [suite], gates, io, null, result);
    for (const w of written) io.err(`cascadesim: ${w}`);
  } else {
    const print = values.quiet === true ? null : io.out;
    if (print) printSummary(result, io);
    code = emitGates(verdict, [suite], gates, io, print, result);
    if (print && written.length > 0) print('');
    for (const w of written) print?.(w);
  }
  // Last, where they are seen: what could not be written (the others were). An I/O failure outranks the gates.
  if (failed.length > 0) return printFailures(failed, io);
  // A run stopped by a signal says so (130) whatever its gates; one a threshold stopped has failed that threshold.
  if (result.partial && abortedBy === null) return ExitCode.interrupted;
  return code;
}
