/**
 * Droplets, their leases, and the DropletWorkflow Manager (DWFM) lease re-establishment queue.
 *
 * Models:
 * - N droplets split evenly over H DWFM hosts. Each host checks in with each of its droplets every `renewS`, in
 *   batches of `batch` droplets; one batch is one DynamoDB call through the host's own DdbCallerLike (its own
 *   resolver cache). A successful call renews every lease in the batch; a droplet whose lease has gone `timeoutS`
 *   (drawn per droplet) without a successful renewal has lost it, and the check that notices queues a
 *   re-establishment attempt on the host.
 * - Each host: a queue (FIFO or LIFO) of re-establishment attempts and `workersPerHost` workers. An attempt has a
 *   deadline `deadlineS` after it was queued; a worker spends a service time on it (or `ddbErrorS` when DynamoDB
 *   fails), and an attempt finished after its deadline is wasted: the droplet side has given up on that handshake.
 *   Legacy (`onLate: requeue`) queues a late or failed attempt again at once, with a new deadline.
 *   Congestive collapse is not written anywhere: when the backlog over the service rate exceeds the deadline, every
 *   attempt waits past its deadline, is wasted and requeued, so the backlog never shrinks (metastable) until an
 *   operator clears queues (restart) and limits admission (throttle).
 * - Mitigations: queue-size admission (refuse work while the host's queue is long, AWS's fix), onLate: drop (drop
 *   late work, and skip queued work that can no longer finish in time), LIFO order.
 * - What a re-established lease hands on: the droplet's network state changes held up by the event go to the
 *   Network Manager (model.ts) as lower-priority DWFM work, so a host hands over its re-established droplets only
 *   once it has no lease work queued or in service (AWS: Network Manager began propagating the delayed changes
 *   "shortly after the recovery of DWFM"). While a host is still re-establishing leases, its re-established
 *   droplets wait; a host that never drains its lease queue (collapse) hands nothing over.
 *
 * Leaves out: lease renewal competing with re-establishment for DWFM workers (renewals are a light batched path
 * here, so only droplets that lost their lease need the expensive work); the DWFM service time of the hand-over to
 * the Network Manager (it takes no worker time here, only waits for the lease work); droplets failing for other
 * reasons; per-droplet renewal phases finer than a batch; a DynamoDB call per attempt (one call per host per span
 * stands for the attempts of that span: an epoch is short against a resolver TTL); the hosts' own CPU limits beyond the
 * worker count. Requeued and checked work is timestamped inside an epoch, but a worker may pick up work queued
 * later in the same epoch by another worker of its host (an error of at most one epoch).
 */
import type { Ec2Config } from '../../config/ec2-schema.ts';
import { meanDuration, Rng, sampleDuration, seedFor, Stream } from '../prng.ts';
import { DurationHist } from './hist.ts';

export interface DdbCallerLike {
  call(tS: number, env: unknown): { ok: boolean; latencyS: number };
}

/** A droplet's lease. An enum so that the bundle inlines its members in the per-droplet loops (see Rec in model/clients/records.ts). */
export enum LeaseState {
  LEASED = 0,
  LOST = 1,
  /** Lost, and an attempt is queued or in service. */
  PENDING = 2,
}

/** How a re-establishment attempt ended. */
enum Outcome {
  OK = 1,
  LATE = 2,
  FAIL = 3,
}

/** Stream indices inside Stream.ec2 (the rest of the EC2 model uses 1..9; hosts use HOST_STREAM_BASE + h). */
const LEASE_INIT_STREAM = 0;
const HOST_STREAM_BASE = 1000;

/** Counters of the current metrics window. */
export class LeaseCounters {
  ddbCalls = 0;
  ddbFailures = 0;
  lapsed = 0;
  /** Attempts a worker started (service or a failed DynamoDB call). */
  attempts = 0;
  established = 0;
  wasted = 0;
  failedDdb = 0;
  /** Queued work skipped because it could no longer finish in time (onLate: drop). */
  skipped = 0;
  /** Work refused by admission (queue-size design or operator throttle). */
  rejected = 0;
  /** Queued and in-flight work thrown away by restarts. */
  cleared = 0;
  readonly establishLatency = new DurationHist();

