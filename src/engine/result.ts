/**
 * A run's result: everything deterministic about it (hashed into `digest`), plus the wall-clock figures that
 * are not (perf). The same scenario and seed give the same digest for any worker count, run after run.
 */
import os from 'node:os';
import type { Scenario } from '../config/schema.ts';
import { compareEvents, type Invariant, type SimEvent, unpackEvents } from '../model/dns/events.ts';
import { triggerReports, type TriggerReport } from '../model/dns/trigger.ts';
import type { StoppedBy } from './live.ts';
import type { ClientScan, WorkerOutcome } from './task.ts';
import { type DigestField, type DigestPart, digestHashes } from './digest-encoding.ts';
import type { Ec2Summary, Ec2Window } from '../model/ec2/model.ts';
import { buildTimeline, type TimelineEntry } from '../model/ec2/timeline.ts';
import { buildClients, type ClientsPart } from './clients-result.ts';
import type { Phase } from './phases.ts';
import { summarizeRegions, type RegionsSummary } from './regions-result.ts';
import { summarizeServices, type ServicesSummary } from './services-result.ts';

export const FORMAT_VERSION = 1;

export type { Phase } from './phases.ts';

export interface Violation {
  invariant: Invariant;
  atS: number;
  endpoint: string;
  detail: string;
  chain: string[];
}

export interface Interval {
  endpoint: string;
  fromS: number;
  /** null: still so when the run ended. */
  toS: number | null;
}

export interface DnsSummary {
  protocol: string;
  enactors: number;
  plansGenerated: number;
  plansApplied: number;
  plansDeleted: number;
  stuck: boolean;
  stuckIntervals: Interval[];
  violations: Violation[];
  emptyIntervals: Interval[];
  lockRetries: Record<string, number>;
  /** The scheduled faults and what they did: a fixed stall, or the adversarial trigger (a chosen schedule). */
  triggers: TriggerReport[];
}

export interface RunResult {
  formatVersion: number;
  partial: boolean;
  scenario: Scenario;
  seed: number;
  workers: number;
  digest: string;
  /** Simulated time the run reached (durationS unless interrupted). */
  reachedS: number;
  /**
   * The abortOnFail threshold that stopped the run at reachedS, with the figure that broke it; absent when the
   * run was not stopped by one. Not in the digest (the digest covers what the model computed; partial and
   * reachedS already say where it stopped).
   */
  stoppedBy?: StoppedBy;
  phases: Phase[];
  dns: DnsSummary;
  events: SimEvent[];
  clients: ClientsPart['summary'];
  /** With scenario `regions` only: per-region load and errors, failovers (regions-result.ts). */
  regions?: RegionsSummary;
  /** With scenario `chains` only: per-service calls and error rates (services-result.ts). */
  services?: ServicesSummary;
  windows: { clients: ClientsPart['windows']; ec2: Ec2Window[] };
  ec2: Ec2Summary | null;
  /** Transitions beside AWS's times, each with its kind (scheduled, calibrated, predicted), for scenarios with a clock origin (ec2.clockOrigin). */
  timeline: TimelineEntry[] | null;
  perf: {
    wallS: number;
    events: number;
    eventsPerS: number;
    attempts: number;
    attemptsPerS: number;
    /** Share of worker wall time spent waiting for peers (barriers and turns). */
    coordinationShare: number;
    /** Share of the client attempts that workers other than worker 0 ran (0 with one worker). */
    helperShare?: number;
    /** Which client scan ran (task.ts ClientScan); null without clients. Absent from older results. */
    clientScan?: ClientScan | null;
    /**
     * Share of the worker threads' wall time they spent ready to run but waiting for a CPU that ran something else
     * (Linux's schedstat, cpu-time.ts): other processes, or this one's own other threads (on a machine to itself
     * about 0 on 1 worker, 5-17% on 2 workers on 2 cores, where the coordinator and V8's background threads take
     * turns; 0.4 beside a neighbour keeping one of 2 cores busy). Waits for peers are in coordinationShare; the
     * neighbours alone in othersCpuShare. Null where the system does not say; absent from older results.
     */
    cpuWaitShare?: number | null;
    /** CPU seconds the worker threads ran, all together (the same source); null where unknown. */
    workerCpuS?: number | null;
    /**
     * Share of all the machine's CPU time during the run that other processes used (Linux's /proc/stat against
     * this process's own CPU time): 0 on a machine to itself, 0.5 on 2 cores beside a process keeping one busy.
     * Null where unknown; absent from older results.
     */
    othersCpuShare?: number | null;
    node: string;
    cpus: number;
    cpuModel: string;
  };
}

