/**
 * The shared-memory layout table: the only module that knows where anything lives in the SharedArrayBuffer.
 * The modules beside it (store.ts, seqlock.ts, endpoints.ts, plans.ts, resolve.ts, route53-lock.ts) read and
 * write through the offsets and index functions exported here, never through numbers of their own.
 *
 * Everything the worker threads share sits in one SAB, carved into 64-byte lines so that no two threads' hot
 * words share a cache line (false sharing costs 4x here, performance.md). Regions, in order:
 *
 *   control   barrier count + generation | abort flag + worker | store version | signature | stop request |
 *             open epoch | chunk claim (BigInt64: epoch << 32 | chunk) | chunks done | answer-log length |
 *             finished                                                                      (1 line each;
 *             beside each word a worker sleeps on, the count of its sleepers: PARKED_AFTER)
 *   actors    next event time (Float64) of each control-plane actor, one line each (written by its owner only),
 *             then a few Float64 words the actor publishes about itself (an Enactor: the sweep it is in)
 *   progress  per worker: simulated time reached, attempts so far, and the live figures thresholds watch
 *             (violations by invariant, endpoint-empty events), one line each, read by the coordinator
 *   endpoints one record per endpoint, 2 lines: seq (seqlock version), applied generation, plan slot,
 *             lock holder, last writer and its check; readers snapshot it without locks
 *   plans     a ring of plan slots: seq, generation (0 = empty/deleted), created at, then per endpoint
 *             a target count, target load-balancer ids and cumulative weights
 *   lbs       per load balancer: in service, capacity per second (ids are global: the dns endpoints' load
 *             balancers endpoint by endpoint, then those of the static endpoints: other regions, then static services)
 *   load      per worker: attempts per load balancer in the current epoch (worker 0 sums and zeroes them)
 */

export interface StoreDims {
  endpoints: number;
  /** Load balancers per endpoint; ids are global, endpoint by endpoint. */
  lbsPerEndpoint: number[];
  /**
   * Load balancers of the other regions' endpoints (scenario `regions`), one count per region: static, healthy
   * endpoints with no plans, whose load balancers take ids after the dns ones. Absent: none.
   */
  staticLbs?: number[];
  planSlots: number;
  actors: number;
  workers: number;
}

export const LINE_BYTES = 64;
export const I32_PER_LINE = LINE_BYTES / 4;
export const F64_PER_LINE = LINE_BYTES / 8;
/** Live counts on a worker's progress line, after simS and attempts. */
export const LIVE_SLOTS = F64_PER_LINE - 2;

// Control words (Int32 index = line * 16).
export const C_BARRIER_COUNT = 0;
export const C_BARRIER_GEN = 1;
export const C_ABORT = 2 * I32_PER_LINE;
export const C_ABORT_WORKER = 2 * I32_PER_LINE + 1;
export const C_STORE_VERSION = 3 * I32_PER_LINE;
/** Bumped by every write or deletion of a plan (and not by endpoint writes, which C_STORE_VERSION also counts). */
export const C_PLANS_VERSION = 3 * I32_PER_LINE + 2;
export const C_SIGNATURE = 4 * I32_PER_LINE;
/** Set by the coordinator (SIGINT); read by worker 0 after an epoch's chunks. */
export const C_STOP_REQUESTED = 5 * I32_PER_LINE;
/** Published by worker 0 through a turn: every worker stops there. */
export const C_STOP_AT_EPOCH = 5 * I32_PER_LINE + 1;
/** Epoch (1-based) whose client chunks worker 0 has opened; its waiters are the other workers. */
export const C_EPOCH_OPEN = 6 * I32_PER_LINE;
/**
 * Beside each word a worker may sleep on (Atomics.wait): how many sleep on it now, so that its writer makes the
 * wake-up system call only when someone sleeps (sync.ts).
 */
export const PARKED_AFTER = 1;
/** BigInt64 index of the chunk claim word: (epoch << 32) | next chunk, so that a claim names its epoch. */
export const C_CHUNK_CLAIM_I64 = (7 * I32_PER_LINE) / 2;
/** Chunks of the open epoch that are done (worker 0 waits for all of them before it sums the epoch's load). */
export const C_CHUNKS_DONE = 8 * I32_PER_LINE;
/** Entries of the answer log that worker 0 has published (src/model/clients/answer-log.ts). */
export const C_ANSWER_LOG_LENGTH = 9 * I32_PER_LINE;
/** Epochs done + 1 once worker 0 has finished the run (0 before): the other workers leave. */
export const C_FINISHED = 10 * I32_PER_LINE;
const CONTROL_LINES = 11;

// Endpoint record, Int32 offsets within its 2 lines (32 Int32 = 16 Float64).
export const E_SEQ = 0;
export const E_APPLIED_GEN = 1;
export const E_PLAN_SLOT = 2;
/** Enactor index + 1; 0 = free. */
export const E_LOCK_HOLDER = 3;
/** Enactor index + 1, or -1 = operator, -2 = bootstrap, 0 = nobody yet. */
export const E_LAST_WRITER = 4;
export const E_LAST_WRITER_CHECKED_GEN = 5;
/** Generation restored by the last operator repair, 0 = none. */
export const E_REPAIRED_GEN = 6;
const E_LINES = 2;
// Float64 offsets within the record.
export const E_F_LAST_WRITE_AT_S = 4; // Int32 8..9
export const E_F_LAST_WRITER_CHECK_AT_S = 5; // Int32 10..11

