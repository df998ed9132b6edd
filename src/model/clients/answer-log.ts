/**
 * Models: nothing by itself; the answers the authority gave, in order, so that every worker's AnswerRing evolves
 * identically. Worker 0 reads the store at each epoch start (when it changed) and appends what the clients'
 * endpoint resolved to; every worker replays the new entries into its own ring before it runs a chunk of that
 * epoch. A worker that was asleep for a few epochs (the machine preempted it) thus catches up on every answer it
 * missed, and the serials in the shared client records mean the same answer on every worker.
 *
 * Entry layout (one per store change seen at an epoch start; at most one per epoch): Float64 tS, Int32 count
 * (padded to 8 bytes), Int32 lbs[targetsMax] (padded to 8 bytes), Float64 cumWeight[targetsMax].
 */
import type { Answer } from '../../memory/resolve.ts';
import type { AnswerRing } from './answers.ts';

export class AnswerLog {
  readonly entryBytes: number;
  /** Byte offset of the cumulative weights within an entry. */
  private readonly cumOffset: number;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly lbsScratch: Int32Array;
  private readonly cumScratch: Float64Array;

  static bytesFor(entries: number, targetsMax: number): number {
    return entries * AnswerLog.entryBytesFor(targetsMax);
  }

  static entryBytesFor(targetsMax: number): number {
    return AnswerLog.cumOffsetFor(targetsMax) + targetsMax * 8;
  }

  private static cumOffsetFor(targetsMax: number): number {
    return 16 + Math.ceil((targetsMax * 4) / 8) * 8;
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    targetsMax: number,
  ) {
    this.entryBytes = AnswerLog.entryBytesFor(targetsMax);
    this.cumOffset = AnswerLog.cumOffsetFor(targetsMax);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.lbsScratch = new Int32Array(targetsMax);
    this.cumScratch = new Float64Array(targetsMax);
  }

  get capacity(): number {
    return Math.floor(this.buffer.byteLength / this.entryBytes);
  }

  /** Write entry i: the answer `a` as of tS. */
  write(i: number, tS: number, a: Answer): void {
    if (i >= this.capacity) throw new Error(`answer log: entry ${i} past its ${this.capacity} entries`);
    const b = i * this.entryBytes;
    this.f64[b >> 3] = tS;
    this.i32[(b >> 2) + 2] = a.count;
    const ids = (b + 16) >> 2;
    const cum = (b + this.cumOffset) >> 3;
    for (let k = 0; k < a.count; k++) {
      this.i32[ids + k] = a.lbs[k];
      this.f64[cum + k] = a.cumWeight[k];
    }
  }

  /** Apply entry i to a ring, exactly as the ring's own refresh would have at that epoch start. */
  replay(i: number, ring: AnswerRing): void {
    const b = i * this.entryBytes;
    const tS = this.f64[b >> 3];
    const count = this.i32[(b >> 2) + 2];
    const ids = (b + 16) >> 2;
    const cum = (b + this.cumOffset) >> 3;
    for (let k = 0; k < count; k++) {
      this.lbsScratch[k] = this.i32[ids + k];
      this.cumScratch[k] = this.f64[cum + k];
    }
    ring.update(count, this.lbsScratch, this.cumScratch, tS);
  }
}
