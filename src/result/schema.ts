/**
 * The shape of a result as the reports read it, checked when a result file is read (the checksum only says the
 * bytes are the ones written, not that whoever wrote them wrote a cascadesim result). Like the scenario schema:
 * every problem has a path. Extra keys are allowed (a newer writer may add some); the stored scenario must pass
 * the scenario schema itself. The type check at the end ties this schema to RunResult: a field added to the
 * result without its check here fails `npm run typecheck`.
 */
import { z } from 'zod';
import type { RunResult } from '../engine/result.ts';
import { scenarioSchema } from '../config/schema.ts';
import { EVENT_KINDS, INVARIANTS } from '../model/dns/events.ts';
import { CLIENT_COUNTERS, ERROR_CLASSES } from '../metrics/client-counters.ts';
import { REGION_COUNTERS } from '../metrics/region-counters.ts';

/** Any number, NaN and infinities included: the reports print those, but crash on a missing value. */
const num = z.custom<number>((v) => typeof v === 'number', { error: 'must be a number' });
const numOrNull = num.nullable();
const str = z.string({ error: 'must be a string' });
const bool = z.boolean({ error: 'must be true or false' });
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'must be a list' });

/** An object whose listed keys are all numbers. */
function numbers<const K extends string>(keys: readonly K[]) {
  return z.looseObject(Object.fromEntries(keys.map((k) => [k, num])) as { [P in K]: typeof num });
}

const percentiles = numbers(['p50', 'p90', 'p99', 'p999', 'p9999', 'max']);
const errorCounts = numbers(ERROR_CLASSES);

const clientTotals = {
  requests: num,
  attempts: num,
  successes: num,
  errors: errorCounts,
  errorRate: num,
  amplification: num,
  latencyMs: percentiles,
  attemptLatencyMs: percentiles,
};

const clientWindow = z.looseObject({
  index: num,
  fromS: num,
  toS: num,
  counters: numbers(CLIENT_COUNTERS),
  errors: errorCounts,
  errorRate: num,
  attemptErrorRate: num,
  amplification: num,
  goodputPerS: num,
  latencyMs: z.looseObject({ intended: percentiles, attempt: percentiles }),
  hdr: z.looseObject({ intended: str, attempt: str }),
  // With scenario regions / chains only.
  regions: numbers(REGION_COUNTERS).optional(),
  services: list(numbers(['calls', 'failedCalls', 'attempts', 'failedAttempts'])).optional(),
});

const clientsSummary = z.looseObject({
  ...clientTotals,
  count: num,
  phases: list(z.looseObject({ ...clientTotals, name: str, fromS: num, toS: num, windows: num })),
});

const ec2Window = z.looseObject({
  index: num,
  fromS: num,
  toS: num,
  ddb: numbers(['calls', 'failures', 'failureShare']),
  leases: z.looseObject({
    ...numbers([
      'held',
      'lost',
      'lapsed',
      'backlog',
      'inFlight',
      'attempts',
      'established',
      'wasted',
      'failedDdb',
      'skipped',
      'rejected',
      'cleared',
      'goodputPerS',
      'throughputPerS',
      'collapseIndex',
    ]).shape,
    wastedShare: numOrNull,
    establishLatencyP50S: numOrNull,
    establishLatencyP99S: numOrNull,
  }),
  launches: z.looseObject({
    ...numbers(['requested', 'throttled', 'failedCapacity', 'succeeded', 'pending']).shape,
    successRate: numOrNull,
    capPerS: numOrNull,
  }),
  network: z.looseObject({
    ...numbers([
      'arrivedUnits',
      'servedUnits',
      'goodputPerS',
      'backlogUnits',
      'backlogDrainS',
      'headAgeS',
      'propagationDelayS',
      'withoutConnectivity',
    ]).shape,
    delayP50S: numOrNull,
    delayP99S: numOrNull,
    launchToConnectivityP50S: numOrNull,
    launchToConnectivityP99S: numOrNull,
  }),
  nlb: z.looseObject({
    ...numbers([
      'flaps',
      'flapRatePerS',
      'hcUtilizationMax',
      'hcUtilizationMean',
      'hcDelayMaxS',
      'failedAzs',
      'removedAzs',
      'capacityRemovedShare',
      'unpropagatedInService',
      'errorRate',
    ]).shape,
    failoverEnabled: bool,
  }),
});

const ec2Summary = z.looseObject({
  ...numbers([
    'droplets',
    'leasesLostMax',
    'leaseBacklogMax',
    'propagationDelayMaxS',
    'propagationBacklogMax',
    'nlbErrorRateMax',
    'flapRateMaxPerS',
    'hcUtilizationMax',
    'azsRemovedMax',
  ]).shape,
  leasesRecoveredAtS: numOrNull,
  leaseCollapseFromS: numOrNull,
  leaseCollapseEndS: numOrNull,
  ddbErrorsFromS: numOrNull,
  ddbErrorsEndS: numOrNull,
  launchFailuresFromS: numOrNull,
  launchFailuresEndS: numOrNull,
  propagationDegradedFromS: numOrNull,
  propagationNormalAtS: numOrNull,
  nlbErrorsFromS: numOrNull,
  nlbErrorsEndS: numOrNull,
  recovery: z.looseObject({ leasesAfterDdbS: numOrNull, propagationAfterLeasesS: numOrNull, nlbErrorsAfterLeasesS: numOrNull }),
});