// Plan slot header (Int32): seq, generation, then created-at as Float64 at byte 8.
export const P_SEQ = 0;
export const P_GEN = 1;
const P_HEADER_BYTES = 16;

export interface Layout {
  byteLength: number;
  actorsOffset: number;
  progressOffset: number;
  endpointsOffset: number;
  plansOffset: number;
  planSlotBytes: number;
  /** Bytes of one endpoint's part in a plan slot. */
  planEndpointBytes: number;
  targetsMax: number;
  lbsOffset: number;
  /** Load balancers in every id range: the dns endpoints' then the other regions'. */
  lbCount: number;
  /** Load balancers of the dns endpoints: ids [0, dnsLbCount), the ones the Planner's health model manages. */
  dnsLbCount: number;
  loadOffset: number;
  loadWorkerBytes: number;
  signature: number;
}

export function alignLine(n: number): number {
  return Math.ceil(n / LINE_BYTES) * LINE_BYTES;
}

export function computeLayout(d: StoreDims): Layout {
  const dnsLbCount = d.lbsPerEndpoint.reduce((a, b) => a + b, 0);
  const lbCount = dnsLbCount + (d.staticLbs ?? []).reduce((a, b) => a + b, 0);
  const targetsMax = Math.max(...d.lbsPerEndpoint);
  let off = CONTROL_LINES * LINE_BYTES;
  const actorsOffset = off;
  off += d.actors * LINE_BYTES;
  const progressOffset = off;
  off += d.workers * LINE_BYTES;
  const endpointsOffset = off;
  off += d.endpoints * E_LINES * LINE_BYTES;
  const plansOffset = off;
  // Per endpoint: count (padded to 8 bytes), then targetsMax Int32 ids (padded to 8), then targetsMax Float64.
  const planEndpointBytes = 8 + Math.ceil((targetsMax * 4) / 8) * 8 + targetsMax * 8;
  const planSlotBytes = alignLine(P_HEADER_BYTES + d.endpoints * planEndpointBytes);
  off += d.planSlots * planSlotBytes;
  const lbsOffset = off;
  // inService Int32[lbCount] (padded), capacity Float64[lbCount]
  off += alignLine(lbCount * 4) + alignLine(lbCount * 8);
  const loadOffset = off;
  const loadWorkerBytes = alignLine(lbCount * 8);
  off += d.workers * loadWorkerBytes;
  const signature = (((d.endpoints * 31 + lbCount) * 31 + d.planSlots) * 31 + d.actors) * 31 + d.workers * 7 + off;
  return {
    byteLength: off,
    actorsOffset,
    progressOffset,
    endpointsOffset,
    plansOffset,
    planSlotBytes,
    planEndpointBytes,
    targetsMax,
    lbsOffset,
    lbCount,
    dnsLbCount,
    loadOffset,
    loadWorkerBytes,
    signature: signature | 0,
  };
}

// ---- index functions: where a given item lives -------------------------------------------------------------

/** Float64 index of an actor's next-event time. */
export function actorNextIndex(L: Layout, actor: number): number {
  return (L.actorsOffset >> 3) + actor * F64_PER_LINE;
}

/** Float64 index of word k (1 .. F64_PER_LINE - 1) of an actor's line, after its next-event time. */
export function actorWordIndex(L: Layout, actor: number, k: number): number {
  if (!(k >= 1 && k < F64_PER_LINE)) throw new Error(`actor word ${k} out of range`);
  return (L.actorsOffset >> 3) + actor * F64_PER_LINE + k;
}

/** Float64 index of a worker's progress pair (simulated time, attempts). */
export function progressIndex(L: Layout, worker: number): number {
  return (L.progressOffset >> 3) + worker * F64_PER_LINE;
}

/** Int32 index of an endpoint record's first word (add E_* for a field; halve and add E_F_* for a Float64). */
export function endpointBase(L: Layout, e: number): number {
  return (L.endpointsOffset >> 2) + e * E_LINES * I32_PER_LINE;
}

/** Byte offset of a plan slot (its header: P_SEQ, P_GEN as Int32, created-at as the second Float64). */
export function planBase(L: Layout, slot: number): number {
  return L.plansOffset + slot * L.planSlotBytes;
}

/** Byte offset of endpoint e's part of the plan in `slot`: its target count (Int32) comes first. */
export function planEndpointBase(L: Layout, slot: number, e: number): number {
  return planBase(L, slot) + P_HEADER_BYTES + e * L.planEndpointBytes;
}

/** Int32 index of the first target id of a plan part (byte offset `eb` from planEndpointBase). */
export function planIdsIndex(eb: number): number {
  return (eb + 8) >> 2;
}

/** Float64 index of the first cumulative weight of a plan part. */
export function planWeightsIndex(L: Layout, eb: number): number {
  return (eb + 8 + Math.ceil((L.targetsMax * 4) / 8) * 8) >> 3;
}

/** Byte offsets of the load-balancer arrays: in-service flags (Int32) and capacities (Float64). */
export function lbInServiceOffset(L: Layout): number {
  return L.lbsOffset;
}

export function lbCapacityOffset(L: Layout): number {
  return L.lbsOffset + alignLine(L.lbCount * 4);
}

/** Byte offset of a worker's attempts-per-load-balancer counters. */
export function loadCountersOffset(L: Layout, worker: number): number {
  return L.loadOffset + worker * L.loadWorkerBytes;
}
