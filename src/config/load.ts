/**
 * Finding, reading, overriding and validating scenarios. Every problem is reported with its path
 * (`dns.planner.periodS: must be > 0`), all at once, as an InputError (exit code 2).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.ts';
import { thresholdIssues } from '../gates/thresholds.ts';
import { scopeOf } from '../metrics/catalogue.ts';
import { clip, MAX_SCENARIO_BYTES, readTextCapped } from '../io/input.ts';
import { scenarioSchema, type Scenario } from './schema.ts';
import { thresholdsSchema } from './thresholds-schema.ts';

export const DEFAULT_SCENARIO = 'dns-race';

/** The package root: where package.json and scenarios/ live, from src/ (tsx) or from dist/ (bundle). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scenarios'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the cascadesim package root (package.json beside scenarios/)');
}

export function builtinScenarios(): string[] {
  return readdirSync(path.join(packageRoot(), 'scenarios'))
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .map((f) => f.replace(/\.(ya?ml|json)$/, ''))
    .sort();
}

/** What a built-in scenario's name may look like: a plain name, never a path (`../package` is not one). */
const BUILTIN_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** A path to an existing file, or the name of a built-in scenario. */
export function resolveScenario(arg: string | undefined): string {
  const name = arg ?? DEFAULT_SCENARIO;
  if (existsSync(name)) return name;
  if (BUILTIN_NAME.test(name) && builtinScenarios().includes(name)) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const p = path.join(packageRoot(), 'scenarios', name + ext);
      if (existsSync(p)) return p;
    }
  }
  throw new InputError(
    [`${name}: no such file, and no built-in scenario of that name (built-in: ${builtinScenarios().join(', ')})`],
    'unknown scenario',
  );
}

/** Aliases one YAML document may expand: the shipped scenarios use none; a "billion laughs" document uses millions. */
const MAX_YAML_ALIASES = 100;

export function parseScenarioText(text: string, file: string): unknown {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new InputError([`${file}: ${clip((err as Error).message)}`], 'invalid JSON');
    }
  }
  try {
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
      throw new InputError(
        doc.errors.map((e) => `${file}: ${clip(e.message.split('\n')[0])}`),
        'invalid YAML',
      );
    }
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
  } catch (err) {
    if (err instanceof InputError) throw err;
    // The yaml package throws for alias bombs ("Excessive alias count") and a nesting too deep for the stack.
    throw new InputError([`${file}: ${clip((err as Error).message.split('\n')[0])}`], 'invalid YAML');
  }
}

/**
 * Read a scenario file (capped, a byte-order mark dropped) into the mapping it holds. An empty file (or
 * /dev/null) is refused rather than run as a scenario of all defaults that nobody wrote.
 */
export function readScenarioFile(file: string): Record<string, unknown> {
  const text = readTextCapped(file, MAX_SCENARIO_BYTES, 'cannot read scenario');
  const heading = `invalid scenario ${path.basename(file)}`;
  const parsed = text.trim() === '' ? null : parseScenarioText(text, file);
  if (parsed === null || parsed === undefined)
    throw new InputError([`${file}: empty, no scenario in it (write {} for a scenario of all defaults)`], heading);
  // Overrides apply to a mapping only: a file holding a bare string must not turn into the default scenario.
  if (!isMapping(parsed)) throw new InputError([`${file}: (scenario): must be a mapping of keys to values`], heading);
  return parsed;
}

type Seg = string | number;

/** `dns.faults[0].atS` or `dns.faults.0.atS` -> ['dns', 'faults', 0, 'atS']. */
export function parseKeyPath(key: string): Seg[] | null {
  const segs: Seg[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return null;
    if (m[1] !== '') segs.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    else if (m[2] === '') return null;
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]));
  }
  return segs.length > 0 ? segs : null;
}

export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(scenario)' : out;
}

