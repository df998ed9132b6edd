/**
 * The `ec2` section: droplets and their leases, the DWFM lease re-establishment queue, launches, the
 * Network Manager propagation queue, NLB health checks and AZ failover; and the EC2 operators' actions.
 *
 * AWS published none of these figures (fleet sizes, periods, service times, deadlines, capacities). Every default
 * here is a modelling choice; scenarios/aws-2025-10-20.yaml says what it assumed and why. Durations end in S,
 * rates in PerS.
 */
import { z } from 'zod';
import { durationDist, intIn, nonNegative, periodS, positive, probability } from './common.ts';

const leaseSchema = z.strictObject({
  /** A DWFM host checks in with (and renews the lease of) each of its droplets every renewS. */
  renewS: periodS(1).default(120),
  /**
   * Lease lifetime without a successful renewal, drawn once per droplet. A spread rather than one constant: AWS says
   * leases "slowly timed out" during the DNS outage (droplet classes and lease ages differ).
   */
  timeoutS: durationDist.default({ dist: 'lognormal', medianS: 2700, sigma: 0.6 }),
  /** Droplets renewed by one batched DynamoDB call (one lease check batch of one DWFM host). */
  batch: intIn(1, 1_000_000).default(200),
});

const dwfmSchema = z.strictObject({
  /** DWFM hosts; droplets are split evenly among them, each host is one DynamoDB client. */
  hosts: intIn(1, 100_000).default(100),
  /** Lease re-establishment attempts one host works on at once. */
  workersPerHost: intIn(1, 256).default(10),
  /** Work of one re-establishment attempt (handshake and state sync with the droplet, then the DynamoDB commit). */
  serviceS: durationDist.default({ dist: 'lognormal', medianS: 4, sigma: 0.4 }),
  /** An attempt not finished this long after it was queued is late: its result is discarded. */
  deadlineS: positive().default(600),
  /** Worker time an attempt costs when its DynamoDB call fails (errors come back fast: the name has no address). */
  ddbErrorS: positive().default(1),
  /** Admission of new work: none (legacy), or queue-size (AWS's fix: refuse work while the host's queue is long). */
  admission: z.enum(['none', 'queue-size']).default('none'),
  /**
   * Queue length per host above which queue-size admission refuses work. null: derived from the deadline, so an
   * admitted attempt finishes in time: 0.8 * workersPerHost * (deadlineS - meanServiceS) / meanServiceS.
   */
  queueLimitPerHost: intIn(1, 10_000_000).nullable().default(null),
  /**
   * requeue (legacy): a late or failed attempt is queued again at once. drop: it is dropped (the droplet's next
   * check queues it again), and a host skips queued work that can no longer finish by its deadline (less than the
   * mean service time left) without spending service on it.
   */
  onLate: z.enum(['requeue', 'drop']).default('requeue'),
  /** Queue discipline. lifo serves the newest attempt first (adaptive LIFO). */
  order: z.enum(['fifo', 'lifo']).default('fifo'),
});

const launchesSchema = z.strictObject({
  /** New launch requests per second (Poisson). */
  ratePerS: nonNegative().max(100_000, { error: 'must be <= 100000 (launches are simulated one by one)' }).default(30),
  /** A failed or throttled request is retried by its caller after this mean time (exponential). */
  retryS: positive().default(120),
  /** Callers give up on a request after this mean time (exponential). */
  patienceS: positive().default(7200),
  /** Droplets the placement service tries for one launch; a launch needs a leased droplet with a free slot. */
  placementProbes: intIn(1, 1000).default(8),
  /** Instances terminated per second (frees a slot on a random droplet; null: the same as ratePerS, a steady fleet). */
  terminationsPerS: nonNegative().nullable().default(null),
  /** Instance slots per droplet, and the share of them free at the start. */
  slotsPerDroplet: intIn(1, 255).default(8),
  freeShare: probability().default(0.3),
});

const networkSchema = z.strictObject({
  /** Network Manager propagation capacity, in units of work per second (FIFO). */
  capacityPerS: positive().default(270),
  /** Units of propagation work of one launched instance (its mappings pushed to the hosts of its VPC). */
  unitsPerLaunch: positive().default(1),
  /**
   * Units of propagation work per instance on a droplet whose lease was re-established (its state re-synced), queued
   * when the droplet's DWFM host has no lease work left.
   */
  unitsPerRecoveredInstance: nonNegative().default(1),
  /** Propagation is degraded while the median delay of a window is above degradedDelayS... */
  degradedDelayS: positive().default(300),
  /** ...and normal again once it stays at or below normalDelayS. */
  normalDelayS: positive().default(60),
});

