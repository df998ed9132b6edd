/**
 * The EC2 model: droplets and leases (DWFM), launches, Network Manager propagation and NLB health checks, run
 * single-threaded once per epoch inside worker 0 against the store as the epoch's DNS control phase left it (and
 * the epoch's offered load); worker 0 runs it while the other workers start the next epoch's clients.
 *
 * Models: the chain of sustaining loops AWS describes after the DynamoDB DNS outage (incident.md §3-§4): lease
 * re-establishment collapse, the propagation backlog, health-check flapping and AZ failover. The EC2 model learns
 * whether DynamoDB works only through its DDB callers (one per DWFM host): no outage window, recovery time or
 * collapse is written here. The only scheduled things are operators' actions, applied at their atS.
 * Each loop has a characteristic metric in every window: the lease queue's wait over the deadline
 * (`leases.collapseIndex`), the propagation backlog's drain time (`network.backlogDrainS`), and the health-check
 * cells' utilization and flap rate (`nlb.hcUtilizationMax`, `nlb.flapRatePerS`).
 *
 * Leaves out: see each part (leases.ts, launches.ts, network.ts, nlb.ts). Everything runs in spans split at
 * operators' actions; inside a span the parts run in causal order (leases, launches, Network Manager, NLB), each
 * seeing the others' state as of the end of its own step.
 */
import type { Ec2Action, Ec2Config } from '../../config/ec2-schema.ts';
import { Rng, seedFor, Stream } from '../prng.ts';
import { Launches } from './launches.ts';
import { type DdbCallerLike, LeaseFleet } from './leases.ts';
import { NetworkManager, TAG_LEASE } from './network.ts';
import { Nlb } from './nlb.ts';

export type { DdbCallerLike } from './leases.ts';

/** Share of failed DynamoDB calls above which a window counts as one with DynamoDB errors (EC2's view). */
const DDB_ERROR_SHARE = 0.01;
/** A window makes "no forward progress" when under this share of finished attempts establish a lease. */
const COLLAPSE_GOODPUT_SHARE = 0.1;
/** Launch success rate below which a window counts as one with launch failures. */
const LAUNCH_FAILURE_RATE = 0.1;

export interface Ec2Window {
  index: number;
  fromS: number;
  toS: number;
  ddb: { calls: number; failures: number; failureShare: number };
  leases: {
    held: number;
    lost: number;
    lapsed: number;
    /** Queued attempts at the window's end (the lease backlog) and attempts in service. */
    backlog: number;
    inFlight: number;
    attempts: number;
    established: number;
    wasted: number;
    failedDdb: number;
    skipped: number;
    rejected: number;
    cleared: number;
    goodputPerS: number;
    throughputPerS: number;
    wastedShare: number | null;
    establishLatencyP50S: number | null;
    establishLatencyP99S: number | null;
    /** Loop state: fleet queue wait over the deadline (> 1: queued work cannot finish in time). */
    collapseIndex: number;
  };
  launches: {
    requested: number;
    throttled: number;
    failedCapacity: number;
    succeeded: number;
    successRate: number | null;
    pending: number;
    capPerS: number | null;
  };
  network: {
    arrivedUnits: number;
    servedUnits: number;
    goodputPerS: number;
    backlogUnits: number;
    /** Loop state: time to drain the backlog at capacity. */
    backlogDrainS: number;
    delayP50S: number | null;
    delayP99S: number | null;
    headAgeS: number;
    /** Median delay of work completed in the window, or the oldest work's age when none completed. */
    propagationDelayS: number;
    launchToConnectivityP50S: number | null;
    launchToConnectivityP99S: number | null;
    withoutConnectivity: number;
  };
  nlb: {
    flaps: number;
    flapRatePerS: number;
    hcUtilizationMax: number;
    hcUtilizationMean: number;
    hcDelayMaxS: number;
    failedAzs: number;
    removedAzs: number;
    capacityRemovedShare: number;
    unpropagatedInService: number;
    errorRate: number;
    failoverEnabled: boolean;
  };
}

