/**
 * Sweep specifications: which base scenario, what to vary, how many seeds per point, what to report.
 *
 * A sweep file (YAML or JSON) or the command line (`--vary PATH=V1,V2 --seeds N`) gives the same thing. Every
 * problem is listed with its path (`vary.dns.faults[0].stallS: ...`), all at once, as an InputError (exit code 2).
 *
 * A `vary` entry is, by its shape:
 *   [v1, v2, ...]                         a list of values (one grid axis; values may be any JSON, objects too)
 *   { from, to, step } / { from, to, count }   a range, ends included (one grid axis)
 *   { factors: [0.5, 1.5], integer? }     the base scenario's value times each factor (one axis)
 *   { dist: uniform, minS, maxS } ...     a distribution (the scenarios' duration form): drawn afresh for every run
 *                                         (Monte Carlo), never a grid axis
 * A key is a scenario path; or a label with `paths: { PATH: { times, plus } }`, which writes plus + times * value to
 * each path (e.g. an outage length in minutes turned into a repair time in seconds).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { durationDist } from '../config/common.ts';
import { packageRoot, parseKeyPath, parseScenarioText, zodProblems } from '../config/load.ts';
import { InputError } from '../errors.ts';
import { outcomeProblems } from './outcomes.ts';

const finite = () => z.number({ error: 'must be a number' }).refine(Number.isFinite, { error: 'must be finite' });
const positiveInt = (max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be >= 1' })
    .max(max, { error: `must be <= ${max}` });

/** How a labelled parameter reaches the scenario: plus + times * value at each path. */
const linkSchema = z.strictObject({ times: finite().default(1), plus: finite().default(0) });

const axisCommon = {
  paths: z.record(z.string(), linkSchema.prefault({})).optional(),
};

const listAxis = z.strictObject({ values: z.array(z.unknown()).min(1, { error: 'must list at least one value' }), ...axisCommon });
const stepAxis = z.strictObject({
  from: finite(),
  to: finite(),
  step: finite().refine((x) => x > 0, { error: 'must be > 0' }),
  ...axisCommon,
});
const countAxis = z.strictObject({ from: finite(), to: finite(), count: positiveInt(10_000), ...axisCommon });
const factorAxis = z.strictObject({
  factors: z.array(finite()).min(1, { error: 'must list at least one factor' }),
  /** Round the scaled value to an integer (fleet sizes, counts). */
  integer: z.boolean().default(false),
  ...axisCommon,
});

export const MAX_SEEDS = 1_000_000;
export const MAX_RUNS = 10_000_000;

export const specSchema = z.strictObject({
  name: z.string().min(1).default('custom'),
  description: z.string().default(''),
  /** The question the sweep answers, shown above its table. */
  question: z.string().default(''),
  /** A built-in scenario name, or a file (relative to the sweep file). */
  base: z.string().min(1, { error: 'must name a scenario' }),
  /** Overrides applied to the base before anything varies (`key.path=value`, as run --set). */
  set: z.array(z.string()).default([]),
  /** The sweep's seed: every run's scenario seed and draws derive from it and the run's replicate index. */
  seed: z
    .number()
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be >= 0' })
    .max(0xffffffff, { error: 'must be <= 4294967295' })
    .default(1),
  /**
   * sweep: replicate r's scenario seed derives from the sweep's seed and r. scenario: it is the base scenario's seed
   * plus r (replicate 0 is the scenario as shipped: for sensitivity around a calibrated run).
   */
  seedFrom: z.enum(['sweep', 'scenario'], { error: 'must be sweep or scenario' }).default('sweep'),
  /** Runs per point. */
  seeds: positiveInt(MAX_SEEDS).default(1),
  /** grid: every combination of the axes. one-at-a-time: the base, then each axis value with the others at the base. */
  design: z.enum(['grid', 'one-at-a-time'], { error: 'must be grid or one-at-a-time' }).default('grid'),
  vary: z.record(z.string(), z.unknown()).default({}),
  /** Metric names from the catalogue (`cascadesim metrics`). */
  metrics: z.array(z.string()).default([]),
  /** Yes/no outcomes per run, by label: share with a 95% Wilson interval per point. */
  outcomes: z.record(z.string(), z.string()).default({}),
  /**
   * An outcome label: metrics, the other outcomes and thresholds are summarised over the runs where it held only
   * (e.g. given: outage, for questions about what an outage does); its own share is over every run.
   */
  given: z.string().nullable().default(null),
  /** Thresholds as in a scenario (metric -> conditions): pass/fail per run, share that held per point. */
  thresholds: z.record(z.string(), z.union([z.string(), z.array(z.unknown())])).default({}),
  report: z
    .strictObject({
      /** Outcome whose "no" marks the metastable region on the heatmaps (e.g. recovered: no = stuck). */
      region: z.string().nullable().default(null),
      /** Axes of the heatmaps (default: the first two grid axes) and of the line charts (default: the first). */
      x: z.string().nullable().default(null),
      y: z.string().nullable().default(null),
      /** Line charts against x, one line per combination of the other parameters, instead of heatmaps. */
      lines: z.boolean().default(false),
    })
    .prefault({}),
});

