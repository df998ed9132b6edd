/**
 * The command line. Thin: parse, load, call the engine, print. Exit codes: 0 done, 1 failure, 2 bad input,
 * 130 interrupted (a partial result is still written).
 */
import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_SCENARIO, builtinScenarios, loadScenario, parseScenarioText, scenarioToYaml, validateScenario } from '../config/load.ts';
import { runSimulation } from '../engine/coordinator.ts';
import type { RunResult } from '../engine/result.ts';
import { ExitCode, InputError } from '../errors.ts';
import { writeResultFile } from '../result/file.ts';
import { summaryLines, timelineLines } from './text.ts';
import { readFileSync } from 'node:fs';

const HELP = `cascadesim: deterministic simulator of the AWS us-east-1 2025-10-20 cascading failure

usage:
  cascadesim run [SCENARIO] [--seed N] [--workers N] [--set key.path=value ...] [--out FILE] [--json] [--quiet]
  cascadesim show [SCENARIO] [--set key.path=value ...] [--json]
  cascadesim validate FILE
  cascadesim list

SCENARIO is a file (YAML or JSON) or a built-in name; the default is ${DEFAULT_SCENARIO}.
--set overrides any value by dotted path (dns.faults[0].stallS=900 or dns.faults.0.stallS=900); values parse as
JSON where they can (--set clients=null), as strings otherwise.
exit codes: 0 done, 1 failure, 2 bad input, 130 interrupted`;

type Out = { out: (s: string) => void; err: (s: string) => void };

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
  const n = Number(v);
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
    perf: r.perf,
  };
}

async function cmdRun(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(argv, {
    seed: { type: 'string' },
    workers: { type: 'string' },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`run takes one scenario, got ${positionals.length}: ${positionals.join(' ')}`);
  const seed = intOption(values.seed as string | undefined, 'seed', 0, 0xffffffff, problems);
  const workers = intOption(values.workers as string | undefined, 'workers', 1, 256, problems) ?? Math.max(1, Math.min(os.availableParallelism(), 16));
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
  if (!quiet) io.err(`cascadesim: running ${scenario.name} (seed ${scenario.seed}, ${workers} workers, protocol ${scenario.dns.protocol}); replay with --seed ${scenario.seed}`);
  const ac = new AbortController();
  const onSigint = () => {
    if (!quiet) io.err('cascadesim: interrupted; stopping at the next epoch and writing a partial result');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  let result: RunResult;
  try {
    result = await runSimulation(scenario, { workers, signal: ac.signal });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (values.out) writeResultFile(values.out as string, result);
  if (json) {
    io.out(JSON.stringify(jsonSummary(result)));
  } else if (!(values.quiet === true)) {
    io.out('timeline:');
    for (const l of timelineLines(result)) io.out(l);
    io.out('');
    for (const l of summaryLines(result)) io.out(l);
    if (values.out) io.out(`result written to ${values.out as string}`);
  }
  return result.partial ? ExitCode.interrupted : ExitCode.ok;
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
        throw new InputError([`unknown command '${cmd}' (run, show, validate, list, help)`], 'bad command line');
    }
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`cascadesim: ${err.heading}:`);
      for (const p of err.problems) io.err(`  ${p}`);
      return ExitCode.badInput;
    }
    const msg = err instanceof Error ? err.message : String(err);
    io.err(`cascadesim: error: ${msg}`);
    if (process.env.CASCADESIM_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    return ExitCode.failure;
  }
}
