/**
 * Coordinator side of the client metrics: merge the workers' raw windows into one JSON-able window, and sum
 * windows into the run summary and its phases.
 *
 * Merging adds integer counts (counters and log-linear buckets), so the result does not depend on the number of
 * workers or the order of `raws`. Percentiles of a phase come from the merged histogram of its windows, never
 * from averaging window percentiles.
 */
import {
  CLIENT_COUNTERS,
  CLIENT_COUNTER_COUNT,
  type ClientCounterName,
  type ClientWindowRaw,
  type ErrorClass,
  ClientCounter,
} from './client-counters.ts';
import {
  decodeHistogram,
  type HdrHistogram,
  type LatencyPercentilesMs,
  newLatencyHistogram,
  percentilesMs,
  recordDense,
  sparseSummary,
} from './hdr.ts';
import { startsIn } from '../engine/phases.ts';
import { addSparse, LATENCY_BUCKETS, type SparseCounts, takeSparse } from './loglinear.ts';
import { REGION_COUNTER_COUNT, REGION_COUNTERS, type RegionCounterName } from './region-counters.ts';

export type ErrorCounts = Record<ErrorClass, number>;

export interface ClientWindow {
  index: number;
  fromS: number;
  toS: number;
  counters: Record<ClientCounterName, number>;
  errors: ErrorCounts;
  /** Failed requests / (successes + failed requests): requests whose caller saw an error. */
  errorRate: number;
  /** Failed attempts / attempts. */
  attemptErrorRate: number;
  /** Attempts per request. */
  amplification: number;
  /** Successful requests per second of simulated time. */
  goodputPerS: number;
  latencyMs: { intended: LatencyPercentilesMs; attempt: LatencyPercentilesMs };
  /** The two histograms in the standard HdrHistogram compressed base64 encoding (values in microseconds). */
  hdr: { intended: string; attempt: string };
  /** With scenario `regions` only: the multi-region counts (region-counters.ts). */
  regions?: Record<RegionCounterName, number>;
  /** With scenario `chains` only: per service (chains.services order), its calls' counts. */
  services?: ServiceCounts[];
}

/** One service's calls in a window (scenario `chains`): a call is one hop of a request, with its retries. */
export interface ServiceCounts {
  calls: number;
  failedCalls: number;
  attempts: number;
  failedAttempts: number;
}

/** What the clients did over a span of windows. */
export interface ClientTotals {
  requests: number;
  attempts: number;
  successes: number;
  errors: ErrorCounts;
  errorRate: number;
  amplification: number;
  /** Intended-start (request) latency. */
  latencyMs: LatencyPercentilesMs;
  attemptLatencyMs: LatencyPercentilesMs;
}

export interface PhaseSummary extends ClientTotals {
  name: string;
  fromS: number;
  toS: number;
  /** Windows counted in the phase: those whose start lies in [fromS, toS). */
  windows: number;
}

/** The whole run's totals, and each phase's. */
export interface ClientsSummary extends ClientTotals {
  count: number;
  phases: PhaseSummary[];
}

/**
 * The merged counts ride along on the window object under a symbol: invisible to JSON, they spare the summary
 * from decoding every window's base64 again. Windows read back from a file lack them and get decoded. Sparse: a
 * default run's 480 windows kept two dense 188 KB arrays each (180 MB) where their nonzero buckets take a few KB.
 */
const COUNTS = Symbol('clientWindowCounts');
interface CountsCarrier {
  [COUNTS]?: { intended: SparseCounts; attempt: SparseCounts };
}

/** Reused by mergeSparse: zero between calls. */
const mergeScratch = new Float64Array(LATENCY_BUCKETS);

/**
 * The sum of the workers' sparse counts, as sparse counts (nonzero, index ascending). One worker's are the sum
 * itself; the arrays are shared, never written after the worker made them.
 */
