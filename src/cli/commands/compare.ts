/** `cascadesim compare`: two saved results side by side, with their differences. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ExitCode, InputError } from '../../errors.ts';
import { compareLines } from '../../report/compare.ts';
import { compareHtml } from '../../report/html.ts';
import { readResultFile } from '../../result/file.ts';
import { checkWritable, type Out, outColors, parse, writeOutput } from '../common.ts';

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

