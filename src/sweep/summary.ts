/**
 * A sweep's summary, per point: each metric's median and p5/p95 across the point's runs, each outcome's and each
 * threshold's share with a 95% Wilson interval, and the drawn values of the runs where an outcome happened (the
 * stall lengths that hit). Built from the header and the run records alone, in run order, so it is the same for a
 * sweep, its resumed twin and its merged shards; wall-clock figures go under `perf`.
 */
import type { RunRecord, SweepHeader } from './file.ts';
import { type Share, shareOf, type Spread, spreadOf } from './stats.ts';

export interface PointSummary {
  point: number;
  params: Record<string, unknown>;
  runs: number;
  /** Runs where the spec's `given` outcome held (all runs without one): the runs the metrics summarise. */
  given: number;
  metrics: Record<string, Spread>;
  outcomes: Record<string, Share>;
  thresholds: Record<string, Share>;
  /** Per outcome, per drawn parameter: the spread of the values drawn in the runs where the outcome was yes. */
  drawnWhen: Record<string, Record<string, Spread>>;
}

export interface SweepSummary {
  sweep: string;
  id: string;
  description: string;
  question: string;
  base: string;
  design: string;
  seed: number;
  seedsPerPoint: number;
  params: string[];
  draws: string[];
  metrics: string[];
  outcomes: Record<string, string>;
  given: string | null;
  runs: { total: number; inFile: number; done: number };
  shard: { index: number; count: number } | null;
  complete: boolean;
  points: PointSummary[];
  perf?: Record<string, unknown>;
}

export function summarize(header: SweepHeader, records: Iterable<RunRecord>, expected: number = header.runs): SweepSummary {
  const sorted = [...records].sort((a, b) => a.run - b.run);
  const byPoint = new Map<number, RunRecord[]>();
  for (const r of sorted) {
    const list = byPoint.get(r.point) ?? [];
    list.push(r);
    byPoint.set(r.point, list);
  }
  const spec = header.spec;
  const metrics = spec.metrics;
  const outcomeLabels = Object.keys(spec.outcomes);
  const draws = spec.axes.filter((a) => a.kind === 'draw').map((a) => a.name);
  // Each run judges the spec's thresholds in the same order (the catalogue's compileThresholds).
  const thresholdKeys = (sorted.find((r) => r.thresholds.length > 0)?.thresholds ?? []).map((t) => `${t.metric} ${t.condition}`);
  const points: PointSummary[] = header.points.map((p) => {
    const all = byPoint.get(p.index) ?? [];
    const given = spec.given;
    const rs = given === null ? all : all.filter((r) => r.outcomes[given]);
    const drawnWhen: PointSummary['drawnWhen'] = {};
    if (draws.length > 0) {
      for (const o of outcomeLabels) {
        const hits = rs.filter((r) => r.outcomes[o]);
        drawnWhen[o] = Object.fromEntries(draws.map((d) => [d, spreadOf(hits.map((r) => r.draws[d] ?? null))]));
      }
    }
    return {
      point: p.index,
      params: p.params,
      runs: all.length,
      given: rs.length,
      metrics: Object.fromEntries(metrics.map((m) => [m, spreadOf(rs.map((r) => r.metrics[m] ?? null))])),
      outcomes: Object.fromEntries(outcomeLabels.map((o) => [o, shareOf((o === given ? all : rs).map((r) => r.outcomes[o] === true))])),
      thresholds: Object.fromEntries(thresholdKeys.map((k, i) => [k, shareOf(rs.map((r) => r.thresholds[i]?.ok === true))])),
      drawnWhen,
    };
  });
  return {
    sweep: header.name,
    id: header.id,
    description: spec.description,
    question: spec.question,
    base: spec.base,
    design: spec.design,
    seed: spec.seed,
    seedsPerPoint: spec.seeds,
    params: spec.axes.filter((a) => a.kind !== 'draw').map((a) => a.name),
    draws,
    metrics,
    outcomes: spec.outcomes,
    given: spec.given,
    runs: { total: header.runs, inFile: expected, done: sorted.length },
    shard: header.shard ?? null,
    complete: sorted.length === expected,
    points,
  };
}
