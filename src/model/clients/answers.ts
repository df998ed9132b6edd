/**
 * Models: what the authority (the shared plan store) has answered for one endpoint over time, as seen by one
 * worker: a ring of distinct non-empty answers (target load balancers and cumulative weights), each named by a
 * serial that client caches hold instead of a copy. Leaves out: per-answer TTLs (every positive answer gets
 * clients.ttlS), and the authority's own latency and failure modes other than "no addresses".
 *
 * The store is read once per epoch (one storeVersion() Atomics.load; a resolve() only when it changed), never per
 * request. Serials advance only on a change of content, at epoch starts that are the same for every worker, so
 * they never depend on the sharding (and are not observable in results anyway).
 *
 * Eviction: an answer stops being cacheable when it is replaced; a client may still use it until
 * replaced + ttlS + serveStaleS. The ring only overwrites a slot whose answer is past that horizon, and doubles
 * otherwise, so a usable cache entry never points at a reused slot.
 */
import type { SharedStore } from '../../memory/store.ts';
import { newAnswer, type Answer } from '../../memory/resolve.ts';

/** Answer serials with a meaning of their own (real answers are 0 and up). */
// An enum so that the bundle inlines its members in the hot loops (see Rec in model/clients/records.ts).
export enum Serial {
  /** "The authority returns no addresses" (and a negative cache entry). */
  EMPTY = -1,
  /** Nothing cached yet. */
  NONE = -2,
  /** A warm-start entry: the answer current at the first epoch, cached before time 0. */
  WARM = -3,
}

/** A column of AnswerRing.pick's alias table (an enum, so that the bundle inlines its members in the hot loops). */
export enum PickCol {
  /** Probability the column keeps its own load balancer. */
  KEEP = 0,
  OWN_LB = 1,
  ALIAS_LB = 2,
  SIZE = 3,
}

export class AnswerRing {
  readonly targetsMax: number;
  capacity: number;
  mask: number;
  /** Per slot: target count, replaced-at time (Infinity while current). */
  counts: Int32Array;
  replacedAtS: Float64Array;
  /** Per slot, targetsMax entries: global load-balancer ids and cumulative weights. */
  lbs: Int32Array;
  cumWeight: Float64Array;
  /**
   * Per slot, pickStride doubles: the target count, then per column of the Walker/Vose alias table of the weights
   * (PickCol): the probability the column keeps itself, its own load balancer and the one it hands over to. So
   * picking a target is O(1) with one uniform (u * n: integer part = column, fraction against the probability)
   * and reads one array: the pick, on every client attempt, read four (counts, two alias arrays, lbs) before.
   */
  pick: Float64Array;
  readonly pickStride: number;
  /** Serial of the authority's current answer, or Serial.EMPTY. */
  current: number = Serial.EMPTY;
  /** Serial the next new answer gets; the latest answer is nextSerial - 1. */
  nextSerial = 0;
  private seenVersion = -1;
  private readonly small: Int32Array;
  private readonly large: Int32Array;
  private readonly scaled: Float64Array;
  private readonly scratch: Answer;
  /** Vose's alias table of the answer being added (then written into pick). */
  private readonly aliasProb: Float64Array;
  private readonly aliasIdx: Int32Array;
  /** How long past its replacement an answer may still be used by a cache entry. */
  private readonly keepS: number;

  constructor(targetsMax: number, keepS: number, capacity = 16) {
    this.targetsMax = targetsMax;
    this.keepS = keepS;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.counts = new Int32Array(capacity);
    this.replacedAtS = new Float64Array(capacity).fill(Infinity);
    this.lbs = new Int32Array(capacity * targetsMax);
    this.cumWeight = new Float64Array(capacity * targetsMax);
    this.pickStride = 1 + PickCol.SIZE * targetsMax;
    this.pick = new Float64Array(capacity * this.pickStride);
    this.aliasProb = new Float64Array(targetsMax);
    this.aliasIdx = new Int32Array(targetsMax);
    this.small = new Int32Array(targetsMax);
    this.large = new Int32Array(targetsMax);
    this.scaled = new Float64Array(targetsMax);
    this.scratch = newAnswer(targetsMax);
  }

  /** Bring `current` up to date with the store at time tS. Cheap when nothing was written since the last call. */
  refresh(store: SharedStore, endpoint: number, tS: number): void {
    const v = store.storeVersion();
    if (v === this.seenVersion) return;
    this.seenVersion = v;
    const a = store.resolve(endpoint, this.scratch);
    this.update(a.count, a.lbs, a.cumWeight, tS);
  }

