/**
 * The multi-region counters of one metrics window (scenario `regions`): attempts and errors per region, the
 * failover moves, and requests split by who made them (multi-region capable clients or pinned ones). A separate
 * array beside the client counters, present only with regions, so single-region results keep their shape.
 * Integer counts, attributed like the client counters (client-counters.ts): an attempt to the window where it
 * starts, a request's outcome to the window where its last attempt starts, a move to the window of the attempt
 * that caused it.
 */

/** Order of ClientWindowRaw.regions. Append only. */
export const REGION_COUNTERS = [
  /** Attempts made in the home region (resolver failures included). */
  'homeAttempts',
  'homeDnsEmpty',
  'homeConnect',
  'homeTimeout',
  'homeThrottled',
  /** Attempts made in the failover region (its static endpoint always answers). */
  'awayAttempts',
  'awayConnect',
  'awayTimeout',
  'awayThrottled',
  /** Clients that left home for the failover region. */
  'failovers',
  /** Clients whose stay ended and that came back home. */
  'failbacks',
  /** Probes (first home attempt after a stay, comeBack: probe) that failed and sent the client straight back. */
  'probeFailures',
  'multiSuccesses',
  'multiFailedRequests',
  'pinnedSuccesses',
  'pinnedFailedRequests',
] as const;

export type RegionCounterName = (typeof REGION_COUNTERS)[number];
export const REGION_COUNTER_COUNT = REGION_COUNTERS.length;

// An enum so that the bundle inlines its members in the hot loops (see Rec in model/clients/records.ts).
export enum RegionCounter {
  HOME_ATTEMPTS = 0,
  /** Home error counters sit at RegionCounter.HOME_ATTEMPTS + error code (AttemptErr.DNS_EMPTY 1 .. AttemptErr.THROTTLED 4). */
  HOME_DNS_EMPTY = 1,
  AWAY_ATTEMPTS = 5,
  /** Away error counters sit at RegionCounter.AWAY_ATTEMPTS + error code - 1 (AttemptErr.CONNECT 2 .. AttemptErr.THROTTLED 4). */
  AWAY_CONNECT = 6,
  FAILOVERS = 9,
  FAILBACKS = 10,
  PROBE_FAILURES = 11,
  MULTI_SUCCESSES = 12,
  MULTI_FAILED_REQUESTS = 13,
  PINNED_SUCCESSES = 14,
  PINNED_FAILED_REQUESTS = 15,
}
