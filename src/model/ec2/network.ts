/**
 * Network Manager: the propagation of network state to the hosts, one FIFO queue with a fixed capacity.
 *
 * Models: work arrives from launches (a new instance has no connectivity until its state has propagated) and from
 * the recovery itself (a droplet whose lease was re-established has its instances' state re-synced, handed over by
 * its DWFM host once that host's lease work is done: leases.ts); a FIFO server
 * of `capacityPerS` units of work per second. The propagation backlog is a sustaining loop in the sense that it
 * outlives its cause: its state is the backlog's drain time (backlog / capacity), and its symptom the delay
 * between an instance's launch and its connectivity. Completed NLB targets are reported to the NLB model.
 *
 * Leaves out: how propagation work scales with VPC size (one launch is `unitsPerLaunch` units whatever its VPC),
 * priorities between kinds of work, and Network Manager's own failure modes; service is fluid (units served
 * continuously at capacity), which is exact for a FIFO with deterministic service of a divisible backlog.
 */
import { DurationHist } from './hist.ts';

/** Tags of queued work: >= 0 is a launched NLB target of that NLB group. */
export const TAG_LAUNCH = -1;
export const TAG_LEASE = -2;

export class NetworkCounters {
  arrivedUnits = 0;
  servedUnits = 0;
  readonly delay = new DurationHist();
  readonly launchToConnectivity = new DurationHist();
  reset(): void {
    this.arrivedUnits = this.servedUnits = 0;
    this.delay.reset();
    this.launchToConnectivity.reset();
  }
}

export class NetworkManager {
  private tag: Int32Array;
  /** Units of work left in the item; count of instances or droplets the item stands for. */
  private units: Float64Array;
  private count: Int32Array;
  private enqS: Float64Array;
  private head = 0;
  private len = 0;
  backlogUnits = 0;
  /** Launched instances whose state has not propagated yet. */
  withoutConnectivity = 0;
  readonly counters = new NetworkCounters();
  readonly capacityPerS: number;
  /** Called when a launched NLB target's state has propagated. */
  onTargetPropagated: (group: number) => void = () => {};

  constructor(capacityPerS: number, initialItems = 1024) {
    this.capacityPerS = capacityPerS;
    this.tag = new Int32Array(initialItems);
    this.units = new Float64Array(initialItems);
    this.count = new Int32Array(initialItems);
    this.enqS = new Float64Array(initialItems);
  }

  /** Queue `count` instances/droplets of one kind at tS, `unitsEach` units each. Plain launches and lease work at the same instant share one item. */
  enqueue(tag: number, count: number, unitsEach: number, tS: number): void {
    if (count <= 0) return;
    const units = count * unitsEach;
    if (tag === TAG_LAUNCH) this.withoutConnectivity += count;
    this.counters.arrivedUnits += units;
    this.backlogUnits += units;
    const cap = this.tag.length;
    if (tag < 0 && this.len > 0) {
      let last = this.head + this.len - 1;
      if (last >= cap) last -= cap;
      if (this.tag[last] === tag && this.enqS[last] === tS) {
        this.units[last] += units;
        this.count[last] += count;
        return;
      }
    }
    if (this.len === cap) this.grow();
    let i = this.head + this.len;
    if (i >= this.tag.length) i -= this.tag.length;
    this.tag[i] = tag;
    this.units[i] = units;
    this.count[i] = count;
    this.enqS[i] = tS;
    this.len++;
    if (tag >= 0) this.withoutConnectivity++;
  }

  private grow(): void {
    const cap = this.tag.length;
    const n = cap * 2;
    const tag = new Int32Array(n);
    const units = new Float64Array(n);
    const count = new Int32Array(n);
    const enqS = new Float64Array(n);
    for (let k = 0; k < this.len; k++) {
      const i = (this.head + k) % cap;
      tag[k] = this.tag[i];
      units[k] = this.units[i];
      count[k] = this.count[i];
      enqS[k] = this.enqS[i];
    }
    this.tag = tag;
    this.units = units;
    this.count = count;
    this.enqS = enqS;
    this.head = 0;
  }

  /** Serve [aS, bS) at capacity, FIFO. */
  runSpan(aS: number, bS: number): void {
    const rate = this.capacityPerS;
    let t = aS;
    const c = this.counters;
    while (this.len > 0 && t < bS) {
      const i = this.head;
      if (this.enqS[i] > t) t = this.enqS[i]; // idle until it arrived
      if (t >= bS) break;
      const need = this.units[i];
      const canS = bS - t;
      if (need > canS * rate) {
        this.units[i] = need - canS * rate;
        c.servedUnits += canS * rate;
        this.backlogUnits -= canS * rate;
        break;
      }
      t += need / rate;
      c.servedUnits += need;
      this.backlogUnits -= need;
      const delayS = t - this.enqS[i];
      const tag = this.tag[i];
      const n = this.count[i];
      c.delay.add(delayS, n);
      if (tag !== TAG_LEASE) {
        c.launchToConnectivity.add(delayS, n);
        this.withoutConnectivity -= n;
        if (tag >= 0) this.onTargetPropagated(tag);
      }
      this.head = i + 1 === this.tag.length ? 0 : i + 1;
      this.len--;
    }
    if (this.len === 0) this.backlogUnits = 0; // float residue
  }

  /** How long the oldest queued work has waited at tS (0 when empty). */
  headAgeS(tS: number): number {
    return this.len > 0 ? Math.max(0, tS - this.enqS[this.head]) : 0;
  }
}
