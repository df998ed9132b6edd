/**
 * The `regions` section: regions besides the home one (the `dns` section, where the race happens) and the share
 * of the client population that can fail over to one of them, with its policy. Absent (the default): every
 * client is pinned to the home region and results are those of a single-region run. Without clients
 * (`clients: null`, e.g. a DNS-only run of a multi-region scenario) the section has nothing to act on.
 */
import { z } from 'zod';
import { durationDist, intIn, nonNegative, positive, probability } from './common.ts';

export const MAX_OTHER_REGIONS = 8;
/** Load balancers of one other region's endpoint (the same cap as a dns endpoint's). */
export const MAX_REGION_LBS = 64;

const regionSchema = z.strictObject({
  name: z.string().min(1, { error: 'must not be empty' }),
  /** The region's endpoint (a static, healthy one: its control plane is not simulated). */
  endpoint: z.string().min(1, { error: 'must not be empty' }),
  loadBalancers: intIn(1, MAX_REGION_LBS).default(8),
  /** Requests per second one load balancer serves at full utilisation. */
  capacityPerS: positive().default(50_000),
  /** Service time of one request on an idle load balancer of this region. */
  baseLatencyMs: positive().default(4),
  /** Round trip added to every attempt a home-region client makes to this region. */
  crossLatencyMs: nonNegative().default(60),
});

export const FAILOVER_TRIGGERS = ['failures', 'empty-answer', 'latency'] as const;

/**
 * When a multi-region client leaves home: after `attempts` consecutive failed attempts there; at the first
 * attempt that finds no address (an empty or negatively cached answer); or once a request at home has taken
 * longer than `budgetMs` from its intended start (checked at the end of each attempt).
 */
const triggerSchema = z.discriminatedUnion(
  'on',
  [
    z.strictObject({ on: z.literal('failures'), attempts: intIn(1, 100).default(3) }),
    z.strictObject({ on: z.literal('empty-answer') }),
    z.strictObject({ on: z.literal('latency'), budgetMs: positive() }),
  ],
  { error: `must have on: ${FAILOVER_TRIGGERS.join(' | ')}` },
);

export const COME_BACK = ['probe', 'sticky'] as const;

const failoverSchema = z.strictObject({
  /** Share of clients that can fail over, chosen by a hash of (seed, global client index), not the first N. */
  share: probability(),
  /** The region they fail over to: one of `others`. */
  to: z.string().min(1, { error: 'must not be empty' }),
  trigger: triggerSchema.default({ on: 'failures', attempts: 3 }),
  /** How long a client stays away once it has failed over (drawn per failover from the client's own stream). */
  stayS: durationDist.default({ dist: 'exponential', meanS: 300 }),
  /**
   * After the stay, at the client's next new request (a request in progress, its retries included, stays where
   * it started): probe = that request tries home, and a failed attempt there sends the client straight back for
   * a new stay; sticky = the client is home again and leaves only when the trigger fires anew.
   */
  comeBack: z.enum(COME_BACK, { error: `must be one of ${COME_BACK.join(', ')}` }).default('probe'),
});

export const regionsSchema = z.strictObject({
  /** Name of the region the `dns` section models (where the clients live and the race happens). */
  home: z.string().min(1, { error: 'must not be empty' }).default('us-east-1'),
  others: z
    .array(regionSchema)
    .min(1, { error: 'must list at least one region' })
    .max(MAX_OTHER_REGIONS, { error: `at most ${MAX_OTHER_REGIONS} regions` }),
  failover: failoverSchema,
});

export type RegionsConfig = z.infer<typeof regionsSchema>;
export type RegionConfig = RegionsConfig['others'][number];
export type FailoverConfig = RegionsConfig['failover'];

export const MAX_SERVICES = 8;
/** Service names go into metric names (services.NAME.PHASE.errorRate): letters, digits, '-' and '_'. */
const SERVICE_NAME = /^[A-Za-z][\w-]*$/;

/**
 * A named service a user request calls. `endpoint` (the clients' endpoint, clients.endpoint) makes it the
 * dynamic one: resolved through the client's own cache from the home plan store (it sees the race) and, for
 * multi-region clients, failing over with them. Without it the service is a static, healthy endpoint with its
 * own load balancers (capacity, base latency) in the same service model, called wherever the client is.
 */
const serviceSchema = z.strictObject({
  name: z.string().regex(SERVICE_NAME, { error: "must start with a letter, then letters, digits, '-' or '_'" }),
  endpoint: z.string().min(1, { error: 'must not be empty' }).optional(),
  loadBalancers: intIn(1, MAX_REGION_LBS).default(4),
  capacityPerS: positive().default(50_000),
  baseLatencyMs: positive().default(4),
});

/**
 * The `chains` section: a user request is an ordered list of calls to named services, each with the clients'
 * retries; the request fails when a call fails after its retries. Absent: a request is one call to the clients'
 * endpoint, as before.
 */
export const chainsSchema = z.strictObject({
  services: z
    .array(serviceSchema)
    .min(1, { error: 'must list at least one service' })
    .max(MAX_SERVICES, { error: `at most ${MAX_SERVICES} services` }),
  /** The calls of one user request, in order, by service name (a service may appear more than once). */
  request: z
    .array(z.string().min(1, { error: 'must not be empty' }))
    .min(1, { error: 'must list at least one call' })
    .max(16, { error: 'at most 16 calls' }),
});

export type ChainsConfig = z.infer<typeof chainsSchema>;
export type ServiceConfig = ChainsConfig['services'][number];

// The static endpoints' order lives in its own module, free of zod: the simulation worker needs it and loads
// nothing of the schemas.
export { type StaticEndpoint, staticEndpoints } from './static-endpoints.ts';
