/**
 * The control actors' next-event times in (time, actor id) order: a binary heap of actor ids over a private copy of
 * the times. The control phase only ever runs the earliest actor and then moves that same actor to its next time,
 * so the one operation besides building is "re-key the top" (a sift-down): O(log actors) per event instead of a
 * scan of every actor's shared line (measured: with 64 Enactors the scan was the control phase's largest own cost).
 * Ties go to the lower actor id, as the scan did, so the order of events (and the digest) is unchanged.
 */
export class ActorQueue {
  private readonly timeS: Float64Array;
  /** heap[i]: an actor id; the heap property holds on (timeS[actor], actor). */
  private readonly heap: Int32Array;

  constructor(nextS: ArrayLike<number>) {
    const n = nextS.length;
    this.timeS = Float64Array.from(nextS);
    this.heap = new Int32Array(n);
    for (let a = 0; a < n; a++) this.heap[a] = a;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The actor whose event comes first (-1 with no actors). */
  topActor(): number {
    return this.heap.length > 0 ? this.heap[0] : -1;
  }

  topS(): number {
    return this.heap.length > 0 ? this.timeS[this.heap[0]] : Infinity;
  }

  /** Move the first actor to its next event time. */
  rekeyTop(nextS: number): void {
    this.timeS[this.heap[0]] = nextS;
    this.siftDown(0);
  }

  private before(a: number, b: number): boolean {
    const ta = this.timeS[a];
    const tb = this.timeS[b];
    return ta < tb || (ta === tb && a < b);
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(h[r], h[l]) ? r : l;
      if (!this.before(h[c], x)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = x;
  }
}
