/** What the coordinator hands each worker, and what each worker returns. Plain data: structured-clone friendly. */
import type { Scenario } from '../config/schema.ts';
import type { StoreDims } from '../memory/layout.ts';
import type { SimEvent } from '../model/dns/events.ts';
import type { Ec2Summary, Ec2Window } from '../model/ec2/model.ts';
import type { ClientWindowRaw } from '../metrics/client-counters.ts';

export interface WorkerTask {
  sab: SharedArrayBuffer;
  dims: StoreDims;
  scenario: Scenario;
  worker: number;
  workers: number;
  /**
   * Test hook (CASCADESIM_INJECT_FAILURE=worker:epoch[:control]): throw inside this worker at the start of this
   * epoch, or inside its first control turn from that epoch on, while the other workers wait for the turn.
   */
  failAt?: { worker: number; epoch: number; inControl: boolean };
}

export interface WorkerOutcome {
  worker: number;
  events: SimEvent[];
  clientWindows: ClientWindowRaw[];
  ec2Windows: Ec2Window[];
  ec2Summary: Ec2Summary | null;
  lockRetries: Record<string, number>;
  /** Epochs completed; fewer than planned when the run was interrupted. */
  epochsDone: number;
  partial: boolean;
  /** Wall time spent waiting for other workers (barrier and turns), for the coordination-overhead figure. */
  waitS: number;
  busyS: number;
  attempts: number;
}

/** Actors of the control plane, in tie-break order: at equal times the lower id goes first. */
export const ACTOR_OPERATOR = 0;
export const ACTOR_PLANNER = 1;
export const ACTOR_ENACTOR0 = 2;

export function actorCount(s: Scenario): number {
  return ACTOR_ENACTOR0 + s.dns.enactors;
}

/** Worker owning an actor: worker 0 owns the operators and the Planner; Enactors go round-robin. */
export function actorOwner(actor: number, workers: number): number {
  return actor < ACTOR_ENACTOR0 ? 0 : (actor - ACTOR_ENACTOR0) % workers;
}

export function storeDims(s: Scenario, workers: number): StoreDims {
  return {
    endpoints: s.dns.endpoints.length,
    lbsPerEndpoint: s.dns.endpoints.map((e) => e.loadBalancers),
    planSlots: s.dns.planSlots,
    actors: actorCount(s),
    workers,
  };
}

export function epochCount(s: Scenario): number {
  return Math.ceil(s.durationS / s.sim.epochS - 1e-9);
}
