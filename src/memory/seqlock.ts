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
    if ((s & 1) === 0 && Atomics.compareExchange(i32, seqI, s, s + 1) === s) return;
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
  return Atomics.load(i32, seqI) === s;
}
