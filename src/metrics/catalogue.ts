/**
 * The one catalogue of a run's figures: every metric has a dotted name, a unit and a one-line meaning, and one
 * function that reads it from a RunResult. Thresholds, baseline gates, `cascadesim metrics` and sweeps all go
 * through here, so a name means the same thing everywhere.
 *
 * Per-phase metrics put the phase name second: `clients.outage.errorRate`, `dns.outage.violations`. The phases are
 * whatever RunResult.phases holds (before / outage / recovery / after, see phasesOf); a phase the run did not have
 * reads as null. null in general means "not applicable in this run" (ec2.* without EC2, clients.* without
 * clients, a recovery that never happened); it never stands for zero.
 *
 * Units: ratio (0..1), count, s (simulated seconds), ms, x (a multiple), bool (1 yes, 0 no), per_s (per simulated
 * second). perf.* are wall-clock figures of this machine and run, not deterministic; everything else is.
 */
import type { RunResult } from '../engine/result.ts';
import { PHASE_NAMES, windowsIn } from '../engine/phases.ts';
import { InputError } from '../errors.ts';
import type { MetricUnit } from '../gates/conditions.ts';
import { INVARIANTS } from '../model/dns/events.ts';
import type { Ec2Window } from '../model/ec2/model.ts';
import { AWS_EVENTS } from '../model/ec2/timeline.ts';
import { didYouMean } from '../suggest.ts';
import type { ClientTotals } from './client-windows.ts';
import { ERROR_CLASSES } from './client-counters.ts';
import { OVERLOAD_UTILISATION, type RegionsSpan } from '../engine/regions-result.ts';
import type { ServiceFigures } from '../engine/services-result.ts';

export type { MetricUnit } from '../gates/conditions.ts';

export interface MetricDef {
  name: string;
  unit: MetricUnit;
  meaning: string;
}

type Getter = (r: RunResult) => number | null;
interface Entry extends MetricDef {
  get: Getter;
}
/** A per-phase metric: `name` holds `{phase}`, the getter takes the phase's name. */
interface PhaseEntry extends MetricDef {
  get: (r: RunResult, phase: string) => number | null;
}

const PERCENTILES = [
  ['p50', 'median'],
  ['p90', '90th percentile'],
  ['p99', '99th percentile'],
  ['p999', '99.9th percentile'],
  ['p9999', '99.99th percentile'],
  ['max', 'maximum'],
] as const;

