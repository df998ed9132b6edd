/**
 * Models: nothing by itself; where the client population's records live, so that an epoch reads only the clients
 * that have something to do in it.
 *
 * Records sit in pages of Page.SIZE records (one pool, records.ts layout); with regions or chains each record
 * slot has an extension record at the same index in a second pool (records.ts Ext), moved together with it. Each
 * epoch of the next HORIZON has a bucket: a list of pages holding the records whose next event falls in that
 * epoch (or later, for a record whose next event lies beyond the horizon: it is looked at again, and moved on,
 * when its bucket comes up). An epoch takes its bucket's pages, runs their clients, and appends every record it
 * read to the bucket of its new next event, then frees the page. So an epoch reads and writes the due records' 48
 * bytes (64 with the extension), in page order, and nothing else; the block scan it replaces streamed every
 * record through memory every epoch (at the default rate 96% of its 64-client blocks held a due client), which
 * was half of the default run's time.
 *
 * Why moving the records cannot change a result: a client's state is all in its record and extension record
 * (its draws come from its own stream, seeded once from its global index), clients are independent within an
 * epoch, and every aggregate is an integer count. So where a record sits, and which worker runs it, changes
 * nothing but the time taken.
 * A record is never in a bucket later than its next event's epoch (buckets round down, and only a record already
 * past the epoch's end is moved), so no event is run late.
 *
 * Threads: all of it is in SharedArrayBuffers, so any worker can run any due page (the engine hands them out as its
 * chunks). Each worker appends only to its own set of buckets (no atomics per record), and each page's fill
 * counter, written at every record appended, has a 64-byte line to itself (Page.FILL_SHIFT: packed, two workers'
 * tail pages shared lines, and the default scenario took 1.18x as long on 2 workers); worker 0 gathers every
 * worker's bucket for the epoch into the due list between epochs, when no one appends. Free pages are per worker,
 * with a shared reserve of pages never used (an atomic counter) and a shared stack that a worker with too many
 * gives a batch to (behind a lock).
 *
 * Leaves out: giving pages back to the system (the pool is sized once for the worst case, calendarPages), and any
 * order among a bucket's records (none is needed, see above).
 */

/** Records per page: the unit of a due list, and so of the work the engine's workers share out. */
export enum Page {
  SHIFT = 8,
  SIZE = 1 << Page.SHIFT,
  /**
   * A page's fill counter sits at page << FILL_SHIFT, alone on its 64-byte line. Every record placed increments its
   * tail page's counter, and the workers' tail pages are often neighbours (a page freed by one worker's chunk
   * becomes that worker's next tail), so packed counters put two workers' writes on one line many times a second.
   */
  FILL_SHIFT = 4,
}

/** Epochs ahead that have a bucket of their own (a power of two); later events wait in the last one. */
// An enum member, not a module constant, so that the bundle writes the literal into place() (see Rec in records.ts):
// as a bundled variable V8 loaded it and checked its tag at every record placed.
enum Horizon {
  EPOCHS = 128,
}
export const HORIZON = Horizon.EPOCHS;
/** A worker holding more free pages than this gives DONATE_BATCH of them to the shared stack. */
const DONATE_ABOVE = 64;
const DONATE_BATCH = 32;

/**
 * Header words of the shared metadata (Int32), each group on a 64-byte line of its own: helpers read the due
 * words at every chunk while others allocate pages.
 */
enum Meta {
  /** Spin lock of the shared free stack, and the pages on that stack (read and written under the lock). */
  LOCK = 0,
  DONATED = 1,
  /** Next page never handed out (pages from here on are free). */
  RESERVE = 16,
  /** The due list's epoch (-1 while it is being rewritten) and page count: see dueCount(). */
  DUE_EPOCH = 32,
  DUE_COUNT = 33,
  HEADER = 48,
}

/** Pages a population of `count` needs with `workers` workers. */
export function calendarPages(count: number, workers: number): number {
  // Per worker: its partly filled page per bucket, the free pages it keeps, the page it reads, and its partly
  // filled page of the bucket being run. Once: a standalone shard's runEpoch may take every bucket at once, each
  // with a partly filled page.
  return Math.ceil(count / Page.SIZE) + workers * (HORIZON + DONATE_ABOVE + 4) + HORIZON;
}

/** Bytes of shared metadata for `pages` pages and `workers` workers. */
export function calendarMetaBytes(pages: number, workers: number): number {
  return 4 * (Meta.HEADER + ((1 << Page.FILL_SHIFT) + 3) * pages + 2 * workers * HORIZON);
}