export interface Ec2Summary {
  droplets: number;
  leasesLostMax: number;
  leaseBacklogMax: number;
  /** When the last droplet without a lease got one back (null: some never did, or none was lost). */
  leasesRecoveredAtS: number | null;
  /** Windows where DWFM made no forward progress with DynamoDB up: first start, last end. */
  leaseCollapseFromS: number | null;
  leaseCollapseEndS: number | null;
  /** DynamoDB errors as EC2's DWFM hosts saw them. */
  ddbErrorsFromS: number | null;
  ddbErrorsEndS: number | null;
  launchFailuresFromS: number | null;
  launchFailuresEndS: number | null;
  propagationDegradedFromS: number | null;
  propagationNormalAtS: number | null;
  propagationDelayMaxS: number;
  propagationBacklogMax: number;
  nlbErrorsFromS: number | null;
  nlbErrorsEndS: number | null;
  nlbErrorRateMax: number;
  flapRateMaxPerS: number;
  hcUtilizationMax: number;
  azsRemovedMax: number;
  /** Recovery times: from the end of each stage's trigger to the stage being normal again. */
  recovery: {
    leasesAfterDdbS: number | null;
    propagationAfterLeasesS: number | null;
    nlbErrorsAfterLeasesS: number | null;
  };
}

/** Tracks "first bad window start" and "end of the last bad window" (null while the last window is still bad). */
class Episode {
  fromS: number | null = null;
  lastEndS: number | null = null;
  ongoing = false;
  see(bad: boolean, fromS: number, toS: number): void {
    if (bad) {
      if (this.fromS === null) this.fromS = fromS;
      this.lastEndS = toS;
    }
    this.ongoing = bad;
  }
  endS(): number | null {
    return this.ongoing ? null : this.lastEndS;
  }
}

export class Ec2Model {
  readonly cfg: Ec2Config;
  readonly fleet: LeaseFleet;
  readonly launches: Launches;
  readonly network: NetworkManager;
  readonly nlb: Nlb;
  private readonly actions: Ec2Action[] = [];
  private leasesLostMax = 0;
  private leasesRecoveredAtS: number | null = null;
  private leaseBacklogMax = 0;
  private propagationDelayMaxS = 0;
  private propagationBacklogMax = 0;
  private nlbErrorRateMax = 0;
  private flapRateMaxPerS = 0;
  private hcUtilizationMax = 0;
  private azsRemovedMax = 0;
  private readonly ddbErrors = new Episode();
  private readonly collapse = new Episode();
  private readonly launchFailures = new Episode();
  private readonly propagationSlow = new Episode();
  private propagationDegradedFromS: number | null = null;
  private readonly nlbErrors = new Episode();

  constructor(cfg: Ec2Config, seed: number, makeDdbCaller: (hostIndex: number) => DdbCallerLike) {
    this.cfg = cfg;
    this.fleet = new LeaseFleet(cfg, seed, makeDdbCaller);
    this.network = new NetworkManager(cfg.network.capacityPerS);
    this.launches = new Launches(cfg, new Rng(seedFor(seed, Stream.ec2, 1)));
    this.nlb = new Nlb(cfg, seed, new Rng(seedFor(seed, Stream.ec2, 2)));
    this.fleet.freeSlots = this.launches.freeSlots;
    this.launches.onNlbTarget = (g) => this.nlb.addTarget(g);
    this.network.onTargetPropagated = (g) => this.nlb.propagated(g);
  }

  applyAction(action: Ec2Action): void {
    // Kept sorted by time (stable), applied inside runEpoch at atS.
    let i = this.actions.length;
    while (i > 0 && this.actions[i - 1].atS > action.atS) i--;
    this.actions.splice(i, 0, action);
  }

  runEpoch(t0S: number, t1S: number, env: unknown): void {
    let a = t0S;
    while (this.actions.length > 0 && this.actions[0].atS < t1S) {
      const act = this.actions.shift() as Ec2Action;
      const at = Math.max(a, act.atS);
      if (at > a) this.runSpan(a, at, env);
      this.act(act, at);
      a = at;
    }
    if (t1S > a) this.runSpan(a, t1S, env);
  }

  private act(action: Ec2Action, tS: number): void {
    switch (action.do) {
      case 'throttle':
        this.fleet.setThrottle(action.leaseQueuePerHost, action.leaseAdmitPerS, tS);
        if (action.launchesPerS !== null) this.launches.throttle(action.launchesPerS);
        break;
      case 'restart':
        for (const h of this.fleet.selectHosts(action.select, action.share)) this.fleet.restartHost(h, tS, action.downS);
        break;
      case 'relax':
        this.fleet.relax();
        this.launches.relax(tS, action.doublingS, action.toLaunchesPerS);
        break;
      case 'failover-off':
        this.nlb.failoverEnabled = false;
        break;
      case 'failover-on':
        this.nlb.failoverEnabled = true;
        break;
    }
  }

