/**
 * The command line. Thin: parse, load, call the engine, print. Exit codes: 0 done, 1 failure, 2 bad input,
 * 130 interrupted (a partial result is still written).
 */
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pc from 'picocolors';
import { DEFAULT_SCENARIO, builtinScenarios, loadScenario, parseScenarioText, scenarioToYaml, validateScenario } from '../config/load.ts';
import { runSimulation } from '../engine/coordinator.ts';
import type { RunResult } from '../engine/result.ts';
import { ExitCode, InputError } from '../errors.ts';
import { incidentTimeline } from '../report/access.ts';
import { compareLines } from '../report/compare.ts';
import { hdrLog, windowsCsv, windowsJson } from '../report/export.ts';
import { compareHtml, reportHtml } from '../report/html.ts';
import { phaseRows, recoveryRows } from '../report/summary.ts';
import type { Colors } from '../report/table.ts';
import { summaryTableLines } from '../report/terminal.ts';
import { readResultFile, writeFileAtomic, writeResultFile } from '../result/file.ts';
import { createProgress, type ProgressMode, useColor } from './progress.ts';
import { summaryLines, timelineLines } from './text.ts';

const HELP = `cascadesim: deterministic simulator of the AWS us-east-1 2025-10-20 cascading failure

usage:
  cascadesim run [SCENARIO] [--seed N] [--workers N] [--set key.path=value ...] [--out FILE] [--html FILE] [--json] [--quiet]
  cascadesim report RESULT [--html FILE] [--csv FILE] [--json] [--hlog FILE]
  cascadesim compare A B [--html FILE] [--labels NAME_A,NAME_B]
  cascadesim show [SCENARIO] [--set key.path=value ...] [--json]
  cascadesim validate FILE
  cascadesim list

SCENARIO is a file (YAML or JSON) or a built-in name; the default is ${DEFAULT_SCENARIO}.
--set overrides any value by dotted path (dns.faults[0].stallS=900 or dns.faults.0.stallS=900); values parse as
JSON where they can (--set clients=null), as strings otherwise.
run: --out writes the result file (RESULT), --html a self-contained HTML report; Ctrl-C stops at the next epoch
  and still writes both, marked partial (a second Ctrl-C quits at once).
report: with no option, prints the summary tables; --csv (one row per metrics window) and --hlog (HdrHistogram
  interval log of the latency windows) take - for stdout; --json prints the per-window series as JSON.
compare: two results side by side with differences; --html puts both runs on the same charts.
colours: on a terminal only, never with NO_COLOR set.
exit codes: 0 done, 1 failure, 2 bad input, 130 interrupted`;

