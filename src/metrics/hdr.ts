/**
 * Hand-off from the hot path's log-linear counts to hdr-histogram-js (coordinator side, once per window):
 * percentiles, merging and the standard compressed-base64 HdrHistogram encoding.
 *
 * The JS build with 64-bit buckets: int32 buckets overflow silently past 2^32 counts (packages.md, bug 1), and the
 * WebAssembly build would need initialising and destroy() for a handful of calls per window.
 *
 * A default run hands over 960 window histograms, so the work around the library is kept small: each bucket's
 * value comes from a table (not a pow per recorded bucket), only nonzero buckets are recorded, and the windows
 * share one histogram that the library's reset() empties (not a fresh 188 KB counts array each). The library
 * still does the recording, the percentiles and the encoding.
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

/** Record sparse counts into `h` (zero counts are skipped: recording them would only move nothing). */
export function recordSparse(h: HdrHistogram, s: SparseCounts): HdrHistogram {
  for (let k = 0; k < s.idx.length; k++) {
    const c = s.count[k];
    if (c !== 0) h.recordValueWithCount(BUCKET_VALUES_US[s.idx[k]], c);
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
let scratch: HdrHistogram | null = null;

/**
 * percentilesMs and encodeHistogram of the histogram holding these counts, through a histogram shared by every
 * call and emptied by reset() first: what a fresh histogram filled by recordSparse gives, without allocating one.
 */
export function sparseSummary(s: SparseCounts): { latencyMs: LatencyPercentilesMs; hdr: string } {
  const h = (scratch ??= newLatencyHistogram());
  h.reset();
  recordSparse(h, s);
  return { latencyMs: percentilesMs(h), hdr: encodeHistogram(h) };
}