/**
 * The phases: before the trigger (the first fault), the outage (until the first DNS repair), then, with EC2, the
 * recovery until every EC2 stage is back to normal (from the EC2 summary), and after.
 */
export function phasesOf(s: Scenario, reachedS: number, ec2: Ec2Summary | null = null): Phase[] {
  const triggerS = s.dns.faults.length > 0 ? Math.min(...s.dns.faults.map((f) => f.atS)) : null;
  const repairs = s.actions.filter((a) => a.do === 'dns-repair' && (triggerS === null || a.atS >= triggerS)).map((a) => a.atS);
  const repairS = repairs.length > 0 ? Math.min(...repairs) : null;
  const cuts: [string, number][] = [['before', 0]];
  if (triggerS !== null) cuts.push(['outage', triggerS]);
  if (triggerS !== null && repairS !== null) {
    if (ec2) {
      cuts.push(['recovery', repairS]);
      const ends = [ec2.leasesRecoveredAtS, ec2.propagationNormalAtS, ec2.nlbErrorsEndS].filter((x): x is number => x !== null);
      const normalS = ends.length > 0 ? Math.max(...ends) : null;
      if (normalS !== null && normalS > repairS) cuts.push(['after', normalS]);
    } else {
      cuts.push(['after', repairS]);
    }
  }
  const phases: Phase[] = [];
  cuts.forEach(([name, fromS], i) => {
    const toS = Math.min(i + 1 < cuts.length ? cuts[i + 1][1] : reachedS, reachedS);
    if (toS > fromS) phases.push({ name, fromS, toS });
  });
  return phases;
}

function intervals(
  events: SimEvent[],
  names: string[],
  opens: (e: SimEvent) => boolean,
  close: (e: SimEvent) => boolean,
  closeAll: (e: SimEvent) => boolean = () => false,
): Interval[] {
  const out: Interval[] = [];
  const current = new Map<number, Interval>();
  for (const ev of events) {
    if (closeAll(ev)) {
      for (const iv of current.values()) iv.toS = ev.atS;
      current.clear();
      continue;
    }
    if (ev.endpoint < 0) continue;
    const cur = current.get(ev.endpoint);
    if (!cur && opens(ev)) {
      const iv: Interval = { endpoint: names[ev.endpoint], fromS: ev.atS, toS: null };
      out.push(iv);
      current.set(ev.endpoint, iv);
    } else if (cur && close(ev)) {
      cur.toS = ev.atS;
      current.delete(ev.endpoint);
    }
  }
  return out;
}

export function summarizeDns(s: Scenario, events: SimEvent[], outcomes: WorkerOutcome[], reachedS: number): DnsSummary {
  const names = s.dns.endpoints.map((e) => e.name);
  // One pass for the counts and the violations (a 64-Enactor run has 96k events).
  let created = 0;
  let deleted = 0;
  const applied = new Set<number>();
  const violations: Violation[] = [];
  for (const e of events) {
    if (e.kind === 'plan-created') created++;
    else if (e.kind === 'cleanup-delete') deleted++;
    else if (e.kind === 'apply') applied.add(e.gen);
    else if (e.kind === 'violation')
      violations.push({
        invariant: e.invariant as Invariant,
        atS: e.atS,
        endpoint: names[e.endpoint],
        detail: e.detail,
        chain: e.chain ?? [],
      });
  }
  const isStuckStart = (e: SimEvent) => e.kind === 'apply-failed' && e.detail.startsWith('inconsistent');
  const stuckIntervals = intervals(
    events,
    names,
    isStuckStart,
    (e) => e.kind === 'apply' || e.kind === 'endpoint-restored',
    // The repair clears the inconsistent state of every endpoint at once (its event names no single endpoint).
    (e) => e.kind === 'dns-repair' && e.gen > 0,
  );
  const lockRetries: Record<string, number> = {};
  for (const o of outcomes) Object.assign(lockRetries, o.lockRetries);
  return {
    protocol: s.dns.protocol,
    enactors: s.dns.enactors,
    plansGenerated: created + 1,
    plansApplied: applied.size,
    plansDeleted: deleted,
    stuck: stuckIntervals.length > 0,
    stuckIntervals,
    violations,
    emptyIntervals: intervals(
      events,
      names,
      (e) => e.kind === 'endpoint-empty',
      (e) => e.kind === 'endpoint-restored',
    ),
    lockRetries: Object.fromEntries(Object.entries(lockRetries).sort(([a], [b]) => a.localeCompare(b))),
    triggers: triggerReports(events, s.dns.faults, reachedS),
  };
}

export { DIGEST_FIELDS, type DigestField } from './digest-encoding.ts';

/** SHA-256 over the msgpack encoding of everything deterministic in the result. */
export function digestOf(r: Pick<RunResult, DigestField>): string {
  return digestHashes(r).digest;
}

