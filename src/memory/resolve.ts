/**
 * What an endpoint resolves to now: a lock-free consistent snapshot, seqlock on the endpoint record and then on
 * the plan slot it names. A record naming a deleted plan (its slot's generation changed) resolves to no
 * addresses: this is how the race's clean-up empties the regional endpoint.
 */
import {
  E_APPLIED_GEN,
  E_PLAN_SLOT,
  E_SEQ,
  endpointBase,
  P_GEN,
  P_SEQ,
  planBase,
  planEndpointBase,
  planIdsIndex,
  planWeightsIndex,
} from './layout.ts';
import { seqReadBegin, seqReadValid } from './seqlock.ts';
import type { StoreViews } from './views.ts';

/** A consistent copy of what an endpoint resolves to. */
export interface Answer {
  /** Applied generation the endpoint record names (0 = never applied). */
  generation: number;
  /** Number of targets; 0 means the endpoint resolves to no addresses. */
  count: number;
  lbs: Int32Array;
  /** Cumulative weights, cumWeight[count-1] is the total. */
  cumWeight: Float64Array;
}

export function newAnswer(targetsMax: number): Answer {
  return { generation: 0, count: 0, lbs: new Int32Array(targetsMax), cumWeight: new Float64Array(targetsMax) };
}

export function resolve(v: StoreViews, e: number, out: Answer): Answer {
  const { i32, f64, layout: L } = v;
  const b = endpointBase(L, e);
  const seqE = b + E_SEQ;
  for (;;) {
    const s1 = seqReadBegin(i32, seqE);
    if (s1 < 0) continue;
    const gen = i32[b + E_APPLIED_GEN];
    const slot = i32[b + E_PLAN_SLOT];
    out.generation = gen;
    out.count = 0;
    if (gen > 0) {
      const pb = planBase(L, slot);
      const seqP = (pb >> 2) + P_SEQ;
      const p1 = seqReadBegin(i32, seqP);
      if (p1 < 0) continue;
      if (i32[(pb >> 2) + P_GEN] === gen) {
        const eb = planEndpointBase(L, slot, e);
        const n = i32[eb >> 2];
        const idsI = planIdsIndex(eb);
        const wF = planWeightsIndex(L, eb);
        for (let k = 0; k < n; k++) {
          out.lbs[k] = i32[idsI + k];
          out.cumWeight[k] = f64[wF + k];
        }
        out.count = n;
      }
      if (!seqReadValid(i32, seqP, p1)) continue;
    }
    if (seqReadValid(i32, seqE, s1)) return out;
  }
}
