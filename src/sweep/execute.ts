/**
 * A whole sweep: the runs of this shard that are not already in the output file, run in parallel, each appended to
 * the file as it finishes; then the file rewritten in canonical form and the summary built from it.
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import { InputError } from '../errors.ts';
import { headerOf, type RunRecord, RunAppender, readSweepFile, recordLine, type SweepHeader, writeCanonical } from './file.ts';
import { judge, metricsNeeded, parseOutcomes } from './outcomes.ts';
import { runSpec, shardRuns, type SweepPlan } from './plan.ts';
import { runSweepRuns } from './runner.ts';
import { summarize, type SweepSummary } from './summary.ts';

export interface Shard {
  index: number;
  count: number;
}

export interface ExecuteOptions {
  jobs: number;
  shard: Shard | null;
  out: string | null;
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: (doneNow: number, todo: number, wallS: number) => void;
}

export interface SweepOutcome {
  header: SweepHeader;
  records: Map<number, RunRecord>;
  summary: SweepSummary;
  interrupted: boolean;
  /** Runs found in the output file and skipped (--resume). */
  resumed: number;
}

function sameShard(a: Shard | undefined, b: Shard | null): boolean {
  return (a === undefined && b === null) || (a !== undefined && b !== null && a.index === b.index && a.count === b.count);
}

/** Runs already done, from the output file when resuming; refuses a file of another sweep or shard. */
function loadDone(file: string, header: SweepHeader, resume: boolean): Map<number, RunRecord> {
  if (!existsSync(file)) return new Map();
  // Never rename over a device or a pipe (--out /dev/null would replace the device node).
  if (!statSync(file).isFile())
    throw new InputError([`--out ${file}: not a regular file (the sweep appends to it and rewrites it when done)`], 'cannot write');
  if (statSync(file).size === 0) return new Map();
  if (!resume) return new Map();
  const f = readSweepFile(file);
  if (f.header.id !== header.id)
    throw new InputError(
      [`--resume: ${file} holds another sweep (${f.header.name}, id ${f.header.id.slice(0, 12)}; this one is ${header.id.slice(0, 12)})`],
      'cannot resume',
    );
  if (!sameShard(f.header.shard, header.shard ?? null))
    throw new InputError([`--resume: ${file} holds another shard of this sweep`], 'cannot resume');
  return f.records;
}

export async function executeSweep(plan: SweepPlan, opts: ExecuteOptions): Promise<SweepOutcome> {
  const header = headerOf(plan, opts.shard);
  const mine = shardRuns(plan.runs, opts.shard);
  const records = opts.out ? loadDone(opts.out, header, opts.resume) : new Map<number, RunRecord>();
  const resumed = records.size;
  const todo = mine.filter((r) => !records.has(r));
  const outcomes = parseOutcomes(plan.spec.outcomes);
  const metrics = metricsNeeded(plan.spec.metrics, outcomes);
  // Start the file in canonical form: the header and the runs already done (a torn line from a crash is gone).
  if (opts.out) writeCanonical(opts.out, header, records.values());
  const appender = opts.out ? new RunAppender(opts.out) : null;
  const startMs = performance.now();
  // Process-wide CPU time (every thread): runs per CPU-second do not depend on how busy the machine is.
  const cpu0 = process.cpuUsage();
  let doneNow = 0;
  let aborted = false;
  try {
    const r = await runSweepRuns(plan, todo, metrics, {
      jobs: opts.jobs,
      signal: opts.signal,
      onResult: (t) => {
        const spec = runSpec(plan, t.run);
        const rec: RunRecord = {
          run: t.run,
          point: spec.point,
          replicate: spec.replicate,
          seed: spec.seed,
          draws: spec.draws,
          digest: t.digest,
          metrics: Object.fromEntries(plan.spec.metrics.map((m) => [m, t.metrics[m] ?? null])),
          outcomes: judge(outcomes, t.metrics),
          thresholds: t.thresholds,
        };
        records.set(rec.run, rec);
        appender?.append(rec);
        doneNow++;
        opts.onProgress?.(doneNow, todo.length, (performance.now() - startMs) / 1000);
      },
    });
    aborted = r.aborted;
  } finally {
    appender?.close();
    // Even after a failure: what finished is kept, in canonical form, for --resume.
    if (opts.out) writeCanonical(opts.out, header, records.values());
  }
  const wallS = (performance.now() - startMs) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const summary = summarize(header, records.values(), mine.length);
  summary.perf = {
    wallS,
    runsThisInvocation: doneNow,
    runsPerS: doneNow / Math.max(wallS, 1e-9),
    cpuS,
    cpuMsPerRun: doneNow > 0 ? (cpuS * 1000) / doneNow : null,
    resumedRuns: resumed,
    jobs: Math.max(1, Math.min(opts.jobs, Math.max(1, todo.length))),
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
  };
  return { header, records, summary, interrupted: aborted, resumed };
}

/** Combine shard files into the unsharded result: same sweep, every run once, canonical order. */
export function mergeSweepFiles(files: string[]): { header: SweepHeader; records: Map<number, RunRecord> } {
  if (files.length === 0) throw new InputError(['merge needs at least one file'], 'bad command line');
  const parts = files.map((f) => ({ file: f, ...readSweepFile(f) }));
  const first = parts[0];
  const problems: string[] = [];
  const records = new Map<number, RunRecord>();
  for (const p of parts) {
    if (p.header.id !== first.header.id)
      problems.push(
        `${p.file}: another sweep (${p.header.name}, id ${p.header.id.slice(0, 12)}) than ${first.file} (${first.header.name}, id ${first.header.id.slice(0, 12)})`,
      );
    for (const [run, r] of p.records) {
      const prev = records.get(run);
      if (prev && recordLine(prev) !== recordLine(r)) problems.push(`${p.file}: run ${run} differs from the same run in another file`);
      records.set(run, r);
    }
  }
  if (problems.length > 0) throw new InputError(problems, 'cannot merge');
  const { shard: _shard, ...header } = first.header;
  return { header, records };
}
