/**
 * The little language of gates: threshold conditions (`< 0.05`, `<= 250ms`, `== 0`, `< 2%`) and baseline
 * conditions (`> +10%`, `> +0.01`, `>= +30s`), parsed against the metric's unit from the catalogue so that
 * `250ms` on a metric in seconds means 0.25 and `5%` on a ratio means 0.05.
 */
/** A metric's unit, as the catalogue names it: 'ratio' | 'count' | 's' | 'ms' | 'x' | 'bool' | 'per_s'. */
export type MetricUnit = string;

export const OPERATORS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  op: Operator;
  /** The limit in the metric's own unit. */
  value: number;
  /** As written, for tables and messages. */
  text: string;
}

/** A baseline condition: the limit is the baseline's value changed by `delta` (or scaled, for `%`). */
export interface RelativeCondition {
  op: Operator;
  /** 'add': limit = base + amount; 'scale': limit = base * (1 + amount); 'absolute': limit = amount. */
  mode: 'add' | 'scale' | 'absolute';
  amount: number;
  text: string;
}

/** Seconds per time suffix. */
const TIME_S: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, min: 60, h: 3600 };

const CONDITION = /^\s*(<=|>=|==|!=|<|>)\s*([+-]?)\s*((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-z%]*)\s*$/i;

export function compare(v: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '<':
      return v < limit;
    case '<=':
      return v <= limit;
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
    case '==':
      return v === limit;
    case '!=':
      return v !== limit;
  }
}

/** A number with an optional unit suffix, converted to `unit`; an Error naming `text` when they do not fit. */
function convert(n: number, suffix: string, unit: MetricUnit, text: string): number {
  const s = suffix.toLowerCase();
  const bad = (why: string) => new Error(`${JSON.stringify(text)}: ${why}`);
  if (s === '') return n;
  if (Object.hasOwn(TIME_S, s)) {
    if (unit === 's') return n * TIME_S[s];
    if (unit === 'ms') return (n * TIME_S[s]) / 1e-3;
    throw bad(`${suffix} is a time, but the metric is in ${unit}`);
  }
  if (s === '%') {
    if (unit === 'ratio') return n / 100;
    throw bad(`% is for ratios only (this metric is in ${unit})`);
  }
  if (s === 'x' && unit === 'x') return n;
  throw bad(`${suffix}: unknown unit (ms, s, m, h for times, % for ratios)`);
}

function syntaxHelp(what: string): string {
  return `${what}: expected an operator (${OPERATORS.join(' ')}) and a number with an optional unit, e.g. "< 0.05", "<= 250ms", "== 0", "< 2%"`;
}

/**
 * A threshold condition on a metric of `unit`: an absolute limit, negative ones included (`> -30s`). A `+` is
 * refused: it means "relative to the baseline" in baseline gates, which a threshold has not got. Throws a one-line
 * message (Error) when malformed.
 */
export function parseCondition(text: string, unit: MetricUnit): Condition {
  const m = CONDITION.exec(text);
  if (!m) throw new Error(syntaxHelp(JSON.stringify(text)));
  if (m[2] === '+')
    throw new Error(`${JSON.stringify(text)}: a + limit is relative to a baseline (compare --fail-if); a threshold takes an absolute one`);
  const sign = m[2] === '-' ? -1 : 1;
  return { op: m[1] as Operator, value: sign * convert(Number(m[3]), m[4], unit, text), text: `${m[1]} ${m[2]}${m[3]}${m[4]}` };
}

/**
 * A baseline condition. With a sign the limit is relative to the baseline: `+10%` is 10% above it (its value
 * times 1.1), `+0.01` or `+30s` adds that amount in the metric's unit; `-5%` is 5% below. Without a sign it is an
 * absolute limit on the new run's value, as in a threshold.
 */
export function parseRelativeCondition(text: string, unit: MetricUnit): RelativeCondition {
  const m = CONDITION.exec(text);
  if (!m) throw new Error(syntaxHelp(JSON.stringify(text)).replace('e.g.', 'e.g. "> +10%", "> +0.01",'));
  const op = m[1] as Operator;
  const sign = m[2] === '-' ? -1 : 1;
  const n = Number(m[3]);
  const trimmed = `${op} ${m[2]}${m[3]}${m[4]}`;
  if (m[2] === '') return { op, mode: 'absolute', amount: convert(n, m[4], unit, text), text: trimmed };
  if (m[4] === '%') return { op, mode: 'scale', amount: (sign * n) / 100, text: trimmed };
  return { op, mode: 'add', amount: sign * convert(n, m[4], unit, text), text: trimmed };
}

export function relativeLimit(c: RelativeCondition, base: number): number {
  if (c.mode === 'absolute') return c.amount;
  if (c.mode === 'add') return base + c.amount;
  return base * (1 + c.amount);
}

/**
 * `METRIC<VALUE` (the command-line form): the metric name and the condition. Names are dotted identifiers, so
 * the first operator character ends the name.
 */
export function splitMetricCondition(text: string): { metric: string; condition: string } | null {
  const m = /^\s*([A-Za-z][\w.-]*?)\s*((?:<=|>=|==|!=|<|>).*)$/.exec(text);
  return m ? { metric: m[1], condition: m[2] } : null;
}

/**
 * Can a condition on a metric that only grows during a run (a count, an accumulated time) no longer hold once the
 * metric has reached `v`? Only upper bounds can be decided early: a lower bound may still be met later.
 */
export function failsForGood(v: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '<':
      return v >= limit;
    case '<=':
    case '==':
      return v > limit;
    default:
      return false;
  }
}
