/**
 * What the modules over the shared buffer need of it: its typed views and its layout. SharedStore (store.ts)
 * is one; the functions in endpoints.ts, plans.ts and resolve.ts take any object of this shape, so a model
 * checker can drive them over a buffer of its own.
 */
import { C_PLANS_VERSION, C_STORE_VERSION, type Layout, type StoreDims } from './layout.ts';

export interface StoreViews {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly layout: Layout;
  readonly dims: StoreDims;
}

/** Bumped by every write to endpoints or plans: a reader whose cached copy saw this version needs no re-read. */
export function storeVersion(v: StoreViews): number {
  return Atomics.load(v.i32, C_STORE_VERSION);
}

export function noteStoreChange(v: StoreViews): void {
  Atomics.add(v.i32, C_STORE_VERSION, 1);
}

/**
 * Bumped by every write or deletion of a plan only: a reader of the plan slots alone (the newest plan, the plans a
 * clean-up may delete) keeps its copy across endpoint writes, which with 64 Enactors come many times a second.
 */
export function plansVersion(v: StoreViews): number {
  return Atomics.load(v.i32, C_PLANS_VERSION);
}

export function notePlansChange(v: StoreViews): void {
  Atomics.add(v.i32, C_PLANS_VERSION, 1);
  noteStoreChange(v);
}