  reset(): void {
    this.ddbCalls = this.ddbFailures = this.lapsed = this.attempts = this.established = 0;
    this.wasted = this.failedDdb = this.skipped = this.rejected = this.cleared = 0;
    this.establishLatency.reset();
  }
}

export class LeaseFleet {
  readonly n: number;
  readonly hosts: number;
  readonly workers: number;
  readonly renewS: number;
  readonly deadlineS: number;
  readonly meanServiceS: number;
  /** Queue length of the queue-size design; Infinity under admission: none. */
  readonly designQueueLimit: number;

  /** Per droplet: LeaseState.LEASED | LeaseState.LOST | LeaseState.PENDING. */
  readonly state: Uint8Array;
  /** LeaseState.LEASED: when the lease was (re-)established; otherwise when its loss was noticed. */
  readonly leaseFromS: Float64Array;
  readonly timeoutS: Float32Array;
  readonly dropletBlock: Int32Array;

  // Lease check batches ("blocks"): contiguous droplets of one host.
  private readonly blockStart: Int32Array;
  private readonly blockEnd: Int32Array;
  private readonly blockHost: Int32Array;
  private readonly blockLastOkS: Float64Array;
  private readonly blockPrevOk: Uint8Array;
  private readonly blockUnleased: Int32Array;
  /** Block ids in check order, and each one's phase inside a renewal period. */
  private readonly schedule: Int32Array;
  private readonly schedulePhaseS: Float64Array;
  private cursor = 0;
  private cycle = 0;

  // Hosts: a ring per host over the host's own droplet range of queueDropletIds/queueDeadlineS (at most one attempt per droplet).
  readonly hostStart: Int32Array;
  private readonly queueDropletIds: Int32Array;
  private readonly queueDeadlineS: Float64Array;
  private readonly queueHead: Int32Array;
  readonly queueLength: Int32Array;
  private readonly hostDownUntilS: Float64Array;
  private readonly hostDdbOk: Uint8Array;
  private readonly hostLastCallS: Float64Array;
  private readonly hostTokens: Float64Array;
  private readonly hostTokensAtS: Float64Array;
  private readonly hostRng: Rng[];

  // Workers, H * workersPerHost.
  private readonly workerFreeAtS: Float64Array;
  private readonly workerDroplet: Int32Array;
  private readonly workerOutcome: Uint8Array;

  private readonly callers: DdbCallerLike[];
  private readonly cfg: Ec2Config;
  private readonly lifo: boolean;
  private readonly requeue: boolean;

  /** Operator throttle: queue length per host, and admitted attempts per second per host (Infinity = none). */
  throttleQueueLimit = Infinity;
  throttleAdmitPerHostPerS = Infinity;

  /** Droplets without a lease (LeaseState.LOST + LeaseState.PENDING). */
  lostCount = 0;
  inFlight = 0;
  queuedTotal = 0;
  /**
   * Re-established droplets whose network re-sync a host handed to the Network Manager in the span being run, and
   * the instances on them. A host hands them over only once it has no lease work queued or in service.
   */
  recoveredInSpan = 0;
  recoveredInstancesInSpan = 0;
  /** Per host: re-established droplets (and their instances) whose re-sync waits for the host's lease work to end. */
  private readonly hostHeldDroplets: Int32Array;
  private readonly hostHeldInstances: Float64Array;
  private heldTotal = 0;
  /** Free instance slots per droplet (owned by Launches), to count the instances a recovery re-syncs. */
  freeSlots: Uint8Array | null = null;
  /** Last time the count of droplets without a lease fell to 0. */
  lastAllLeasedAtS: number | null = null;
  readonly counters = new LeaseCounters();

