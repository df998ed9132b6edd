/**
 * Plan slots: a ring of DNS plans, each a generation (0 = empty or deleted), its creation time, and per
 * endpoint a target count, target load-balancer ids and cumulative weights. Written whole under the slot's
 * seqlock; deleting a plan zeroes its generation, and an endpoint still naming it resolves to nothing.
 */
import { P_GEN, P_SEQ, planBase, planEndpointBase, planIdsIndex, planWeightsIndex } from './layout.ts';
import { seqWriteBegin, seqWriteEnd } from './seqlock.ts';
import { notePlansChange, type StoreViews } from './views.ts';

/** Int32 index of a slot's seqlock word. */
export function planSeqIndex(v: StoreViews, slot: number): number {
  return (planBase(v.layout, slot) >> 2) + P_SEQ;
}

/** Generation held by a plan slot, 0 when empty or deleted. */
export function planGen(v: StoreViews, slot: number): number {
  return Atomics.load(v.i32, (planBase(v.layout, slot) >> 2) + P_GEN);
}

export function planCreatedAtS(v: StoreViews, slot: number): number {
  return v.f64[(planBase(v.layout, slot) >> 3) + 1];
}

/** Write a whole plan into a slot: per endpoint, target ids and (non-cumulative) weights. */
export function writePlan(
  v: StoreViews,
  slot: number,
  gen: number,
  createdAtS: number,
  targets: Int32Array[],
  weights: Float64Array[],
  counts: number[],
): void {
  const { i32, f64, layout: L } = v;
  const pb = planBase(L, slot);
  const seqI = (pb >> 2) + P_SEQ;
  seqWriteBegin(i32, seqI);
  i32[(pb >> 2) + P_GEN] = gen;
  f64[(pb >> 3) + 1] = createdAtS;
  for (let e = 0; e < v.dims.endpoints; e++) {
    const eb = planEndpointBase(L, slot, e);
    const n = counts[e];
    i32[eb >> 2] = n;
    const idsI = planIdsIndex(eb);
    const wF = planWeightsIndex(L, eb);
    let cum = 0;
    for (let k = 0; k < n; k++) {
      i32[idsI + k] = targets[e][k];
      cum += weights[e][k];
      f64[wF + k] = cum;
    }
  }
  seqWriteEnd(i32, seqI);
  notePlansChange(v);
}

/**
 * Delete a plan: its slot reads as empty from now on. With `gen`, only if the slot still holds that generation,
 * checked under the slot's seqlock (compare-and-delete: on free-running threads, `cascadesim race`, the Planner
 * may have reused the slot since the caller looked). Returns whether it deleted.
 */
export function deletePlan(v: StoreViews, slot: number, gen?: number): boolean {
  const seqI = planSeqIndex(v, slot);
  seqWriteBegin(v.i32, seqI);
  const genI = (planBase(v.layout, slot) >> 2) + P_GEN;
  const ok = gen === undefined || v.i32[genI] === gen;
  if (ok) Atomics.store(v.i32, genI, 0);
  seqWriteEnd(v.i32, seqI);
  notePlansChange(v);
  return ok;
}

/** Number of targets endpoint e has in the plan in `slot` (0 if the slot is empty). */
export function planTargetCount(v: StoreViews, slot: number, e: number): number {
  return planGen(v, slot) === 0 ? 0 : v.i32[planEndpointBase(v.layout, slot, e) >> 2];
}