const nlbSchema = z.strictObject({
  loadBalancers: intIn(1, 100_000).default(1000),
  /** Every NLB spans 3 AZs with this many healthy, propagated targets in each at the start. */
  targetsPerAz: intIn(1, 100_000).default(30),
  /** Share of launched (and of terminated) instances that are NLB targets. */
  targetShare: probability().default(0.004),
  /**
   * Skew of new targets over NLBs: a new target goes to NLB floor(M * u^targetSkew), u uniform (1: even; larger:
   * scaling fleets sit behind a few NLBs, so their health-check cells get the flapping).
   */
  targetSkew: positive().default(3),
  /** Legacy: a new target goes into service before its network state has propagated (the 2025-10-20 defect). */
  admitBeforePropagation: z.boolean().default(true),
  checkIntervalS: periodS(0.1).default(10),
  /** Consecutive failed checks that take a target out of service; one success brings it back. */
  unhealthyThreshold: intIn(1, 20).default(2),
  /** Probability that a check of a not-yet-propagated target fails (partly propagated state: results alternate). */
  unpropagatedFailP: probability().default(0.5),
  /** Health-check work caused by one flap (DNS change, re-evaluation), in units of one check. */
  flapCost: nonNegative().default(60),
  /**
   * Health-check cells per AZ; each NLB's AZ is checked by one cell, which also checks other NLBs' targets in that
   * AZ. null: one cell per NLB and AZ (the NLB's own health checkers), so the load stays with the NLBs that flap.
   */
  cellsPerAz: intIn(1, 1_000_000).nullable().default(null),
  /** Check capacity of a cell over the check load of its targets at the start. */
  headroom: positive().default(1.5),
  /** Offered load of an NLB over its capacity at the start (cross-zone off: each AZ in DNS takes an equal share). */
  utilization: probability().default(0.75),
  failover: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** An AZ is failed out of the NLB's DNS when its cell's check delay exceeds delayS... */
      delayS: positive().default(30),
      /** ...or when fewer than healthyShare of its targets are in service. */
      healthyShare: probability().default(0.5),
    })
    .prefault({}),
  /** Velocity control (AWS's fix): at most this share of one NLB's capacity may be removed by failover; null = no cap. */
  velocityControl: z.strictObject({ maxRemovedShare: probability() }).nullable().default(null),
  /** Connection error rate above which a window counts as an NLB error window. */
  errorThreshold: probability().default(0.01),
});

export const ec2Schema = z
  .strictObject({
    droplets: intIn(1, 20_000_000).default(1_000_000),
    /** Wall-clock time (ISO 8601 with offset) of simulated second 0, for the timeline; null = no clock. */
    clockOrigin: z.string().nullable().default(null),
    lease: leaseSchema.prefault({}),
    dwfm: dwfmSchema.prefault({}),
    launches: launchesSchema.prefault({}),
    network: networkSchema.prefault({}),
    nlb: nlbSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.droplets < c.dwfm.hosts) {
      ctx.addIssue({ code: 'custom', path: ['dwfm', 'hosts'], message: 'must be <= droplets' });
    }
    if (c.network.normalDelayS > c.network.degradedDelayS) {
      ctx.addIssue({ code: 'custom', path: ['network', 'normalDelayS'], message: 'must be <= degradedDelayS' });
    }
  });

// ---- operators' actions ------------------------------------------------------------------------------------

export const throttleAction = z.strictObject({
  atS: nonNegative(),
  do: z.literal('throttle'),
  /** Each DWFM host admits new lease work only while its queue is shorter than this (null: unchanged). */
  leaseQueuePerHost: intIn(1, 10_000_000).nullable().default(null),
  /** Fleet-wide cap on admitted lease attempts per second (token bucket per host; null: unchanged). */
  leaseAdmitPerS: positive().nullable().default(null),
  /** Cap on launch attempts per second (null: unchanged). */
  launchesPerS: positive().nullable().default(null),
});

export const restartAction = z.strictObject({
  atS: nonNegative(),
  do: z.literal('restart'),
  /** Which hosts: stuck (queue wait beyond the deadline), or all. */
  select: z.enum(['stuck', 'all']).default('stuck'),
  /** Share of the selected hosts restarted, most backlogged first. */
  share: probability().default(1),
  /** A restarted host works on nothing for this long; its queue and in-flight work are gone. */
  downS: nonNegative().default(60),
});

export const relaxAction = z.strictObject({
  atS: nonNegative(),
  do: z.literal('relax'),
  /** Lease throttles are lifted at once; the launch cap doubles every doublingS (0: lifted at once)... */
  doublingS: nonNegative().default(0),
  /** ...up to this cap (null: no cap). */
  toLaunchesPerS: positive().nullable().default(null),
});

export const failoverOffAction = z.strictObject({ atS: nonNegative(), do: z.literal('failover-off') });
export const failoverOnAction = z.strictObject({ atS: nonNegative(), do: z.literal('failover-on') });

/** The EC2 action kinds, for the scenario's action union in schema.ts. */
export const ec2ActionSchemas = [throttleAction, restartAction, relaxAction, failoverOffAction, failoverOnAction] as const;
export const ec2ActionSchema = z.discriminatedUnion('do', [...ec2ActionSchemas], {
  error: 'unknown EC2 action (do: throttle | restart | relax | failover-off | failover-on)',
});
export const EC2_ACTION_KINDS = ['throttle', 'restart', 'relax', 'failover-off', 'failover-on'] as const;

export type Ec2Config = z.infer<typeof ec2Schema>;
export type Ec2ConfigInput = z.input<typeof ec2Schema>;
export type Ec2Action = z.infer<typeof ec2ActionSchema>;
export type Ec2ActionInput = z.input<typeof ec2ActionSchema>;
