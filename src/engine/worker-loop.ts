/**
 * One worker's run: lock-step epochs of simulated time, synchronised through the shared buffer.
 *
 * Each epoch [t0, t1):
 *   1. client phase, in parallel: the population is cut into chunks of CHUNK clients, and every worker takes
 *      the next chunk from a shared counter until none is left, so a worker that the machine preempts (or that
 *      is busy with EC2) simply runs fewer chunks. Clients run every event in [t0, t1) against the plan store as
 *      it stood at t0 (read-only now); their attempts per load balancer go into this worker's load counters.
 *      Who runs a chunk cannot change a result: a client's draws come from its own stream, its state is in the
 *      shared records, every aggregate is an integer count, and every worker reads the store alike.
 *   2. hand-off: each other worker reports its client work done; worker 0 waits for all of them.
 *   3. control phase, on worker 0, which owns every control-plane actor: the actors' events in [t0, t1) one at a
 *      time in (time, actor id) order, so the event log's order is the same for any worker count. Worker 0 then
 *      publishes the epoch as done; the others wait for that and go on to the next epoch.
 *   4. EC2 (on worker 0), against the store as the control phase left it, while the others already run the next
 *      epoch's clients: EC2 only reads the store, and worker 0 joins the next client phase when it is done.
 * Workers with nothing to do (no clients: only worker 0 has work) leave at once.
 */
import type { Action } from '../config/schema.ts';
import { SharedStore } from '../memory/store.ts';
import type { ClientWindowRaw } from '../metrics/client-counters.ts';
import { clientsSchema } from '../config/clients-schema.ts';
import { DdbCaller } from '../model/clients/ddb-caller.ts';
import { ClientShard, shardRange, type ClientEnv } from '../model/clients/shard.ts';
import { Ec2Model, type Ec2Window } from '../model/ec2/model.ts';
import type { Ec2Action } from '../config/ec2-schema.ts';
import { DnsContext } from '../model/dns/context.ts';
import { Enactor } from '../model/dns/enactor.ts';
import { EventLog, INVARIANTS, type SimEvent } from '../model/dns/events.ts';
import { Operators } from '../model/dns/operator.ts';
import { Planner } from '../model/dns/planner.ts';
import { seedFor, Stream } from '../model/prng.ts';
import {
  ACTOR_ENACTOR0,
  ACTOR_OPERATOR,
  ACTOR_PLANNER,
  CONTROL_WORKER,
  epochCount,
  type WorkerOutcome,
  type WorkerTask,
} from './task.ts';
import { WorkerSync } from './sync.ts';

/** The order of the live counts on a worker's progress line: each invariant's violations, then endpoint-empty events. */
export const LIVE_ORDER = [...INVARIANTS, 'endpoint-empty'] as const;

/** Add the events from index `from` on to the live counts; returns the new end. */
function countLive(events: readonly SimEvent[], from: number, live: Float64Array): number {
  for (let i = from; i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'violation' && e.invariant) live[INVARIANTS.indexOf(e.invariant)]++;
    else if (e.kind === 'endpoint-empty') live[LIVE_ORDER.length - 1]++;
  }
  return events.length;
}

export function runWorker(task: WorkerTask): WorkerOutcome {
  const store = new SharedStore(task.sab, task.dims);
  store.assertSignature();
  try {
    return simulate(task, store);
  } catch (err) {
    // Wake and stop every other worker; they report 'stopped by a peer' and the coordinator shows this error.
    store.abort(task.worker);
    throw err;
  }
}