export type SweepSpecRaw = z.infer<typeof specSchema>;

export type Link = z.infer<typeof linkSchema>;

/** One varied parameter, resolved. */
export type Axis =
  | { kind: 'values'; name: string; values: unknown[]; links: Record<string, Link> | null }
  | { kind: 'factors'; name: string; factors: number[]; integer: boolean; links: Record<string, Link> | null }
  | { kind: 'draw'; name: string; dist: z.infer<typeof durationDist>; links: Record<string, Link> | null };

export interface SweepSpec extends Omit<SweepSpecRaw, 'vary'> {
  axes: Axis[];
  /** Where `base` was found (a file path). */
  baseFile: string;
}

/** Inclusive ranges without float drift: from + i * step, rounded to 12 significant digits. */
export function rangeValues(from: number, to: number, stepOrCount: { step: number } | { count: number }): number[] {
  const tidy = (x: number) => Number(x.toPrecision(12));
  if ('count' in stepOrCount) {
    const n = stepOrCount.count;
    if (n === 1) return [from];
    return Array.from({ length: n }, (_, i) => tidy(from + ((to - from) * i) / (n - 1)));
  }
  const out: number[] = [];
  const dir = to >= from ? 1 : -1;
  for (let i = 0; ; i++) {
    const v = from + dir * i * stepOrCount.step;
    if (dir * (v - to) > 1e-9 * Math.max(1, Math.abs(to))) break;
    out.push(tidy(v));
    if (out.length > 10_000) break;
  }
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPath(p: string, where: string, problems: string[]): void {
  if (!parseKeyPath(p)) problems.push(`${where}: '${p}' is not a scenario path (e.g. dns.faults[0].stallS)`);
}

function parseAxis(name: string, raw: unknown, problems: string[]): Axis | null {
  const where = `vary.${name}`;
  const issues = (r: { success: false; error: z.ZodError }) => {
    for (const p of zodProblems(r.error)) problems.push(`${where}.${p}`.replace('.(scenario)', ''));
  };
  let axis: Axis | null = null;
  let links: Record<string, Link> | null = null;
  if (Array.isArray(raw)) {
    if (raw.length === 0) problems.push(`${where}: must list at least one value`);
    else axis = { kind: 'values', name, values: raw, links: null };
  } else if (isMapping(raw) && 'dist' in raw) {
    const r = durationDist.safeParse(raw);
    if (!r.success) issues(r);
    else axis = { kind: 'draw', name, dist: r.data, links: null };
  } else if (isMapping(raw)) {
    const schema =
      'factors' in raw ? factorAxis : 'values' in raw ? listAxis : 'count' in raw ? countAxis : 'step' in raw ? stepAxis : null;
    if (!schema) {
      problems.push(
        `${where}: must be a list of values, a range { from, to, step | count }, { factors: [...] } or a distribution { dist: ... }`,
      );
      return null;
    }
    const r = schema.safeParse(raw);
    if (!r.success) {
      issues(r);
      return null;
    }
    const d = r.data as Record<string, unknown>;
    links = (d.paths as Record<string, Link> | undefined) ?? null;
    if ('factors' in d) axis = { kind: 'factors', name, factors: d.factors as number[], integer: d.integer as boolean, links };
    else if ('values' in d) axis = { kind: 'values', name, values: d.values as unknown[], links };
    else {
      const values = rangeValues(
        d.from as number,
        d.to as number,
        'count' in d ? { count: d.count as number } : { step: d.step as number },
      );
      if (values.length > 10_000) problems.push(`${where}: more than 10,000 values`);
      axis = { kind: 'values', name, values, links };
    }
  } else {
    problems.push(
      `${where}: must be a list of values, a range { from, to, step | count }, { factors: [...] } or a distribution { dist: ... }`,
    );
  }
  if (!axis) return null;
  if (links) {
    for (const p of Object.keys(links)) checkPath(p, `${where}.paths`, problems);
  } else {
    checkPath(name, where, problems);
  }
  return axis;
}

/** The scenario paths an axis writes, each with its linear map. */
export function axisTargets(a: Axis): [string, Link][] {
  return a.links ? Object.entries(a.links) : [[a.name, { times: 1, plus: 0 }]];
}

/** Resolve `base` against the sweep file's directory first, then the built-in scenarios. */
function resolveBase(base: string, specDir: string | null): string {
  if (specDir) {
    const p = path.resolve(specDir, base);
    if (existsSync(p)) return p;
  }
  return base;
}

/** Validate a raw spec (parsed YAML or built from the command line). */
export function validateSpec(raw: unknown, specDir: string | null, where = 'sweep'): SweepSpec {
  const problems: string[] = [];
  const r = specSchema.safeParse(raw ?? {});
  if (!r.success) throw new InputError(zodProblems(r.error), `invalid ${where}`);
  const { vary, ...rest } = r.data;
  const axes: Axis[] = [];
  for (const [name, v] of Object.entries(vary)) {
    const a = parseAxis(name, v, problems);
    if (a) axes.push(a);
  }
  const names = new Set(axes.map((a) => a.name));
  const grid = axes.filter((a) => a.kind !== 'draw').map((a) => a.name);
  for (const k of ['x', 'y'] as const) {
    const v = rest.report[k];
    if (v !== null && !grid.includes(v))
      problems.push(`report.${k}: '${v}' is not a varied parameter with values (${grid.join(', ') || 'none'})`);
  }
  if (rest.report.region !== null && !Object.hasOwn(rest.outcomes, rest.report.region)) {
    problems.push(`report.region: '${rest.report.region}' is not one of the outcomes (${Object.keys(rest.outcomes).join(', ') || 'none'})`);
  }
  if (rest.given !== null && !Object.hasOwn(rest.outcomes, rest.given)) {
    problems.push(`given: '${rest.given}' is not one of the outcomes (${Object.keys(rest.outcomes).join(', ') || 'none'})`);
  }
  if (names.size !== axes.length) problems.push('vary: a parameter is listed twice');
  problems.push(...outcomeProblems(rest.outcomes));
  if (problems.length > 0) throw new InputError(problems, `invalid ${where}`);
  return { ...rest, axes, baseFile: resolveBase(rest.base, specDir) };
}

/** Directory of the built-in sweeps. */
export function sweepsDir(): string {
  return path.join(packageRoot(), 'sweeps');
}

export function builtinSweeps(): string[] {
  if (!existsSync(sweepsDir())) return [];
  return readdirSync(sweepsDir())
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

/** A sweep file, or the name of a built-in sweep. */
export function resolveSweep(arg: string): string {
  if (existsSync(arg) && !arg.endsWith('/')) return arg;
  for (const ext of ['.yaml', '.yml']) {
    const p = path.join(sweepsDir(), arg + ext);
    if (existsSync(p)) return p;
  }
  throw new InputError(
    [`${arg}: no such file, and no built-in sweep of that name (built-in: ${builtinSweeps().join(', ')})`],
    'unknown sweep',
  );
}

export function readSweepSpec(arg: string): { raw: Record<string, unknown>; file: string } {
  const file = resolveSweep(arg);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError([`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`], 'cannot read sweep');
  }
  const raw = parseScenarioText(text, file);
  if (!isMapping(raw)) throw new InputError([`${file}: (sweep): must be a mapping of keys to values`], 'invalid sweep');
  return { raw, file };
}

/** Values of `--vary PATH=V1,V2,...`: each JSON where it parses, a string otherwise; `PATH=FROM:TO:STEP` is a range. */
export function parseVaryOption(opt: string, problems: string[]): [string, unknown] | null {
  const eq = opt.indexOf('=');
  if (eq <= 0) {
    problems.push(`--vary ${opt}: expected PATH=V1,V2,... or PATH=FROM:TO:STEP`);
    return null;
  }
  const key = opt.slice(0, eq);
  const text = opt.slice(eq + 1);
  const range = /^(-?[\d.]+(?:e[+-]?\d+)?):(-?[\d.]+(?:e[+-]?\d+)?):([\d.]+(?:e[+-]?\d+)?)$/i.exec(text);
  if (range) return [key, { from: Number(range[1]), to: Number(range[2]), step: Number(range[3]) }];
  if (text.trim().startsWith('{') || text.trim().startsWith('[')) {
    try {
      return [key, JSON.parse(text) as unknown];
    } catch {
      problems.push(`--vary ${opt}: not valid JSON`);
      return null;
    }
  }
  const values = splitTopLevel(text).map((v) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  });
  return [key, values];
}

/** Split on commas outside brackets and quotes, so `--vary 'clients.retry.budget=null,{"ratio":0.1}'` works. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inStr) {
      if (ch === '\\') {
        cur += ch + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') inStr = false;
    } else if (ch === '"') inStr = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}
