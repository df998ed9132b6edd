/**
 * Models: the client's wait before retrying a failed attempt (AWS Architecture Blog, "Exponential Backoff and
 * Jitter", 2015), and the retry budget (a token bucket per client, as in the AWS SDKs' retry quota).
 * Leaves out: retry-after hints from the server, different backoff per error class, and SDK circuit breakers.
 *
 *   fixed:        b = baseS
 *   exponential:  b = min(capS, baseS * 2^(n-1)) after the n-th failed attempt
 *   jitter none b, full U(0,b), equal b/2 + U(0,b/2),
 *   decorrelated: sleep = min(capS, U(baseS, 3 * previous sleep)), previous sleep = baseS at a request's start
 *                 (the policy's growth is replaced by decorrelated's own).
 * Budget: each request earns `ratio` tokens (the bucket holds at most `burst`, and starts full); a retry spends
 * one and is refused below one. Over a long outage retries per request tend to `ratio`, so amplification is at
 * most 1 + ratio + burst * clients / requests.
 */
import type { RetryConfig } from '../../config/clients-schema.ts';

export const JITTER_NONE = 0;
export const JITTER_FULL = 1;
export const JITTER_EQUAL = 2;
export const JITTER_DECORRELATED = 3;

export class RetryPolicy {
  /** Attempts allowed per request (1 when the policy is none). */
  readonly maxAttempts: number;
  readonly jitter: number;
  readonly baseS: number;
  readonly capS: number;
  readonly budgeted: boolean;
  readonly budgetRatio: number;
  readonly budgetBurst: number;
  /** Un-jittered backoff after the n-th failed attempt, index n (1-based). */
  readonly backoffS: Float64Array;

  constructor(cfg: RetryConfig) {
    this.maxAttempts = cfg.policy === 'none' ? 1 : cfg.maxAttempts;
    this.jitter =
      cfg.jitter === 'none'
        ? JITTER_NONE
        : cfg.jitter === 'full'
          ? JITTER_FULL
          : cfg.jitter === 'equal'
            ? JITTER_EQUAL
            : JITTER_DECORRELATED;
    this.baseS = cfg.baseS;
    this.capS = Math.max(cfg.capS, cfg.baseS);
    this.budgeted = cfg.budget !== null;
    this.budgetRatio = cfg.budget?.ratio ?? 0;
    this.budgetBurst = cfg.budget?.burst ?? 0;
    this.backoffS = new Float64Array(this.maxAttempts + 1);
    for (let n = 1; n <= this.maxAttempts; n++) {
      this.backoffS[n] = cfg.policy === 'fixed' ? cfg.baseS : Math.min(this.capS, cfg.baseS * 2 ** (n - 1));
    }
  }

  /**
   * Wait after the n-th failed attempt, from a uniform u in [0,1) and the previous sleep (decorrelated only).
   * The caller stores the result as the next "previous sleep".
   */
  delayS(n: number, u: number, prevSleepS: number): number {
    const j = this.jitter;
    if (j === JITTER_FULL) return u * this.backoffS[n];
    if (j === JITTER_NONE) return this.backoffS[n];
    if (j === JITTER_EQUAL) {
      const half = this.backoffS[n] * 0.5;
      return half + u * half;
    }
    const hi = prevSleepS * 3;
    const s = this.baseS + u * (hi > this.baseS ? hi - this.baseS : 0);
    return s < this.capS ? s : this.capS;
  }
}
