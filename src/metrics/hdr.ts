/**
 * Hand-off from the hot path's log-linear counts to hdr-histogram-js (coordinator side, once per window):
 * percentiles, merging and the standard compressed-base64 HdrHistogram encoding.
 *
 * The JS build with 64-bit buckets: int32 buckets overflow silently past 2^32 counts (packages.md, bug 1), and the
 * WebAssembly build would need initialising and destroy() for a handful of calls per window.
 *
 * A default run hands over 960 window histograms, so the work around the library is kept small: the windows share
 * one histogram that the library's reset() empties (not a fresh 188 KB counts array each) and take only their
 * nonzero buckets, by index (sparseSummary); recordDense takes each bucket's value from a table, not a pow. The
 * library still holds the counts and computes the percentiles and the encoding.
 */
import * as hdr from 'hdr-histogram-js';
import { LATENCY_BUCKETS, LATENCY_DIGITS, LATENCY_LOWEST_US, type SparseCounts, valueFromIndex, Latency } from './loglinear.ts';

export type HdrHistogram = hdr.Histogram;

export interface LatencyPercentilesMs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

/** An empty histogram with the geometry the log-linear counts use. */
export function newLatencyHistogram(): HdrHistogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: LATENCY_LOWEST_US,
    highestTrackableValue: Latency.MAX_US,
    numberOfSignificantValueDigits: LATENCY_DIGITS,
    useWebAssembly: false,
  });
}

/** valueFromIndex of every bucket: the same doubles (integers below 2^53, stored exactly), without the pow. */
export const BUCKET_VALUES_US: Float64Array = Float64Array.from({ length: LATENCY_BUCKETS }, (_, i) => valueFromIndex(i));

/** Record dense integer counts (one per bucket index) into `h`. */
export function recordDense(h: HdrHistogram, counts: Float64Array | Uint32Array): HdrHistogram {
  const n = Math.min(counts.length, LATENCY_BUCKETS);
  for (let i = 0; i < n; i++) {
    const c = counts[i];
    if (c !== 0) h.recordValueWithCount(BUCKET_VALUES_US[i], c);
  }
  return h;
}

/**
 * p50 … p99.99 and max in milliseconds, as hdr-histogram-js reports them (each the highest value equivalent to
 * its bucket, so never below the true value). All zero for an empty histogram.
 */
export function percentilesMs(h: HdrHistogram): LatencyPercentilesMs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0 };
  return {
    p50: h.getValueAtPercentile(50) / 1000,
    p90: h.getValueAtPercentile(90) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
    p9999: h.getValueAtPercentile(99.99) / 1000,
    // Percentile 100 rather than maxValue: the JS build's maxValue is the bucket's lowest value when filled by
    // recordValueWithCount, while a histogram fed raw values reports the bucket's highest; p100 agrees for both.
    max: h.getValueAtPercentile(100) / 1000,
  };
}

export function encodeHistogram(h: HdrHistogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(base64: string): HdrHistogram {
  return hdr.decodeFromCompressedBase64(base64, 64, false);
}

/** The one histogram window hand-offs fill: reset before each use, never handed out. */
let scratch: hdr.JsHistogram | null = null;

/**
 * percentilesMs and encodeHistogram of the histogram holding these counts (index ascending, as SparseCounts are),
 * through a histogram shared by every call and emptied by reset() first. The counts go in by bucket index, the
 * way the library's own decoder fills a histogram (addToCountAtIndex, then establishInternalTackingValues for the
 * total and the extremes): the indices are already the library's (test/metrics-histograms.test.ts), and its
 * recordValueWithCount would take them back through a log2 and a pow for each of a default run's ~3.8 million
 * window buckets, about ten times as long. Same percentiles and bytes as a fresh histogram filled value by value
 * (the tracked max differs only within its bucket, and the encoding reads its bucket), tested so.
 */
export function sparseSummary(s: SparseCounts): { latencyMs: LatencyPercentilesMs; hdr: string } {
  if (!scratch) {
    const h = newLatencyHistogram();
    if (!(h instanceof hdr.JsHistogram)) throw new Error('hdr.ts: expected the JS histogram build');
    scratch = h;
  }
  const h = scratch;
  h.reset();
  const { idx, count } = s;
  const n = idx.length;
  for (let k = 0; k < n; k++) if (count[k] !== 0) h.addToCountAtIndex(idx[k], count[k]);
  // Only up to the last bucket: the rest is zero since reset().
  h.establishInternalTackingValues(n > 0 ? idx[n - 1] + 1 : 0);
  return { latencyMs: percentilesMs(h), hdr: encodeHistogram(h) };
}
