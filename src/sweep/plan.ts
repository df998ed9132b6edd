/**
 * From a sweep spec to its runs: the points (grid or one-at-a-time), and for every run its index, point,
 * replicate, scenario seed, drawn values and the overrides that turn the base scenario into the run's scenario.
 *
 * Run i is point floor(i / seeds), replicate i % seeds. The scenario seed and the draws of replicate r derive from
 * the sweep's seed and r alone (common random numbers): every point sees the same seeds and the same drawn
 * stalls, so a difference between two points is the parameters', not the luck of different draws. Nothing here
 * depends on which thread runs what, or when.
 */
import { createHash } from 'node:crypto';
import { applySets, loadScenario, parseKeyPath, validateScenario } from '../config/load.ts';
import type { Scenario } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import { Rng, sampleDuration, seedFor } from '../model/prng.ts';
import { thresholdProblems, type ThresholdsSection } from '../gates/thresholds.ts';
import { metricProblem, scopeOf } from '../metrics/catalogue.ts';
import { outcomeProblems } from './outcomes.ts';
import { type Axis, axisTargets, MAX_RUNS, type SweepSpec } from './spec.ts';

/** Streams of the sweep's own draws (distinct from the model's streams by construction: other seeds). */
const SEED_STREAM = 0x5eed;
const DRAW_STREAM = 0xd4a3;

export interface Point {
  index: number;
  /** The value of each grid axis at this point (factor for `factors` axes); null: the base scenario's value. */
  params: Record<string, unknown>;
  /** The overrides (`path=JSON`) the point applies to the base. */
  sets: string[];
}

export interface RunSpec {
  run: number;
  point: number;
  replicate: number;
  seed: number;
  /** Drawn values of the distribution axes, by axis name. */
  draws: Record<string, number>;
  sets: string[];
}

export interface SweepPlan {
  spec: SweepSpec;
  base: Scenario;
  gridAxes: Axis[];
  drawAxes: Axis[];
  points: Point[];
  runs: number;
  /** Digest of everything that decides the runs' results: resume and merge refuse files of another sweep. */
  id: string;
}

function valueAt(obj: unknown, p: string): unknown {
  let node = obj;
  for (const seg of parseKeyPath(p) ?? []) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

function setsFor(axis: Axis, v: unknown, problems: string[], where: string): string[] {
  return axisTargets(axis).map(([p, link]) => {
    let out = v;
    if (axis.links) {
      if (typeof v !== 'number') {
        problems.push(`${where}: ${axis.name}=${JSON.stringify(v)}: a parameter with paths takes numbers`);
        return `${p}=null`;
      }
      out = Number((link.plus + link.times * v).toPrecision(12));
    }
    return `${p}=${JSON.stringify(out)}`;
  });
}

/** The value an axis sets at its position `v` (factors scale the base scenario's value). */
function axisValue(axis: Axis, base: Scenario, v: unknown, problems: string[]): string[] {
  if (axis.kind !== 'factors') return setsFor(axis, v, problems, `vary.${axis.name}`);
  return axisTargets(axis).map(([p]) => {
    const b = valueAt(base, p);
    if (typeof b !== 'number') {
      problems.push(`vary.${axis.name}: factors need a number at ${p} in the base scenario (found ${JSON.stringify(b) ?? 'nothing'})`);
      return `${p}=null`;
    }
    const x = b * (v as number);
    return `${p}=${JSON.stringify(axis.integer ? Math.max(1, Math.round(x)) : Number(x.toPrecision(12)))}`;
  });
}

function positions(axis: Axis): unknown[] {
  return axis.kind === 'factors' ? axis.factors : axis.kind === 'values' ? axis.values : [];
}

function gridPoints(axes: Axis[], base: Scenario, problems: string[]): Point[] {
  let combos: { params: Record<string, unknown>; sets: string[] }[] = [{ params: {}, sets: [] }];
  for (const axis of axes) {
    const next: typeof combos = [];
    for (const c of combos) {
      for (const v of positions(axis)) {
        next.push({ params: { ...c.params, [axis.name]: v }, sets: [...c.sets, ...axisValue(axis, base, v, problems)] });
      }
    }
    combos = next;
    if (combos.length > MAX_RUNS) break;
  }
  return combos.map((c, index) => ({ index, ...c }));
}

function oneAtATimePoints(axes: Axis[], base: Scenario, problems: string[]): Point[] {
  const baseline = Object.fromEntries(axes.map((a) => [a.name, a.kind === 'factors' ? 1 : null]));
  const out: Point[] = [{ index: 0, params: baseline, sets: [] }];
  for (const axis of axes) {
    for (const v of positions(axis)) {
      out.push({ index: out.length, params: { ...baseline, [axis.name]: v }, sets: axisValue(axis, base, v, problems) });
    }
  }
  return out;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export function digestJson(v: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(v)))
    .digest('hex');
}

