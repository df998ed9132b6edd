/** What the coordinator hands each worker, and what each worker returns. Plain data: structured-clone friendly. */
import type { WorkerCpu } from './cpu-time.ts';
import type { ClientsConfig } from '../config/clients-schema.ts';
import type { Scenario } from '../config/schema.ts';
import type { StoreDims } from '../memory/layout.ts';
import type { PopulationMemory } from '../memory/population.ts';
import type { ChainsConfig, RegionsConfig } from '../config/regions-schema.ts';
import { type StaticEndpoint, staticEndpoints } from '../config/static-endpoints.ts';
import type { PackedEvents } from '../model/dns/events.ts';
import type { AbortRule, StoppedBy } from './live.ts';
import type { Ec2Summary, Ec2Window } from '../model/ec2/model.ts';
import type { ClientWindowRaw } from '../metrics/client-counters.ts';

/** RunOptions.helpers (tests): see WorkerTask.helpers. */
export type HelpersTestMode = 'never' | 'alternate';
/** Mode 'alternate': the helpers are asked to this many epochs, then left out of as many, and so on. */
export const ALTERNATE_EPOCHS = 13;

export interface WorkerTask {
  sab: SharedArrayBuffer;
  dims: StoreDims;
  scenario: Scenario;
  worker: number;
  workers: number;
  /**
   * The client population's state, shared by every worker (any worker may run any chunk of it): the records
   * (records.ts) and the calendar they are filed in (calendar.ts), the answer log (answer-log.ts) and the load
   * balancers' state that worker 0 publishes for each epoch (lb-epoch.ts). Absent without clients.
   */
  population?: {
    /** The records and the calendar their pages are in (src/memory/population.ts). */
    memory: PopulationMemory;
    answerLog: SharedArrayBuffer;
    lbEpoch: SharedArrayBuffer;
    /** With regions or chains: the extension record of each record slot, moved with it (records.ts EXT_*). */
    ext?: SharedArrayBuffer;
  };
  /**
   * Test hook (CASCADESIM_INJECT_FAILURE=worker:epoch[:control]): throw inside this worker at the start of this
   * epoch, or (worker 0, which runs the control phase) inside its first control event from that epoch on, while
   * the other workers run the epoch's chunks.
   */
  failAt?: { worker: number; epoch: number; inControl: boolean };
  /** Thresholds with abortOnFail: worker 0 checks them at the end of every epoch and stops the run after it. */
  abortOn?: AbortRule[];
  /** When the run started (ms since the epoch: comparable across threads), for perf.wallS rules. */
  startedAtMs?: number;
  /**
   * The client model EC2's DWFM hosts call DynamoDB with: the scenario's clients, or the defaults for the first
   * endpoint without them. Parsed by the coordinator: the worker loads no schema code (zod costs a worker's start
   * about 80 ms of CPU).
   */
  ddbClients: ClientsConfig;
  /**
   * Test hook: worker 0 leaves the helpers out of every epoch ('never') or out of every other stretch of
   * ALTERNATE_EPOCHS epochs ('alternate'), so that a test can require the same result whoever runs the chunks.
   * Absent: the helpers are asked to every epoch.
   */
  helpers?: HelpersTestMode;
}

/** The client scans (perf.clientScan): src/model/clients/kernel.ts, or shard.ts and multi.ts. */
export type ClientScan = 'webassembly' | 'javascript';

export interface WorkerOutcome {
  worker: number;
  /** The control events this worker ran (packed: events.ts), null when it ran none. */
  events: PackedEvents | null;
  clientWindows: ClientWindowRaw[];
  ec2Windows: Ec2Window[];
  ec2Summary: Ec2Summary | null;
  lockRetries: Record<string, number>;
  /** Epochs completed; fewer than planned when the run was interrupted. */
  epochsDone: number;
  partial: boolean;
  /** The abortOnFail rule that stopped the run (worker 0's outcome; null otherwise). */
  stoppedBy?: StoppedBy | null;
  /** Wall time spent waiting for other workers (barrier and turns), for the coordination-overhead figure. */
  waitS: number;
  busyS: number;
  attempts: number;
  /** Multi-region capable clients among those this worker initialised (its part of the population); they sum to the population's. */
  multiClients: number;
  /** Which client scan ran: the WebAssembly kernel or the JavaScript scan (regions or chains, CASCADESIM_SCAN=js, over 4 GiB); null without clients. */
  clientScan: ClientScan | null;
  /** Had nothing to do and left at once: its epochsDone says nothing about how far the run got. */
  idle?: boolean;
  /** What this worker's thread got from the machine over its task (cpu-time.ts); null where unknown or idle. */
  cpu?: WorkerCpu | null;
}

/** Actors of the control plane, in tie-break order: at equal times the lower id goes first. */
export const ACTOR_OPERATOR = 0;
export const ACTOR_PLANNER = 1;
export const ACTOR_ENACTOR0 = 2;

export function actorCount(s: Scenario): number {
  return ACTOR_ENACTOR0 + s.dns.enactors;
}

/**
 * Worker owning the control-plane actors. Any worker could own any actor (they share nothing but the store); in
 * the lock-step engine one worker owns them all, so that running the epoch's events in (time, actor) order
 * needs no hand-off between threads per event (measured: with Enactors spread round-robin, 64 Enactors took
 * 2.41 s on two workers against 1.30 s on one, 14.4 s against 2.7 s with another process busy).
 */
export const CONTROL_WORKER = 0;

/** The clients' endpoints beyond the one DNS endpoint: other regions and service chains, with the static endpoints. */
export interface MultiEndpoints {
  regions?: RegionsConfig;
  chains?: ChainsConfig;
  statics: StaticEndpoint[];
}

/**
 * The scenario's regions and chains with their static endpoints (global load-balancer ids from `firstLbId`, the
 * layout's dnsLbCount); null when it has neither, and then the store holds no static load balancers and clients
 * no extension records. The one place that asks, for the store's sizes, the coordinator and the workers.
 */
export function multiEndpoints(s: Scenario, firstLbId = 0): MultiEndpoints | null {
  if (!s.regions && !s.chains) return null;
  return { regions: s.regions, chains: s.chains, statics: staticEndpoints(s.regions, s.chains, firstLbId) };
}

/**
 * Workers that take part in a run of `workers`: all of them with clients; without clients only worker 0, which owns
 * every control actor (the rest return at once, and the coordinator does not start threads for them).
 */
export function activeWorkers(s: Scenario, workers: number): number {
  return s.clients ? workers : 1;
}

export function storeDims(s: Scenario, workers: number): StoreDims {
  const multi = multiEndpoints(s);
  return {
    endpoints: s.dns.endpoints.length,
    lbsPerEndpoint: s.dns.endpoints.map((e) => e.loadBalancers),
    ...(multi ? { staticLbs: multi.statics.map((o) => o.lbs) } : {}),
    planSlots: s.dns.planSlots,
    actors: actorCount(s),
    workers,
  };
}

export function epochCount(s: Scenario): number {
  return Math.ceil(s.durationS / s.sim.epochS - 1e-9);
}
