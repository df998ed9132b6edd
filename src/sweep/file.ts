/**
 * The sweep's result file, JSON Lines: a header line (which sweep: its id, spec and points), then one line per
 * finished run (run index, point, replicate, seed, drawn values, digest, metrics, outcomes).
 *
 * While the sweep runs, each finished run is appended with one write() of one whole line (O_APPEND), in the order
 * the runs finish; a crash can leave at most a torn last line, which reading drops. When the sweep ends (or is
 * resumed, or shards are merged) the file is rewritten atomically (temporary file, fsync, rename) in canonical
 * form: the header, then the runs sorted by index. So the final bytes never depend on --jobs, on the order of
 * completion, on interruptions or on sharding.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { writeFileAtomic } from '../io/output.ts';
import { InputError } from '../errors.ts';
import type { SweepPlan } from './plan.ts';
import type { SweepSpec } from './spec.ts';

export const SWEEP_FORMAT = 1;

export interface SweepHeader {
  cascadesimSweep: number;
  name: string;
  id: string;
  runs: number;
  seeds: number;
  spec: Omit<SweepSpec, 'baseFile'>;
  points: { index: number; params: Record<string, unknown> }[];
  /** Present in a shard's file only: which share of the runs it holds. */
  shard?: { index: number; count: number };
}

export interface RunRecord {
  run: number;
  point: number;
  replicate: number;
  seed: number;
  /** Values drawn for this run (distribution axes). */
  draws: Record<string, number>;
  digest: string;
  metrics: Record<string, number | null>;
  outcomes: Record<string, boolean>;
  /** Thresholds of the spec, judged on this run. */
  thresholds: { metric: string; condition: string; ok: boolean }[];
}

export function headerOf(plan: SweepPlan, shard: { index: number; count: number } | null): SweepHeader {
  const { baseFile: _local, ...spec } = plan.spec;
  const h: SweepHeader = {
    cascadesimSweep: SWEEP_FORMAT,
    name: plan.spec.name,
    id: plan.id,
    runs: plan.runs,
    seeds: plan.spec.seeds,
    spec,
    points: plan.points.map((p) => ({ index: p.index, params: p.params })),
  };
  if (shard) h.shard = shard;
  return h;
}

export function recordLine(r: RunRecord): string {
  // Fixed key order: the line's bytes depend on its content only.
  return JSON.stringify({
    run: r.run,
    point: r.point,
    replicate: r.replicate,
    seed: r.seed,
    draws: r.draws,
    digest: r.digest,
    metrics: r.metrics,
    outcomes: r.outcomes,
    thresholds: r.thresholds,
  });
}

export function canonicalText(header: SweepHeader, records: Iterable<RunRecord>): string {
  const sorted = [...records].sort((a, b) => a.run - b.run);
  return `${[JSON.stringify(header), ...sorted.map(recordLine)].join('\n')}\n`;
}

export interface SweepFile {
  header: SweepHeader;
  records: Map<number, RunRecord>;
  /** A torn last line (an interrupted append) was dropped. */
  torn: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read a sweep result; refuse anything that is not one, naming the line. */
export function readSweepFile(file: string): SweepFile {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError([`${file}: not a regular file`], 'cannot read sweep result');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError([`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`], 'cannot read sweep result');
  }
  const lines = text.split('\n');
  let torn = false;
  // The text after the last newline is either empty or an append that never finished.
  if (lines[lines.length - 1] !== '') torn = true;
  lines.pop();
  const bad = (line: number, why: string) => new InputError([`${file}:${line}: ${why}`], 'not a cascadesim sweep result');
  if (lines.length === 0) throw bad(1, 'empty');
  let header: SweepHeader;
  try {
    header = JSON.parse(lines[0]) as SweepHeader;
  } catch {
    throw bad(1, 'the first line is not JSON');
  }
  if (
    !isObject(header) ||
    header.cascadesimSweep !== SWEEP_FORMAT ||
    typeof header.id !== 'string' ||
    !Number.isInteger(header.runs) ||
    !Array.isArray(header.points)
  ) {
    throw bad(1, `the first line is not a sweep header of format ${SWEEP_FORMAT}`);
  }
  const records = new Map<number, RunRecord>();
  for (let i = 1; i < lines.length; i++) {
    let r: RunRecord;
    try {
      r = JSON.parse(lines[i]) as RunRecord;
    } catch {
      throw bad(i + 1, 'not JSON');
    }
    if (!isObject(r) || !Number.isInteger(r.run) || r.run < 0 || r.run >= header.runs || !isObject(r.metrics) || !isObject(r.outcomes)) {
      throw bad(i + 1, 'not a run record of this sweep');
    }
    const prev = records.get(r.run);
    if (prev && recordLine(prev) !== recordLine(r)) throw bad(i + 1, `run ${r.run} appears twice with different results`);
    records.set(r.run, r);
  }
  return { header, records, torn };
}

/** Appends finished runs, one write() per line; fsyncs at most once a second and at close. */
export class RunAppender {
  private fd: number;
  private lastSyncMs = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'a');
    if (!fstatSync(this.fd).isFile()) {
      closeSync(this.fd);
      throw new InputError([`${file}: not a regular file (the sweep appends to it and rewrites it when done)`], 'cannot write');
    }
  }

  append(r: RunRecord): void {
    const bytes = Buffer.from(`${recordLine(r)}\n`, 'utf8');
    const n = writeSync(this.fd, bytes);
    // A short write would leave a torn line in the middle of the file; say so rather than continue.
    if (n !== bytes.length) throw new Error(`${this.file}: short write (${n} of ${bytes.length} bytes)`);
    const now = performance.now();
    if (now - this.lastSyncMs > 1000) {
      fsyncSync(this.fd);
      this.lastSyncMs = now;
    }
  }

  close(): void {
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

export function writeCanonical(file: string, header: SweepHeader, records: Iterable<RunRecord>): void {
  writeFileAtomic(file, canonicalText(header, records));
}