type Out = {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Where the progress bar or lines go, and whether stdout/stderr are terminals (default: this process's). */
  errStream?: NodeJS.WritableStream & { isTTY?: boolean };
  outIsTTY?: boolean;
};

function outColors(io: Out): Colors {
  return pc.createColors(useColor({ isTTY: io.outIsTTY ?? process.stdout.isTTY }));
}

/**
 * Fail before a long run, not after it: the directory of an output file must exist and be writable, and the
 * path must not be a directory.
 */
function checkWritable(file: string, option: string, problems: string[]): void {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!statSync(dir).isDirectory()) {
      problems.push(`${option} ${file}: ${dir} is not a directory`);
      return;
    }
    accessSync(dir, fsConstants.W_OK);
  } catch (err) {
    problems.push(`${option} ${file}: cannot write in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return;
  }
  try {
    if (statSync(file).isDirectory()) problems.push(`${option} ${file}: is a directory`);
  } catch {
    // Does not exist yet: fine.
  }
}

function writeOutput(file: string, text: string, what: string): string {
  try {
    writeFileAtomic(file, text);
  } catch (err) {
    throw new InputError([`${file}: cannot write ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`], 'cannot write');
  }
  return path.resolve(file);
}

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(argv: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    throw new InputError([(err as Error).message], 'bad command line');
  }
}

function intOption(v: string | undefined, name: string, min: number, max: number, problems: string[]): number | undefined {
  if (v === undefined) return undefined;
  // Decimal digits only: Number('') is 0 and Number('0x10') is 16, neither of which anyone means as a seed.
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`--${name}: must be an integer from ${min} to ${max} (got ${v})`);
    return undefined;
  }
  return n;
}

export function jsonSummary(r: RunResult): Record<string, unknown> {
  return {
    scenario: r.scenario.name,
    seed: r.seed,
    workers: r.workers,
    digest: r.digest,
    partial: r.partial,
    reachedS: r.reachedS,
    phases: r.phases,
    dns: {
      protocol: r.dns.protocol,
      plansGenerated: r.dns.plansGenerated,
      plansApplied: r.dns.plansApplied,
      plansDeleted: r.dns.plansDeleted,
      stuck: r.dns.stuck,
      stuckIntervals: r.dns.stuckIntervals,
      violations: r.dns.violations.map((v) => ({ invariant: v.invariant, atS: v.atS, endpoint: v.endpoint, detail: v.detail, chain: v.chain })),
      emptyIntervals: r.dns.emptyIntervals,
    },
    clients: r.clients,
    ec2: r.ec2,
    summary: { phases: phaseRows(r), recovery: recoveryRows(r) },
    timeline: incidentTimeline(r),
    perf: r.perf,
  };
}

function printSummary(r: RunResult, io: Out): void {
  const c = outColors(io);
  io.out(c.bold('timeline:'));
  for (const l of timelineLines(r)) io.out(l);
  io.out('');
  for (const l of summaryLines(r)) io.out(l);
  io.out('');
  for (const l of summaryTableLines(r, c)) io.out(l);
}

async function cmdRun(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(argv, {
    seed: { type: 'string' },
    workers: { type: 'string' },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    html: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`run takes one scenario, got ${positionals.length}: ${positionals.join(' ')}`);
  const seed = intOption(values.seed as string | undefined, 'seed', 0, 0xffffffff, problems);
  const workers = intOption(values.workers as string | undefined, 'workers', 1, 256, problems) ?? Math.max(1, Math.min(os.availableParallelism(), 16));
  const outFile = values.out as string | undefined;
  const htmlFile = values.html as string | undefined;
  if (outFile !== undefined) checkWritable(outFile, '--out', problems);
  if (htmlFile !== undefined) checkWritable(htmlFile, '--html', problems);
  if (outFile !== undefined && htmlFile !== undefined && path.resolve(outFile) === path.resolve(htmlFile)) problems.push('--out and --html name the same file');
  let scenario;
  try {
    scenario = loadScenario(positionals[0], { sets: (values.set as string[] | undefined) ?? [], seed }).scenario;
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
  try {
    result = await runSimulation(scenario, { workers, signal: ac.signal, onProgress: (p) => progress.update(p), progressMs: 200 });
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
  if (json) {
    io.out(JSON.stringify(jsonSummary(result)));
    for (const w of written) io.err(`cascadesim: ${w}`);
  } else if (!(values.quiet === true)) {
    printSummary(result, io);
    if (written.length > 0) io.out('');
    for (const w of written) io.out(w);
  }
  return result.partial ? ExitCode.interrupted : ExitCode.ok;
}

/** Where file output goes: '-' means stdout, which only one output may claim. */
function claimStdout(file: string | undefined, option: string, claims: string[]): boolean {
  if (file !== '-') return false;
  claims.push(option);
  return true;
}

function cmdReport(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, {
    html: { type: 'string' },
    csv: { type: 'string' },
    json: { type: 'boolean' },
    hlog: { type: 'string' },
  });
  const problems: string[] = [];
  if (positionals.length !== 1) problems.push(`report takes exactly one RESULT file, got ${positionals.length}${positionals.length > 0 ? `: ${positionals.join(' ')}` : ''}`);
  const html = values.html as string | undefined;
  const csv = values.csv as string | undefined;
  const hlog = values.hlog as string | undefined;
  const json = values.json === true;
  const stdoutClaims: string[] = json ? ['--json'] : [];
  const csvToStdout = claimStdout(csv, '--csv -', stdoutClaims);
  const hlogToStdout = claimStdout(hlog, '--hlog -', stdoutClaims);
  if (html === '-') problems.push('--html needs a file name (the report is a file to open in a browser)');
  if (stdoutClaims.length > 1) problems.push(`only one output can go to stdout, got ${stdoutClaims.join(' and ')}`);
  for (const [f, opt] of [
    [html, '--html'],
    [csv, '--csv'],
    [hlog, '--hlog'],
  ] as const) {
    if (f !== undefined && f !== '-') checkWritable(f, opt, problems);
  }
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const file = positionals[0];
  const r = readResultFile(file);
  const anyOutput = html !== undefined || csv !== undefined || hlog !== undefined || json;
  // Messages about written files go to stderr when stdout carries data.
  const say = stdoutClaims.length > 0 ? (s: string) => io.err(`cascadesim: ${s}`) : io.out;
  if (!anyOutput) {
    printSummary(r, io);
    return ExitCode.ok;
  }
  const log = hlog !== undefined ? hdrLog(r) : null;
  if (json) io.out(JSON.stringify(windowsJson(r)));
  if (csv !== undefined) {
    const text = windowsCsv(r);
    // io.out adds the final '\n' back, so the CRLF line ends stay intact.
    if (csvToStdout) io.out(text.replace(/\n$/, ''));
    else say(`CSV (one row per metrics window) written to ${writeOutput(csv, text, 'the CSV')}`);
  }
  if (hlog !== undefined && log !== null) {
    if (hlogToStdout) io.out(log.replace(/\n$/, ''));
    else say(`HdrHistogram interval log written to ${writeOutput(hlog, log, 'the histogram log')}`);
  }
  if (html !== undefined) {
    const abs = writeOutput(html, reportHtml(r), 'the HTML report');
    say(`HTML report written to ${abs}; open ${pathToFileURL(abs).href}`);
  }
  return ExitCode.ok;
}

function compareLabels(a: string, b: string, given: string | undefined, problems: string[]): [string, string] {
  if (given !== undefined) {
    const parts = given.split(',');
    if (parts.length !== 2 || parts.some((p) => p.trim() === '')) {
      problems.push(`--labels: two names separated by a comma, e.g. --labels legacy,fenced (got ${given})`);
      return ['A', 'B'];
    }
    return [parts[0].trim(), parts[1].trim()];
  }
  // File names say what the user meant (legacy.msgpack vs fenced.msgpack); identical names say nothing.
  const base = (f: string) => path.basename(f).replace(/\.[^.]*$/, '');
  return base(a) !== base(b) ? [base(a), base(b)] : ['A', 'B'];
}

function cmdCompare(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, { html: { type: 'string' }, labels: { type: 'string' } });
  const problems: string[] = [];
  if (positionals.length !== 2) problems.push(`compare takes exactly two RESULT files, got ${positionals.length}`);
  const html = values.html as string | undefined;
  if (html !== undefined) checkWritable(html, '--html', problems);
  const labels = compareLabels(positionals[0] ?? 'A', positionals[1] ?? 'B', values.labels as string | undefined, problems);
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const a = readResultFile(positionals[0]);
  const b = readResultFile(positionals[1]);
  for (const l of compareLines(a, b, labels, outColors(io))) io.out(l);
  if (html !== undefined) {
    const abs = writeOutput(html, compareHtml(a, b, labels), 'the HTML comparison');
    io.out('');
    io.out(`HTML comparison written to ${abs}; open ${pathToFileURL(abs).href}`);
  }
  return ExitCode.ok;
}

function cmdShow(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, { set: { type: 'string', multiple: true }, json: { type: 'boolean' } });
  if (positionals.length > 1) throw new InputError([`show takes one scenario, got ${positionals.length}`], 'bad command line');
  const { scenario } = loadScenario(positionals[0], { sets: (values.set as string[] | undefined) ?? [] });
  io.out(values.json ? JSON.stringify(scenario, null, 2) : scenarioToYaml(scenario).trimEnd());
  return ExitCode.ok;
}

function cmdValidate(argv: string[], io: Out): number {
  const { positionals } = parse(argv, {});
  if (positionals.length !== 1) throw new InputError(['validate takes exactly one FILE'], 'bad command line');
  const file = positionals[0];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError([`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`], 'cannot read scenario');
  }
  const s = validateScenario(parseScenarioText(text, file), `scenario ${file}`);
  io.out(`${file}: valid (${s.name}, ${s.durationS}s, protocol ${s.dns.protocol}, ${s.dns.enactors} enactors${s.clients ? `, ${s.clients.count} clients` : ''})`);
  return ExitCode.ok;
}

export async function main(argv: string[], io: Out): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        return await cmdRun(rest, io);
      case 'report':
        return cmdReport(rest, io);
      case 'compare':
        return cmdCompare(rest, io);
      case 'show':
        return cmdShow(rest, io);
      case 'validate':
        return cmdValidate(rest, io);
      case 'list':
        for (const n of builtinScenarios()) io.out(n);
        return ExitCode.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return cmd === undefined ? ExitCode.badInput : ExitCode.ok;
      default:
        throw new InputError([`unknown command '${cmd}' (run, report, compare, show, validate, list, help)`], 'bad command line');
    }
  } catch (err) {
    if (err instanceof InputError) {
      // One problem, one line: scripts and people both read the reason without scrolling.
      if (err.problems.length === 1) io.err(`cascadesim: ${err.heading}: ${err.problems[0]}`);
      else {
        io.err(`cascadesim: ${err.heading}:`);
        for (const p of err.problems) io.err(`  ${p}`);
      }
      return ExitCode.badInput;
    }
    const msg = err instanceof Error ? err.message : String(err);
    io.err(`cascadesim: error: ${msg}`);
    if (process.env.CASCADESIM_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    return ExitCode.failure;
  }
}