function finite(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function bool(b: boolean): number {
  return b ? 1 : 0;
}

/** Seconds covered by intervals clipped to [fromS, toS); an open interval runs to the end of the run. */
function coveredS(r: RunResult, ivs: readonly { fromS: number; toS: number | null }[], fromS: number, toS: number): number {
  let s = 0;
  for (const iv of ivs) s += Math.max(0, Math.min(iv.toS ?? r.reachedS, toS) - Math.max(iv.fromS, fromS));
  return s;
}

/** The trigger: the first scheduled fault (null when the scenario has none). */
function triggerS(r: RunResult): number | null {
  const faults = r.scenario.dns.faults;
  return faults.length > 0 ? Math.min(...faults.map((f) => f.atS)) : null;
}

/** The clients' metrics over some span (the whole run or one phase), from its totals. */
function clientEntries(prefix: string, span: string, totals: (r: RunResult, phase: string) => ClientTotals | null): PhaseEntry[] {
  const t = (f: (c: ClientTotals) => number) => (r: RunResult, p: string) => {
    const c = totals(r, p);
    return c ? finite(f(c)) : null;
  };
  const out: PhaseEntry[] = [
    { name: `${prefix}.requests`, unit: 'count', meaning: `requests the clients started ${span}`, get: t((c) => c.requests) },
    { name: `${prefix}.attempts`, unit: 'count', meaning: `attempts (first tries and retries) ${span}`, get: t((c) => c.attempts) },
    { name: `${prefix}.successes`, unit: 'count', meaning: `requests that succeeded ${span}`, get: t((c) => c.successes) },
    {
      name: `${prefix}.errorRate`,
      unit: 'ratio',
      meaning: `share of finished requests whose caller saw an error ${span}`,
      get: t((c) => c.errorRate),
    },
    {
      name: `${prefix}.attemptErrorRate`,
      unit: 'ratio',
      meaning: `share of attempts that failed (any class) ${span}`,
      get: t((c) => (c.attempts > 0 ? ERROR_CLASSES.reduce((a, k) => a + (c.errors[k] ?? 0), 0) / c.attempts : 0)),
    },
    {
      name: `${prefix}.amplification`,
      unit: 'x',
      meaning: `attempts per request (retry amplification) ${span}`,
      get: t((c) => c.amplification),
    },
  ];
  for (const k of ERROR_CLASSES) {
    out.push({
      name: `${prefix}.errors.${k}`,
      unit: 'count',
      meaning: `attempts that failed with ${k} ${span}`,
      get: t((c) => c.errors[k] ?? 0),
    });
  }
  for (const [p, what] of PERCENTILES) {
    out.push({
      name: `${prefix}.latencyMs.${p}`,
      unit: 'ms',
      meaning: `${what} of request latency from the intended start (retries included) ${span}`,
      get: t((c) => c.latencyMs[p]),
    });
  }
  for (const [p, what] of PERCENTILES) {
    out.push({
      name: `${prefix}.attemptLatencyMs.${p}`,
      unit: 'ms',
      meaning: `${what} of single-attempt latency ${span}`,
      get: t((c) => c.attemptLatencyMs[p]),
    });
  }
  return out;
}

function phaseOf(r: RunResult, name: string) {
  return r.phases.find((p) => p.name === name) ?? null;
}

/** Episode length from a summary's start and end fields: 0 when it never began, to the end of the run while ongoing. */
function episodeS(r: RunResult, from: string, to: string): number | null {
  const e = r.ec2 as unknown as Record<string, unknown> | null;
  if (!e) return null;
  const f = finite(e[from]);
  if (f === null) return 0;
  return (finite(e[to]) ?? r.reachedS) - f;
}

function ec2Field(key: string): Getter {
  return (r) => (r.ec2 ? finite((r.ec2 as unknown as Record<string, unknown>)[key]) : null);
}

/** EC2 operators' actions that act on leases (everything except the NLB failover switch). */
const LEASE_ACTIONS = new Set(['throttle', 'restart', 'relax']);

const RUN_ENTRIES: Entry[] = [
  {
    name: 'run.reachedS',
    unit: 's',
    meaning: 'simulated time the run reached (durationS unless interrupted or aborted)',
    get: (r) => r.reachedS,
  },
  {
    name: 'run.partial',
    unit: 'bool',
    meaning: 'the run stopped early (interrupted, or a threshold aborted it)',
    get: (r) => bool(r.partial),
  },
  {
    name: 'perf.wallS',
    unit: 's',
    meaning: 'wall-clock seconds the run took on this machine (not deterministic)',
    get: (r) => finite(r.perf?.wallS),
  },
  {
    name: 'perf.attemptsPerS',
    unit: 'per_s',
    meaning: 'client attempts simulated per wall-clock second on this machine (not deterministic)',
    get: (r) => finite(r.perf?.attemptsPerS),
  },
  {
    name: 'perf.coordinationShare',
    unit: 'ratio',
    meaning: 'share of worker time spent waiting for peers at barriers and turns (not deterministic)',
    get: (r) => finite(r.perf?.coordinationShare),
  },
  {
    name: 'perf.cpuWaitShare',
    unit: 'ratio',
    meaning:
      "share of the worker threads' time spent ready to run but waiting for a CPU, for other processes or this one's other threads (Linux; not deterministic)",
    get: (r) => finite(r.perf?.cpuWaitShare),
  },
  {
    name: 'perf.othersCpuShare',
    unit: 'ratio',
    meaning: "share of the machine's CPU time during the run that other processes used (Linux; not deterministic)",
    get: (r) => finite(r.perf?.othersCpuShare),
  },
  {
    name: 'perf.workerCpuS',
    unit: 's',
    meaning: 'CPU seconds the worker threads ran, all together (Linux; not deterministic)',
    get: (r) => finite(r.perf?.workerCpuS),
  },
  {
    name: 'perf.helperShare',
    unit: 'ratio',
    meaning: 'share of client attempts run by workers other than worker 0 (not deterministic)',
    get: (r) => finite(r.perf?.helperShare),
  },
];

const CLIENT_ENTRIES: Entry[] = [
  { name: 'clients.count', unit: 'count', meaning: 'resolver clients simulated', get: (r) => (r.clients ? r.clients.count : null) },
  ...clientEntries('clients', 'over the whole run', (r) => r.clients).map((e) => ({ ...e, get: (r: RunResult) => e.get(r, '') })),
];

const CLIENT_PHASE_ENTRIES: PhaseEntry[] = clientEntries(
  'clients.{phase}',
  'in the phase',
  (r, p) => r.clients?.phases.find((c) => c.name === p) ?? null,
);

const DNS_ENTRIES: Entry[] = [
  {
    name: 'dns.violations',
    unit: 'count',
    meaning: 'invariant violations of the DNS control plane, all kinds',
    get: (r) => r.dns.violations.length,
  },
  ...INVARIANTS.map((inv) => ({
    name: `dns.violations.${inv}`,
    unit: 'count',
    meaning: `violations of the ${inv} invariant`,
    get: (r: RunResult) => r.dns.violations.filter((v) => v.invariant === inv).length,
  })),
  {
    name: 'dns.firstViolationAfterS',
    unit: 's',
    meaning: 'time from the trigger (or the start) to the first invariant violation; null when none happened',
    get: (r) => (r.dns.violations.length > 0 ? Math.min(...r.dns.violations.map((v) => v.atS)) - (triggerS(r) ?? 0) : null),
  },
  {
    name: 'dns.emptyS',
    unit: 's',
    meaning: 'seconds endpoints resolved to nothing, summed over endpoints (an emptiness still open runs to the end)',
    get: (r) => coveredS(r, r.dns.emptyIntervals, 0, r.reachedS),
  },
  {
    name: 'dns.endpointEmptied',
    unit: 'bool',
    meaning: 'some endpoint resolved to nothing at some point',
    get: (r) => bool(r.dns.emptyIntervals.length > 0),
  },
  {
    name: 'dns.emptyEndpoints',
    unit: 'count',
    meaning: 'distinct endpoints that resolved to nothing at some point',
    get: (r) => new Set(r.dns.emptyIntervals.map((i) => i.endpoint)).size,
  },
  {
    name: 'dns.stuckS',
    unit: 's',
    meaning: 'seconds the Enactors could not update an endpoint (inconsistent state), summed over endpoints',
    get: (r) => coveredS(r, r.dns.stuckIntervals, 0, r.reachedS),
  },
  { name: 'dns.stuck', unit: 'bool', meaning: 'the Enactors got stuck on some endpoint', get: (r) => bool(r.dns.stuck) },
  {
    name: 'dns.plansGenerated',
    unit: 'count',
    meaning: 'plan generations the Planner wrote (the bootstrap plan included)',
    get: (r) => r.dns.plansGenerated,
  },
  { name: 'dns.plansApplied', unit: 'count', meaning: 'distinct plan generations some Enactor applied', get: (r) => r.dns.plansApplied },
  { name: 'dns.plansDeleted', unit: 'count', meaning: 'plans deleted by clean-up', get: (r) => r.dns.plansDeleted },
];

const DNS_PHASE_ENTRIES: PhaseEntry[] = [
  {
    name: 'dns.{phase}.violations',
    unit: 'count',
    meaning: 'invariant violations in the phase (the last phase owns its end)',
    get: (r, p) => {
      const ph = phaseOf(r, p);
      if (!ph) return null;
      return r.dns.violations.filter((v) => v.atS >= ph.fromS && (v.atS < ph.toS || (ph.toS >= r.reachedS && v.atS <= ph.toS))).length;
    },
  },
  {
    name: 'dns.{phase}.emptyS',
    unit: 's',
    meaning: 'seconds endpoints resolved to nothing inside the phase, summed over endpoints',
    get: (r, p) => {
      const ph = phaseOf(r, p);
      return ph ? coveredS(r, r.dns.emptyIntervals, ph.fromS, ph.toS) : null;
    },
  },
];

const EC2_ENTRIES: Entry[] = [
  {
    name: 'ec2.leasesRecoveredAfterS',
    unit: 's',
    meaning: 'time from the trigger to every droplet lease being back after the worst loss (0: none lost; null: not by the end)',
    get: (r) => {
      if (!r.ec2) return null;
      if (!(r.ec2.leasesLostMax > 0)) return 0;
      const at = finite(r.ec2.leasesRecoveredAtS);
      return at === null ? null : at - (triggerS(r) ?? 0);
    },
  },
  {
    name: 'ec2.leasesRecovered',
    unit: 'bool',
    meaning: 'every droplet that lost its lease had it back by the end of the run (1 also when none was lost)',
    get: (r) => (r.ec2 ? bool(!(r.ec2.leasesLostMax > 0) || finite(r.ec2.leasesRecoveredAtS) !== null) : null),
  },
  {
    name: 'ec2.leasesRecoveredWithoutOperators',
    unit: 'bool',
    meaning: 'leases all came back before any operator action on leases (throttle, restart, relax) took effect',
    get: (r) => {
      if (!r.ec2) return null;
      if (!(r.ec2.leasesLostMax > 0)) return 1;
      const at = finite(r.ec2.leasesRecoveredAtS);
      if (at === null) return 0;
      return bool(!r.scenario.actions.some((a) => LEASE_ACTIONS.has(a.do) && a.atS <= at));
    },
  },
  { name: 'ec2.leasesLostMax', unit: 'count', meaning: 'most droplets without a lease at once', get: ec2Field('leasesLostMax') },
  {
    name: 'ec2.leaseBacklogMax',
    unit: 'count',
    meaning: "largest queue of lease attempts at DWFM's hosts",
    get: ec2Field('leaseBacklogMax'),
  },
  {
    name: 'ec2.ddbErrorS',
    unit: 's',
    meaning: "seconds DWFM's hosts saw DynamoDB errors (first bad window to last)",
    get: (r) => episodeS(r, 'ddbErrorsFromS', 'ddbErrorsEndS'),
  },
  {
    name: 'ec2.leaseCollapseS',
    unit: 's',
    meaning: 'seconds DWFM made no forward progress with DynamoDB up (congestive collapse; first bad window to last)',
    get: (r) => episodeS(r, 'leaseCollapseFromS', 'leaseCollapseEndS'),
  },
  {
    name: 'ec2.launchFailureS',
    unit: 's',
    meaning: 'seconds launches failed (first bad window to last)',
    get: (r) => episodeS(r, 'launchFailuresFromS', 'launchFailuresEndS'),
  },
  {
    name: 'ec2.propagationDegradedS',
    unit: 's',
    meaning: 'seconds Network Manager propagation was degraded (to back to normal)',
    get: (r) => episodeS(r, 'propagationDegradedFromS', 'propagationNormalAtS'),
  },
  { name: 'ec2.propagationDelayMaxS', unit: 's', meaning: 'worst network propagation delay', get: ec2Field('propagationDelayMaxS') },
  {
    name: 'ec2.propagationBacklogMax',
    unit: 'count',
    meaning: 'largest Network Manager backlog (work units)',
    get: ec2Field('propagationBacklogMax'),
  },
  {
    name: 'ec2.nlbErrorS',
    unit: 's',
    meaning: 'seconds NLB connections failed (first bad window to last)',
    get: (r) => episodeS(r, 'nlbErrorsFromS', 'nlbErrorsEndS'),
  },
  { name: 'ec2.nlbErrorRateMax', unit: 'ratio', meaning: 'worst NLB connection error rate in a window', get: ec2Field('nlbErrorRateMax') },
  { name: 'ec2.flapRateMaxPerS', unit: 'per_s', meaning: 'worst NLB health-check flap rate', get: ec2Field('flapRateMaxPerS') },
  {
    name: 'ec2.hcUtilizationMax',
    unit: 'ratio',
    meaning: 'highest utilisation of the NLB health-check cells',
    get: ec2Field('hcUtilizationMax'),
  },
  {
    name: 'ec2.azsRemovedMax',
    unit: 'count',
    meaning: 'most availability zones removed from DNS by failover at once',
    get: ec2Field('azsRemovedMax'),
  },
  {
    name: 'ec2.recovery.leasesAfterDdbS',
    unit: 's',
    meaning: 'time from DynamoDB errors ending (as EC2 saw them) to every lease being back; null when either never happened',
    get: (r) => finite(r.ec2?.recovery?.leasesAfterDdbS),
  },
  {
    name: 'ec2.recovery.propagationAfterLeasesS',
    unit: 's',
    meaning: 'time from every lease being back to propagation being normal; null when either never happened',
    get: (r) => finite(r.ec2?.recovery?.propagationAfterLeasesS),
  },
  {
    name: 'ec2.recovery.nlbErrorsAfterLeasesS',
    unit: 's',
    meaning: 'time from every lease being back to NLB errors ending; null when either never happened',
    get: (r) => finite(r.ec2?.recovery?.nlbErrorsAfterLeasesS),
  },
];

/** EC2's metrics windows that start inside the phase (as the reports' per-phase tables count them); null without EC2. */
function ec2WindowsIn(r: RunResult, phase: string): Ec2Window[] | null {
  const ph = phaseOf(r, phase);
  if (!r.ec2 || !ph) return null;
  return windowsIn(r.windows.ec2, ph);
}

/** The largest of a window figure over the phase's EC2 windows (null: none, or no value in any). */
function ec2PhasePeak(pick: (w: Ec2Window) => number | null) {
  return (r: RunResult, phase: string): number | null => {
    let m: number | null = null;
    for (const w of ec2WindowsIn(r, phase) ?? []) {
      const v = finite(pick(w));
      if (v !== null && (m === null || v > m)) m = v;
    }
    return m;
  };
}

/** A ratio of two window counts summed over the phase (null: no EC2 windows, or nothing to divide by). */
function ec2PhaseShare(part: (w: Ec2Window) => number, whole: (w: Ec2Window) => number) {
  return (r: RunResult, phase: string): number | null => {
    const wins = ec2WindowsIn(r, phase);
    if (!wins) return null;
    const d = wins.reduce((a, w) => a + whole(w), 0);
    return d > 0 ? wins.reduce((a, w) => a + part(w), 0) / d : null;
  };
}

const IN_PHASE = 'over the EC2 metrics windows that start in the phase';

const EC2_PHASE_ENTRIES: PhaseEntry[] = [
  {
    name: 'ec2.{phase}.leaseBacklogMax',
    unit: 'count',
    meaning: `largest queue of lease attempts at DWFM's hosts ${IN_PHASE}`,
    get: ec2PhasePeak((w) => w.leases.backlog),
  },
  {
    name: 'ec2.{phase}.leasesLostMax',
    unit: 'count',
    meaning: `most droplets without a lease at a window's end ${IN_PHASE}`,
    get: ec2PhasePeak((w) => w.leases.lost),
  },
  {
    name: 'ec2.{phase}.leaseWastedShare',
    unit: 'ratio',
    meaning: `share of finished lease attempts that finished after their deadline (wasted work) ${IN_PHASE}`,
    get: ec2PhaseShare(
      (w) => w.leases.wasted,
      (w) => w.leases.established + w.leases.wasted,
    ),
  },
  {
    name: 'ec2.{phase}.ddbFailureShare',
    unit: 'ratio',
    meaning: `share of DWFM's DynamoDB calls that failed ${IN_PHASE}`,
    get: ec2PhaseShare(
      (w) => w.ddb.failures,
      (w) => w.ddb.calls,
    ),
  },
  {
    name: 'ec2.{phase}.launchSuccessRate',
    unit: 'ratio',
    meaning: `share of launch requests that succeeded ${IN_PHASE}`,
    get: ec2PhaseShare(
      (w) => w.launches.succeeded,
      (w) => w.launches.requested,
    ),
  },
  {
    name: 'ec2.{phase}.propagationDelayMaxS',
    unit: 's',
    meaning: `worst network propagation delay ${IN_PHASE}`,
    get: ec2PhasePeak((w) => w.network.propagationDelayS),
  },
  {
    name: 'ec2.{phase}.propagationBacklogMax',
    unit: 'count',
    meaning: `largest Network Manager backlog (work units) ${IN_PHASE}`,
    get: ec2PhasePeak((w) => w.network.backlogUnits),
  },
  {
    name: 'ec2.{phase}.nlbErrorRateMax',
    unit: 'ratio',
    meaning: `worst NLB connection error rate in a window ${IN_PHASE}`,
    get: ec2PhasePeak((w) => w.nlb.errorRate),
  },
  {
    name: 'ec2.{phase}.flapRateMaxPerS',
    unit: 'per_s',
    meaning: `worst NLB health-check flap rate ${IN_PHASE}`,
    get: ec2PhasePeak((w) => w.nlb.flapRatePerS),
  },
];

/** The first DNS repair at or after the trigger (the operators' fix), as phasesOf finds it. */
function repairS(r: RunResult): number | null {
  const t = triggerS(r) ?? 0;
  const reps = r.scenario.actions.filter((a) => a.do === 'dns-repair' && a.atS >= t).map((a) => a.atS);
  return reps.length > 0 ? Math.min(...reps) : null;
}

/** Client errors above this share of requests in a window count as not yet recovered. */
const CLIENT_RECOVERED_ERROR_RATE = 0.01;

const RECOVERY_ENTRIES: Entry[] = [
  {
    name: 'clients.recoveredAfterRepairS',
    unit: 's',
    meaning: `from the DNS repair to the end of the last metrics window with over ${CLIENT_RECOVERED_ERROR_RATE * 100}% failed requests (0: none after the repair; null: no repair or no clients)`,
    get: (r) => {
      const rep = repairS(r);
      if (rep === null || !r.clients) return null;
      let last = rep;
      for (const w of r.windows.clients) if (w.toS > rep && w.errorRate > CLIENT_RECOVERED_ERROR_RATE) last = w.toS;
      return last - rep;
    },
  },
  // One per row of the incident timeline (scenarios with ec2.clockOrigin): where the row lands, for sensitivity.
  ...AWS_EVENTS.map(
    ({ event }): Entry => ({
      name: `timeline.${event}`,
      unit: 's',
      meaning: `simulated time of the timeline row '${event}' (null: the run has no clock origin, or it never happened)`,
      get: (r) => finite(r.timeline?.find((t) => t.event === event)?.simulatedAtS),
    }),
  ),
];

/**
 * Multi-region figures (scenario `regions`; null without it): `home` is the region the dns section models, `backup`
 * the one clients fail over to (regions.failover.to), whatever their names.
 */
function regionsEntries(prefix: string, span: string, get: (r: RunResult, phase: string) => RegionsSpan | null): PhaseEntry[] {
  const t = (f: (x: RegionsSpan) => number | null) => (r: RunResult, p: string) => {
    const x = get(r, p);
    return x ? finite(f(x)) : null;
  };
  const out: PhaseEntry[] = [];
  for (const [role, what] of [
    ['home', 'the home region'],
    ['backup', 'the failover region'],
  ] as const) {
    const head = prefix.replace('{role}', role);
    out.push(
      {
        name: `${head}.utilisation`,
        unit: 'ratio',
        meaning: `offered load on ${what}'s load balancers over their capacity, mean ${span}`,
        get: t((x) => x[role].utilisation),
      },
      {
        name: `${head}.peakUtilisation`,
        unit: 'ratio',
        meaning: `highest metrics-window utilisation of ${what} ${span}`,
        get: t((x) => x[role].peakUtilisation),
      },
      {
        name: `${head}.overloaded`,
        unit: 'bool',
        meaning: `some window's utilisation of ${what} passed ${OVERLOAD_UTILISATION} (its load balancers throttle or time out the excess) ${span}`,
        get: t((x) => bool(x[role].overloaded)),
      },
      { name: `${head}.attempts`, unit: 'count', meaning: `attempts the clients made to ${what} ${span}`, get: t((x) => x[role].attempts) },
      {
        name: `${head}.attemptErrorRate`,
        unit: 'ratio',
        meaning: `share of attempts to ${what} that failed ${span}`,
        get: t((x) => x[role].attemptErrorRate),
      },
      ...ERROR_CLASSES.map((k) => ({
        name: `${head}.errors.${k}`,
        unit: 'count',
        meaning: `attempts to ${what} that failed with ${k} ${span}`,
        get: t((x) => x[role].errors[k]),
      })),
    );
  }
  const f = prefix.replace('regions.{role}', 'failover');
  out.push(
    {
      name: `${f}.failovers`,
      unit: 'count',
      meaning: `moves of multi-region clients to the failover region ${span}`,
      get: t((x) => x.failovers),
    },
    {
      name: `${f}.failbacks`,
      unit: 'count',
      meaning: `multi-region clients back home after their stay ${span}`,
      get: t((x) => x.failbacks),
    },
    {
      name: `${f}.probeFailures`,
      unit: 'count',
      meaning: `home probes that failed and sent the client straight back ${span}`,
      get: t((x) => x.probeFailures),
    },
  );
  const c = prefix.replace('regions.{role}', 'clients');
  const cm = (who: string) => (c === 'clients' ? `clients.${who}` : c.replace('clients.', `clients.${who}.`));
  out.push(
    {
      name: `${cm('multi')}.errorRate`,
      unit: 'ratio',
      meaning: `share of finished requests of multi-region clients that failed ${span}`,
      get: t((x) => x.multiErrorRate),
    },
    {
      name: `${cm('pinned')}.errorRate`,
      unit: 'ratio',
      meaning: `share of finished requests of clients pinned to home that failed ${span}`,
      get: t((x) => x.pinnedErrorRate),
    },
  );
  return out;
}

const REGIONS_ENTRIES: Entry[] = [
  ...regionsEntries('regions.{role}', 'over the whole run', (r) => r.regions ?? null).map((e) => ({
    ...e,
    get: (r: RunResult) => e.get(r, ''),
  })),
  {
    name: 'failover.multiClients',
    unit: 'count',
    meaning: 'clients that can fail over to the failover region',
    get: (r) => (r.regions ? r.regions.multiClients : null),
  },
];

const REGIONS_PHASE_ENTRIES: PhaseEntry[] = regionsEntries(
  'regions.{role}.{phase}',
  'in the phase',
  (r, p) => r.regions?.phases.find((x) => x.name === p) ?? null,
);

/**
 * Per-service figures (scenario `chains`): `services.NAME.FIELD` over the run and `services.NAME.PHASE.FIELD` per
 * phase, NAME a service of chains.services (null when the run has no such service). The user-visible error rate
 * is clients.errorRate / clients.PHASE.errorRate: a request is the whole chain.
 */
const SERVICE_FIELDS: { field: string; unit: MetricUnit; meaning: string; get: (x: ServiceFigures) => number | null }[] = [
  { field: 'errorRate', unit: 'ratio', meaning: 'share of calls to the service that failed after their retries', get: (x) => x.errorRate },
  { field: 'calls', unit: 'count', meaning: 'calls to the service (hops of user requests)', get: (x) => x.calls },
  { field: 'failedCalls', unit: 'count', meaning: 'calls to the service that failed after their retries', get: (x) => x.failedCalls },
  { field: 'attemptErrorRate', unit: 'ratio', meaning: 'share of attempts to the service that failed', get: (x) => x.attemptErrorRate },
];
const SERVICE_NAME = /^services\.([A-Za-z][\w-]*)\.(?:([A-Za-z][\w-]*)\.)?([A-Za-z]+)$/;

function serviceMetric(name: string, phases: readonly string[] | null): Resolved | null {
  const m = SERVICE_NAME.exec(name);
  const f = m ? SERVICE_FIELDS.find((x) => x.field === m[3]) : undefined;
  if (!m || !f) return null;
  const [, svc, phase] = m;
  if (phase !== undefined && phases !== null && !(PHASE_NAMES as readonly string[]).includes(phase) && !phases.includes(phase)) return null;
  return {
    def: { name, unit: f.unit, meaning: `${f.meaning}, service '${svc}'${phase ? `, in the phase '${phase}'` : ', over the whole run'}` },
    get: (r) => {
      const x = r.services?.services.find((y) => y.name === svc);
      if (!x) return null;
      const span = phase === undefined ? x : x.phases.find((p) => p.name === phase);
      return span ? finite(f.get(span)) : null;
    },
  };
}

const ENTRIES: Entry[] = [...RUN_ENTRIES, ...CLIENT_ENTRIES, ...DNS_ENTRIES, ...EC2_ENTRIES, ...RECOVERY_ENTRIES, ...REGIONS_ENTRIES];
const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e]));
const PHASE_ENTRIES: PhaseEntry[] = [...CLIENT_PHASE_ENTRIES, ...DNS_PHASE_ENTRIES, ...EC2_PHASE_ENTRIES, ...REGIONS_PHASE_ENTRIES];
/** 'clients.{phase}.errorRate' -> ['clients.', '.errorRate'] */
const PHASE_PARTS = PHASE_ENTRIES.map((e) => {
  const [head, tail] = e.name.split('{phase}');
  return { entry: e, head, tail };
});

