/**
 * HDR-compatible log-linear latency counts in plain typed arrays, for the hot path.
 *
 * The bucket index of a value is EXACTLY HdrHistogram's counts-array index for a histogram with
 * lowestDiscernibleValue 1, highestTrackableValue Latency.MAX_US (one hour in microseconds) and 3 significant
 * digits: 2048 sub-buckets, the first bucket at unit resolution, each further bucket doubling the unit. So a
 * bucket converts to hdr-histogram-js losslessly by recordValueWithCount(valueFromIndex(i), count), and merging
 * (adding counts per index) commutes with the conversion. Recording is one clz32, two shifts and an increment,
 * against ~150 ns for hdr-histogram-js's JS recordValue (performance.md).
 *
 * Values are whole microseconds (truncated, as HdrHistogram users do with integer clocks); values above the
 * hour are clamped to it (the reported max then reads "at least an hour").
 */

/** Significant decimal digits: relative bucket width <= 1/1024 (~0.1%) above 2048 us. */
export const LATENCY_DIGITS = 3;
export const LATENCY_LOWEST_US = 1;
// An enum so that the bundle inlines its members in the hot loops (see Rec in model/clients/records.ts).
export enum Latency {
  /** One hour. Anything longer is clamped: a request waiting an hour is already a total outage. */
  MAX_US = 3_600_000_000,
}

// HdrHistogram geometry for (1, Latency.MAX_US, 3): largestValueWithSingleUnitResolution = 2000,
// subBucketCountMagnitude = ceil(log2(2000)) = 11, subBucketHalfCountMagnitude = 10, unitMagnitude = 0.
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK = 2 * SUB_BUCKET_HALF_COUNT - 1;
/** 31 - subBucketHalfCountMagnitude: bucketIndex = floor(log2(v | mask)) - 10 = 21 - clz32(v | mask). */
const CLZ_BASE = 31 - SUB_BUCKET_HALF_COUNT_MAGNITUDE;

function bucketsNeeded(highest: number): number {
  let smallestUntrackable = 2 * SUB_BUCKET_HALF_COUNT;
  let n = 1;
  while (smallestUntrackable <= highest) {
    smallestUntrackable *= 2;
    n++;
  }
  return n;
}

/** HdrHistogram's countsArrayLength for the geometry above (23552). */
export const LATENCY_BUCKETS = (bucketsNeeded(Latency.MAX_US) + 1) * SUB_BUCKET_HALF_COUNT;

/**
 * Counts-array index of a latency in microseconds (a non-negative number; fractions truncated, clamped to the
 * hour). The hot loops inline this same expression; this is the reference they must agree with.
 */
export function latencyIndexUs(valueUs: number): number {
  const u = (valueUs < Latency.MAX_US ? valueUs : Latency.MAX_US) >>> 0;
  const b = CLZ_BASE - Math.clz32(u | SUB_BUCKET_MASK);
  // The mask changes nothing (u >>> b has at most 11 bits); the hot loops write it to spare an overflow check.
  return (b << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + ((u >>> b) & SUB_BUCKET_MASK);
}

/** Index of a latency given in seconds: what the client loop records. */
export function latencyIndexS(valueS: number): number {
  return latencyIndexUs(valueS * 1e6);
}

/** Lowest value (us) that lands in bucket `index`: HdrHistogram's valueFromIndex. */
export function valueFromIndex(index: number): number {
  let bucketIndex = (index >>> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
  let subBucketIndex = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucketIndex < 0) {
    subBucketIndex -= SUB_BUCKET_HALF_COUNT;
    bucketIndex = 0;
  }
  return subBucketIndex * 2 ** bucketIndex;
}

/** Nonzero buckets of a log-linear count array, index ascending. Counts are integers. */
export interface SparseCounts {
  idx: Uint32Array;
  count: Float64Array;
}

/** Nonzero entries of `counts` (those in [from, to) only: the others must be zero), then zero them (a window closes). */
export function takeSparse(counts: Uint32Array | Float64Array, from = 0, to = counts.length): SparseCounts {
  let n = 0;
  for (let i = from; i < to; i++) if (counts[i] !== 0) n++;
  const idx = new Uint32Array(n);
  const count = new Float64Array(n);
  let k = 0;
  for (let i = from; i < to; i++) {
    const c = counts[i];
    if (c !== 0) {
      idx[k] = i;
      count[k] = c;
      k++;
      counts[i] = 0;
    }
  }
  return { idx, count };
}

/** Add sparse counts into a dense Float64 array of LATENCY_BUCKETS (integer adds: exact below 2^53). */
export function addSparse(into: Float64Array, s: SparseCounts): void {
  for (let k = 0; k < s.idx.length; k++) into[s.idx[k]] += s.count[k];
}

/** Sum of the counts. */
export function sparseTotal(s: SparseCounts): number {
  let t = 0;
  for (let k = 0; k < s.count.length; k++) t += s.count[k];
  return t;
}

/** A small recorder for tests, tools and low-rate callers (the client loop inlines the index instead). */
export class LogLinearCounts {
  readonly counts = new Uint32Array(LATENCY_BUCKETS);

  recordUs(valueUs: number): void {
    this.counts[latencyIndexUs(valueUs)]++;
  }

  recordS(valueS: number): void {
    this.counts[latencyIndexUs(valueS * 1e6)]++;
  }

  take(): SparseCounts {
    return takeSparse(this.counts);
  }
}
