/**
 * `cascadesim sweep`: capacity-planning sweeps (src/sweep/). Subcommands:
 *   sweep SPEC|--base SCENARIO [--vary PATH=V1,V2] [--seeds N] ...   run a sweep (or --dry-run: list its runs)
 *   sweep --list                                                     built-in sweeps
 *   sweep merge FILES... [--out F]                                   shards -> the unsharded result
 *   sweep report FILE                                                summary of a result file
 */
import os from 'node:os';
import path from 'node:path';
import pc from 'picocolors';
import { ExitCode, InputError } from '../../errors.ts';
import {
  builtinSweeps,
  encodeSweep,
  mergeSweepResults,
  parseVaryOption,
  planSweep,
  pointLabel,
  readSweepResult,
  readSweepSpec,
  type RunRecord,
  runSweep,
  type Shard,
  shardRuns,
  summarizeSweep,
  type SweepHeader,
  sweepHtml,
  type SweepPlan,
  sweepPointsCsv,
  sweepPointsJsonl,
  sweepRun,
  sweepRunsCsv,
  type SweepSummary,
  validateSweepSpec,
} from '../../api.ts';
import { sweepProgress } from '../../sweep/progress.ts';
import { summaryTable } from '../../sweep/report.ts';
import { type OutputJob, type OutputTarget, shownPath, writeAllOutputs } from '../../io/output.ts';
import { intOption, openHint, type Out, outColors, parse, planOutputs, printFailures, type Values } from '../common.ts';
import { useColor } from '../progress.ts';