function phaseName(name: string, head: string, tail: string): string | null {
  if (!name.startsWith(head) || !name.endsWith(tail)) return null;
  const p = name.slice(head.length, name.length - tail.length);
  return /^[A-Za-z][\w-]*$/.test(p) ? p : null;
}

/** Every metric, per-phase ones once for each phase name a run can have. */
export function listMetrics(): MetricDef[] {
  const out: MetricDef[] = ENTRIES.map(({ name, unit, meaning }) => ({ name, unit, meaning }));
  for (const { entry, head, tail } of PHASE_PARTS) {
    for (const p of PHASE_NAMES) out.push({ name: `${head}${p}${tail}`, unit: entry.unit, meaning: `${entry.meaning} '${p}'` });
  }
  // Service names are the scenario's: listed once with SERVICE standing for any name in chains.services.
  for (const f of SERVICE_FIELDS) {
    out.push({
      name: `services.SERVICE.${f.field}`,
      unit: f.unit,
      meaning: `${f.meaning} over the whole run (SERVICE: a name in chains.services)`,
    });
    for (const p of PHASE_NAMES)
      out.push({
        name: `services.SERVICE.${p}.${f.field}`,
        unit: f.unit,
        meaning: `${f.meaning} in the phase '${p}' (SERVICE: a name in chains.services)`,
      });
  }
  return out;
}