  constructor(cfg: Ec2Config, seed: number, makeDdbCaller: (hostIndex: number) => DdbCallerLike) {
    this.cfg = cfg;
    const n = (this.n = cfg.droplets);
    const H = (this.hosts = cfg.dwfm.hosts);
    const c = (this.workers = cfg.dwfm.workersPerHost);
    this.renewS = cfg.lease.renewS;
    this.deadlineS = cfg.dwfm.deadlineS;
    this.meanServiceS = meanDuration(cfg.dwfm.serviceS);
    this.lifo = cfg.dwfm.order === 'lifo';
    this.requeue = cfg.dwfm.onLate === 'requeue';
    this.designQueueLimit =
      cfg.dwfm.admission === 'queue-size'
        ? (cfg.dwfm.queueLimitPerHost ?? Math.max(1, Math.floor((0.8 * c * (this.deadlineS - this.meanServiceS)) / this.meanServiceS)))
        : Infinity;

    this.state = new Uint8Array(n);
    this.leaseFromS = new Float64Array(n);
    this.timeoutS = new Float32Array(n);
    this.dropletBlock = new Int32Array(n);
    const init = new Rng(seedFor(seed, Stream.ec2, LEASE_INIT_STREAM));
    // A lease always outlives two check periods, so one failed renewal batch costs no lease (two in a row may): a
    // design whose leases lapse between healthy renewals, or at a single DynamoDB error, would lose leases with
    // DynamoDB up, which the real system evidently did not. The floor sits half a period past two periods, off the
    // check grid: a block's checks are exactly renewS apart, so a floor of exactly 2 * renewS would expire the lease
    // at the very check that follows one failed renewal, and the lapse test (expiry <= check time) or rounding
    // would decide it.
    const minTimeoutS = 2.5 * this.renewS;
    for (let d = 0; d < n; d++) {
      const t = sampleDuration(cfg.lease.timeoutS, init);
      this.timeoutS[d] = t > minTimeoutS ? t : minTimeoutS;
    }

    this.hostStart = new Int32Array(H + 1);
    for (let h = 0; h <= H; h++) this.hostStart[h] = Math.floor((h * n) / H);
    const B = cfg.lease.batch;
    let blocks = 0;
    for (let h = 0; h < H; h++) blocks += Math.ceil((this.hostStart[h + 1] - this.hostStart[h]) / B);
    this.blockStart = new Int32Array(blocks);
    this.blockEnd = new Int32Array(blocks);
    this.blockHost = new Int32Array(blocks);
    this.blockLastOkS = new Float64Array(blocks);
    this.blockPrevOk = new Uint8Array(blocks).fill(1);
    this.blockUnleased = new Int32Array(blocks);
    const phase = new Float64Array(blocks);
    let g = 0;
    for (let h = 0; h < H; h++) {
      const s = this.hostStart[h];
      const e = this.hostStart[h + 1];
      const nb = Math.ceil((e - s) / B);
      for (let j = 0; j < nb; j++, g++) {
        this.blockStart[g] = s + j * B;
        this.blockEnd[g] = Math.min(e, s + (j + 1) * B);
        this.blockHost[g] = h;
        // Spread each host's batches over the period, hosts offset from one another.
        phase[g] = ((j + h / H) / nb) * this.renewS;
        for (let d = this.blockStart[g]; d < this.blockEnd[g]; d++) this.dropletBlock[d] = g;
      }
    }
    const order = Array.from({ length: blocks }, (_, i) => i).sort((x, y) => phase[x] - phase[y] || x - y);
    this.schedule = Int32Array.from(order);
    this.schedulePhaseS = Float64Array.from(order, (i) => phase[i]);

    this.queueDropletIds = new Int32Array(n);
    this.queueDeadlineS = new Float64Array(n);
    this.queueHead = new Int32Array(H);
    this.queueLength = new Int32Array(H);
    this.hostDownUntilS = new Float64Array(H);
    this.hostDdbOk = new Uint8Array(H).fill(1);
    this.hostLastCallS = new Float64Array(H).fill(-Infinity);
    this.hostTokens = new Float64Array(H);
    this.hostTokensAtS = new Float64Array(H);
    this.hostHeldDroplets = new Int32Array(H);
    this.hostHeldInstances = new Float64Array(H);
    this.hostRng = Array.from({ length: H }, (_, h) => new Rng(seedFor(seed, Stream.ec2, HOST_STREAM_BASE + h)));
    this.workerFreeAtS = new Float64Array(H * c);
    this.workerDroplet = new Int32Array(H * c).fill(-1);
    this.workerOutcome = new Uint8Array(H * c);
    this.callers = Array.from({ length: H }, (_, h) => makeDdbCaller(h));
  }

