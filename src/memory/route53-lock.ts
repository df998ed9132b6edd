/**
 * The simulated Route 53 per-endpoint lock the Enactors take before they apply a plan: one Int32 word holding
 * the holder (enactor index + 1; 0 = free), taken by compareExchange 0 -> holder. It is a lock of the model
 * (a simulated Enactor holds it across simulated time), not a mutex between threads: an Enactor that finds it
 * taken backs off in simulated time.
 */

import { cas } from './seqlock.ts';

export function tryLock(i32: Int32Array, idx: number, enactor: number): boolean {
  return cas(i32, idx, 0, enactor + 1) === 0;
}

/** Release by the holder; any other caller is a bug in the model and throws. */
export function unlock(i32: Int32Array, idx: number, enactor: number, what: string): void {
  const prev = cas(i32, idx, enactor + 1, 0);
  if (prev !== enactor + 1) throw new Error(`${what}: unlock by enactor ${enactor}, holder was ${prev - 1}`);
}

/** Operators break locks during a repair. */
export function forceUnlock(i32: Int32Array, idx: number): void {
  Atomics.store(i32, idx, 0);
}

/** Holder (enactor index + 1) or 0 = free. */
export function lockHolder(i32: Int32Array, idx: number): number {
  return Atomics.load(i32, idx);
}
