/**
 * Count sampling for the aggregated parts of the EC2 model (launch arrivals, NLB target transitions).
 *
 * Models: nothing of the incident. Leaves out: exactness for large counts (normal approximation above ~30 expected
 * events, which is well inside the noise of the quantities it feeds). Draws only from the Rng passed in.
 */
import type { Rng } from '../prng.ts';

export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    // Inversion by multiplying uniforms: at most ~mean+few draws.
    const l = Math.exp(-mean);
    let k = 0;
    let p = rng.next();
    while (p > l) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const x = Math.round(mean + Math.sqrt(mean) * rng.normal());
  return x < 0 ? 0 : x;
}

export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n < 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.next() < p) k++;
    return k;
  }
  const mean = n * p;
  if (mean < 15) return Math.min(n, poisson(rng, mean));
  const q = n - mean;
  if (q < 15) return Math.max(0, n - poisson(rng, q));
  const x = Math.round(mean + Math.sqrt(mean * (1 - p)) * rng.normal());
  return x < 0 ? 0 : x > n ? n : x;
}