  /** Current admission limit per host (design and operator throttle). */
  queueLimit(): number {
    return Math.min(this.designQueueLimit, this.throttleQueueLimit);
  }

  /** Queue wait over the deadline, fleet-wide: above 1, queued attempts cannot finish in time (the lease loop's state). */
  collapseIndex(): number {
    const ratePerS = (this.hosts * this.workers) / this.meanServiceS;
    return this.queuedTotal / ratePerS / this.deadlineS;
  }

  /** Advance [aS, bS): lease checks, then each host's workers. */
  runSpan(aS: number, bS: number, env: unknown): void {
    this.recoveredInSpan = 0;
    this.recoveredInstancesInSpan = 0;
    const blocks = this.schedule.length;
    for (;;) {
      const tS = this.cycle * this.renewS + this.schedulePhaseS[this.cursor];
      if (tS >= bS) break;
      this.checkBlock(this.schedule[this.cursor], tS, env);
      if (++this.cursor === blocks) {
        this.cursor = 0;
        this.cycle++;
      }
    }
    for (let h = 0; h < this.hosts; h++) {
      if (this.queueLength[h] === 0 && !this.hostBusy(h)) continue;
      // One DynamoDB call per host with work stands for its attempts in this span; never earlier than the host's
      // last call, so each host's calls stay in time order.
      const tS = aS > this.hostLastCallS[h] ? aS : this.hostLastCallS[h];
      const r = this.callers[h].call(tS, env);
      this.hostLastCallS[h] = tS;
      this.counters.ddbCalls++;
      if (!r.ok) this.counters.ddbFailures++;
      this.hostDdbOk[h] = r.ok ? 1 : 0;
      this.runHost(h, bS);
    }
    if (this.heldTotal > 0) this.releaseHeld();
  }

  /** Hosts with no lease work queued or in service hand their re-established droplets to the Network Manager. */
  private releaseHeld(): void {
    for (let h = 0; h < this.hosts; h++) {
      const n = this.hostHeldDroplets[h];
      if (n === 0 || this.queueLength[h] > 0 || this.hostBusy(h)) continue;
      this.recoveredInSpan += n;
      this.recoveredInstancesInSpan += this.hostHeldInstances[h];
      this.heldTotal -= n;
      this.hostHeldDroplets[h] = 0;
      this.hostHeldInstances[h] = 0;
    }
  }

  private hostBusy(h: number): boolean {
    const c = this.workers;
    for (let w = h * c; w < (h + 1) * c; w++) if (this.workerDroplet[w] >= 0) return true;
    return false;
  }

