/**
 * The seqlock protocol over one Int32 word of a shared buffer, used by the endpoint records and the plan slots.
 *
 * Writers take the word by compareExchange (even -> odd; this is also the writers' mutual exclusion), write
 * with plain stores, and publish by Atomics.add (odd -> even). Readers load the word, copy with plain loads,
 * and load it again: an odd or changed value means a writer was at work and the copy must be retried.
 * The Atomics operations order the plain accesses around them (sequentially consistent on both sides).
 */

/** Take the word for writing: spin until it is even and our compareExchange moves it to odd. */
export function seqWriteBegin(i32: Int32Array, seqI: number): void {
  for (;;) {
    const s = Atomics.load(i32, seqI);
    if ((s & 1) === 0 && cas(i32, seqI, s, s + 1) === s) return;
  }
}

/** Publish the writes: odd -> even. */
export function seqWriteEnd(i32: Int32Array, seqI: number): void {
  Atomics.add(i32, seqI, 1);
}

/** Start a read: the version to compare against, or -1 when a writer holds the word (retry). */
export function seqReadBegin(i32: Int32Array, seqI: number): number {
  const s = Atomics.load(i32, seqI);
  return s & 1 ? -1 : s;
}

/** True when the copy made since seqReadBegin returned `s` is consistent. */
export function seqReadValid(i32: Int32Array, seqI: number, s: number): boolean {
  return !readRecheck || Atomics.load(i32, seqI) === s;
}

/**
 * Deliberately broken variants of the store's synchronisation, for `cascadesim race --broken` to show that its
 * monitors catch them (test-only; a run never sets one). They switch the real code path, not a copy of it:
 * - no-recheck: seqlock readers skip their second version read (seqReadValid accepts whatever was copied, even
 *   mid-write);
 * - plain-cas: every compare-and-swap of the store (cas() below: a seqlock writer taking the word, the Route 53
 *   lock, the fenced generation) becomes a plain load, compare and store, which two threads can pass at once.
 * The switch is per thread (module state): a race thread sets it once, for the whole race.
 */
export const BROKEN_VARIANTS = ['no-recheck', 'plain-cas'] as const;
export type BrokenVariant = (typeof BROKEN_VARIANTS)[number];
let readRecheck = true;
let atomicCas = true;

export function breakStoreForTest(v: BrokenVariant | null): void {
  readRecheck = v !== 'no-recheck';
  atomicCas = v !== 'plain-cas';
}

/** Atomics.compareExchange (unless the plain-cas variant is on): returns the value found. */
export function cas(i32: Int32Array, i: number, expected: number, replacement: number): number {
  if (atomicCas) return Atomics.compareExchange(i32, i, expected, replacement);
  const v = i32[i];
  if (v === expected) i32[i] = replacement;
  return v;
}