  private runSpan(aS: number, bS: number, env: unknown): void {
    const f = this.fleet;
    f.runSpan(aS, bS, env);
    if (f.lostCount > this.leasesLostMax) {
      this.leasesLostMax = f.lostCount;
      this.leasesRecoveredAtS = null;
    }
    // The first time every lease is held again after the worst loss: a single lease lapsing hours later must not
    // move the recovery time.
    if (this.leasesRecoveredAtS === null && this.leasesLostMax > 0 && f.lostCount === 0) this.leasesRecoveredAtS = f.lastAllLeasedAtS;
    if (f.queuedTotal > this.leaseBacklogMax) this.leaseBacklogMax = f.queuedTotal;
    const nw = this.cfg.network;
    // Re-established droplets whose DWFM host handed them over in this span (hosts do so once their lease work is
    // done, leases.ts), queued as one batch of state changes at the span's middle: the instances on them have their
    // network state re-synced.
    if (f.recoveredInSpan > 0) {
      const units = f.recoveredInstancesInSpan * nw.unitsPerRecoveredInstance;
      this.network.enqueue(TAG_LEASE, f.recoveredInSpan, units / f.recoveredInSpan, (aS + bS) / 2);
    }
    this.launches.runSpan(aS, bS, f.state, this.network, nw.unitsPerLaunch);
    this.network.runSpan(aS, bS);
    if (this.network.backlogUnits > this.propagationBacklogMax) this.propagationBacklogMax = this.network.backlogUnits;
    this.nlb.runSpan(aS, bS);
  }

  closeWindow(index: number, fromS: number, toS: number): Ec2Window {
    const dur = toS - fromS;
    const f = this.fleet;
    const leaseCounters = f.counters;
    const finished = leaseCounters.established + leaseCounters.wasted;
    const launchCounters = this.launches.counters;
    const placed = launchCounters.succeeded + launchCounters.failedCapacity + launchCounters.throttled;
    const networkCounters = this.network.counters;
    const headAgeS = this.network.headAgeS(toS);
    const p50 = networkCounters.delay.quantile(0.5);
    const propagationDelayS = p50 ?? headAgeS;
    const nlb = this.nlb;
    const nlbCounters = nlb.counters;
    const errorRate = nlbCounters.loadIntegral > 0 ? nlbCounters.errorIntegral / nlbCounters.loadIntegral : 0;
    const w: Ec2Window = {
      index,
      fromS,
      toS,
      ddb: {
        calls: leaseCounters.ddbCalls,
        failures: leaseCounters.ddbFailures,
        failureShare: leaseCounters.ddbCalls > 0 ? leaseCounters.ddbFailures / leaseCounters.ddbCalls : 0,
      },
      leases: {
        held: f.n - f.lostCount,
        lost: f.lostCount,
        lapsed: leaseCounters.lapsed,
        backlog: f.queuedTotal,
        inFlight: f.inFlight,
        attempts: leaseCounters.attempts,
        established: leaseCounters.established,
        wasted: leaseCounters.wasted,
        failedDdb: leaseCounters.failedDdb,
        skipped: leaseCounters.skipped,
        rejected: leaseCounters.rejected,
        cleared: leaseCounters.cleared,
        goodputPerS: leaseCounters.established / dur,
        throughputPerS: (leaseCounters.established + leaseCounters.wasted + leaseCounters.failedDdb) / dur,
        wastedShare: finished > 0 ? leaseCounters.wasted / finished : null,
        establishLatencyP50S: leaseCounters.establishLatency.quantile(0.5),
        establishLatencyP99S: leaseCounters.establishLatency.quantile(0.99),
        collapseIndex: f.collapseIndex(),
      },
      launches: {
        requested: launchCounters.requested,
        throttled: launchCounters.throttled,
        failedCapacity: launchCounters.failedCapacity,
        succeeded: launchCounters.succeeded,
        successRate: placed > 0 ? launchCounters.succeeded / placed : null,
        pending: this.launches.pending,
        capPerS: this.launches.currentCapPerS(toS),
      },
      network: {
        arrivedUnits: networkCounters.arrivedUnits,
        servedUnits: networkCounters.servedUnits,
        goodputPerS: networkCounters.servedUnits / dur,
        backlogUnits: this.network.backlogUnits,
        backlogDrainS: this.network.backlogUnits / this.network.capacityPerS,
        delayP50S: p50,
        delayP99S: networkCounters.delay.quantile(0.99),
        headAgeS,
        propagationDelayS,
        launchToConnectivityP50S: networkCounters.launchToConnectivity.quantile(0.5),
        launchToConnectivityP99S: networkCounters.launchToConnectivity.quantile(0.99),
        withoutConnectivity: this.network.withoutConnectivity,
      },
      nlb: {
        flaps: nlbCounters.flaps,
        flapRatePerS: nlbCounters.flaps / dur,
        hcUtilizationMax: nlbCounters.hcUtilizationMax,
        hcUtilizationMean: nlbCounters.timeS > 0 ? nlbCounters.hcUtilizationIntegral / nlbCounters.timeS : 0,
        hcDelayMaxS: nlbCounters.hcDelayMaxS,
        failedAzs: nlb.failedAzs,
        removedAzs: nlb.removedAzs,
        capacityRemovedShare: nlbCounters.timeS > 0 ? nlbCounters.removedShareIntegral / nlbCounters.timeS : 0,
        unpropagatedInService: nlb.unpropagatedInService,
        errorRate,
        failoverEnabled: nlb.failoverEnabled,
      },
    };

    // Summary bookkeeping.
    this.ddbErrors.see(w.ddb.failureShare > DDB_ERROR_SHARE, fromS, toS);
    const progressShare = finished > 0 ? leaseCounters.established / finished : 1;
    this.collapse.see(
      w.ddb.failureShare <= DDB_ERROR_SHARE && f.lostCount > 0 && finished > 0 && progressShare < COLLAPSE_GOODPUT_SHARE,
      fromS,
      toS,
    );
    this.launchFailures.see(w.launches.successRate !== null && w.launches.successRate < LAUNCH_FAILURE_RATE, fromS, toS);
    if (propagationDelayS > this.cfg.network.degradedDelayS && this.propagationDegradedFromS === null) {
      this.propagationDegradedFromS = fromS;
    }
    this.propagationSlow.see(this.propagationDegradedFromS !== null && propagationDelayS > this.cfg.network.normalDelayS, fromS, toS);
    this.nlbErrors.see(errorRate > this.cfg.nlb.errorThreshold, fromS, toS);
    if (propagationDelayS > this.propagationDelayMaxS) this.propagationDelayMaxS = propagationDelayS;
    if (errorRate > this.nlbErrorRateMax) this.nlbErrorRateMax = errorRate;
    if (w.nlb.flapRatePerS > this.flapRateMaxPerS) this.flapRateMaxPerS = w.nlb.flapRatePerS;
    if (nlbCounters.hcUtilizationMax > this.hcUtilizationMax) this.hcUtilizationMax = nlbCounters.hcUtilizationMax;
    if (nlb.removedAzs > this.azsRemovedMax) this.azsRemovedMax = nlb.removedAzs;

    leaseCounters.reset();
    launchCounters.reset();
    networkCounters.reset();
    nlbCounters.reset();
    return w;
  }

