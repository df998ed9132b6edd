/**
 * The scenario: every knob of a run, validated with defaults filled in. Unknown keys are errors.
 * Sections: sim (time steps), dns (Planner, Enactors, clean-up, faults), actions (operators), clients, ec2.
 * AWS published no plan period, clean-up horizon, apply time or fleet size: every such default here is a
 * modelling choice, and each shipped scenario says what it assumed (its `assumptions` list).
 */
import { z } from 'zod';
import { clientsSchema } from './clients-schema.ts';
import { durationDist, intIn, nonNegative, periodS, positive, probability } from './common.ts';
import { ec2ActionSchemas, ec2Schema } from './ec2-schema.ts';
import { chainsSchema, regionsSchema } from './regions-schema.ts';
import { thresholdsSchema } from './thresholds-schema.ts';

export const PROTOCOLS = ['legacy', 'fenced', 'locked-check'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const MAX_ENACTORS = 64;
export const MAX_ENDPOINTS = 32;
export const MAX_LBS_PER_ENDPOINT = 64;
/** Floor of the Planner's period and the Enactors' poll interval (100 times finer than any shipped scenario). */
export const MIN_CONTROL_PERIOD_S = 0.01;
/**
 * Budgets that keep a run finite whatever the numbers: scheduled Planner and Enactor events (each costs a turn
 * across the workers: about 14 us measured with 2 workers, so the budget is a few minutes at worst; the 15-hour
 * incident schedules 0.2M) and client requests per epoch (an epoch is the unit Ctrl-C waits for) and per run.
 */
export const MAX_CONTROL_EVENTS = 10_000_000;
export const MAX_REQUESTS_PER_EPOCH = 1e9;
export const MAX_REQUESTS = 1e12;

const endpointSchema = z.strictObject({
  name: z.string().min(1, { error: 'must not be empty' }),
  /** Load balancers (DNS targets) serving this endpoint. */
  loadBalancers: intIn(1, MAX_LBS_PER_ENDPOINT).default(8),
  /** Requests per second one load balancer serves at full utilisation. */
  capacityPerS: positive().default(50_000),
  /** Service time of one request on an idle load balancer. */
  baseLatencyMs: positive().default(4),
});

export const FAULT_KINDS = ['stall', 'adversarial'] as const;

/**
 * A scheduled Enactor fault. Both kinds stall the Enactor right after its first plan check at or after `atS`:
 * - stall: for `stallS` seconds, a delay as a measurement or a guess would give it;
 * - adversarial: until the worst moment for the protocol, chosen at run time from the model's own state (the
 *   vulnerable window, see src/model/dns/trigger.ts): a schedule picked to expose the race, like a model checker's
 *   counterexample, not a measured delay.
 */
const faultSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS, { error: `must be one of ${FAULT_KINDS.join(', ')}` }).default('stall'),
  /** Index of the Enactor that stalls. */
  enactor: intIn(0, MAX_ENACTORS - 1),
  /** The stall starts right after the Enactor's first plan check at or after this time. */
  atS: nonNegative(),
  /** kind stall only: the stall's length. */
  stallS: positive().optional(),
});

/**
 * A schedule (written by `cascadesim check --out`): the exact simulated times at which the Planner and each
 * Enactor take their steps, in place of the times the model would choose. It decides only when each actor acts,
 * never what it does; an actor the schedule does not list never acts.
 */
const scheduleEntrySchema = z.strictObject({
  /** 'planner' or 'enactor-N'. */
  actor: z.string().regex(/^(planner|enactor-(0|[1-9][0-9]*))$/, { error: "must be 'planner' or 'enactor-N'" }),
  atS: z.array(nonNegative()).min(1, { error: 'must list at least one time' }),
});

/** Operators' actions; the EC2 section adds its own kinds. */
export const dnsRepairAction = z.strictObject({
  atS: nonNegative(),
  do: z.literal('dns-repair'),
});

