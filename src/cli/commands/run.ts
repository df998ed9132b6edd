/** `cascadesim run`: load a scenario, simulate it with progress, write the result and reports, print the summary, judge the gates. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pc from 'picocolors';
import { defaultWorkers, loadScenario, simulate } from '../../api.ts';
import type { Scenario } from '../../config/schema.ts';
import type { RunResult } from '../../engine/result.ts';
import { ExitCode, InputError } from '../../errors.ts';
import type { ThresholdSpec } from '../../gates/thresholds.ts';
import { reportHtml } from '../../report/html.ts';
import { writeResultFile } from '../../result/file.ts';
import { checkWritable, intOption, jsonSummary, type Out, parse, printSummary, writeOutput } from '../common.ts';
import { emitGates, GATE_OPTIONS, gateOptions, gatesJson, judge } from '../gates.ts';
import { createProgress, type ProgressMode, useColor } from '../progress.ts';

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
  if (outFile !== undefined) checkWritable(outFile, '--out', problems);
  if (htmlFile !== undefined) checkWritable(htmlFile, '--html', problems);
  if (outFile !== undefined && htmlFile !== undefined && path.resolve(outFile) === path.resolve(htmlFile)) problems.push('--out and --html name the same file');
  const gates = gateOptions(values, problems);
  let scenario: Scenario | undefined;
  try {
    scenario = loadScenario(positionals[0], { set: (values.set as string[] | undefined) ?? [], seed });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !scenario) throw new InputError(problems, 'invalid run');
  const json = values.json === true;
  const quiet = values.quiet === true || json;
  const errStream = io.errStream ?? process.stderr;
  const errColors = pc.createColors(useColor(errStream));
  if (!quiet) io.err(`cascadesim: running ${scenario.name} (seed ${scenario.seed}, ${workers} workers, protocol ${scenario.dns.protocol}); replay with --seed ${scenario.seed}`);
  const mode: ProgressMode = quiet ? 'none' : errStream.isTTY ? 'bar' : 'lines';
  const progress = createProgress(mode, scenario.durationS, errStream, errColors);
  const ac = new AbortController();
  const onSigint = () => {
    progress.stop();
    if (!quiet) io.err(errColors.yellow('cascadesim: interrupted; stopping at the next epoch and writing a partial result (Ctrl-C again to quit at once)'));
    // Only the first Ctrl-C asks for a partial result; the next one gets Node's default: exit at once.
    process.off('SIGINT', onSigint);
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  let result: RunResult;
  let abortedBy: ThresholdSpec | null = null;
  try {
    result = await simulate(scenario, {
      workers,
      signal: ac.signal,
      onProgress: (p) => progress.update(p),
      progressMs: 200,
      abortThresholds: gates.thresholds,
      onThresholdAbort: (t) => {
        abortedBy = t.spec;
        progress.stop();
        if (!quiet) io.err(errColors.yellow(`cascadesim: threshold ${t.spec.metric} ${t.cond.text} can no longer hold; stopping at the next epoch (abortOnFail)`));
      },
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
  // Files first: an interrupted run is worth keeping even if printing fails later (a closed pipe, say).
  const written: string[] = [];
  if (outFile) {
    try {
      writeResultFile(outFile, result);
    } catch (err) {
      throw new InputError([`${outFile}: cannot write the result (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`], 'cannot write');
    }
    written.push(`result written to ${outFile}${result.partial ? ' (partial)' : ''}`);
  }
  if (htmlFile) {
    const abs = writeOutput(htmlFile, reportHtml(result), 'the HTML report');
    written.push(`HTML report written to ${abs}${result.partial ? ' (partial)' : ''}; open ${pathToFileURL(abs).href}`);
  }
  const verdict = judge(result, gates, abortedBy);
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
  // A run stopped by Ctrl-C says so (130) whatever its gates; one a threshold stopped has failed that threshold.
  if (result.partial && abortedBy === null) return ExitCode.interrupted;
  return code;
}
