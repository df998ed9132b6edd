/** `cascadesim report`: a saved result's summary, or its windows as HTML, CSV, JSON or an HdrHistogram log. */
import { InputError } from '../../errors.ts';
import { type OutputJob, shownPath, writeAllOutputs } from '../../io/output.ts';
import { hdrLog, readResult, reportHtml, scopeOf, thresholdProblems, windowsCsv, windowsJson } from '../../api.ts';
import { openHint, type Out, parse, printFailures, printSummary, toStdout } from '../common.ts';
import { emitGates, GATE_OPTIONS, gateOptions, gatesJson, judge } from '../gates.ts';

/** Where file output goes: '-' means stdout, which only one output may claim. */
function claimStdout(file: string | undefined, option: string, claims: string[]): boolean {
  if (file !== '-') return false;
  claims.push(option);
  return true;
}

export function cmdReport(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, {
    html: { type: 'string' },
    csv: { type: 'string' },
    json: { type: 'boolean' },
    hlog: { type: 'string' },
    ...GATE_OPTIONS,
  });
  const problems: string[] = [];
  if (positionals.length !== 1)
    problems.push(
      `report takes exactly one RESULT file, got ${positionals.length}${positionals.length > 0 ? `: ${positionals.join(' ')}` : ''}`,
    );
  const html = values.html as string | undefined;
  const csv = values.csv as string | undefined;
  const hlog = values.hlog as string | undefined;
  const json = values.json === true;
  const stdoutClaims: string[] = json ? ['--json'] : [];
  const csvToStdout = claimStdout(csv, '--csv -', stdoutClaims);
  const hlogToStdout = claimStdout(hlog, '--hlog -', stdoutClaims);
  if (html === '-') problems.push('--html needs a file name (the report is a file to open in a browser)');
  const file = positionals[0];
  const gates = gateOptions(values, problems, {
    outputs: [
      ['--html', html === '-' ? undefined : html],
      ['--csv', csv],
      ['--hlog', hlog],
    ],
    inputs: positionals.length === 1 ? [{ what: 'RESULT file', file }] : [],
  });
  const [htmlT, csvT, hlogT] = gates.targets;
  for (const t of [htmlT, csvT, hlogT, gates.junit, gates.stepSummary]) if (toStdout(t) && t) stdoutClaims.push(`${t.option} ${t.file}`);
  const anyOutput = html !== undefined || csv !== undefined || hlog !== undefined || json;
  if (stdoutClaims.length > 1) problems.push(`only one output can go to stdout, got ${stdoutClaims.join(' and ')}`);
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const r = readResult(file);
  // --threshold names the result's services too (checked now that its scenario is known).
  const scoped = thresholdProblems((values.threshold as string[] | undefined) ?? [], '--threshold', scopeOf(r.scenario));
  if (scoped.length > 0) throw new InputError(scoped, 'bad command line');
  // Gates judge the saved result: its scenario's thresholds, --threshold, --baseline/--fail-if, --expect-digest.
  const verdict = judge(r, gates);
  const suites = [{ name: r.scenario.name, result: r, gates: verdict, timeS: 0 }];
  // Messages about written files go to stderr when stdout carries data.
  const say = stdoutClaims.length > 0 ? (s: string) => io.err(`cascadesim: ${s}`) : io.out;
  if (!anyOutput) {
    printSummary(r, io);
    return emitGates(verdict, suites, gates, io, io.out, r);
  }
  // Built before anything is written: a result without latency windows has no log, and that is bad input.
  let log: string | null = null;
  try {
    if (hlog !== undefined) log = hdrLog(r);
  } catch (err) {
    if (err instanceof InputError && err.heading === 'bad result file')
      throw new InputError(
        err.problems.map((p) => `${file}: ${p}`),
        err.heading,
      );
    throw err;
  }
  if (json) io.out(JSON.stringify({ ...windowsJson(r), ...gatesJson(verdict) }));
  // io.out adds the final '\n' back, so the CRLF line ends stay intact.
  if (csvToStdout) io.out(windowsCsv(r).replace(/\n$/, ''));
  if (hlogToStdout && log !== null) io.out(log.replace(/\n$/, ''));
  const jobs: OutputJob[] = [];
  if (csvT)
    jobs.push({
      target: csvT,
      what: 'the CSV',
      data: () => windowsCsv(r),
      done: (t) => `CSV (one row per metrics window) written to ${shownPath(t)}`,
    });
  if (hlogT && log !== null)
    jobs.push({
      target: hlogT,
      what: 'the histogram log',
      data: () => log,
      done: (t) => `HdrHistogram interval log written to ${shownPath(t)}`,
    });
  if (htmlT)
    jobs.push({
      target: htmlT,
      what: 'the HTML report',
      data: () => reportHtml(r, { gates: verdict }),
      done: (t) => `HTML report written to ${shownPath(t)}${openHint(t)}`,
    });
  const { written, failed } = writeAllOutputs(jobs);
  for (const w of written) say(w);
  const code = emitGates(verdict, suites, gates, io, stdoutClaims.length > 0 ? null : io.out, r);
  return failed.length > 0 ? printFailures(failed, io) : code;
}