export const actionSchema = z.discriminatedUnion('do', [dnsRepairAction, ...ec2ActionSchemas], {
  error: 'unknown action (do: dns-repair, throttle, restart, relax, failover-off, failover-on)',
});

const dnsSchema = z.strictObject({
  protocol: z.enum(PROTOCOLS, { error: `must be one of ${PROTOCOLS.join(', ')}` }).default('legacy'),
  enactors: intIn(1, MAX_ENACTORS).default(3),
  endpoints: z
    .array(endpointSchema)
    .min(1, { error: 'must list at least one endpoint' })
    .max(MAX_ENDPOINTS, { error: `at most ${MAX_ENDPOINTS} endpoints` })
    .default(() => [
      endpointSchema.parse({ name: 'dynamodb.us-east-1.amazonaws.com', loadBalancers: 12 }),
      endpointSchema.parse({ name: 'dynamodb.us-east-1.api.aws' }),
      endpointSchema.parse({ name: 'dynamodb-fips.us-east-1.amazonaws.com', loadBalancers: 4 }),
      endpointSchema.parse({ name: 'account.ddb.us-east-1.amazonaws.com', loadBalancers: 4 }),
    ]),
  planner: z
    .strictObject({
      /** A new plan generation every periodS. */
      periodS: periodS(MIN_CONTROL_PERIOD_S).default(5),
      /** Load-balancer failures per load balancer per hour (health model behind the plans). */
      lbFailuresPerH: nonNegative().default(0.2),
      lbRepairS: durationDist.default({ dist: 'exponential', meanS: 300 }),
      /** Relative spread of a healthy load balancer's weight between plans (capacity drift). */
      weightJitter: probability().default(0.1),
    })
    .prefault({}),
  enactor: z
    .strictObject({
      /** How often an idle Enactor looks for a newer plan. */
      pollS: periodS(MIN_CONTROL_PERIOD_S).default(1),
      /** Time to apply one endpoint's part of a plan (one Route 53 transaction). */
      applyS: durationDist.default({ dist: 'lognormal', medianS: 0.25, sigma: 0.4 }),
      /** Backoff while another Enactor holds the endpoint's lock: full jitter in [0, min(capS, baseS*2^n)). */
      lockBackoffBaseS: periodS(0.001).default(0.1),
      lockBackoffCapS: periodS(0.001).default(2),
      /** Rare long delays per endpoint update ("unusually high delays needing to retry"). */
      stallProbability: probability().default(0),
      stallS: durationDist.default({ dist: 'exponential', meanS: 60 }),
    })
    .prefault({}),
  cleanup: z
    .strictObject({
      /** Clean-up deletes plans more than this many generations older than the one just applied. */
      keepGenerations: intIn(1, 100_000).default(10),
      /** Time to delete one plan. */
      deleteS: durationDist.default({ dist: 'const', valueS: 0.05 }),
    })
    .prefault({}),
  /** Plan slots in the shared store: plans alive at once. Must exceed keepGenerations. */
  planSlots: intIn(4, 4096).default(256),
  faults: z.array(faultSchema).default([]),
  /** Absent unless given, so that scenarios without one (and their digests) stay as they were. */
  schedule: z.array(scheduleEntrySchema).optional(),
});

