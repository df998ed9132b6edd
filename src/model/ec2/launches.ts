/**
 * Launch requests and placement.
 *
 * Models: new launch requests arrive at `ratePerS` (Poisson); a request that fails (throttled, or no leased droplet
 * with a free slot among `placementProbes` droplets tried) stays with its caller, who retries after ~`retryS` and
 * gives up after ~`patienceS` (both exponential): the pent-up demand of the outage comes back when launches work.
 * Operators cap launch attempts per second (token bucket); relax doubles the cap every `doublingS`. A placed
 * instance takes a slot on a leased droplet and queues its network state on the Network Manager; a share of them
 * are NLB targets.
 *
 * Terminations at `terminationsPerS` free a slot on a random droplet that has an instance, keeping the fleet steady.
 *
 * Leaves out: instance types, AZs and capacity pools (placement draws droplets uniformly), terminations needing a
 * lease, API-level errors other than capacity and throttles.
 */
import type { Ec2Config } from '../../config/ec2-schema.ts';
import type { Rng } from '../prng.ts';
import { LeaseState } from './leases.ts';
import { TAG_LAUNCH } from './network.ts';
import type { NetworkManager } from './network.ts';
import { binomial, poisson } from './sample.ts';

export class LaunchCounters {
  requested = 0;
  throttled = 0;
  failedCapacity = 0;
  succeeded = 0;
  abandoned = 0;
  reset(): void {
    this.requested = this.throttled = this.failedCapacity = this.succeeded = this.abandoned = 0;
  }
}

export class Launches {
  /** Requests waiting at their callers for a retry. */
  pending = 0;
  readonly freeSlots: Uint8Array;
  readonly counters = new LaunchCounters();
  /** Launch cap (attempts per second), Infinity = none. */
  private capPerS = Infinity;
  private relaxAtS = 0;
  private relaxDoublingS = 0;
  private relaxToPerS = Infinity;
  private relaxing = false;
  private tokens = 0;
  private readonly rng: Rng;
  private readonly cfg: Ec2Config['launches'];
  private readonly nlbShare: number;
  private readonly nlbCount: number;
  private readonly nlbSkew: number;
  private readonly terminationsPerS: number;

  constructor(cfg: Ec2Config, rng: Rng) {
    this.cfg = cfg.launches;
    this.rng = rng;
    this.nlbShare = cfg.nlb.targetShare;
    this.nlbCount = cfg.nlb.loadBalancers;
    this.nlbSkew = cfg.nlb.targetSkew;
    this.terminationsPerS = this.cfg.terminationsPerS ?? this.cfg.ratePerS;
    const n = cfg.droplets;
    const slots = this.cfg.slotsPerDroplet;
    this.freeSlots = new Uint8Array(n);
    // Free slots per droplet spread around the free share (some droplets full, some empty).
    const spread = 2 * slots * this.cfg.freeShare + 1;
    for (let d = 0; d < n; d++) this.freeSlots[d] = Math.min(slots, Math.floor(rng.next() * spread));
  }

  throttle(capPerS: number): void {
    this.capPerS = capPerS;
    this.relaxing = false;
    this.tokens = 0;
  }

  relax(tS: number, doublingS: number, toPerS: number | null): void {
    if (this.capPerS === Infinity) return;
    if (doublingS <= 0) {
      this.capPerS = toPerS ?? Infinity;
      return;
    }
    this.relaxing = true;
    this.relaxAtS = tS;
    this.relaxDoublingS = doublingS;
    this.relaxToPerS = toPerS ?? Infinity;
  }

  private capAt(tS: number): number {
    if (!this.relaxing) return this.capPerS;
    const cap = this.capPerS * 2 ** ((tS - this.relaxAtS) / this.relaxDoublingS);
    if (cap >= this.relaxToPerS) {
      this.capPerS = this.relaxToPerS;
      this.relaxing = false;
      return this.capPerS;
    }
    return cap;
  }

  currentCapPerS(tS: number): number | null {
    const c = this.capAt(tS);
    return c === Infinity ? null : c;
  }

  /** NLB group (NLB x AZ) of a new or terminated target. */
  private pickGroup(): number {
    const m = Math.min(this.nlbCount - 1, Math.floor(this.nlbCount * this.rng.next() ** this.nlbSkew));
    return 3 * m + this.rng.int(3);
  }

  /** Arrivals, retries, placements and terminations in [aS, bS). `state` is the droplets' lease state. */
  runSpan(aS: number, bS: number, state: Uint8Array, nm: NetworkManager, unitsPerLaunch: number): void {
    const dt = bS - aS;
    const rng = this.rng;
    const c = this.counters;
    const fresh = poisson(rng, this.cfg.ratePerS * dt);
    const retries = binomial(rng, this.pending, 1 - Math.exp(-dt / this.cfg.retryS));
    this.pending -= retries;
    const abandoned = binomial(rng, this.pending, 1 - Math.exp(-dt / this.cfg.patienceS));
    this.pending -= abandoned;
    c.abandoned += abandoned;
    const requests = fresh + retries;
    c.requested += requests;
    let admitted = requests;
    const cap = this.capAt(aS);
    if (cap !== Infinity) {
      this.tokens = Math.min(Math.max(cap, 1), this.tokens + cap * dt);
      admitted = Math.min(requests, Math.floor(this.tokens));
      this.tokens -= admitted;
    }
    const throttled = requests - admitted;
    c.throttled += throttled;
    this.pending += throttled;
    const n = state.length;
    const probes = this.cfg.placementProbes;
    // Terminations keep the fleet steady: a slot frees on a droplet that has an instance.
    const slots = this.cfg.slotsPerDroplet;
    const ends = poisson(rng, this.terminationsPerS * dt);
    for (let k = 0; k < ends; k++) {
      for (let p = 0; p < probes; p++) {
        const d = (rng.nextU32() % n) >>> 0;
        if (this.freeSlots[d] < slots) {
          this.freeSlots[d]++;
          break;
        }
      }
    }
    let plain = 0;
    const midS = aS + dt / 2;
    for (let k = 0; k < admitted; k++) {
      let placed = false;
      for (let p = 0; p < probes; p++) {
        const d = (rng.nextU32() % n) >>> 0;
        if (state[d] === LeaseState.LEASED && this.freeSlots[d] > 0) {
          this.freeSlots[d]--;
          placed = true;
          break;
        }
      }
      if (!placed) {
        c.failedCapacity++;
        this.pending++;
        continue;
      }
      c.succeeded++;
      if (this.nlbShare > 0 && rng.next() < this.nlbShare) {
        const g = this.pickGroup();
        this.onNlbTarget(g);
        nm.enqueue(g, 1, unitsPerLaunch, midS);
      } else plain++;
    }
    nm.enqueue(TAG_LAUNCH, plain, unitsPerLaunch, midS);
  }

  /** Called with the NLB group of each launched target (wired to the NLB model). */
  onNlbTarget: (group: number) => void = () => {};
}