/**
 * The parts' digests of the results assembleResult made, hashed in the same pass as their digest: every run
 * prints its digest key, and encoding a large result again for it cost as much as the digest itself. A result is
 * a value: nothing changes it after it is assembled (a changed copy is another object, and is hashed anew).
 */
const partsOfAssembled = new WeakMap<object, Record<DigestPart, string>>();

export function assembledDigestParts(r: RunResult): Record<DigestPart, string> | undefined {
  return partsOfAssembled.get(r);
}

/** When the endpoint DynamoDB's callers use (the clients', else the first) first resolved to nothing. */
function raceAtS(s: Scenario, events: SimEvent[]): number | null {
  const name = s.clients?.endpoint ?? s.dns.endpoints[0].name;
  const e = s.dns.endpoints.findIndex((x) => x.name === name);
  return events.find((ev) => ev.kind === 'endpoint-empty' && ev.endpoint === e)?.atS ?? null;
}

/** `othersCpuShare`: perf.othersCpuShare, measured by the coordinator around the run (cpu-time.ts). */
export function assembleResult(
  s: Scenario,
  workers: number,
  outcomes: WorkerOutcome[],
  wallS: number,
  othersCpuShare: number | null = null,
): RunResult {
  const events = outcomes.flatMap((o) => (o.events ? unpackEvents(o.events) : [])).sort(compareEvents);
  const epochsDone = Math.min(...outcomes.filter((o) => !o.idle).map((o) => o.epochsDone));
  const reachedS = Math.min(s.durationS, epochsDone * s.sim.epochS);
  const partial = outcomes.some((o) => o.partial);
  const ec2Outcome = outcomes[0];
  const phases = phasesOf(s, reachedS, ec2Outcome.ec2Summary);
  const clients = buildClients(s, outcomes, phases);
  const origin = s.ec2?.clockOrigin ?? null;
  const regions = summarizeRegions(
    s,
    clients.windows,
    phases,
    outcomes.reduce((n, o) => n + o.multiClients, 0),
  );
  const services = summarizeServices(s, clients.windows, phases);
  const base = {
    formatVersion: FORMAT_VERSION,
    partial,
    scenario: s,
    seed: s.seed,
    reachedS,
    phases,
    dns: summarizeDns(s, events, outcomes, reachedS),
    events,
    clients: clients.summary,
    ...(regions ? { regions } : {}),
    ...(services ? { services } : {}),
    windows: { clients: clients.windows, ec2: ec2Outcome.ec2Windows },
    ec2: ec2Outcome.ec2Summary,
    timeline: ec2Outcome.ec2Summary && origin ? buildTimeline(ec2Outcome.ec2Summary, origin, { raceAtS: raceAtS(s, events) }) : null,
  };
  const attempts = outcomes.reduce((a, o) => a + o.attempts, 0);
  const busy = outcomes.reduce((a, o) => a + o.busyS + o.waitS, 0);
  const waits = outcomes.reduce((a, o) => a + o.waitS, 0);
  const simEvents = events.length + attempts;
  const cpu = workersCpu(outcomes);
  const stoppedBy = outcomes[0].stoppedBy; // worker 0 judges abortOnFail
  const hashes = digestHashes(base);
  const result: RunResult = {
    ...base,
    ...(stoppedBy ? { stoppedBy } : {}),
    workers,
    digest: hashes.digest,
    perf: {
      wallS,
      events: simEvents,
      eventsPerS: simEvents / Math.max(wallS, 1e-9),
      attempts,
      attemptsPerS: attempts / Math.max(wallS, 1e-9),
      coordinationShare: busy > 0 ? waits / busy : 0,
      helperShare: attempts > 0 ? (attempts - outcomes[0].attempts) / attempts : 0,
      clientScan: outcomes[0].clientScan,
      cpuWaitShare: cpu ? cpu.waitShare : null,
      workerCpuS: cpu ? cpu.runS : null,
      othersCpuShare,
      node: process.version,
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
    },
  };
  partsOfAssembled.set(result, hashes.parts);
  return result;
}

/** The worker threads' CPU and run-queue time, over the workers that ran (idle ones have none); null if one is unknown. */
function workersCpu(outcomes: WorkerOutcome[]): { runS: number; waitShare: number } | null {
  let runS = 0;
  let waitS = 0;
  let wallS = 0;
  for (const o of outcomes) {
    if (o.idle) continue;
    if (!o.cpu) return null;
    runS += o.cpu.runS;
    waitS += o.cpu.waitS;
    wallS += o.cpu.wallS;
  }
  return wallS > 0 ? { runS, waitShare: Math.min(1, waitS / wallS) } : null;
}
