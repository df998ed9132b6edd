/** `cascadesim compare`: two saved results side by side, with their differences. */
import path from 'node:path';
import { InputError } from '../../errors.ts';
import { compareLines } from '../../report/compare.ts';
import { shownPath, writeAllOutputs } from '../../io/output.ts';
import { compareHtml, readResult } from '../../api.ts';
import { openHint, type Out, outColors, parse, printFailures, toStdout } from '../common.ts';
import { emitGates, gateOptions, judge } from '../gates.ts';

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

export function cmdCompare(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, {
    html: { type: 'string' },
    labels: { type: 'string' },
    'fail-if': { type: 'string', multiple: true },
    junit: { type: 'string' },
  });
  const problems: string[] = [];
  if (positionals.length !== 2) problems.push(`compare takes exactly two RESULT files, got ${positionals.length}`);
  const html = values.html as string | undefined;
  if (html === '-') problems.push('--html needs a file name (the comparison is a file to open in a browser)');
  const labels = compareLabels(positionals[0] ?? 'A', positionals[1] ?? 'B', values.labels as string | undefined, problems);
  const gates = gateOptions(
    values,
    problems,
    {
      outputs: [['--html', html === '-' ? undefined : html]],
      inputs: positionals.map((f, i) => ({ what: `RESULT file ${'AB'[i] ?? ''}`.trim(), file: f })),
    },
    { baseline: false },
  );
  const [htmlT] = gates.targets;
  // The comparison table goes to stdout: no file output may go there too.
  for (const t of [htmlT, gates.junit, gates.stepSummary])
    if (t && toStdout(t)) problems.push(`${t.option} ${t.file}: stdout carries the comparison; name a file`);
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  // Both files are read before either is refused: the user learns about both bad files at once.
  const read = positionals.map((f) => {
    try {
      return readResult(f);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
      return null;
    }
  });
  const [a, b] = read;
  if (!a || !b) throw new InputError(problems, 'bad result file');
  // --fail-if judges B against A; B's own thresholds are not re-judged here (`report B` does that).
  gates.baseline = gates.failIfs.length > 0 ? a : null;
  const verdict = { ...judge(b, gates), thresholds: [] };
  for (const l of compareLines(a, b, labels, outColors(io))) io.out(l);
  if (htmlT) {
    const { written, failed } = writeAllOutputs([
      {
        target: htmlT,
        what: 'the HTML comparison',
        data: () => compareHtml(a, b, labels),
        done: (t) => `HTML comparison written to ${shownPath(t)}${openHint(t)}`,
      },
    ]);
    for (const w of written) {
      io.out('');
      io.out(w);
    }
    if (failed.length > 0) {
      emitGates(verdict, [{ name: `compare ${labels[0]} ${labels[1]}`, result: null, gates: verdict }], gates, io, io.out, null);
      return printFailures(failed, io);
    }
  }
  return emitGates(verdict, [{ name: `compare ${labels[0]} ${labels[1]}`, result: null, gates: verdict }], gates, io, io.out, null);
}
