/**
 * A log-bucketed histogram of durations in a Float64Array, for per-window percentiles of the EC2 model
 * (lease establishment latency, propagation delay, launch-to-connectivity).
 *
 * Models: nothing of the incident. Leaves out: exact values (8 buckets per doubling: a quantile is off by at most
 * ~9%) and hdr-histogram-js encoding (the EC2 model records at most a few thousand values per epoch, and reports
 * quantiles, not histograms). Weighted adds let one record stand for a batch of equal values.
 */

const MIN_S = 1e-3;
const SUB = 8;
const OCTAVES = 32; // 1 ms .. ~50 days
const BUCKETS = SUB * OCTAVES + 1;
const LOG2_MIN = Math.log2(MIN_S);

export class DurationHist {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;
  sum = 0;
  max = 0;

  add(valueS: number, weight = 1): void {
    const v = valueS > MIN_S ? valueS : MIN_S;
    let b = Math.floor((Math.log2(v) - LOG2_MIN) * SUB);
    if (b >= BUCKETS) b = BUCKETS - 1;
    this.counts[b] += weight;
    this.total += weight;
    this.sum += valueS * weight;
    if (valueS > this.max) this.max = valueS;
  }

  /** Upper edge of the bucket holding quantile q; null when empty. */
  quantile(q: number): number | null {
    if (this.total <= 0) return null;
    const target = q * this.total;
    let acc = 0;
    for (let b = 0; b < BUCKETS; b++) {
      acc += this.counts[b];
      if (acc >= target && this.counts[b] > 0) return Math.min(this.max, 2 ** (LOG2_MIN + (b + 1) / SUB));
    }
    return this.max;
  }

  mean(): number | null {
    return this.total > 0 ? this.sum / this.total : null;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.max = 0;
  }
}
