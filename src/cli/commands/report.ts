/** `cascadesim report`: a saved result's summary, or its windows as HTML, CSV, JSON or an HdrHistogram log. */
import { pathToFileURL } from 'node:url';
import { InputError } from '../../errors.ts';
import { hdrLog, windowsCsv, windowsJson } from '../../report/export.ts';
import { reportHtml } from '../../report/html.ts';
import { readResultFile } from '../../result/file.ts';
import { checkWritable, type Out, parse, printSummary, writeOutput } from '../common.ts';
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
  const gates = gateOptions(values, problems);
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const file = positionals[0];
  const r = readResultFile(file);
  // Gates judge the saved result: its scenario's thresholds, --threshold, --baseline/--fail-if, --expect-digest.
  const verdict = judge(r, gates);
  const suites = [{ name: r.scenario.name, result: r, gates: verdict, timeS: 0 }];
  const anyOutput = html !== undefined || csv !== undefined || hlog !== undefined || json;
  // Messages about written files go to stderr when stdout carries data.
  const say = stdoutClaims.length > 0 ? (s: string) => io.err(`cascadesim: ${s}`) : io.out;
  if (!anyOutput) {
    printSummary(r, io);
    return emitGates(verdict, suites, gates, io, io.out, r);
  }
  const log = hlog !== undefined ? hdrLog(r) : null;
  if (json) io.out(JSON.stringify({ ...windowsJson(r), ...gatesJson(verdict) }));
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
  return emitGates(verdict, suites, gates, io, stdoutClaims.length > 0 ? null : io.out, r);
}

