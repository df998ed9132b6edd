/**
 * What every subcommand shares: the output sink, option parsing, output checks and writes, the summary
 * printed by `run` and `report`, and the `--json` summary of a run.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pc from 'picocolors';
import { digestKey, type RunResult } from '../api.ts';
import { ExitCode, InputError } from '../errors.ts';
import { incidentTimeline } from '../report/access.ts';
import { phaseRows, recoveryRows } from '../report/summary.ts';
import type { Colors } from '../report/table.ts';
import { summaryTableLines } from '../report/terminal.ts';
import { checkDistinct, type OutputTarget, planOutput, shownPath } from '../io/output.ts';
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
 * Check the outputs a command was given before doing any work: each must be usable (io/output.ts), and none may
 * name an input or another output. Undefined options are skipped; '-' (stdout) is the caller's business.
 */
export function planOutputs(
  specs: [option: string, file: string | undefined][],
  inputs: { what: string; file: string }[],
  problems: string[],
): (OutputTarget | null)[] {
  const targets = specs.map(([option, file]) => (file === undefined || file === '-' ? null : planOutput(option, file, problems)));
  checkDistinct(targets, inputs, problems);
  return targets;
}

/** Does a planned output write to this process's stdout (which may already carry a summary or data)? */
export function toStdout(t: OutputTarget | null): boolean {
  return t !== null && t.kind === 'fd' && t.fd === 1;
}

/** "open file:///..." for a written HTML file; nothing for a device or a pipe. */
export function openHint(t: OutputTarget): string {
  return t.kind === 'file' ? `; open ${pathToFileURL(shownPath(t)).href}` : '';
}

/** One line per output that could not be written; the exit code of an I/O failure. */
export function printFailures(failed: string[], io: Out): number {
  for (const f of failed) io.err(`cascadesim: ${f}`);
  return ExitCode.failure;
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
    digestKey: digestKey(r),
    partial: r.partial,
    reachedS: r.reachedS,
    ...(r.stoppedBy ? { stoppedBy: r.stoppedBy } : {}),
    phases: r.phases,
    dns: {
      protocol: r.dns.protocol,
      plansGenerated: r.dns.plansGenerated,
      plansApplied: r.dns.plansApplied,
      plansDeleted: r.dns.plansDeleted,
      stuck: r.dns.stuck,
      stuckIntervals: r.dns.stuckIntervals,
      violations: r.dns.violations.map((v) => ({
        invariant: v.invariant,
        atS: v.atS,
        endpoint: v.endpoint,
        detail: v.detail,
        chain: v.chain,
      })),
      emptyIntervals: r.dns.emptyIntervals,
      triggers: r.dns.triggers ?? [],
    },
    clients: r.clients,
    ...(r.regions ? { regions: r.regions } : {}),
    ...(r.services ? { services: r.services } : {}),
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