interface Resolved {
  def: MetricDef;
  get: Getter;
}

/**
 * A metric by name, or an InputError with near names. `phases` adds phase names beyond the standard ones (a
 * result's own), so a name is known wherever it could have a value.
 */
function resolve(name: string, phases: readonly string[] = []): Resolved {
  const e = BY_NAME.get(name);
  if (e) return { def: { name: e.name, unit: e.unit, meaning: e.meaning }, get: e.get };
  for (const { entry, head, tail } of PHASE_PARTS) {
    const p = phaseName(name, head, tail);
    if (p !== null && ((PHASE_NAMES as readonly string[]).includes(p) || phases.includes(p))) {
      return { def: { name, unit: entry.unit, meaning: `${entry.meaning} '${p}'` }, get: (r) => entry.get(r, p) };
    }
  }
  const svc = serviceMetric(name, phases);
  if (svc) return svc;
  throw new InputError([`${name}: ${metricProblem(name)}`], 'unknown metric');
}

/** The definition of a metric; throws InputError (with near names) for an unknown one. */
export function metricDef(name: string): MetricDef {
  return resolve(name).def;
}

/** Is `name` a metric? (No exception: for validation that collects problems.) */
export function isMetric(name: string): boolean {
  if (BY_NAME.has(name)) return true;
  if (serviceMetric(name, []) !== null) return true;
  return PHASE_PARTS.some(({ head, tail }) => {
    const p = phaseName(name, head, tail);
    return p !== null && (PHASE_NAMES as readonly string[]).includes(p);
  });
}