/** Values of --set are JSON where they parse as JSON, strings otherwise. */
function parseSetValue(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** Keys that would reach Object.prototype instead of the scenario. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Can `seg` be set in `node`? A list takes an index up to its length (the length itself appends), never a name
 * (`dns.faults.x` would be an array property that validation never sees) nor an index far past its end (a hole
 * of a hundred million items). A mapping takes a name, not an index.
 */
function segProblem(node: object, seg: Seg, before: Seg[]): string | null {
  const where = formatPath(before);
  if (Array.isArray(node)) {
    if (typeof seg !== 'number') return `${where} is a list: index it with a number, e.g. ${where}[0]`;
    if (seg > node.length) {
      return `index ${seg} is out of range: ${where} has ${node.length} item${node.length === 1 ? '' : 's'} ([${node.length}] appends one)`;
    }
    return null;
  }
  if (typeof seg === 'number') return `${where} is not a list (no index [${seg}])`;
  return null;
}

/** Apply `key.path=value` overrides to a raw scenario object. Problems are collected, not thrown. */
export function applySets(raw: Record<string, unknown>, sets: string[], problems: string[]): Record<string, unknown> {
  const root = raw;
  for (const set of sets) {
    const eq = set.indexOf('=');
    const segs = eq > 0 ? parseKeyPath(set.slice(0, eq)) : null;
    if (!segs) {
      problems.push(`--set ${set}: expected key.path=value`);
      continue;
    }
    if (segs.some((seg) => FORBIDDEN_KEYS.has(String(seg)))) {
      problems.push(`--set ${set}: ${formatPath(segs)} is not a scenario key`);
      continue;
    }
    const value = parseSetValue(set.slice(eq + 1));
    let node = root as Record<Seg, unknown>;
    let problem: string | null = null;
    for (let i = 0; i < segs.length && problem === null; i++) {
      problem = segProblem(node, segs[i], segs.slice(0, i));
      if (problem !== null || i === segs.length - 1) break;
      const seg = segs[i];
      let child = Object.hasOwn(node, seg) ? node[seg] : undefined;
      if (child === undefined || child === null) {
        child = typeof segs[i + 1] === 'number' ? [] : {};
        node[seg] = child;
      }
      if (typeof child !== 'object') problem = `${formatPath(segs.slice(0, i + 1))} is not an object or a list`;
      node = child as Record<Seg, unknown>;
    }
    if (problem !== null) problems.push(`--set ${clip(set, 120)}: ${problem}`);
    else node[segs[segs.length - 1]] = value;
  }
  return root;
}

export function zodProblems(err: z.ZodError): string[] {
  const out: string[] = [];
  for (const issue of err.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push(`${formatPath([...issue.path, k])}: unknown key`);
    } else {
      out.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return out;
}

export function validateScenario(raw: unknown, where = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(raw ?? {});
  // Thresholds name catalogue metrics (and the scenario's services): checked here, beside the schema's own
  // problems, so all are listed at once.
  const t = isMapping(raw) ? thresholdsSchema.safeParse(raw.thresholds ?? {}) : null;
  const problems = [
    ...(r.success ? [] : zodProblems(r.error)),
    ...(t?.success
      ? thresholdIssues(t.data, r.success ? scopeOf(r.data) : undefined).map((i) => `${formatPath(['thresholds', ...i.at])}: ${i.message}`)
      : []),
  ];
  if (problems.length > 0 || !r.success) throw new InputError(problems, `invalid ${where}`);
  return r.data;
}

export interface LoadOptions {
  sets?: string[];
  seed?: number;
}

/** Read a scenario by name or path, apply overrides, validate. */
export function loadScenario(arg: string | undefined, opts: LoadOptions = {}): { scenario: Scenario; file: string } {
  const file = resolveScenario(arg);
  const parsed = readScenarioFile(file);
  const problems: string[] = [];
  const raw = applySets(parsed, opts.sets ?? [], problems);
  if (opts.seed !== undefined) raw.seed = opts.seed;
  let scenario: Scenario | null = null;
  try {
    scenario = validateScenario(raw, `scenario ${path.basename(file)}`);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !scenario) throw new InputError(problems, `invalid scenario ${path.basename(file)}`);
  return { scenario, file };
}

export function scenarioToYaml(s: Scenario): string {
  return YAML.stringify(s, { lineWidth: 0 });
}