  private checkBlock(g: number, tS: number, env: unknown): void {
    const h = this.blockHost[g];
    const r = this.callers[h].call(tS, env);
    this.hostLastCallS[h] = tS;
    const ok = r.ok;
    this.counters.ddbCalls++;
    if (!ok) this.counters.ddbFailures++;
    // Healthy batch, healthy before, everyone leased: the renewal is one write, no droplet needs a look.
    if (ok && this.blockPrevOk[g] === 1 && this.blockUnleased[g] === 0) {
      this.blockLastOkS[g] = tS;
      return;
    }
    const lastOk = this.blockLastOkS[g];
    const state = this.state;
    for (let d = this.blockStart[g], e = this.blockEnd[g]; d < e; d++) {
      let st = state[d];
      if (st === LeaseState.LEASED) {
        const from = this.leaseFromS[d];
        if ((lastOk > from ? lastOk : from) + this.timeoutS[d] > tS) continue;
        state[d] = st = LeaseState.LOST;
        this.leaseFromS[d] = tS;
        this.blockUnleased[g]++;
        this.lostCount++;
        this.counters.lapsed++;
      }
      if (st === LeaseState.LOST) this.tryEnqueue(h, d, tS);
    }
    if (ok) this.blockLastOkS[g] = tS;
    this.blockPrevOk[g] = ok ? 1 : 0;
  }

  /** Queue an attempt for droplet d on host h at tS, unless admission refuses it. */
  private tryEnqueue(h: number, d: number, tS: number): void {
    const len = this.queueLength[h];
    if (len >= this.designQueueLimit || len >= this.throttleQueueLimit) {
      this.state[d] = LeaseState.LOST;
      this.counters.rejected++;
      return;
    }
    if (this.throttleAdmitPerHostPerS !== Infinity) {
      const rate = this.throttleAdmitPerHostPerS;
      if (tS > this.hostTokensAtS[h]) {
        const burst = rate > 1 ? rate : 1;
        this.hostTokens[h] = Math.min(burst, this.hostTokens[h] + (tS - this.hostTokensAtS[h]) * rate);
        this.hostTokensAtS[h] = tS;
      }
      if (this.hostTokens[h] < 1) {
        this.state[d] = LeaseState.LOST;
        this.counters.rejected++;
        return;
      }
      this.hostTokens[h] -= 1;
    }
    const base = this.hostStart[h];
    const cap = this.hostStart[h + 1] - base;
    let i = this.queueHead[h] + len;
    if (i >= cap) i -= cap;
    this.queueDropletIds[base + i] = d;
    this.queueDeadlineS[base + i] = tS + this.deadlineS;
    this.queueLength[h] = len + 1;
    this.queuedTotal++;
    this.state[d] = LeaseState.PENDING;
  }

  /** Run host h's workers until bS, in time order across its workers. */
  private runHost(h: number, bS: number): void {
    const c = this.workers;
    const w0 = h * c;
    const workerFreeAtS = this.workerFreeAtS;
    const base = this.hostStart[h];
    const cap = this.hostStart[h + 1] - base;
    const D = this.deadlineS;
    const dropLate = !this.requeue;
    const meanS = this.meanServiceS;
    const svc = this.cfg.dwfm.serviceS;
    const rng = this.hostRng[h];
    for (;;) {
      let w = -1;
      let f = bS;
      for (let i = w0; i < w0 + c; i++) {
        if (workerFreeAtS[i] < f) {
          f = workerFreeAtS[i];
          w = i;
        }
      }
      if (w < 0) return;
      if (this.workerDroplet[w] >= 0) this.finish(h, w, f);
      if (f < this.hostDownUntilS[h]) {
        workerFreeAtS[w] = this.hostDownUntilS[h];
        continue;
      }
      if (this.queueLength[h] === 0) {
        workerFreeAtS[w] = bS;
        continue;
      }
      let i: number;
      if (this.lifo) {
        i = this.queueHead[h] + this.queueLength[h] - 1;
        if (i >= cap) i -= cap;
      } else {
        i = this.queueHead[h];
        this.queueHead[h] = i + 1 === cap ? 0 : i + 1;
      }
      this.queueLength[h]--;
      this.queuedTotal--;
      const d = this.queueDropletIds[base + i];
      const deadline = this.queueDeadlineS[base + i];
      // Not before it was queued (it may have been queued later in this span).
      const queuedAt = deadline - D;
      const start = queuedAt > f ? queuedAt : f;
      if (dropLate && start + meanS > deadline) {
        this.state[d] = LeaseState.LOST;
        this.counters.skipped++;
        workerFreeAtS[w] = start;
        continue;
      }
      this.counters.attempts++;
      this.inFlight++;
      this.workerDroplet[w] = d;
      if (this.hostDdbOk[h] === 0) {
        this.workerOutcome[w] = Outcome.FAIL;
        workerFreeAtS[w] = start + this.cfg.dwfm.ddbErrorS;
      } else {
        const s = sampleDuration(svc, rng);
        this.workerOutcome[w] = start + s <= deadline ? Outcome.OK : Outcome.LATE;
        workerFreeAtS[w] = start + s;
      }
    }
  }

