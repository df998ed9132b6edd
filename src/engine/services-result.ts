/**
 * The chained-services part of a result (scenario `chains`): per service, its calls and how many failed after the
 * callers' retries, and its attempts and their errors, over the run and per phase. Built from the merged client
 * windows (integer counts), so it is the same for any worker count. Split from the regions part
 * (regions-result.ts), which has nothing in common with it but the windows it reads.
 */
import type { Scenario } from '../config/schema.ts';
import type { ClientWindow } from '../metrics/client-windows.ts';
import { type Phase, windowsIn } from './phases.ts';

/** a / b, or null when there is nothing to divide by (no calls, no attempts). */
export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/** One service's calls over a span (scenario `chains`). */
export interface ServiceFigures {
  calls: number;
  failedCalls: number;
  /** Failed calls / calls: the service's error rate as its callers see it, after their retries. */
  errorRate: number | null;
  attempts: number;
  attemptErrorRate: number | null;
}

export interface ServicesSummary {
  /** The calls of one user request, in order. */
  request: string[];
  services: (ServiceFigures & { name: string; dynamic: boolean; phases: (ServiceFigures & { name: string })[] })[];
}

function serviceSpan(windows: ClientWindow[], k: number): ServiceFigures {
  let calls = 0;
  let failedCalls = 0;
  let attempts = 0;
  let failedAttempts = 0;
  for (const w of windows) {
    const x = w.services?.[k];
    if (!x) continue;
    calls += x.calls;
    failedCalls += x.failedCalls;
    attempts += x.attempts;
    failedAttempts += x.failedAttempts;
  }
  // Calls still running at a window edge make calls and finished calls differ a little; the rate is over calls.
  return { calls, failedCalls, errorRate: ratio(failedCalls, calls), attempts, attemptErrorRate: ratio(failedAttempts, attempts) };
}

/**
 * The `services` block of a result (scenario `chains`): per service, its calls and how many failed after the
 * callers' retries, per phase. The user-visible error rate is the clients' own (a request is the whole chain).
 */
export function summarizeServices(s: Scenario, windows: ClientWindow[], phases: Phase[]): ServicesSummary | undefined {
  const c = s.chains;
  if (!c) return undefined;
  return {
    request: c.request,
    services: c.services.map((x, k) => ({
      name: x.name,
      dynamic: x.endpoint !== undefined,
      ...serviceSpan(windows, k),
      phases: phases.map((p) => ({
        name: p.name,
        ...serviceSpan(windowsIn(windows, p), k),
      })),
    })),
  };
}
