/**
 * Models: when a client's requests arrive. Open model: a Poisson process of rate ratePerS x profile factor,
 * independent of how fast requests complete (an arrival during a retry chain waits, and its latency counts from
 * its arrival). Time-varying rate by inversion of the cumulative intensity: an Exp(1) draw is spent across the
 * piecewise-constant profile segments. Leaves out: diurnal or bursty (non-Poisson) traffic and any correlation
 * between clients; the profile applies to all clients alike.
 */
export class Arrivals {
  readonly ratePerS: number;
  readonly meanGapS: number;
  readonly shaped: boolean;
  /** Segment k covers [atS[k], atS[k+1]) with rate rate[k]; before atS[0] the factor is 1. */
  private readonly atS: Float64Array;
  private readonly rate: Float64Array;

  constructor(ratePerS: number, profile: { atS: number; factor: number }[]) {
    this.ratePerS = ratePerS;
    this.meanGapS = 1 / ratePerS;
    const p = [...profile].sort((a, b) => a.atS - b.atS);
    this.shaped = p.length > 0;
    const at = [-Infinity, ...p.map((s) => s.atS)];
    const f = [1, ...p.map((s) => s.factor)];
    this.atS = Float64Array.from(at);
    this.rate = Float64Array.from(f.map((x) => x * ratePerS));
  }

  /** The arrival after one at prevS, given e ~ Exp(1). Infinity if the rate stays 0 from there on. */
  next(prevS: number, e: number): number {
    if (!this.shaped) return prevS + e * this.meanGapS;
    return this.walk(prevS, e);
  }

  private walk(prevS: number, e: number): number {
    const at = this.atS;
    const n = at.length;
    // Last segment starting at or before prevS (profiles are short: a linear scan is cheapest).
    let k = 0;
    while (k + 1 < n && at[k + 1] <= prevS) k++;
    let t = prevS;
    let left = e;
    for (;;) {
      const r = this.rate[k];
      const end = k + 1 < n ? at[k + 1] : Infinity;
      if (r > 0) {
        const dt = left / r;
        if (t + dt < end) return t + dt;
        left -= (end - t) * r;
      }
      if (end === Infinity) return Infinity;
      t = end;
      k++;
    }
  }
}