export const scenarioSchema = z
  .strictObject({
    name: z.string().default('custom'),
    description: z.string().default(''),
    /** What the scenario assumes where AWS published no figure. */
    assumptions: z.array(z.string()).default([]),
    durationS: positive().default(3600),
    seed: intIn(0, 0xffffffff).default(1),
    sim: z
      .strictObject({
        /** Lock-step epoch of simulated time. Clients see the plan store as it was at the start of their epoch. */
        epochS: periodS(0.001).default(1),
        /** Metrics window; a whole number of epochs. */
        windowS: periodS(0.001).default(10),
      })
      .prefault({}),
    dns: dnsSchema.prefault({}),
    actions: z.array(actionSchema).default([]),
    clients: clientsSchema.nullable().default(null),
    /** The EC2 control plane behind DynamoDB: leases, DWFM, Network Manager, NLB (null: not simulated). */
    ec2: ec2Schema.nullable().default(null),
    /** Other regions and the clients' failover to one of them; absent unless given, so digests stay as they were. */
    regions: regionsSchema.optional(),
    /** User requests as chains of calls to named services; absent unless given. */
    chains: chainsSchema.optional(),
    /** Conditions the run must meet (metric -> conditions); absent when there are none, so digests stay as they were. */
    thresholds: thresholdsSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const ratio = s.sim.windowS / s.sim.epochS;
    if (Math.abs(ratio - Math.round(ratio)) > 1e-9) {
      ctx.addIssue({ code: 'custom', path: ['sim', 'windowS'], message: 'must be a whole number of sim.epochS' });
    }
    if (s.durationS / s.sim.epochS > 50_000_000) {
      ctx.addIssue({ code: 'custom', path: ['sim', 'epochS'], message: 'too small for durationS (over 5e7 epochs)' });
    }
    const controlEvents = s.durationS * (1 / s.dns.planner.periodS + s.dns.enactors / s.dns.enactor.pollS);
    // Below a floor, that floor's message says it all.
    const aboveFloors = s.dns.planner.periodS >= MIN_CONTROL_PERIOD_S && s.dns.enactor.pollS >= MIN_CONTROL_PERIOD_S;
    if (aboveFloors && controlEvents > MAX_CONTROL_EVENTS) {
      const byPlanner = 1 / s.dns.planner.periodS >= s.dns.enactors / s.dns.enactor.pollS;
      ctx.addIssue({
        code: 'custom',
        path: ['dns', byPlanner ? 'planner' : 'enactor', byPlanner ? 'periodS' : 'pollS'],
        message: `too small for durationS: ${controlEvents.toExponential(1)} Planner and Enactor events (at most ${MAX_CONTROL_EVENTS.toExponential(0)})`,
      });
    }
    if (s.clients) {
      const peak = s.clients.count * s.clients.ratePerS * Math.max(1, ...s.clients.profile.map((p) => p.factor));
      if (peak * s.sim.epochS > MAX_REQUESTS_PER_EPOCH) {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', 'ratePerS'],
          message: `too large: ${(peak * s.sim.epochS).toExponential(1)} requests per epoch at the peak (at most ${MAX_REQUESTS_PER_EPOCH.toExponential(0)}; count * ratePerS * profile factor * sim.epochS)`,
        });
      } else if (peak * s.durationS > MAX_REQUESTS) {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', 'ratePerS'],
          message: `too large for durationS: up to ${(peak * s.durationS).toExponential(1)} requests (at most ${MAX_REQUESTS.toExponential(0)})`,
        });
      }
    }
    if (s.dns.planSlots <= s.dns.cleanup.keepGenerations + 2) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'planSlots'], message: 'must exceed dns.cleanup.keepGenerations + 2' });
    }
    s.dns.faults.forEach((f, i) => {
      if (f.enactor >= s.dns.enactors) {
        ctx.addIssue({ code: 'custom', path: ['dns', 'faults', i, 'enactor'], message: `must be < dns.enactors (${s.dns.enactors})` });
      }
      if (f.kind === 'stall' && f.stallS === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['dns', 'faults', i, 'stallS'],
          message: 'required for kind stall (or use kind: adversarial)',
        });
      }
      if (f.kind === 'adversarial' && f.stallS !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['dns', 'faults', i, 'stallS'],
          message: 'not allowed for kind adversarial: the trigger picks the wake-up itself (use kind: stall for a fixed length)',
        });
      }
    });
    const scheduled = new Set<string>();
    (s.dns.schedule ?? []).forEach((e, i) => {
      const m = /^enactor-(\d+)$/.exec(e.actor);
      if (m && Number(m[1]) >= s.dns.enactors) {
        ctx.addIssue({
          code: 'custom',
          path: ['dns', 'schedule', i, 'actor'],
          message: `no such Enactor (dns.enactors is ${s.dns.enactors})`,
        });
      }
      if (scheduled.has(e.actor)) ctx.addIssue({ code: 'custom', path: ['dns', 'schedule', i, 'actor'], message: 'listed twice' });
      scheduled.add(e.actor);
      e.atS.forEach((t, k) => {
        if (k > 0 && t <= e.atS[k - 1])
          ctx.addIssue({ code: 'custom', path: ['dns', 'schedule', i, 'atS', k], message: 'must be later than the time before it' });
      });
    });
    const names = new Set<string>();
    s.dns.endpoints.forEach((e, i) => {
      if (names.has(e.name)) ctx.addIssue({ code: 'custom', path: ['dns', 'endpoints', i, 'name'], message: 'duplicate endpoint name' });
      names.add(e.name);
    });
    if (s.clients && !names.has(s.clients.endpoint)) {
      ctx.addIssue({ code: 'custom', path: ['clients', 'endpoint'], message: `must name an endpoint in dns.endpoints` });
    }
    if (s.regions) {
      const r = s.regions;
      const regionNames = new Set<string>([r.home]);
      r.others.forEach((o, i) => {
        if (regionNames.has(o.name))
          ctx.addIssue({
            code: 'custom',
            path: ['regions', 'others', i, 'name'],
            message: o.name === r.home ? 'is the home region' : 'duplicate region name',
          });
        regionNames.add(o.name);
        if (names.has(o.endpoint))
          ctx.addIssue({
            code: 'custom',
            path: ['regions', 'others', i, 'endpoint'],
            message: 'is a home-region endpoint (dns.endpoints)',
          });
      });
      if (!r.others.some((o) => o.name === r.failover.to)) {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', 'failover', 'to'],
          message: `unknown region '${r.failover.to}' (regions.others: ${r.others.map((o) => o.name).join(', ')})`,
        });
      }
      const d = r.failover.stayS;
      if (d.dist === 'uniform' && d.maxS < d.minS)
        ctx.addIssue({ code: 'custom', path: ['regions', 'failover', 'stayS', 'maxS'], message: 'must be >= minS' });
    }
    if (s.chains) {
      const c = s.chains;
      const svc = new Set<string>();
      c.services.forEach((x, i) => {
        if (svc.has(x.name)) ctx.addIssue({ code: 'custom', path: ['chains', 'services', i, 'name'], message: 'duplicate service name' });
        svc.add(x.name);
        if (x.endpoint !== undefined && s.clients && x.endpoint !== s.clients.endpoint) {
          ctx.addIssue({
            code: 'custom',
            path: ['chains', 'services', i, 'endpoint'],
            message: `only the clients' endpoint (${s.clients.endpoint}) can be dynamic; leave endpoint out for a static service`,
          });
        }
      });
      c.request.forEach((n, i) => {
        if (!svc.has(n))
          ctx.addIssue({
            code: 'custom',
            path: ['chains', 'request', i],
            message: `unknown service '${n}' (chains.services: ${[...svc].join(', ')})`,
          });
      });
    }
    s.actions.forEach((a, i) => {
      if (a.do !== 'dns-repair' && !s.ec2) {
        ctx.addIssue({ code: 'custom', path: ['actions', i, 'do'], message: `${a.do} acts on EC2, but the scenario has no ec2 section` });
      }
    });
    if (s.dns.enactor.lockBackoffCapS < s.dns.enactor.lockBackoffBaseS) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'enactor', 'lockBackoffCapS'], message: 'must be >= lockBackoffBaseS' });
    }
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;
export type Action = Scenario['actions'][number];
export type DnsConfig = Scenario['dns'];
export type Fault = DnsConfig['faults'][number];
