/**
 * Endpoint records: which plan each endpoint names, with the history the invariant monitors need (who wrote
 * it, what that writer had checked and when). Written under the record's seqlock; read as consistent copies.
 */
import {
  E_APPLIED_GEN,
  E_F_LAST_WRITE_AT_S,
  E_F_LAST_WRITER_CHECK_AT_S,
  E_LAST_WRITER,
  E_LAST_WRITER_CHECKED_GEN,
  E_LOCK_HOLDER,
  E_PLAN_SLOT,
  E_REPAIRED_GEN,
  E_SEQ,
  endpointBase,
} from './layout.ts';
import { cas, seqReadBegin, seqReadValid, seqWriteBegin, seqWriteEnd } from './seqlock.ts';
import { noteStoreChange, type StoreViews } from './views.ts';

/** A view of one endpoint record. */
export interface EndpointRecord {
  seq: number;
  appliedGen: number;
  planSlot: number;
  lockHolder: number;
  lastWriter: number;
  lastWriterCheckedGen: number;
  lastWriteAtS: number;
  lastWriterCheckAtS: number;
  repairedGen: number;
}

/** One write of an endpoint record: point it at the plan of generation `gen` in `slot`. */
export interface EndpointWrite {
  gen: number;
  slot: number;
  /** Enactor index + 1, -1 = operator, -2 = bootstrap. */
  writer: number;
  /** The generation the writer checked was newer than what the endpoint held, and when. */
  checkedGen: number;
  checkAtS: number;
  nowS: number;
  /**
   * false: unconditional overwrite (legacy). true: the write happens only if the endpoint's applied generation
   * is still below `gen` (the staleness check fused with the write: compare-and-swap on the generation).
   */
  fenced: boolean;
}

/** Seqlock version of an endpoint record (one Atomics.load). */
export function endpointVersion(v: StoreViews, e: number): number {
  return Atomics.load(v.i32, endpointBase(v.layout, e) + E_SEQ);
}

/** Consistent copy of an endpoint record. */
export function readEndpoint(v: StoreViews, e: number, out: EndpointRecord): EndpointRecord {
  const { i32, f64 } = v;
  const b = endpointBase(v.layout, e);
  const fb = b >> 1;
  for (;;) {
    const s1 = seqReadBegin(i32, b + E_SEQ);
    if (s1 < 0) continue;
    out.appliedGen = i32[b + E_APPLIED_GEN];
    out.planSlot = i32[b + E_PLAN_SLOT];
    out.lockHolder = i32[b + E_LOCK_HOLDER];
    out.lastWriter = i32[b + E_LAST_WRITER];
    out.lastWriterCheckedGen = i32[b + E_LAST_WRITER_CHECKED_GEN];
    out.repairedGen = i32[b + E_REPAIRED_GEN];
    out.lastWriteAtS = f64[fb + E_F_LAST_WRITE_AT_S];
    out.lastWriterCheckAtS = f64[fb + E_F_LAST_WRITER_CHECK_AT_S];
    if (seqReadValid(i32, b + E_SEQ, s1)) {
      out.seq = s1;
      return out;
    }
  }
}

/**
 * Point an endpoint at a plan. Returns the generation the endpoint held before, or -1 when a fenced write was
 * refused (the endpoint already held `gen` or newer).
 */
export function writeEndpoint(v: StoreViews, e: number, w: EndpointWrite): number {
  const { i32, f64 } = v;
  const b = endpointBase(v.layout, e);
  seqWriteBegin(i32, b + E_SEQ);
  const prev = i32[b + E_APPLIED_GEN];
  if (w.fenced) {
    // The CAS on the generation: only a strictly newer plan replaces the current one.
    if (prev >= w.gen || cas(i32, b + E_APPLIED_GEN, prev, w.gen) !== prev) {
      // Refused: nothing changed, so the store version stays (a bump cost every client an answer re-read).
      seqWriteEnd(i32, b + E_SEQ);
      return -1;
    }
  } else {
    i32[b + E_APPLIED_GEN] = w.gen;
  }
  i32[b + E_PLAN_SLOT] = w.slot;
  i32[b + E_LAST_WRITER] = w.writer;
  i32[b + E_LAST_WRITER_CHECKED_GEN] = w.checkedGen;
  const fb = b >> 1;
  f64[fb + E_F_LAST_WRITE_AT_S] = w.nowS;
  f64[fb + E_F_LAST_WRITER_CHECK_AT_S] = w.checkAtS;
  if (w.writer === -1) i32[b + E_REPAIRED_GEN] = w.gen;
  seqWriteEnd(i32, b + E_SEQ);
  noteStoreChange(v);
  return prev;
}

/** Int32 index of an endpoint's simulated Route 53 lock word (route53-lock.ts operates on it). */
export function endpointLockIndex(v: StoreViews, e: number): number {
  return endpointBase(v.layout, e) + E_LOCK_HOLDER;
}
