/**
 * The phases a run is cut into (see phasesOf in result.ts): a type of its own so that the clients' part of the
 * result and the result itself both use it without importing each other.
 */

/** Every phase name phasesOf can produce, in order. `recovery` exists only in runs with EC2. */
export const PHASE_NAMES = ['before', 'outage', 'recovery', 'after'] as const;

export interface Phase {
  name: string;
  fromS: number;
  toS: number;
}

/** Whether a window belongs to phase p: a window belongs to the phase its start lies in (so none is counted twice). */
export function startsIn(w: { fromS: number }, p: { fromS: number; toS: number }): boolean {
  return w.fromS >= p.fromS && w.fromS < p.toS;
}

/** The windows that start in phase p. */
export function windowsIn<W extends { fromS: number }>(windows: readonly W[], p: { fromS: number; toS: number }): W[] {
  return windows.filter((w) => startsIn(w, p));
}