  /** Make (count, lbs, cumWeight) the current answer as of tS; count 0 means the authority has no addresses. */
  update(count: number, lbs: Int32Array, cumWeight: Float64Array, tS: number): void {
    const prev = this.current;
    if (count === 0) {
      if (prev >= 0) this.replacedAtS[prev & this.mask] = tS;
      this.current = Serial.EMPTY;
      return;
    }
    const last = this.nextSerial - 1;
    if (last >= 0 && this.sameAs(last, count, lbs, cumWeight)) {
      // Same addresses as the latest answer (a new generation with identical content, or a restore of it).
      this.replacedAtS[last & this.mask] = Infinity;
      this.current = last;
      return;
    }
    if (prev >= 0) this.replacedAtS[prev & this.mask] = tS;
    const serial = this.nextSerial;
    if (serial >= this.capacity) {
      const evicted = serial - this.capacity;
      if (this.replacedAtS[evicted & this.mask] + this.keepS >= tS) this.grow();
    }
    const slot = serial & this.mask;
    const o = slot * this.targetsMax;
    this.counts[slot] = count;
    this.replacedAtS[slot] = Infinity;
    for (let k = 0; k < count; k++) {
      this.lbs[o + k] = lbs[k];
      this.cumWeight[o + k] = cumWeight[k];
    }
    this.buildAlias(o, count);
    const p = slot * this.pickStride;
    this.pick[p] = count;
    for (let k = 0; k < count; k++) {
      const c = p + 1 + PickCol.SIZE * k;
      this.pick[c + PickCol.KEEP] = this.aliasProb[k];
      this.pick[c + PickCol.OWN_LB] = lbs[k];
      this.pick[c + PickCol.ALIAS_LB] = lbs[this.aliasIdx[k]];
    }
    this.nextSerial = serial + 1;
    this.current = serial;
  }

  /**
   * Vose's alias method over the weights at offset o. Column k keeps itself with probability aliasProb[k] and
   * hands over to aliasIdx[k] otherwise (both indexed from 0). Zero or non-finite total weight: uniform over the targets.
   */
  private buildAlias(o: number, n: number): void {
    const cum = this.cumWeight;
    const total = cum[o + n - 1];
    const uniform = !(total > 0) || !Number.isFinite(total);
    const sc = this.scaled;
    let ns = 0;
    let nl = 0;
    for (let k = 0; k < n; k++) {
      const w = uniform ? 1 : cum[o + k] - (k > 0 ? cum[o + k - 1] : 0);
      sc[k] = (w * n) / (uniform ? n : total);
      this.aliasIdx[k] = k;
      if (sc[k] < 1) this.small[ns++] = k;
      else this.large[nl++] = k;
    }
    while (ns > 0 && nl > 0) {
      const s = this.small[--ns];
      const l = this.large[nl - 1];
      this.aliasProb[s] = sc[s];
      this.aliasIdx[s] = l;
      sc[l] = sc[l] + sc[s] - 1;
      if (sc[l] < 1) {
        nl--;
        this.small[ns++] = l;
      }
    }
    // Left-overs are 1 up to rounding.
    while (nl > 0) this.aliasProb[this.large[--nl]] = 1;
    while (ns > 0) this.aliasProb[this.small[--ns]] = 1;
  }

  private sameAs(serial: number, count: number, lbs: Int32Array, cumWeight: Float64Array): boolean {
    const slot = serial & this.mask;
    if (this.counts[slot] !== count) return false;
    const o = slot * this.targetsMax;
    for (let k = 0; k < count; k++) {
      if (this.lbs[o + k] !== lbs[k] || this.cumWeight[o + k] !== cumWeight[k]) return false;
    }
    return true;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const mask = cap - 1;
    const T = this.targetsMax;
    const counts = new Int32Array(cap);
    const replacedAtS = new Float64Array(cap).fill(Infinity);
    const lbs = new Int32Array(cap * T);
    const cumWeight = new Float64Array(cap * T);
    const P = this.pickStride;
    const pick = new Float64Array(cap * P);
    for (let s = Math.max(0, this.nextSerial - this.capacity); s < this.nextSerial; s++) {
      const from = s & this.mask;
      const to = s & mask;
      counts[to] = this.counts[from];
      replacedAtS[to] = this.replacedAtS[from];
      lbs.set(this.lbs.subarray(from * T, from * T + T), to * T);
      cumWeight.set(this.cumWeight.subarray(from * T, from * T + T), to * T);
      pick.set(this.pick.subarray(from * P, from * P + P), to * P);
    }
    this.capacity = cap;
    this.mask = mask;
    this.counts = counts;
    this.replacedAtS = replacedAtS;
    this.lbs = lbs;
    this.cumWeight = cumWeight;
    this.pick = pick;
  }

  /** Bytes held (for memory estimates). */
  bytes(): number {
    return this.capacity * (4 + 8 + this.targetsMax * 12 + this.pickStride * 8);
  }
}