const interval = z.looseObject({ endpoint: str, fromS: num, toS: numOrNull });
const invariant = z.enum(INVARIANTS, { error: `must be one of ${INVARIANTS.join(', ')}` });

const event = z.looseObject({
  seq: num,
  sub: num,
  atS: num,
  actor: str,
  kind: z.enum(EVENT_KINDS),
  endpoint: num,
  gen: num,
  detail: str,
  invariant: invariant.optional(),
  chain: list(str).optional(),
});

/** The `regions` block (scenario regions only): regions-result.ts RegionsSummary. */
const regionFigures = {
  attempts: num,
  errors: errorCounts,
  attemptErrorRate: num,
  utilisation: num,
  peakUtilisation: num,
  overloaded: bool,
};
const regionsSpan = {
  home: z.looseObject(regionFigures),
  backup: z.looseObject(regionFigures),
  failovers: num,
  failbacks: num,
  probeFailures: num,
  multiErrorRate: numOrNull,
  pinnedErrorRate: numOrNull,
};
const regionsSummary = z.looseObject({
  ...regionsSpan,
  home: z.looseObject({ ...regionFigures, name: str, endpoint: str, capacityPerS: num }),
  backup: z.looseObject({ ...regionFigures, name: str, endpoint: str, capacityPerS: num, crossLatencyMs: num }),
  multiClients: num,
  overloadUtilisation: num,
  phases: list(z.looseObject({ ...regionsSpan, name: str, fromS: num, toS: num })),
});

/** The `services` block (scenario chains only): services-result.ts ServicesSummary. */
const serviceFigures = { calls: num, failedCalls: num, errorRate: numOrNull, attempts: num, attemptErrorRate: numOrNull };
const servicesSummary = z.looseObject({
  request: list(str),
  services: list(
    z.looseObject({ ...serviceFigures, name: str, dynamic: bool, phases: list(z.looseObject({ ...serviceFigures, name: str })) }),
  ),
});

export const resultSchema = z.looseObject({
  formatVersion: num,
  partial: bool,
  scenario: scenarioSchema,
  seed: num,
  workers: num,
  digest: str,
  reachedS: num,
  stoppedBy: z.looseObject({ metric: str, condition: str, value: num, atS: num }).optional(),
  phases: list(z.looseObject({ name: str, fromS: num, toS: num })),
  dns: z.looseObject({
    protocol: str,
    enactors: num,
    plansGenerated: num,
    plansApplied: num,
    plansDeleted: num,
    stuck: bool,
    stuckIntervals: list(interval),
    violations: list(z.looseObject({ invariant, atS: num, endpoint: str, detail: str, chain: list(str) })),
    emptyIntervals: list(interval),
    lockRetries: z.record(z.string(), num),
    triggers: list(
      z.looseObject({
        kind: z.enum(['stall', 'adversarial']),
        enactor: str,
        checkAtS: num,
        gen: num,
        resumedAtS: numOrNull,
        stalledS: numOrNull,
        schedule: str,
        why: str.nullable(),
      }),
    ),
  }),
  events: list(event),
  clients: clientsSummary.nullable(),
  windows: z.looseObject({ clients: list(clientWindow), ec2: list(ec2Window) }),
  ec2: ec2Summary.nullable(),
  regions: regionsSummary.optional(),
  services: servicesSummary.optional(),
  timeline: list(
    z.looseObject({
      event: str,
      simulatedAtS: numOrNull,
      awsAtS: num,
      simulatedClock: str.nullable(),
      awsClock: str,
      offsetShare: numOrNull,
      kind: z.enum(['scheduled', 'calibrated', 'predicted']),
      basis: str,
      orderNote: str.nullable(),
    }),
  ).nullable(),
  perf: z.looseObject({
    ...numbers(['wallS', 'events', 'eventsPerS', 'attempts', 'attemptsPerS', 'coordinationShare', 'cpus']).shape,
    // Absent from results written before it was added.
    helperShare: num.optional(),
    clientScan: z.enum(['webassembly', 'javascript']).nullable().optional(),
    cpuWaitShare: num.nullable().optional(),
    workerCpuS: num.nullable().optional(),
    othersCpuShare: num.nullable().optional(),
    node: str,
    cpuModel: str,
  }),
});

/** Compile-time: what the schema accepts is a RunResult (a field added to RunResult but not here fails tsc). */
export const asRunResult = (r: z.infer<typeof resultSchema>): RunResult => r;