export class Calendar {
  readonly pages: number;
  readonly workers: number;
  readonly epochS: number;
  /** 1 / epochS. */
  private readonly perEpoch: number;
  readonly meta: Int32Array;
  /** Per page: records in it, at page << Page.FILL_SHIFT (filled() reads it). */
  readonly fill: Int32Array;
  /** Per page: the next page of its bucket, -1 at the end. */
  readonly next: Int32Array;
  /** Per worker and bucket slot (worker * HORIZON + epoch % HORIZON): first and last page, -1 when empty. */
  readonly heads: Int32Array;
  readonly tails: Int32Array;
  /** This worker's first entry in heads / tails. */
  readonly tailBase: number;
  /** This worker's part of tails (place() indexes it by bucket slot alone). */
  private readonly ownTails: Int32Array;
  /** The open epoch's due pages (dueCount of them). */
  readonly due: Int32Array;
  private readonly donated: Int32Array;
  /** This worker's free pages (a stack). */
  private readonly free = new Int32Array(DONATE_ABOVE + DONATE_BATCH + 2);
  private freeTop = 0;
  /** First epoch whose bucket has not been taken yet (a standalone shard's runEpoch: takeDue). */
  cursor = 0;

  /**
   * `meta`, when given, holds the metadata from byte `metaAt` (64-byte aligned) and is shared with the other
   * workers' calendars over the same pool (worker 0 zeroes nothing: a new buffer is all zero).
   */
  constructor(o: { pages: number; workers: number; worker: number; epochS: number; meta?: SharedArrayBuffer; metaAt?: number }) {
    this.pages = o.pages;
    this.workers = o.workers;
    this.epochS = o.epochS;
    this.perEpoch = 1 / o.epochS;
    const bytes = calendarMetaBytes(o.pages, o.workers);
    const base = o.meta ? (o.metaAt ?? 0) : 0;
    if (o.meta && (base % 64 !== 0 || base + bytes > o.meta.byteLength))
      throw new Error(`calendar: ${bytes} bytes of metadata at ${base} do not fit a buffer of ${o.meta.byteLength} bytes`);
    const buf = o.meta ?? new ArrayBuffer(bytes);
    let at = base + Meta.HEADER * 4;
    const take = (n: number) => {
      const a = new Int32Array(buf, at, n);
      at += n * 4;
      return a;
    };
    this.meta = new Int32Array(buf, base, Meta.HEADER);
    // A stride of 64 bytes puts each page's counter on a line of its own, whatever the buffer's alignment.
    this.fill = take(o.pages << Page.FILL_SHIFT);
    this.next = take(o.pages);
    this.donated = take(o.pages);
    this.due = take(o.pages);
    this.heads = take(o.workers * HORIZON);
    this.tails = take(o.workers * HORIZON);
    this.tailBase = o.worker * HORIZON;
    this.ownTails = this.tails.subarray(this.tailBase, this.tailBase + HORIZON);
    // Empty buckets are -1. Every worker fills its own part, before the engine's first barrier.
    this.heads.fill(-1, this.tailBase, this.tailBase + HORIZON);
    this.tails.fill(-1, this.tailBase, this.tailBase + HORIZON);
  }

  /**
   * Room for one more record at the end of this worker's bucket for a next event at evS, the open buckets being
   * [lo, lo + HORIZON): its record index in the pool.
   */
  place(evS: number, lo: number): number {
    const w = this.epochS;
    // A product instead of a division (one per record moved); it may come out one too high or one too low.
    let b = Math.floor(evS * this.perEpoch);
    // Round down, never up: a record must not sit in a bucket after its event's epoch (one too low only costs
    // it an extra move). Beyond the horizon (or Infinity, a rate that stays 0): the last bucket, which moves it on.
    if (b * w > evS) b--;
    const hi = lo + Horizon.EPOCHS - 1;
    if (b < lo) b = lo;
    else if (b > hi) b = hi;
    const slot = b & (Horizon.EPOCHS - 1);
    let tp = this.ownTails[slot];
    // `| 0`: the call's result comes back tagged, and merged with the loaded int32 it made tp tagged on the
    // common path too (untagged and checked at each use); a page index is an int32 either way.
    if (tp < 0 || this.fill[tp << Page.FILL_SHIFT] === Page.SIZE) tp = this.newTail(slot) | 0;
    return (tp << Page.SHIFT) + this.fill[tp << Page.FILL_SHIFT]++;
  }

  /**
   * The epoch holding t1S, exactly as the engine computes epoch starts (e * epochS <= t1S < (e + 1) * epochS): the
   * first bucket still open after a client phase that ran every event before t1S. The engine's epoch k ends at
   * (k + 1) * epochS, so this is k + 1, whatever the rounding of the division (k in a last epoch cut short by
   * the run's end, whose events at or after t1S are never run).
   */
  openFrom(t1S: number): number {
    const w = this.epochS;
    let e = Math.floor(t1S / w);
    while (e * w > t1S) e--;
    while ((e + 1) * w <= t1S) e++;
    return e;
  }

