/** Summaries across the seeds of a point: quantiles of a metric, and shares with their confidence intervals. */

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval for k successes in n trials (95%). Unlike the normal approximation it stays inside [0, 1]
 * and is useful at k = 0: 0 of 1,000 gives [0, 0.38%], not [0, 0].
 */
export function wilson(k: number, n: number, z = Z95): { lo: number; hi: number } {
  if (n === 0) return { lo: 0, hi: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At k = 0 or k = n the bound is exactly 0 or 1; floating point would leave 1e-17.
  return { lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}

/** Quantile q of sorted values, linear interpolation between closest ranks (Hyndman-Fan type 7, as R and numpy). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface Spread {
  /** Runs with a value (the metric applies). */
  n: number;
  median: number | null;
  p5: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
}

export function spreadOf(values: readonly (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, median: null, p5: null, p95: null, min: null, max: null };
  return {
    n: v.length,
    median: quantileSorted(v, 0.5),
    p5: quantileSorted(v, 0.05),
    p95: quantileSorted(v, 0.95),
    min: v[0],
    max: v[v.length - 1],
  };
}

export interface Share {
  yes: number;
  n: number;
  share: number | null;
  lo: number;
  hi: number;
}

export function shareOf(flags: readonly boolean[]): Share {
  const yes = flags.filter(Boolean).length;
  const n = flags.length;
  return { yes, n, share: n > 0 ? yes / n : null, ...wilson(yes, n) };
}
