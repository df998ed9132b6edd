/**
 * What every subcommand shares: the output sink, option parsing, output-file checks and writes, the summary
 * printed by `run` and `report`, and the `--json` summary of a run.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pc from 'picocolors';
import type { RunResult } from '../engine/result.ts';
import { InputError } from '../errors.ts';
import { incidentTimeline } from '../report/access.ts';
import { phaseRows, recoveryRows } from '../report/summary.ts';
import type { Colors } from '../report/table.ts';
import { summaryTableLines } from '../report/terminal.ts';
import { writeFileAtomic } from '../result/file.ts';
import { useColor } from './progress.ts';
import { summaryLines, timelineLines } from './text.ts';

export type Out = {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Where the progress bar or lines go, and whether stdout/stderr are terminals (default: this process's). */
  errStream?: NodeJS.WritableStream & { isTTY?: boolean };
  outIsTTY?: boolean;
};

export function outColors(io: Out): Colors {
  return pc.createColors(useColor({ isTTY: io.outIsTTY ?? process.stdout.isTTY }));
}

/**
 * Fail before a long run, not after it: the directory of an output file must exist and be writable, and the
 * path must not be a directory.
 */
export function checkWritable(file: string, option: string, problems: string[]): void {
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

export function writeOutput(file: string, text: string, what: string): string {
  try {
    writeFileAtomic(file, text);
  } catch (err) {
    throw new InputError([`${file}: cannot write ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`], 'cannot write');
  }
  return path.resolve(file);
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export function parse(argv: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    throw new InputError([(err as Error).message], 'bad command line');
  }
}

export function intOption(v: string | undefined, name: string, min: number, max: number, problems: string[]): number | undefined {
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
      triggers: r.dns.triggers ?? [],
    },
    clients: r.clients,
    ec2: r.ec2,
    summary: { phases: phaseRows(r), recovery: recoveryRows(r) },
    timeline: incidentTimeline(r),
    perf: r.perf,
  };
}

export function printSummary(r: RunResult, io: Out): void {
  const c = outColors(io);
  io.out(c.bold('timeline:'));
  for (const l of timelineLines(r)) io.out(l);
  io.out('');
  for (const l of summaryLines(r)) io.out(l);
  io.out('');
  for (const l of summaryTableLines(r, c)) io.out(l);
}