  /** Start a new page at the end of this worker's bucket `slot`; returns it (the scan kernel calls it too). */
  newTail(slot: number): number {
    const p = this.alloc();
    this.fill[p << Page.FILL_SHIFT] = 0;
    this.next[p] = -1;
    const k = this.tailBase + slot;
    const t = this.tails[k];
    if (t < 0) this.heads[k] = p;
    else this.next[t] = p;
    this.tails[k] = p;
    return p;
  }

  /** Records in page `page`. */
  filled(page: number): number {
    return this.fill[page << Page.FILL_SHIFT];
  }

  /** A page whose records have all been moved on is free again. */
  release(page: number): void {
    this.free[this.freeTop++] = page;
    if (this.freeTop > DONATE_ABOVE) {
      this.lock();
      let top = this.meta[Meta.DONATED];
      for (let n = 0; n < DONATE_BATCH; n++) this.donated[top++] = this.free[--this.freeTop];
      this.meta[Meta.DONATED] = top;
      this.unlock();
    }
  }

  private alloc(): number {
    if (this.freeTop > 0) return this.free[--this.freeTop];
    // Pages other workers gave back before pages never used: the pool's tail stays untouched (not resident)
    // for as long as it can.
    if (Atomics.load(this.meta, Meta.DONATED) > 0) {
      this.lock();
      let top = this.meta[Meta.DONATED];
      while (top > 0 && this.freeTop < DONATE_BATCH) this.free[this.freeTop++] = this.donated[--top];
      this.meta[Meta.DONATED] = top;
      this.unlock();
      if (this.freeTop > 0) return this.free[--this.freeTop];
    }
    // Loaded first so that the counter stops growing once the reserve is spent.
    if (Atomics.load(this.meta, Meta.RESERVE) < this.pages) {
      const r = Atomics.add(this.meta, Meta.RESERVE, 1);
      if (r < this.pages) return r;
    }
    throw new Error(`calendar: out of pages (${this.pages}): engine bug, see calendarPages`);
  }

  private lock(): void {
    // Held for a few dozen stores; a holder that the machine preempts is waited for in a sleep, not a spin.
    for (let spins = 0; Atomics.compareExchange(this.meta, Meta.LOCK, 0, 1) !== 0; spins++) {
      if (spins > 1000) Atomics.wait(this.meta, Meta.LOCK, 1, 1);
    }
  }

  private unlock(): void {
    Atomics.store(this.meta, Meta.LOCK, 0);
  }

  /**
   * Take the buckets of epochs [fromE, toE] of every worker into the due list, and publish it as epoch `epoch`'s
   * (the engine: one epoch, on worker 0, while no worker appends). Returns the page count.
   */
  takeDue(fromE: number, toE: number, epoch: number): number {
    const { heads, tails, next, due } = this;
    let n = 0;
    for (let e = fromE; e <= toE && e < fromE + HORIZON; e++) {
      const slot = e & (HORIZON - 1);
      for (let w = 0; w < this.workers; w++) {
        const k = w * HORIZON + slot;
        for (let p = heads[k]; p >= 0; p = next[p]) due[n++] = p;
        heads[k] = -1;
        tails[k] = -1;
      }
    }
    Atomics.store(this.meta, Meta.DUE_EPOCH, -1);
    Atomics.store(this.meta, Meta.DUE_COUNT, n);
    Atomics.store(this.meta, Meta.DUE_EPOCH, epoch);
    return n;
  }

  /**
   * Due pages of epoch `epoch`, or 0 when the due list is no longer (or not yet) that epoch's. A helper that
   * claimed a chunk of an epoch asks this: when the answer covers its chunk, the epoch cannot end (and the list
   * cannot change) before that chunk is done; the epoch word read on both sides of the count makes the pair
   * consistent (takeDue writes -1, the count, then the epoch).
   */
  dueCount(epoch: number): number {
    const a = Atomics.load(this.meta, Meta.DUE_EPOCH);
    const n = Atomics.load(this.meta, Meta.DUE_COUNT);
    const b = Atomics.load(this.meta, Meta.DUE_EPOCH);
    return a === epoch && b === epoch ? n : 0;
  }

  /** Bytes of metadata (shared by every worker's calendar over the pool). */
  get metaBytes(): number {
    return calendarMetaBytes(this.pages, this.workers);
  }

  /** Every page in this worker's buckets (for a pass over the records it initialised). */
  *ownPages(): Generator<number> {
    for (let s = 0; s < HORIZON; s++) for (let p = this.heads[this.tailBase + s]; p >= 0; p = this.next[p]) yield p;
  }
}