const OUTPUT_OPTIONS = {
  out: { type: 'string' },
  csv: { type: 'string' },
  'csv-runs': { type: 'string' },
  points: { type: 'string' },
  html: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/** A sweep's output files, planned before any run. */
interface SweepTargets {
  out: OutputTarget | null;
  csv: OutputTarget | null;
  runs: OutputTarget | null;
  points: OutputTarget | null;
  html: OutputTarget | null;
}

/**
 * Output files, planned by the one output writer (src/io/output.ts): none may be an input or another output
 * (compared by device and inode, so links count), and with `appendsToOut` --out must be a regular file: the sweep
 * appends to it and rewrites it atomically, which a device or a pipe cannot take (`sweep merge` may write to one).
 */
function checkOutputs(values: Values, inputs: string[], problems: string[], appendsToOut = false): SweepTargets {
  const [out, csv, runs, points, html] = planOutputs(
    (['out', 'csv', 'csv-runs', 'points', 'html'] as const).map((o) => [`--${o}`, values[o] as string | undefined]),
    inputs.map((file) => ({ what: 'input of the sweep', file })),
    problems,
  );
  if (appendsToOut && out && out.kind !== 'file')
    problems.push(`--out ${out.file}: not a regular file (the sweep appends each run to it and rewrites it when done)`);
  return { out, csv, runs, points, html };
}

/**
 * Write the summary files (after `first`, e.g. the merged sweep), all through writeAllOutputs: one that fails does
 * not cost the others. Then print the summary (terminal table or --json) and what was written. Returns the exit
 * code of a failed output, or null.
 */
function emit(
  summary: SweepSummary,
  header: SweepHeader,
  records: Iterable<RunRecord>,
  t: SweepTargets,
  values: Values,
  io: Out,
  first: OutputJob[] = [],
  written: string[] = [],
): number | null {
  const partial = summary.complete ? '' : ' (partial)';
  const jobs = [...first];
  if (t.csv)
    jobs.push({
      target: t.csv,
      what: 'the CSV',
      data: () => sweepPointsCsv(summary),
      done: (x) => `per-point CSV written to ${shownPath(x)}${partial}`,
    });
  if (t.runs)
    jobs.push({
      target: t.runs,
      what: 'the CSV',
      data: () => sweepRunsCsv(header, records),
      done: (x) => `per-run CSV written to ${shownPath(x)}${partial}`,
    });
  if (t.points)
    jobs.push({
      target: t.points,
      what: 'the points',
      data: () => sweepPointsJsonl(summary),
      done: (x) => `per-point JSON Lines written to ${shownPath(x)}${partial}`,
    });
  if (t.html)
    jobs.push({
      target: t.html,
      what: 'the HTML report',
      data: () => sweepHtml(summary, header.spec.report),
      done: (x) => `HTML report written to ${shownPath(x)}${partial}${openHint(x)}`,
    });
  const outputs = writeAllOutputs(jobs);
  written.push(...outputs.written);
  if (values.json === true) {
    io.out(JSON.stringify(summary));
    for (const w of written) io.err(`cascadesim: ${w}`);
  } else if (values.quiet !== true) {
    for (const l of summaryTable(summary, outColors(io))) io.out(l);
    if (summary.perf)
      io.out(
        `\n${summary.perf.runsThisInvocation} runs in ${(summary.perf.wallS as number).toFixed(1)} s (${(summary.perf.runsPerS as number).toPrecision(3)} runs/s, ${summary.perf.jobs} jobs)`,
      );
    if (written.length > 0) io.out('');
    for (const w of written) io.out(w);
  }
  return outputs.failed.length > 0 ? printFailures(outputs.failed, io) : null;
}

function parseShard(values: Values, problems: string[]): Shard | null {
  const text = values.shard as string | undefined;
  const countText = values['shard-count'] as string | undefined;
  if (text !== undefined && countText !== undefined) {
    problems.push('--shard and --shard-count: give one (--shard-count reads the index from JOB_COMPLETION_INDEX)');
    return null;
  }
  if (text !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(text);
    const index = m ? Number(m[1]) : NaN;
    const count = m ? Number(m[2]) : NaN;
    if (!m || count < 1 || count > 100_000 || index >= count) {
      problems.push(`--shard ${text}: expected I/N with 0 <= I < N (e.g. 0/3)`);
      return null;
    }
    return { index, count };
  }
  if (countText !== undefined) {
    const count = intOption(countText, 'shard-count', 1, 100_000, problems);
    const env = process.env.JOB_COMPLETION_INDEX;
    if (count === undefined) return null;
    if (env === undefined || !/^\d+$/.test(env)) {
      problems.push(
        `--shard-count: JOB_COMPLETION_INDEX must be set to the shard index (Kubernetes Indexed Job), got ${env === undefined ? 'nothing' : `'${env}'`}`,
      );
      return null;
    }
    const index = Number(env);
    if (index >= count) {
      problems.push(`--shard-count ${count}: JOB_COMPLETION_INDEX=${env} must be below it`);
      return null;
    }
    return { index, count };
  }
  return null;
}

/** The spec: a file or built-in name, or --base, with the command line's --vary, --seeds, --seed, --set, --metric. */
function buildPlan(positional: string | undefined, values: Values): { plan: SweepPlan; inputs: string[] } {
  const problems: string[] = [];
  let raw: Record<string, unknown>;
  let dir: string | null = null;
  const inputs: string[] = [];
  if (positional !== undefined) {
    const r = readSweepSpec(positional);
    raw = r.raw;
    dir = path.dirname(r.file);
    inputs.push(r.file);
    if (values.base !== undefined) raw.base = values.base;
  } else {
    raw = { name: 'command-line', base: (values.base as string | undefined) ?? 'dns-race' };
  }
  const vary = { ...((raw.vary as Record<string, unknown> | undefined) ?? {}) };
  for (const v of (values.vary as string[] | undefined) ?? []) {
    const kv = parseVaryOption(v, problems);
    if (!kv) continue;
    // New values for a labelled parameter keep the file's paths (outageMin=10,120 still sets the repair time).
    const prev = vary[kv[0]] as Record<string, unknown> | undefined;
    const paths = prev && typeof prev === 'object' && !Array.isArray(prev) ? prev.paths : undefined;
    if (paths !== undefined) vary[kv[0]] = Array.isArray(kv[1]) ? { values: kv[1], paths } : { ...(kv[1] as object), paths };
    else vary[kv[0]] = kv[1];
  }
  // --only keeps some of the file's varied parameters (the rest stay at the base's value): a smaller sweep.
  const only = (values.only as string | undefined)
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (only) {
    for (const k of only)
      if (!Object.hasOwn(vary, k)) problems.push(`--only ${k}: not a varied parameter (${Object.keys(vary).join(', ') || 'none'})`);
    for (const k of Object.keys(vary)) if (!only.includes(k)) delete vary[k];
    const report = raw.report as Record<string, unknown> | undefined;
    if (report) for (const k of ['x', 'y']) if (typeof report[k] === 'string' && !only.includes(report[k] as string)) report[k] = null;
  }
  raw.vary = vary;
  const seeds = intOption(values.seeds as string | undefined, 'seeds', 1, 1_000_000, problems);
  if (seeds !== undefined) raw.seeds = seeds;
  const seed = intOption(values.seed as string | undefined, 'seed', 0, 0xffffffff, problems);
  if (seed !== undefined) raw.seed = seed;
  const sets = (values.set as string[] | undefined) ?? [];
  if (sets.length > 0) raw.set = [...((raw.set as string[] | undefined) ?? []), ...sets];
  const metrics = (values.metric as string[] | undefined) ?? [];
  if (metrics.length > 0)
    raw.metrics = [
      ...((raw.metrics as string[] | undefined) ?? []),
      ...metrics.filter((m) => !((raw.metrics as string[] | undefined) ?? []).includes(m)),
    ];
  const outcomes = (values.outcome as string[] | undefined) ?? [];
  if (outcomes.length > 0) {
    const o = { ...((raw.outcomes as Record<string, string> | undefined) ?? {}) };
    for (const t of outcomes) {
      const eq = t.indexOf('=');
      if (eq <= 0) problems.push(`--outcome ${t}: expected LABEL=METRIC OP NUMBER`);
      else o[t.slice(0, eq)] = t.slice(eq + 1);
    }
    raw.outcomes = o;
  }
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const spec = validateSweepSpec(raw, dir, positional ? `sweep ${path.basename(positional)}` : 'sweep');
  const plan = planSweep(spec);
  inputs.push(spec.baseFile);
  return { plan, inputs };
}

function dryRun(plan: SweepPlan, shard: Shard | null, io: Out): number {
  const runs = shardRuns(plan.runs, shard);
  io.out(
    `sweep ${plan.spec.name}: ${plan.points.length} points x ${plan.spec.seeds} seeds = ${plan.runs} runs${shard ? `; shard ${shard.index}/${shard.count}: ${runs.length} of them` : ''} (id ${plan.id.slice(0, 12)})`,
  );
  for (const p of plan.points) {
    const params =
      plan.spec.design === 'one-at-a-time'
        ? Object.fromEntries(Object.entries(p.params).filter(([, v]) => v !== null && v !== 1))
        : p.params;
    io.out(`  point ${p.index}: ${pointLabel(params) || '(baseline)'}`);
  }
  for (const r of runs) {
    const s = sweepRun(plan, r);
    const draws = Object.entries(s.draws)
      .map(([k, v]) => ` ${k}=${v}`)
      .join('');
    io.out(`run ${r} point ${s.point} replicate ${s.replicate} seed ${s.seed}${draws}`);
  }
  return ExitCode.ok;
}

async function runSweepCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...OUTPUT_OPTIONS,
    base: { type: 'string' },
    vary: { type: 'string', multiple: true },
    only: { type: 'string' },
    seeds: { type: 'string' },
    seed: { type: 'string' },
    set: { type: 'string', multiple: true },
    metric: { type: 'string', multiple: true },
    outcome: { type: 'string', multiple: true },
    jobs: { type: 'string' },
    resume: { type: 'boolean' },
    shard: { type: 'string' },
    'shard-count': { type: 'string' },
    'dry-run': { type: 'boolean' },
    list: { type: 'boolean' },
  });
  if (values.list === true) {
    for (const n of builtinSweeps()) {
      const { raw } = readSweepSpec(n);
      io.out(`${n.padEnd(18)} ${String(raw.question ?? raw.description ?? '')}`);
    }
    return ExitCode.ok;
  }
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`sweep takes one spec, got ${positionals.length}: ${positionals.join(' ')}`);
  if (positionals.length === 0 && values.base === undefined && values.vary === undefined)
    problems.push('sweep needs a spec (a file or a built-in name: sweep --list) or --base/--vary');
  const jobs = intOption(values.jobs as string | undefined, 'jobs', 1, 256, problems) ?? Math.max(1, os.availableParallelism());
  const shard = parseShard(values, problems);
  if (values.resume === true && values.out === undefined) problems.push('--resume needs --out (the file to resume)');
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const { plan, inputs } = buildPlan(positionals[0], values);
  if (values['dry-run'] === true) return dryRun(plan, shard, io);
  const targets = checkOutputs(values, inputs, problems, true);
  const outPath = targets.out ? targets.out.path : null;
  if (problems.length > 0) throw new InputError(problems, 'bad command line');

  const quiet = values.quiet === true || values.json === true;
  const errStream = io.errStream ?? process.stderr;
  const errColors = pc.createColors(useColor(errStream));
  const mine = shardRuns(plan.runs, shard).length;
  if (!quiet)
    io.err(
      `cascadesim: sweep ${plan.spec.name}: ${plan.points.length} points x ${plan.spec.seeds} seeds = ${plan.runs} runs${shard ? `, shard ${shard.index}/${shard.count} (${mine} runs)` : ''}, ${jobs} jobs`,
    );
  const progress = sweepProgress(quiet ? 'none' : errStream.isTTY ? 'bar' : 'lines', mine, errStream, errColors);
  const ac = new AbortController();
  const onSigint = () => {
    progress.stop();
    if (!quiet)
      io.err(errColors.yellow('cascadesim: interrupted; keeping the finished runs (continue with --resume; Ctrl-C again to quit at once)'));
    process.off('SIGINT', onSigint);
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  let outcome: Awaited<ReturnType<typeof runSweep>>;
  let resumedBase = 0;
  try {
    outcome = await runSweep(plan, {
      jobs,
      shard,
      out: outPath,
      resume: values.resume === true,
      signal: ac.signal,
      onProgress: (doneNow, todo, wallS) => {
        resumedBase = mine - todo;
        progress.update(resumedBase + doneNow, wallS);
      },
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
  const written: string[] = [];
  if (targets.out)
    written.push(
      `sweep result written to ${shownPath(targets.out)}${outcome.summary.complete ? '' : ` (partial: ${outcome.summary.runs.done} of ${mine} runs; continue with --resume)`}`,
    );
  if (outcome.resumed > 0 && values.quiet !== true) io.err(`cascadesim: resumed: ${outcome.resumed} runs were already done`);
  const failed = emit(outcome.summary, outcome.header, outcome.records.values(), targets, values, io, [], written);
  // An output that could not be written outranks the interruption: the user must learn of it.
  return failed ?? (outcome.interrupted ? ExitCode.interrupted : ExitCode.ok);
}

function mergeCommand(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, OUTPUT_OPTIONS);
  const problems: string[] = [];
  if (positionals.length === 0) problems.push('sweep merge needs the shard files');
  const targets = checkOutputs(values, positionals, problems);
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const { header, records } = mergeSweepResults(positionals);
  const summary = summarizeSweep(header, records.values());
  const merged: OutputJob[] = [];
  if (targets.out) {
    const missing = summary.complete ? '' : ` (partial: ${records.size} of ${header.runs} runs)`;
    merged.push({
      target: targets.out,
      what: 'the merged sweep',
      data: () => encodeSweep(header, records.values()),
      done: (x) => `merged sweep written to ${shownPath(x)}${missing}`,
    });
  }
  const failed = emit(summary, header, records.values(), targets, values, io, merged);
  if (!summary.complete)
    io.err(`cascadesim: merge: ${header.runs - records.size} of ${header.runs} runs are missing (a shard not finished or not given)`);
  return failed ?? (summary.complete ? ExitCode.ok : ExitCode.failure);
}

function reportCommand(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, { ...OUTPUT_OPTIONS, out: { type: 'string' } });
  const problems: string[] = [];
  if (positionals.length !== 1) problems.push(`sweep report takes one result file, got ${positionals.length}`);
  if (values.out !== undefined) problems.push('sweep report: --out is not an option here (the result file is its input)');
  const targets = checkOutputs(values, positionals, problems);
  if (problems.length > 0) throw new InputError(problems, 'bad command line');
  const f = readSweepResult(positionals[0]);
  const expected = f.header.shard ? shardRuns(f.header.runs, f.header.shard).length : f.header.runs;
  const summary = summarizeSweep(f.header, f.records.values(), expected);
  return emit(summary, f.header, f.records.values(), targets, values, io) ?? ExitCode.ok;
}

export async function cmdSweep(argv: string[], io: Out): Promise<number> {
  if (argv[0] === 'merge') return mergeCommand(argv.slice(1), io);
  if (argv[0] === 'report') return reportCommand(argv.slice(1), io);
  return runSweepCommand(argv, io);
}
