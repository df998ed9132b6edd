/**
 * Number formatting shared by the terminal tables and the HTML report: one place decides how a share, a count,
 * a latency or a duration reads, so the two outputs never disagree.
 */

/** Three significant digits (trailing zeros kept: they say how precise the figure is), never in exponent notation. */
export function sig3(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(a)));
  return x.toFixed(digits);
}

/** A count: exact with separators below 100k, then 3 significant digits with k/M/G. */
export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a < 100_000) return Math.round(n).toLocaleString('en-US');
  if (a < 1e6) return `${sig3(n / 1e3)}k`;
  if (a < 1e9) return `${sig3(n / 1e6)}M`;
  return `${sig3(n / 1e9)}G`;
}

/** A share in [0, 1] as a percentage; tiny non-zero shares stay visible instead of rounding to 0%. */
export function fmtPct(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '-';
  if (share === 0) return '0%';
  const p = share * 100;
  if (Math.abs(p) < 0.001) return p > 0 ? '<0.001%' : '>-0.001%';
  return `${sig3(p)}%`;
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  return sig3(ms);
}

export function fmtRatio(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return sig3(x);
}

/** A span of simulated time: seconds below 2 min, minutes below 2 h, then hours and minutes. */
export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '-';
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(s);
  if (a < 120) return `${sign}${sig3(a)} s`;
  if (a < 7200) return `${sign}${(a / 60).toFixed(1)} min`;
  const h = Math.floor(a / 3600);
  const m = Math.round((a - h * 3600) / 60);
  return `${sign}${h} h ${String(m).padStart(2, '0')} min`;
}

/** Elapsed simulated time as h:mm:ss (whole seconds) or with milliseconds. */
export function fmtElapsed(s: number, millis = false): string {
  const sign = s < 0 ? '-' : '';
  let a = Math.abs(s);
  const h = Math.floor(a / 3600);
  a -= h * 3600;
  const m = Math.floor(a / 60);
  a -= m * 60;
  const sec = millis ? a.toFixed(3).padStart(6, '0') : String(Math.floor(a)).padStart(2, '0');
  return `${sign}${h}:${String(m).padStart(2, '0')}:${sec}`;
}

/** Signed difference B - A, with the relative change when A is non-zero. */
export function fmtDelta(a: number | null, b: number | null, fmt: (x: number) => string): string {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return '-';
  const d = b - a;
  if (d === 0) return '=';
  const abs = `${d > 0 ? '+' : '-'}${fmt(Math.abs(d))}`;
  if (a === 0) return abs;
  const rel = (d / Math.abs(a)) * 100;
  // Past +1000% a factor reads better than a percentage ("12x" rather than "+1100%").
  if (rel >= 1000 && a > 0) return `${abs} (${sig3(b / a)}x)`;
  return `${abs} (${rel > 0 ? '+' : ''}${sig3(rel)}%)`;
}
