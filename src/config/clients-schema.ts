/**
 * The `clients` section: the resolver-client population. `clients: null` (the default) runs no clients.
 */
import { z } from 'zod';
import { intIn, nonNegative, positive, probability } from './common.ts';

export const retrySchema = z.strictObject({
  /** none: one attempt; fixed: baseS between attempts; exponential: baseS * 2^(attempt-1), capped at capS. */
  policy: z.enum(['none', 'fixed', 'exponential']).default('exponential'),
  /** Jitter on the backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
  jitter: z.enum(['none', 'full', 'equal', 'decorrelated']).default('full'),
  baseS: positive().default(0.05),
  capS: positive().default(5),
  /** Attempts per request, the first included. */
  maxAttempts: intIn(1, 100).default(3),
  /** Retry budget: a token bucket per client; each request earns `ratio` tokens, each retry spends one. */
  budget: z
    .strictObject({ ratio: nonNegative(), burst: positive().default(10) })
    .nullable()
    .default(null),
});

export const clientsSchema = z.strictObject({
  count: intIn(1, 2_000_000_000).default(1_000_000),
  /** Name of the endpoint (in dns.endpoints) the clients resolve and call. */
  endpoint: z.string().min(1).default('dynamodb.us-east-1.amazonaws.com'),
  /** Requests per second per client (Poisson, open model). */
  ratePerS: positive().default(0.2),
  /** Piecewise-constant multiplier of ratePerS over simulated time. */
  profile: z.array(z.strictObject({ atS: nonNegative(), factor: nonNegative() })).default([]),
  ttlS: nonNegative().default(5),
  negativeTtlS: nonNegative().default(5),
  serveStaleS: nonNegative().default(0),
  /**
   * Start as a population that has been running for a while: each client's cache entry (for the answer the
   * endpoint has at the first epoch) has a random age, so expiries are spread over the TTL. false: every cache
   * is empty at time 0 and the first refreshes happen in lock-step.
   */
  warmStart: z.boolean().default(true),
  /** Attempt deadline: an attempt slower than this counts as a timeout. */
  timeoutS: positive().default(1),
  /**
   * Time a client spends on an attempt to a load balancer that is no longer in service before it sees the
   * `connect` error (an unanswered SYN until the SDK's connect timeout; capped at timeoutS).
   */
  connectTimeoutS: positive().default(1),
  /** Share of attempts on an overloaded target that are throttled rather than queued. */
  throttleShare: probability().default(0.5),
  retry: retrySchema.prefault({}),
});

export type ClientsConfig = z.infer<typeof clientsSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;