/** Parse the base once, build the points and check each point's scenario before anything runs. */
export function planSweep(spec: SweepSpec): SweepPlan {
  let base: Scenario;
  try {
    base = loadScenario(spec.baseFile, { sets: spec.set }).scenario;
  } catch (err) {
    if (err instanceof InputError)
      throw new InputError(
        err.problems.map((p) => `base ${spec.base}: ${p}`),
        `invalid sweep ${spec.name}`,
      );
    throw err;
  }
  const problems: string[] = [];
  // Metric names come from the catalogue, service names from the base's chains (unless an axis changes the
  // chains); an unknown one is bad input now, not a column of nulls later.
  const changesChains = spec.axes.some((a) =>
    [a.name, ...Object.keys(a.links ?? {})].some((n) => n === 'chains' || n.startsWith('chains.')),
  );
  const scope = changesChains ? undefined : scopeOf(base);
  spec.metrics.forEach((m, i) => {
    const p = metricProblem(m, scope);
    if (p) problems.push(`metrics[${i}]: ${m}: ${p}`);
  });
  if (Object.keys(spec.thresholds).length > 0)
    problems.push(...thresholdProblems(spec.thresholds as ThresholdsSection, 'thresholds', scope));
  // The spec's own check found no unknown metric in the outcomes; what is left is a service the base lacks.
  problems.push(...outcomeProblems(spec.outcomes, scope));
  const gridAxes = spec.axes.filter((a) => a.kind !== 'draw');
  const drawAxes = spec.axes.filter((a) => a.kind === 'draw');
  const points = spec.design === 'grid' ? gridPoints(gridAxes, base, problems) : oneAtATimePoints(gridAxes, base, problems);
  const runs = points.length * spec.seeds;
  if (runs > MAX_RUNS) problems.push(`the sweep has ${runs} runs (${points.length} points x ${spec.seeds} seeds); at most ${MAX_RUNS}`);
  if (problems.length > 0) throw new InputError(problems, `invalid sweep ${spec.name}`);
  const plan: SweepPlan = {
    spec,
    base,
    gridAxes,
    drawAxes,
    points,
    runs,
    id: digestJson({
      base,
      seed: spec.seed,
      seedFrom: spec.seedFrom,
      seeds: spec.seeds,
      design: spec.design,
      axes: spec.axes,
      metrics: spec.metrics,
      outcomes: spec.outcomes,
      thresholds: spec.thresholds,
    }),
  };
  // Every point's scenario must validate now, not an hour into the sweep (draws: replicate 0's values).
  for (const p of points) {
    try {
      runScenario(base, runSpec(plan, p.index * spec.seeds).sets);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const label = Object.entries(p.params)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ');
      for (const q of err.problems) problems.push(`point ${p.index} (${label}): ${q}`);
    }
    if (problems.length > 20) break;
  }
  if (problems.length > 0) throw new InputError(problems, `invalid sweep ${spec.name}`);
  return plan;
}

/** Run i of the sweep: its point, replicate, seed, draws and overrides. */
export function runSpec(plan: SweepPlan, run: number): RunSpec {
  const seeds = plan.spec.seeds;
  const point = Math.floor(run / seeds);
  const replicate = run % seeds;
  const seed = plan.spec.seedFrom === 'scenario' ? (plan.base.seed + replicate) % 2 ** 32 : seedFor(plan.spec.seed, SEED_STREAM, replicate);
  const rng = new Rng(seedFor(plan.spec.seed, DRAW_STREAM, replicate));
  const draws: Record<string, number> = {};
  const sets = [...plan.points[point].sets];
  for (const a of plan.drawAxes) {
    if (a.kind !== 'draw') continue;
    const v = Number(sampleDuration(a.dist, rng).toPrecision(9));
    draws[a.name] = v;
    sets.push(...setsFor(a, v, [], `vary.${a.name}`));
  }
  sets.push(`seed=${seed}`);
  return { run, point, replicate, seed, draws, sets };
}

/** The run's scenario: a copy of the parsed base with the run's overrides, validated. */
export function runScenario(base: Scenario, sets: string[]): Scenario {
  const problems: string[] = [];
  const raw = applySets(structuredClone(base) as unknown as Record<string, unknown>, sets, problems);
  if (problems.length > 0) throw new InputError(problems, 'invalid run');
  return validateScenario(raw, 'run');
}

/** The runs of shard `index` of `count`: every count-th run, so long and short points spread over the shards. */
export function shardRuns(runs: number, shard: { index: number; count: number } | null): number[] {
  const out: number[] = [];
  const step = shard ? shard.count : 1;
  for (let i = shard ? shard.index : 0; i < runs; i += step) out.push(i);
  return out;
}

export function pointLabel(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v === null ? 'base' : typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