/** What a scenario can measure beyond the catalogue's fixed names: its chains' service names. */
export interface MetricScope {
  services: readonly string[];
}

/** The scope of a scenario (or a result's scenario). */
export function scopeOf(s: { chains?: { services: readonly { name: string }[] } }): MetricScope {
  return { services: (s.chains?.services ?? []).map((x) => x.name) };
}

/**
 * Why `name` is not a metric ("unknown metric (did you mean ...?)"), or null when it is one. With a scope, a
 * per-service name must name one of the scenario's services (a misspelt one would only ever read null).
 */
export function metricProblem(name: string, scope?: MetricScope): string | null {
  if (isMetric(name)) {
    const svc = scope ? SERVICE_NAME.exec(name)?.[1] : undefined;
    if (scope && svc !== undefined && !BY_NAME.has(name) && serviceMetric(name, []) !== null && !scope.services.includes(svc)) {
      return scope.services.length === 0
        ? `the scenario has no chains section, so no service '${svc}'`
        : `unknown service '${svc}'${didYouMean(svc, scope.services)}; chains.services has ${scope.services.join(', ')}`;
    }
    return null;
  }
  return `unknown metric${didYouMean(
    name,
    listMetrics().map((m) => m.name),
  )}; \`cascadesim metrics\` lists them all`;
}

/** The metric's value in this run; null when it does not apply (e.g. ec2.* without EC2, a phase the run lacks). */
export function metricValue(r: RunResult, name: string): number | null {
  const v = resolve(
    name,
    r.phases.map((p) => p.name),
  ).get(r);
  return v === null || !Number.isFinite(v) ? null : v;
}

/** Several metrics at once (all of the catalogue's fixed names, with every phase of this run, by default). */
export function metricValues(r: RunResult, names?: readonly string[]): Record<string, number | null> {
  const list = names ?? allNamesFor(r);
  const out: Record<string, number | null> = {};
  for (const n of list) out[n] = metricValue(r, n);
  return out;
}

/** Every metric name with this run's phases (rather than the standard ones). */
function allNamesFor(r: RunResult): string[] {
  const out = ENTRIES.map((e) => e.name);
  for (const { head, tail } of PHASE_PARTS) for (const p of r.phases) out.push(`${head}${p.name}${tail}`);
  for (const x of r.services?.services ?? []) {
    for (const f of SERVICE_FIELDS) {
      out.push(`services.${x.name}.${f.field}`);
      for (const p of r.phases) out.push(`services.${x.name}.${p.name}.${f.field}`);
    }
  }
  return out;
}
