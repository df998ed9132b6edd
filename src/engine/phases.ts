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
