/**
 * The multi-region part of a result (scenario `regions`): per phase, each region's offered load against its
 * capacity and its errors, the failover moves, and the request error rates of multi-region and pinned clients.
 * Built from the merged client windows (integer counts), so it is the same for any worker count.
 *
 * Utilisation is offered / capacity: attempts that reached the region's load balancers per simulated second,
 * over the nominal capacity of the load balancers the clients use there (load balancers * capacityPerS; the home
 * Planner's brief outages of single load balancers are not subtracted). A region is `overloaded` in a phase when
 * some metrics window of it had a utilisation above 1: that is where the service model (service.ts) starts
 * refusing the excess (throttling) and leaving it to time out.
 */
import type { Scenario } from '../config/schema.ts';
import type { ClientWindow, ErrorCounts } from '../metrics/client-windows.ts';
import { type Phase, windowsIn } from './phases.ts';
import { ratio } from './services-result.ts';

/** Utilisation above which a region counts as overloaded in a window. */
export const OVERLOAD_UTILISATION = 1;

export interface RegionFigures {
  /** Attempts made to the region (resolver failures included). */
  attempts: number;
  errors: ErrorCounts;
  /** Failed attempts / attempts. */
  attemptErrorRate: number;
  /** Attempts that reached a load balancer per second, over the capacity (mean over the span). */
  utilisation: number;
  /** Highest window utilisation in the span. */
  peakUtilisation: number;
  /** peakUtilisation > OVERLOAD_UTILISATION. */
  overloaded: boolean;
}

export interface RegionsSpan {
  home: RegionFigures;
  backup: RegionFigures;
  failovers: number;
  failbacks: number;
  probeFailures: number;
  /** Failed requests / finished requests of the multi-region clients, and of the pinned ones (null: none finished). */
  multiErrorRate: number | null;
  pinnedErrorRate: number | null;
}

export interface RegionsPhase extends RegionsSpan {
  name: string;
  fromS: number;
  toS: number;
}

export interface RegionsSummary extends RegionsSpan {
  home: RegionFigures & { name: string; endpoint: string; capacityPerS: number };
  backup: RegionFigures & { name: string; endpoint: string; capacityPerS: number; crossLatencyMs: number };
  /** Clients that can fail over (drawn by hash for the configured share). */
  multiClients: number;
  overloadUtilisation: number;
  phases: RegionsPhase[];
}

function span(windows: ClientWindow[], homeCap: number, backupCap: number): RegionsSpan {
  const sum = (k: keyof NonNullable<ClientWindow['regions']>) => windows.reduce((a, w) => a + (w.regions?.[k] ?? 0), 0);
  const seconds = windows.reduce((a, w) => a + (w.toS - w.fromS), 0);
  const homeLb = (w: ClientWindow) => (w.regions ? w.regions.homeAttempts - w.regions.homeDnsEmpty : 0);
  const backupLb = (w: ClientWindow) => (w.regions ? w.regions.awayAttempts : 0);
  const figures = (attempts: number, errors: ErrorCounts, lb: (w: ClientWindow) => number, cap: number): RegionFigures => {
    const failed = errors['dns-empty'] + errors.connect + errors.timeout + errors.throttled;
    const util = (w: ClientWindow) => lb(w) / (w.toS - w.fromS) / cap;
    const peak = windows.reduce((m, w) => Math.max(m, util(w)), 0);
    return {
      attempts,
      errors,
      attemptErrorRate: ratio(failed, attempts) ?? 0,
      utilisation: seconds > 0 ? windows.reduce((a, w) => a + lb(w), 0) / seconds / cap : 0,
      peakUtilisation: peak,
      overloaded: peak > OVERLOAD_UTILISATION,
    };
  };
  const multiOk = sum('multiSuccesses');
  const multiFailed = sum('multiFailedRequests');
  const pinnedOk = sum('pinnedSuccesses');
  const pinnedFailed = sum('pinnedFailedRequests');
  return {
    home: figures(
      sum('homeAttempts'),
      { 'dns-empty': sum('homeDnsEmpty'), connect: sum('homeConnect'), timeout: sum('homeTimeout'), throttled: sum('homeThrottled') },
      homeLb,
      homeCap,
    ),
    backup: figures(
      sum('awayAttempts'),
      { 'dns-empty': 0, connect: sum('awayConnect'), timeout: sum('awayTimeout'), throttled: sum('awayThrottled') },
      backupLb,
      backupCap,
    ),
    failovers: sum('failovers'),
    failbacks: sum('failbacks'),
    probeFailures: sum('probeFailures'),
    multiErrorRate: ratio(multiFailed, multiOk + multiFailed),
    pinnedErrorRate: ratio(pinnedFailed, pinnedOk + pinnedFailed),
  };
}

/** The `regions` block of a result; undefined without scenario regions (so such results keep their shape). */
/** `multiClients`: the multi-region capable clients, counted by the workers over the parts they initialised. */
export function summarizeRegions(s: Scenario, windows: ClientWindow[], phases: Phase[], multiClients: number): RegionsSummary | undefined {
  const r = s.regions;
  if (!r || !s.clients) return undefined;
  const clients = s.clients;
  const homeEp = s.dns.endpoints.find((e) => e.name === clients.endpoint);
  const to = r.others.find((o) => o.name === r.failover.to);
  if (!homeEp || !to) throw new Error('summarizeRegions: the scenario was not validated');
  const homeCap = homeEp.loadBalancers * homeEp.capacityPerS;
  const backupCap = to.loadBalancers * to.capacityPerS;
  const all = span(windows, homeCap, backupCap);
  return {
    ...all,
    home: { name: r.home, endpoint: homeEp.name, capacityPerS: homeCap, ...all.home },
    backup: { name: to.name, endpoint: to.endpoint, capacityPerS: backupCap, crossLatencyMs: to.crossLatencyMs, ...all.backup },
    multiClients,
    overloadUtilisation: OVERLOAD_UTILISATION,
    // A window belongs to the phase its start lies in, as for the clients' phases.
    phases: phases.map((p) => ({
      name: p.name,
      fromS: p.fromS,
      toS: p.toS,
      ...span(windowsIn(windows, p), homeCap, backupCap),
    })),
  };
}
