/**
 * The command that replays a result: the built-in scenario it started from, its seed, and one --set for every
 * value the run changed. A result only records the scenario as run, so the --set list is rebuilt by comparing
 * it with the built-in scenario of the same name; replaying gives the same digest.
 */
import { builtinScenarios, loadScenario } from '../config/load.ts';
import type { RunResult } from '../engine/result.ts';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A --set value: bare when --set would read it back as the same string, JSON otherwise. */
function setValue(v: unknown): string {
  if (typeof v === 'string') {
    try {
      JSON.parse(v);
      return JSON.stringify(v);
    } catch {
      return v;
    }
  }
  return JSON.stringify(v);
}

function shellQuote(s: string): string {
  return /^[\w./:=,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** key.path=value overrides turning `base` into `run`; null when one cannot express it (a key removed). */
export function diffSets(base: unknown, run: unknown, prefix = ''): string[] | null {
  if (JSON.stringify(base) === JSON.stringify(run)) return [];
  if (isPlainObject(base) && isPlainObject(run)) {
    const out: string[] = [];
    for (const k of Object.keys(base)) if (!(k in run)) return null;
    for (const k of Object.keys(run)) {
      const path = prefix ? `${prefix}.${k}` : k;
      const sub = k in base ? diffSets(base[k], run[k], path) : [`${path}=${setValue(run[k])}`];
      if (sub === null) return null;
      out.push(...sub);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(run) && base.length === run.length) {
    const out: string[] = [];
    for (let i = 0; i < run.length; i++) {
      const sub = diffSets(base[i], run[i], `${prefix}[${i}]`);
      if (sub === null) return null;
      out.push(...sub);
    }
    return out;
  }
  // Different kinds, or lists of different lengths: set the whole value.
  return [`${prefix}=${setValue(run)}`];
}

/** `cascadesim run NAME --seed N [--set ...]`, or null when the result did not start from a built-in scenario. */
export function replayCommand(r: RunResult): string | null {
  const name = r.scenario.name;
  if (!builtinScenarios().includes(name)) return null;
  let base: unknown;
  try {
    base = loadScenario(name, { seed: r.seed }).scenario;
  } catch {
    return null;
  }
  const sets = diffSets(base, r.scenario);
  if (sets === null) return null;
  return ['cascadesim run', name, '--seed', String(r.seed), ...sets.map((s) => `--set ${shellQuote(s)}`)].join(' ');
}