function simulate(task: WorkerTask, store: SharedStore): WorkerOutcome {
  const { scenario: s, worker: w, workers: W } = task;
  const clients = s.clients;
  const control = w === CONTROL_WORKER;
  // Without clients only the control worker has work: the others leave, and it runs without waiting for anyone.
  const participants = clients && task.population ? W : 1;
  if (!control && participants === 1) return idleOutcome(w, s.durationS, store);
  const sync = new WorkerSync(store, participants);
  const log = new EventLog();
  const ctx = new DnsContext(store, s.dns, log);
  const epochs = epochCount(s);
  const epochS = s.sim.epochS;
  const epochsPerWindow = Math.round(s.sim.windowS / epochS);

  // The actors: all on the control worker (task.ts, CONTROL_WORKER).
  const actors = new Map<number, { step(nowS: number): number }>();
  // EC2 runs on the control worker, after each control phase, against the store as the epoch left it. Its DWFM
  // hosts reach DynamoDB only through the simulated endpoint, with the clients' resolver and service model.
  // The clients' endpoint (the schema guarantees it exists), or the first one when there are no clients.
  const ddbEndpoint = s.clients ? s.dns.endpoints.findIndex((e) => e.name === s.clients?.endpoint) : 0;
  const ddbCfg = s.clients ?? clientsSchema.parse({ endpoint: s.dns.endpoints[ddbEndpoint].name });
  const ec2 = control && s.ec2 ? new Ec2Model(s.ec2, s.seed, (h) => new DdbCaller(ddbCfg, s.seed, h)) : null;
  const ec2Windows: Ec2Window[] = [];
  const ec2Env: ClientEnv = {
    store,
    endpoint: ddbEndpoint,
    baseLatencyUs: s.dns.endpoints[ddbEndpoint].baseLatencyMs * 1000,
    // EC2's calls (one per DWFM host per batch) are few next to the clients': they do not count as load.
    attemptsByLb: new Float64Array(store.layout.lbCount),
  };
  const enactors: Enactor[] = [];
  if (control) {
    actors.set(ACTOR_OPERATOR, new Operators(ctx, s.actions, (a: Action) => ec2?.applyAction(a as Ec2Action)));
    actors.set(ACTOR_PLANNER, new Planner(ctx, seedFor(s.seed, Stream.planner, 0)));
    for (let i = 0; i < s.dns.enactors; i++) {
      const en = new Enactor(i, ctx, seedFor(s.seed, Stream.enactor, i));
      enactors.push(en);
      actors.set(ACTOR_ENACTOR0 + i, en);
    }
  }

  // Every worker views the whole population and initialises its own contiguous part of it.
  const pop = task.population;
  let shard: ClientShard | null = null;
  if (clients && pop) {
    const [initFrom, initTo] = shardRange(clients.count, participants, w);
    shard = new ClientShard(clients, s.seed, 0, clients.count, { records: pop.records, blockMinS: pop.blockMinS, initFrom, initTo });
  }
  const clientWindows: ClientWindowRaw[] = [];
  const baseLatencyUs = ec2Env.baseLatencyUs;
  let attempts = 0;
  let epochsDone = 0;
  let partial = false;
  const lbCount = store.layout.lbCount;
  // What thresholds can watch while the run goes on: violations by invariant, endpoint-empty events (LIVE_ORDER).
  const live = new Float64Array(LIVE_ORDER.length);
  let liveSeen = 0;
  const loadViews = Array.from({ length: W }, (_, j) => [store.loadCounters(j, 0), store.loadCounters(j, 1)]);
  const failAt = task.failAt;
  if (shard) {
    // Warm-start entries name the answer at time 0; every part must be ready before anyone runs any chunk.
    shard.prepare({ store, endpoint: ddbEndpoint, baseLatencyUs, attemptsByLb: loadViews[w][0] });
    sync.barrier();
  }

  for (let k = 0; k < epochs; k++) {
    const t0 = k * epochS;
    const t1 = Math.min((k + 1) * epochS, s.durationS);
    if (failAt && failAt.worker === w && failAt.epoch === k && !failAt.inControl) {
      throw new Error(`injected failure in worker ${w} at epoch ${k} (CASCADESIM_INJECT_FAILURE)`);
    }

    // Phase 1: clients, chunk by chunk from the shared counter, against the store as of t0.
    const load = loadViews[w][k & 1];
    load.fill(0);
    const windowEnds = (k + 1) % epochsPerWindow === 0 || k === epochs - 1;
    if (shard) {
      const env = { store, endpoint: ddbEndpoint, baseLatencyUs, attemptsByLb: load };
      if (shard.beginEpoch(t0, t1, env)) {
        for (let c = sync.takeChunk(); c < shard.chunks; c = sync.takeChunk()) attempts += shard.runChunk(c, t1, env);
      }
      if (windowEnds) {
        const wi = Math.floor(k / epochsPerWindow);
        clientWindows.push(shard.closeWindow(wi, wi * s.sim.windowS, t1));
      }
    }

    if (control) {
      // An interrupt: worker 0 names the epoch after which everyone stops before it publishes this epoch's
      // control phase, so every worker has seen it when it checks, after the hand-off.
      if (store.stopRequested() && store.stopAtEpoch() === 0) store.setStopAtEpoch(k + 1);
      // Phase 2: nobody writes the store until everyone has stopped reading it.
      sync.waitArrivals(k);
      sync.resetChunks();
    } else {
      sync.arrive();
      sync.waitControlDone(k);
    }

    // Offered load per load balancer for the next client phase: this epoch's attempts from every worker. Each
    // worker sums for itself (integer sums, same order: the same result everywhere, nothing to publish).
    for (let lb = 0; lb < lbCount; lb++) {
      let sum = 0;
      for (let j = 0; j < W; j++) sum += loadViews[j][k & 1][lb];
      store.lbOfferedPerS[lb] = sum / (t1 - t0);
    }

    if (control) {
      // Phase 3: control events in [t0, t1), one global order.
      sync.controlPhase(t1, (actor, nowS, seq) => {
        log.beginTurn(seq);
        if (failAt && failAt.inControl && failAt.worker === w && k >= failAt.epoch) {
          throw new Error(`injected failure in worker ${w} during a control event at ${nowS.toFixed(3)}s (CASCADESIM_INJECT_FAILURE)`);
        }
        const a = actors.get(actor);
        if (!a) throw new Error(`worker ${w} asked to run actor ${actor} it does not own`);
        return a.step(nowS);
      });
      sync.controlDone(k);
      // Phase 4: EC2, while the others run the next epoch's clients.
      if (ec2) {
        ec2.runEpoch(t0, t1, ec2Env);
        if (windowEnds) {
          const wi = Math.floor(k / epochsPerWindow);
          ec2Windows.push(ec2.closeWindow(wi, wi * s.sim.windowS, t1));
        }
      }
    }
    epochsDone = k + 1;
    liveSeen = countLive(log.events, liveSeen, live);
    store.setLive(w, live);
    store.setProgress(w, t1, attempts);
    const stopAt = store.stopAtEpoch();
    if (stopAt !== 0 && stopAt <= k + 1) {
      partial = k + 1 < epochs;
      if (!windowEnds) {
        const wi = Math.floor(k / epochsPerWindow);
        if (shard) clientWindows.push(shard.closeWindow(wi, wi * s.sim.windowS, t1));
        if (ec2) ec2Windows.push(ec2.closeWindow(wi, wi * s.sim.windowS, t1));
      }
      break;
    }
  }

  const lockRetries: Record<string, number> = {};
  for (const en of enactors) lockRetries[en.name] = en.lockRetries;
  return {
    worker: w,
    events: log.events,
    clientWindows,
    ec2Windows,
    ec2Summary: ec2 ? ec2.summary() : null,
    lockRetries,
    epochsDone,
    partial,
    waitS: sync.waitS,
    busyS: sync.busyS(),
    attempts,
  };
}

/** A worker with nothing to do: it reports at once (and never holds up the progress line). */
function idleOutcome(w: number, durationS: number, store: SharedStore): WorkerOutcome {
  store.setProgress(w, durationS, 0);
  return {
    worker: w,
    events: [],
    clientWindows: [],
    ec2Windows: [],
    ec2Summary: null,
    lockRetries: {},
    epochsDone: 0,
    partial: false,
    waitS: 0,
    busyS: 0,
    attempts: 0,
    idle: true,
  };
}