  summary(): Ec2Summary {
    const f = this.fleet;
    const leasesRecoveredAtS = this.leasesRecoveredAtS;
    const ddbEnd = this.ddbErrors.endS();
    const propNormal = this.propagationDegradedFromS === null ? null : this.propagationSlow.endS();
    const nlbEnd = this.nlbErrors.fromS === null ? null : this.nlbErrors.endS();
    const diff = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
    return {
      droplets: f.n,
      leasesLostMax: this.leasesLostMax,
      leaseBacklogMax: this.leaseBacklogMax,
      leasesRecoveredAtS,
      leaseCollapseFromS: this.collapse.fromS,
      leaseCollapseEndS: this.collapse.fromS === null ? null : this.collapse.endS(),
      ddbErrorsFromS: this.ddbErrors.fromS,
      ddbErrorsEndS: this.ddbErrors.fromS === null ? null : ddbEnd,
      launchFailuresFromS: this.launchFailures.fromS,
      launchFailuresEndS: this.launchFailures.fromS === null ? null : this.launchFailures.endS(),
      propagationDegradedFromS: this.propagationDegradedFromS,
      propagationNormalAtS: propNormal,
      propagationDelayMaxS: this.propagationDelayMaxS,
      propagationBacklogMax: this.propagationBacklogMax,
      nlbErrorsFromS: this.nlbErrors.fromS,
      nlbErrorsEndS: nlbEnd,
      nlbErrorRateMax: this.nlbErrorRateMax,
      flapRateMaxPerS: this.flapRateMaxPerS,
      hcUtilizationMax: this.hcUtilizationMax,
      azsRemovedMax: this.azsRemovedMax,
      recovery: {
        leasesAfterDdbS: diff(leasesRecoveredAtS, ddbEnd),
        propagationAfterLeasesS: diff(propNormal, leasesRecoveredAtS),
        nlbErrorsAfterLeasesS: diff(nlbEnd, leasesRecoveredAtS),
      },
    };
  }
}