  private finish(h: number, w: number, tS: number): void {
    const d = this.workerDroplet[w];
    this.workerDroplet[w] = -1;
    this.inFlight--;
    const out = this.workerOutcome[w];
    if (out === Outcome.OK) {
      this.state[d] = LeaseState.LEASED;
      this.counters.establishLatency.add(tS - this.leaseFromS[d]);
      this.leaseFromS[d] = tS;
      this.blockUnleased[this.dropletBlock[d]]--;
      this.counters.established++;
      // The droplet's network re-sync is lower-priority DWFM work: it waits until the host has no lease work.
      this.hostHeldDroplets[h]++;
      this.heldTotal++;
      if (this.freeSlots !== null) this.hostHeldInstances[h] += this.cfg.launches.slotsPerDroplet - this.freeSlots[d];
      if (--this.lostCount === 0) this.lastAllLeasedAtS = tS;
      return;
    }
    if (out === Outcome.LATE) this.counters.wasted++;
    else this.counters.failedDdb++;
    if (this.requeue) this.tryEnqueue(h, d, tS);
    else this.state[d] = LeaseState.LOST;
  }

  /** Operator restart of host h at tS: its queue and in-flight work are gone, and it is down for downS. */
  restartHost(h: number, tS: number, downS: number): void {
    const base = this.hostStart[h];
    const cap = this.hostStart[h + 1] - base;
    for (let k = 0, i = this.queueHead[h]; k < this.queueLength[h]; k++, i = i + 1 === cap ? 0 : i + 1) {
      this.state[this.queueDropletIds[base + i]] = LeaseState.LOST;
    }
    this.counters.cleared += this.queueLength[h];
    this.queuedTotal -= this.queueLength[h];
    this.queueLength[h] = 0;
    this.queueHead[h] = 0;
    const c = this.workers;
    for (let w = h * c; w < (h + 1) * c; w++) {
      if (this.workerDroplet[w] >= 0) {
        this.state[this.workerDroplet[w]] = LeaseState.LOST;
        this.workerDroplet[w] = -1;
        this.inFlight--;
        this.counters.cleared++;
      }
      this.workerFreeAtS[w] = tS + downS;
    }
    this.hostDownUntilS[h] = tS + downS;
  }

  /** Hosts an operator would restart: stuck ones (queue wait beyond the deadline) or all, most backlogged first. */
  selectHosts(select: 'stuck' | 'all', share: number): number[] {
    const perHostRateS = this.workers / this.meanServiceS;
    const cand: number[] = [];
    for (let h = 0; h < this.hosts; h++) {
      if (select === 'all' || this.queueLength[h] / perHostRateS > this.deadlineS) cand.push(h);
    }
    cand.sort((x, y) => this.queueLength[y] - this.queueLength[x] || x - y);
    return cand.slice(0, Math.ceil(share * cand.length));
  }

  setThrottle(queuePerHost: number | null, admitPerS: number | null, tS: number): void {
    if (queuePerHost !== null) this.throttleQueueLimit = queuePerHost;
    if (admitPerS !== null) {
      this.throttleAdmitPerHostPerS = admitPerS / this.hosts;
      this.hostTokens.fill(0);
      this.hostTokensAtS.fill(tS);
    }
  }

  relax(): void {
    this.throttleQueueLimit = Infinity;
    this.throttleAdmitPerHostPerS = Infinity;
  }
}