function mergeSparse(parts: SparseCounts[]): SparseCounts {
  if (parts.length === 1) return parts[0];
  let lo = LATENCY_BUCKETS;
  let hi = -1;
  for (const s of parts) {
    const n = s.idx.length;
    if (n === 0) continue;
    addSparse(mergeScratch, s);
    if (s.idx[0] < lo) lo = s.idx[0];
    if (s.idx[n - 1] > hi) hi = s.idx[n - 1];
  }
  // Only [lo, hi] can hold counts: the scan and the zeroing stop there.
  return takeSparse(mergeScratch, lo, hi + 1);
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

function errorCounts(c: ArrayLike<number>): ErrorCounts {
  return {
    'dns-empty': c[ClientCounter.DNS_EMPTY],
    connect: c[ClientCounter.CONNECT],
    timeout: c[ClientCounter.TIMEOUT],
    throttled: c[ClientCounter.THROTTLED],
  };
}

function errorRateOf(c: ArrayLike<number>): number {
  return ratio(c[ClientCounter.FAILED_REQUESTS], c[ClientCounter.SUCCESSES] + c[ClientCounter.FAILED_REQUESTS]);
}

function attemptErrors(c: ArrayLike<number>): number {
  return c[ClientCounter.DNS_EMPTY] + c[ClientCounter.CONNECT] + c[ClientCounter.TIMEOUT] + c[ClientCounter.THROTTLED];
}

/** Merge one window's raw data from every worker (same index). */
export function mergeClientWindows(raws: ClientWindowRaw[]): ClientWindow {
  if (raws.length === 0) throw new Error('mergeClientWindows: no raw windows');
  const { index, fromS, toS } = raws[0];
  const sum = new Float64Array(CLIENT_COUNTER_COUNT);
  for (const r of raws) {
    if (r.index !== index || r.fromS !== fromS || r.toS !== toS) {
      throw new Error(`mergeClientWindows: window ${r.index} [${r.fromS},${r.toS}) mixed with ${index} [${fromS},${toS})`);
    }
    if (r.counters.length !== CLIENT_COUNTER_COUNT) {
      throw new Error(`mergeClientWindows: ${r.counters.length} counters, expected ${CLIENT_COUNTER_COUNT}`);
    }
    for (let k = 0; k < CLIENT_COUNTER_COUNT; k++) sum[k] += r.counters[k];
  }
  const intended = mergeSparse(raws.map((r) => r.latencyIntended));
  const attempt = mergeSparse(raws.map((r) => r.latencyAttempt));
  const hi = sparseSummary(intended);
  const ha = sparseSummary(attempt);
  const counters = {} as Record<ClientCounterName, number>;
  CLIENT_COUNTERS.forEach((name, k) => (counters[name] = sum[k]));
  let regions: Record<RegionCounterName, number> | undefined;
  if (raws.some((r) => r.regions)) {
    const rs = new Float64Array(REGION_COUNTER_COUNT);
    for (const r of raws) if (r.regions) for (let k = 0; k < REGION_COUNTER_COUNT; k++) rs[k] += r.regions[k];
    regions = {} as Record<RegionCounterName, number>;
    for (let k = 0; k < REGION_COUNTER_COUNT; k++) regions[REGION_COUNTERS[k]] = rs[k];
  }
  let services: ServiceCounts[] | undefined;
  const withServices = raws.find((r) => r.services);
  if (withServices?.services) {
    const ss = new Float64Array(withServices.services.length);
    for (const r of raws) if (r.services) for (let k = 0; k < ss.length; k++) ss[k] += r.services[k];
    services = [];
    for (let k = 0; k + 3 < ss.length; k += 4)
      services.push({ calls: ss[k], failedCalls: ss[k + 1], attempts: ss[k + 2], failedAttempts: ss[k + 3] });
  }
  const w: ClientWindow = {
    index,
    fromS,
    toS,
    counters,
    errors: errorCounts(sum),
    errorRate: errorRateOf(sum),
    attemptErrorRate: ratio(attemptErrors(sum), sum[ClientCounter.ATTEMPTS]),
    amplification: ratio(sum[ClientCounter.ATTEMPTS], sum[ClientCounter.REQUESTS]),
    goodputPerS: ratio(sum[ClientCounter.SUCCESSES], toS - fromS),
    latencyMs: { intended: hi.latencyMs, attempt: ha.latencyMs },
    hdr: { intended: hi.hdr, attempt: ha.hdr },
    ...(regions ? { regions } : {}),
    ...(services ? { services } : {}),
  };
  Object.defineProperty(w, COUNTS, { value: { intended, attempt }, enumerable: false });
  return w;
}

/** Accumulates windows: counters by sum, histograms by merging (hdr-histogram-js add for decoded windows). */
class WindowAccumulator {
  readonly sum = new Float64Array(CLIENT_COUNTER_COUNT);
  private readonly denseIntended = new Float64Array(LATENCY_BUCKETS);
  private readonly denseAttempt = new Float64Array(LATENCY_BUCKETS);
  private decodedIntended: HdrHistogram | null = null;
  private decodedAttempt: HdrHistogram | null = null;
  windows = 0;

  add(w: ClientWindow): void {
    this.windows++;
    CLIENT_COUNTERS.forEach((name, k) => (this.sum[k] += w.counters[name]));
    const counts = (w as CountsCarrier)[COUNTS];
    if (counts) {
      addSparse(this.denseIntended, counts.intended);
      addSparse(this.denseAttempt, counts.attempt);
    } else {
      (this.decodedIntended ??= newLatencyHistogram()).add(decodeHistogram(w.hdr.intended));
      (this.decodedAttempt ??= newLatencyHistogram()).add(decodeHistogram(w.hdr.attempt));
    }
  }

  histograms(): { intended: HdrHistogram; attempt: HdrHistogram } {
    const intended = recordDense(newLatencyHistogram(), this.denseIntended);
    const attempt = recordDense(newLatencyHistogram(), this.denseAttempt);
    if (this.decodedIntended) intended.add(this.decodedIntended);
    if (this.decodedAttempt) attempt.add(this.decodedAttempt);
    return { intended, attempt };
  }
}

/**
 * The `clients` block of the run summary. A window belongs to the phase its start lies in; phase boundaries
 * that are not window boundaries are thus rounded to the window that holds them.
 */
export function summarizeClients(
  count: number,
  windows: ClientWindow[],
  phases: { name: string; fromS: number; toS: number }[],
): ClientsSummary {
  const all = new WindowAccumulator();
  const per = phases.map(() => new WindowAccumulator());
  for (const w of windows) {
    all.add(w);
    phases.forEach((p, k) => {
      if (startsIn(w, p)) per[k].add(w);
    });
  }
  const h = all.histograms();
  const s = all.sum;
  return {
    count,
    requests: s[ClientCounter.REQUESTS],
    attempts: s[ClientCounter.ATTEMPTS],
    successes: s[ClientCounter.SUCCESSES],
    errors: errorCounts(s),
    errorRate: errorRateOf(s),
    amplification: ratio(s[ClientCounter.ATTEMPTS], s[ClientCounter.REQUESTS]),
    latencyMs: percentilesMs(h.intended),
    attemptLatencyMs: percentilesMs(h.attempt),
    phases: phases.map((p, k) => {
      const a = per[k];
      const ph = a.histograms();
      return {
        name: p.name,
        fromS: p.fromS,
        toS: p.toS,
        windows: a.windows,
        requests: a.sum[ClientCounter.REQUESTS],
        attempts: a.sum[ClientCounter.ATTEMPTS],
        successes: a.sum[ClientCounter.SUCCESSES],
        errors: errorCounts(a.sum),
        errorRate: errorRateOf(a.sum),
        amplification: ratio(a.sum[ClientCounter.ATTEMPTS], a.sum[ClientCounter.REQUESTS]),
        latencyMs: percentilesMs(ph.intended),
        attemptLatencyMs: percentilesMs(ph.attempt),
      };
    }),
  };
}
