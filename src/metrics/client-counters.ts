/**
 * The client population's per-window counters: their fixed order in ClientWindowRaw.counters, and the raw
 * window record a worker hands to the coordinator. Every counter is an integer count, so sums across workers are
 * exact and independent of how clients were split into shards.
 */
import type { SparseCounts } from './loglinear.ts';

export type { SparseCounts } from './loglinear.ts';

/** Order of ClientWindowRaw.counters. Append only: result files and the engine index by position. */
export const CLIENT_COUNTERS = [
  /** Requests whose first attempt started in the window (the offered load). */
  'requests',
  /** Attempts started in the window, first attempts and retries (including those that failed at the resolver). */
  'attempts',
  /** Attempts (= requests) that succeeded. */
  'successes',
  /** Attempts that found no address: negative-cached or freshly empty answer. */
  'dnsEmpty',
  /** Attempts to a load balancer no longer in service. */
  'connect',
  /** Attempts that hit the client deadline (queued too long, or excess load that is queued rather than throttled). */
  'timeout',
  /** Attempts refused by an overloaded load balancer. */
  'throttled',
  /** Attempts that were retries (attempts - requests, when no chain crosses the window edge). */
  'retries',
  /** Requests that ended in an error: out of attempts, retry budget empty, or retries disabled. */
  'failedRequests',
  /** Requests that arrived while the client was still busy with an earlier one, and waited. */
  'delayedStarts',
  /** Retries the retry budget refused (the request then failed). */
  'budgetDenied',
  /** Cache misses: lookups that went to the authority (the shared plan store). */
  'dnsQueries',
  /** Attempts answered from an expired entry under serve-stale (RFC 8767). */
  'staleAnswers',
] as const;

export type ClientCounterName = (typeof CLIENT_COUNTERS)[number];
export const CLIENT_COUNTER_COUNT = CLIENT_COUNTERS.length;

// An enum so that the bundle inlines its members in the hot loops (see Rec in model/clients/records.ts).
export enum ClientCounter {
  REQUESTS = 0,
  ATTEMPTS = 1,
  SUCCESSES = 2,
  DNS_EMPTY = 3,
  CONNECT = 4,
  TIMEOUT = 5,
  THROTTLED = 6,
  RETRIES = 7,
  FAILED_REQUESTS = 8,
  DELAYED_STARTS = 9,
  BUDGET_DENIED = 10,
  DNS_QUERIES = 11,
  STALE_ANSWERS = 12,
}

/** Error codes of one attempt; the error counters sit at ClientCounter.DNS_EMPTY + code - 1. */
// An enum so that the bundle inlines its members in the hot loops (see Rec in model/clients/records.ts).
export enum AttemptErr {
  OK = 0,
  DNS_EMPTY = 1,
  CONNECT = 2,
  TIMEOUT = 3,
  THROTTLED = 4,
}

export const ERROR_CLASSES = ['dns-empty', 'connect', 'timeout', 'throttled'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/**
 * What one worker's shard reports for one metrics window. Attribution, identical for every sharding: attempts,
 * errors and per-attempt latency go to the window where the attempt starts; requests to the window where their
 * first attempt starts; a request's outcome and its intended-start latency to the window where its LAST attempt
 * starts (that is the event the client processes; the response arrives latencyS later).
 */
export interface ClientWindowRaw {
  index: number;
  fromS: number;
  toS: number;
  /** Integer counts in CLIENT_COUNTERS order. */
  counters: Float64Array;
  /** Request latency from the intended (arrival) time to the final response, retries and waiting included. */
  latencyIntended: SparseCounts;
  /** Latency of each attempt that reached a load balancer (resolver failures take no network time). */
  latencyAttempt: SparseCounts;
  /** With scenario `regions` only: counts in REGION_COUNTERS order (region-counters.ts). */
  regions?: Float64Array;
  /** With scenario `chains` only: per service (chains.services order), calls, failed calls, attempts, failed attempts. */
  services?: Float64Array;
}
