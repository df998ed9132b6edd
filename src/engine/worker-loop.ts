/**
 * One worker's run: epochs of simulated time, synchronised through the shared buffer (sync.ts).
 *
 * Worker 0 drives. For each epoch [t0, t1) it
 *   1. publishes what the epoch's clients read: the answer the store gives at t0 (into the answer log, when it
 *      changed) and the load balancers' state (lb-epoch.ts: in service, capacity, last epoch's offered load);
 *      opens the epoch's chunks; and closes the metrics window that ended with the last epoch, if one did;
 *   2. runs (a) the previous epoch's EC2; (b) the control phase: it owns every control-plane actor, and runs their
 *      events in [t0, t1) one at a time in (time, actor id) order, so the event log's order is the same for any
 *      worker count; (c) chunks (the calendar's due pages), like every other worker, taking the next one from a
 *      shared counter until none is left, and waits until all are done. Clients run every event in [t0, t1)
 *      against what step 1 published, never the store (which the control phase changes meanwhile), and count
 *      their attempts per load balancer in their worker's load counters;
 *   3. sums those counters into the offered load for the next epoch;
 *   4. leaves this epoch's EC2 due: it reads the store as the control phase left it and this epoch's offered
 *      load, both unchanged until the next epoch's control phase and step 3, and nothing else reads what it
 *      writes, so it runs in the next epoch's step 2a (after the last epoch: at the end) with the same result,
 *      while the helpers run that epoch's chunks instead of waiting for it.
 * The other workers help with step 2c of whichever epoch is open, and nothing waits for them but for the chunk
 * they are running: a helper the machine preempts between chunks just misses some (measured before: with every
 * worker at a barrier per epoch, 2 workers took 1.7x the time of 1 on a machine at load 20). Between two epochs
 * they wait only for worker 0's steps 3 and 1.
 * Who runs a chunk cannot change a result: a client's draws come from its own stream, its state is in the shared
 * records, every aggregate is an integer count, and every worker's answer ring replays the same answer log.
 * Workers with nothing to do (no clients: only worker 0 has work) leave at once. A test hook (task.helpers) has
 * worker 0 open some epochs without telling the helpers, to show that who runs the chunks changes nothing.
 */
import { scanKernel } from './scan-kernel.ts';
import { cpuSince, threadCpu } from './cpu-time.ts';
import type { Action } from '../config/schema.ts';
import { SharedStore } from '../memory/store.ts';
import type { ClientWindowRaw } from '../metrics/client-counters.ts';
import { DdbCaller } from '../model/clients/ddb-caller.ts';
import { AnswerLog } from '../model/clients/answer-log.ts';
import { ClientShard, shardRange, type ClientEnv } from '../model/clients/shard.ts';
import { newAnswer } from '../memory/resolve.ts';
import { Ec2Model, type Ec2Window } from '../model/ec2/model.ts';
import type { Ec2Action } from '../config/ec2-schema.ts';
import { DnsContext } from '../model/dns/context.ts';
import { Enactor } from '../model/dns/enactor.ts';
import { LIVE_ORDER, PackedEventLog } from '../model/dns/events.ts';
import { Operators } from '../model/dns/operator.ts';
import { Planner } from '../model/dns/planner.ts';
import { onSchedule } from '../model/dns/schedule.ts';
import { seedFor, Stream } from '../model/prng.ts';
import {
  ACTOR_ENACTOR0,
  ALTERNATE_EPOCHS,
  ACTOR_OPERATOR,
  ACTOR_PLANNER,
  CONTROL_WORKER,
  activeWorkers,
  epochCount,
  multiEndpoints,
  type WorkerOutcome,
  type WorkerTask,
} from './task.ts';
import { brokenRule, type LiveFigures, liveFromCounts, type StoppedBy } from './live.ts';
import { WorkerSync } from './sync.ts';
import { LbEpochState } from './lb-epoch.ts';

export function runWorker(task: WorkerTask): WorkerOutcome {
  const startMs = performance.now();
  const cpu0 = threadCpu();
  const store = new SharedStore(task.sab, task.dims);
  store.assertSignature();
  try {
    const out = simulate(task, store);
    // An idle worker ran on the coordinator's thread (coordinator.ts) and did nothing: no figure for it.
    out.cpu = out.idle ? null : cpuSince(cpu0, startMs);
    return out;
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
  const pop = task.population;
  // Without clients only the control worker has work: the others leave, and it runs without waiting for anyone.
  const participants = pop ? activeWorkers(s, W) : 1;
  if (!control && participants === 1) return idleOutcome(w, s.durationS, store);
  const sync = new WorkerSync(store, participants);
  const epochs = epochCount(s);
  const epochS = s.sim.epochS;
  const epochsPerWindow = Math.round(s.sim.windowS / epochS);
  const epochT0 = (k: number) => k * epochS;
  const epochT1 = (k: number) => Math.min((k + 1) * epochS, s.durationS);

  // The endpoint DynamoDB's callers resolve: the clients', or the first one when there are none (the coordinator
  // chose it in task.ddbClients; the schema guarantees it exists).
  const ddbEndpoint = s.dns.endpoints.findIndex((e) => e.name === task.ddbClients.endpoint);
  const baseLatencyUs = s.dns.endpoints[ddbEndpoint].baseLatencyMs * 1000;
  const load = store.loadCounters(w);
  // lbs: the store until the population's epoch copy exists (below); nothing reads it before.
  const env: ClientEnv = { store, endpoint: ddbEndpoint, baseLatencyUs, attemptsByLb: load, lbs: store };

  // Every worker views the whole population and initialises its own contiguous part of it.
  let shard: ClientShard | null = null;
  let answerLog: AnswerLog | null = null;
  let lbEpoch: LbEpochState | null = null;
  if (clients && pop) {
    const [initFrom, initTo] = shardRange(clients.count, participants, w);
    shard = new ClientShard(clients, s.seed, 0, clients.count, {
      shared: {
        memory: pop.memory,
        ext: pop.ext,
        initFrom,
        initTo,
        worker: w,
        workers: participants,
      },
      extra: multiEndpoints(s, store.layout.dnsLbCount) ?? undefined,
      epochS,
      // The kernel runs where the coordinator gave the population a WebAssembly memory (no CASCADESIM_SCAN=js, no
      // regions or chains, under 4 GiB): compiled only then, so that the other runs never need it.
      kernel: pop.memory.wasm ? scanKernel() : undefined,
    });
    answerLog = new AnswerLog(pop.answerLog, store.layout.targetsMax);
    lbEpoch = new LbEpochState(pop.lbEpoch, store.layout.lbCount);
    env.lbs = lbEpoch;
    // Warm-start entries name the answer at time 0; every part must be ready before anyone runs any chunk.
    shard.prepare(env);
    sync.barrier();
  }
  const clientWindows: ClientWindowRaw[] = [];
  let attempts = 0;
  // The window this worker's counters are collecting, and whether it ran anything in it.
  let openWindow = 0;
  let ranInWindow = false;
  const windowToS = (wi: number, lastEpoch: number) => epochT1(Math.min((wi + 1) * epochsPerWindow - 1, lastEpoch));
  const closeWindow = (wi: number, toS: number) => {
    if (shard) clientWindows.push(shard.closeWindow(wi, wi * s.sim.windowS, toS));
    ranInWindow = false;
  };
  // Join epoch e before running a chunk of it: new answers, the load balancers' state, the window it is in.
  let joined = -1;
  // This worker's injected failure outside the control phase (test hook, CASCADESIM_INJECT_FAILURE): worker 0's
  // fires at the start of epoch failEpoch (drive); a helper's once the open epoch word reaches it, or in the first
  // epoch from it that the helper joins: with task.helpers, worker 0 may leave it out of epochs, so the word may
  // never show that one.
  const failAt = task.failAt;
  const failEpoch = failAt && failAt.worker === w && !failAt.inControl ? failAt.epoch : Infinity;
  const join = (e: number) => {
    if (e === joined || !shard || !answerLog) return;
    if (e >= failEpoch) injectedFailure(w, failEpoch);
    const wi = Math.floor(e / epochsPerWindow);
    if (wi !== openWindow) {
      if (ranInWindow && !control) closeWindow(openWindow, windowToS(openWindow, epochs - 1));
      openWindow = wi;
    }
    shard.beginEpoch(epochT0(e), epochT1(e), env, { log: answerLog, length: Atomics.load(store.i32, SharedStore.ANSWER_LOG_LENGTH) });
    joined = e;
  };
  /** Run chunks of the open epoch until none is left; returns the epoch they belonged to (-1: none). */
  const runChunks = (): number => {
    if (!shard) return -1;
    let last = -1;
    for (;;) {
      const [e, c] = sync.takeChunk();
      // Read after the claim: once it covers c, epoch e cannot end before this chunk is done.
      const chunks = shard.chunksOf(e);
      if (c >= chunks) return last;
      join(e);
      attempts += shard.runChunk(c, epochT1(e), env);
      ranInWindow = true;
      // Published before the chunk counts as done: worker 0's sum at the epoch's end (abortOnFail) sees every chunk.
      store.setAttempts(w, attempts);
      sync.chunkDone(chunks);
      last = e;
    }
  };

  if (!control) {
    // A helper: chunks of whichever epoch is open, until worker 0 finishes.
    let seen = -1;
    while (sync.finished() === 0) {
      const open = Atomics.load(store.i32, SharedStore.EPOCH_OPEN) - 1;
      if (open >= failEpoch) injectedFailure(w, failEpoch);
      if (open > seen) {
        runChunks();
        seen = open;
        store.setProgress(w, epochT1(open), attempts);
      }
      sync.waitEpochAfter(seen);
    }
    const epochsDone = sync.finished() - 1;
    if (ranInWindow) closeWindow(openWindow, windowToS(openWindow, epochsDone - 1));
    return outcome(w, sync, { clientWindows, epochsDone, attempts, shard });
  }
  return drive(task, store, sync, {
    epochs,
    epochsPerWindow,
    shard,
    answerLog,
    lbEpoch,
    env,
    clientWindows,
    join,
    runChunks,
    closeWindow,
    epochT0,
    epochT1,
    failEpoch,
    get attempts() {
      return attempts;
    },
  });
}

interface DriverParts {
  epochs: number;
  epochsPerWindow: number;
  shard: ClientShard | null;
  answerLog: AnswerLog | null;
  lbEpoch: LbEpochState | null;
  env: ClientEnv;
  clientWindows: ClientWindowRaw[];
  join(e: number): void;
  runChunks(): number;
  closeWindow(wi: number, toS: number): void;
  epochT0(k: number): number;
  epochT1(k: number): number;
  /** The epoch at whose start this worker's injected failure fires (test hook), Infinity without one. */
  failEpoch: number;
  readonly attempts: number;
}

/** Worker 0: the epochs, the control phase, EC2 (see the top of this file). */
function drive(task: WorkerTask, store: SharedStore, sync: WorkerSync, p: DriverParts): WorkerOutcome {
  const { scenario: s, worker: w, workers: W } = task;
  const log = new PackedEventLog();
  const ctx = new DnsContext(store, s.dns, log, ACTOR_ENACTOR0);
  const { epochs, shard, answerLog, lbEpoch, env, epochsPerWindow } = p;
  const windowEndsAt = (k: number) => (k + 1) % epochsPerWindow === 0 || k === epochs - 1;
  const ddbEndpoint = env.endpoint;

  // EC2 runs here, on the store as each control phase left it (when: see runEc2 below). Its DWFM hosts reach
  // DynamoDB only through the simulated endpoint, with the clients' resolver and service model.
  const ddbCfg = task.ddbClients;
  const ec2 = s.ec2 ? new Ec2Model(s.ec2, s.seed, (h) => new DdbCaller(ddbCfg, s.seed, h)) : null;
  const ec2Windows: Ec2Window[] = [];
  const ec2Env: ClientEnv = {
    store,
    endpoint: ddbEndpoint,
    baseLatencyUs: env.baseLatencyUs,
    // EC2's calls (one per DWFM host per batch) are few next to the clients': they do not count as load.
    attemptsByLb: new Float64Array(store.layout.lbCount),
    // The store itself: EC2 runs between control phases (step 2a's guard), when no one writes it.
    lbs: store,
  };
  // The actors: all here (task.ts, CONTROL_WORKER).
  const actors = new Map<number, { step(nowS: number): number }>();
  actors.set(ACTOR_OPERATOR, new Operators(ctx, s.actions, (a: Action) => ec2?.applyAction(a as Ec2Action)));
  actors.set(ACTOR_PLANNER, onSchedule(s.dns, 'planner', new Planner(ctx, seedFor(s.seed, Stream.planner, 0))));
  const enactors: Enactor[] = [];
  for (let i = 0; i < s.dns.enactors; i++) {
    const en = new Enactor(i, ctx, seedFor(s.seed, Stream.enactor, i));
    enactors.push(en);
    actors.set(ACTOR_ENACTOR0 + i, onSchedule(s.dns, en.name, en));
  }

  // EC2 of epoch k reads the store as control(k) left it and epoch k's offered load, and writes nothing any other
  // part reads (its DDB calls do not count as load; operators only queue actions on it during control phases). So
  // it need not run right after control(k): anywhere before control(k + 1) and the sum of epoch k + 1's load gives
  // the same result, and the start of epoch k + 1's chunk phase lets the helpers run chunks meanwhile.
  // The guard: how many epochs' load step 3 has summed, and how many control phases have run, must both be k + 1
  // when EC2(k) runs: after control(k) and step 3 of epoch k, before control(k + 1) and step 3 of epoch k + 1.
  let ec2Due = -1;
  let loadsSummed = 0;
  let controlsRun = 0;
  const runEc2 = (k: number, last: boolean) => {
    if (!ec2) return;
    if (loadsSummed !== k + 1 || controlsRun !== k + 1) {
      throw new Error(`EC2 of epoch ${k} would run on another epoch's store or load (engine bug: see drive's step 2a)`);
    }
    const t1 = p.epochT1(k);
    ec2.runEpoch(p.epochT0(k), t1, ec2Env);
    if (windowEndsAt(k) || last) {
      const wi = Math.floor(k / epochsPerWindow);
      ec2Windows.push(ec2.closeWindow(wi, wi * s.sim.windowS, t1));
    }
  };
  const lbCount = store.layout.lbCount;
  const loads = Array.from({ length: W }, (_, j) => store.loadCounters(j));
  const scratch = newAnswer(store.layout.targetsMax);
  let logLength = 0;
  let seenVersion = store.storeVersion();
  let epochsDone = 0;
  let partial = false;
  // What thresholds can watch while the run goes on: violations by invariant, endpoint-empty events (LIVE_ORDER).
  const live = new Float64Array(LIVE_ORDER.length);
  const failAt = task.failAt;
  const abortOn = task.abortOn ?? [];
  let stoppedBy: StoppedBy | null = null;
  let dueChunks = 0;
  let closeDue: { wi: number; toS: number } | null = null;
  // Whether the helpers are told of epoch k: always, but for the test hook (task.ts WorkerTask.helpers).
  const helpersTold = (k: number) =>
    task.helpers === undefined ? true : task.helpers === 'alternate' && Math.floor(k / ALTERNATE_EPOCHS) % 2 === 0;

  for (let k = 0; k < epochs; k++) {
    const t0 = p.epochT0(k);
    const t1 = p.epochT1(k);
    if (k === p.failEpoch) injectedFailure(w, k);
    const windowEnds = windowEndsAt(k);

    if (shard && answerLog && lbEpoch) {
      // 1. What the epoch's clients read: the answer at t0 (logged when the store changed), the load balancers.
      const v = store.storeVersion();
      if (v !== seenVersion) {
        seenVersion = v;
        answerLog.write(logLength++, t0, store.resolve(ddbEndpoint, scratch));
        Atomics.store(store.i32, SharedStore.ANSWER_LOG_LENGTH, logLength);
      }
      lbEpoch.publish(store);
      // The epoch's chunks: the calendar's due pages are gathered now, while no worker runs any.
      dueChunks = shard.openEpoch(k);
      sync.openEpoch(k, helpersTold(k));
      p.join(k);
      // Last epoch's window, if it ended there: closed now that the helpers have this epoch's chunks to run.
      if (closeDue) {
        p.closeWindow(closeDue.wi, closeDue.toS);
        closeDue = null;
      }
    }
    // 2a. Last epoch's EC2, while the helpers start on this epoch's chunks. Its inputs are what they were right
    // after last epoch's control phase: the store (no one writes it until this epoch's control phase, next) and
    // last epoch's offered load (this worker's lbOfferedPerS, overwritten only in step 3).
    if (ec2Due >= 0) {
      runEc2(ec2Due, false);
      ec2Due = -1;
    }
    // 2b. Control events in [t0, t1), one global order, while the helpers run chunks: the epoch's clients read
    // the answer log and lbEpoch (published in step 1), never the store this changes.
    sync.controlPhase(t1, (actor, nowS, seq) => {
      log.beginTurn(seq);
      if (failAt?.inControl && failAt.worker === w && k >= failAt.epoch) {
        throw new Error(`injected failure in worker ${w} during a control event at ${nowS.toFixed(3)}s (CASCADESIM_INJECT_FAILURE)`);
      }
      const a = actors.get(actor);
      if (!a) throw new Error(`worker ${w} asked to run actor ${actor} it does not own`);
      return a.step(nowS);
    });
    controlsRun = k + 1;
    if (shard) {
      // 2c. Chunks, with the helpers; then wait for theirs.
      p.runChunks();
      sync.waitChunksDone(dueChunks);
      // A window that ends here is closed once the next epoch is open (or after the last one): closing takes
      // this worker's counts and histograms (about 0.3-0.6 ms), which the helpers need not wait for.
      if (windowEnds) closeDue = { wi: Math.floor(k / epochsPerWindow), toS: t1 };
    }

    // An interrupt: stop after this epoch.
    if (store.stopRequested() && store.stopAtEpoch() === 0) store.setStopAtEpoch(k + 1);

    // 3. Offered load per load balancer for the next epoch: this epoch's attempts from every worker (integer sums
    // in worker order), and the counters zeroed for the next epoch.
    for (let lb = 0; lb < lbCount; lb++) {
      let sum = 0;
      for (let j = 0; j < W; j++) {
        sum += loads[j][lb];
        loads[j][lb] = 0;
      }
      store.lbOfferedPerS[lb] = sum / (t1 - t0);
    }
    loadsSummed = k + 1;

    // 4. EC2 of this epoch: due now, run at the start of the next epoch (2a) or after the last one.
    if (ec2) ec2Due = k;
    epochsDone = k + 1;
    log.liveCounts(live);
    store.setLive(w, live);
    store.setProgress(w, t1, p.attempts);
    // abortOnFail: judged here, on this epoch's complete figures, so the stop does not depend on timing.
    if (abortOn.length > 0 && stoppedBy === null && store.stopAtEpoch() === 0) {
      const broken = brokenRule(abortOn, liveFigures(store, W, live, task.startedAtMs));
      if (broken) {
        stoppedBy = { metric: broken.rule.metric, condition: broken.rule.condition, value: broken.value, atS: t1 };
        store.setStopAtEpoch(k + 1);
      }
    }
    const stopAt = store.stopAtEpoch();
    if (stopAt !== 0 && stopAt <= k + 1) {
      partial = k + 1 < epochs;
      if (!windowEnds && shard) closeDue = { wi: Math.floor(k / epochsPerWindow), toS: t1 };
      break;
    }
  }
  if (closeDue) p.closeWindow(closeDue.wi, closeDue.toS);
  // The last epoch's EC2 (it also closes a window the stop cut short).
  if (ec2Due >= 0) runEc2(ec2Due, true);
  sync.finish(epochsDone);

  const lockRetries: Record<string, number> = {};
  for (const en of enactors) lockRetries[en.name] = en.lockRetries;
  return {
    ...outcome(w, sync, {
      clientWindows: p.clientWindows,
      epochsDone,
      attempts: p.attempts,
      shard,
    }),
    events: log.pack(),
    ec2Windows,
    ec2Summary: ec2 ? ec2.summary() : null,
    lockRetries,
    partial,
    stoppedBy: partial ? stoppedBy : null,
  };
}

function injectedFailure(w: number, epoch: number): never {
  throw new Error(`injected failure in worker ${w} at epoch ${epoch} (CASCADESIM_INJECT_FAILURE)`);
}

/** The live figures at an epoch's end: worker 0's counts, every worker's attempts (each published per chunk). */
function liveFigures(store: SharedStore, workers: number, live: Float64Array, startedAtMs = performance.timeOrigin): LiveFigures {
  let attempts = 0;
  for (let j = 0; j < workers; j++) attempts += store.progress(j).attempts;
  return liveFromCounts(live, attempts, (performance.timeOrigin + performance.now() - startedAtMs) / 1000);
}

function outcome(
  w: number,
  sync: WorkerSync,
  o: { clientWindows: ClientWindowRaw[]; epochsDone: number; attempts: number; shard: ClientShard | null },
): WorkerOutcome {
  return {
    worker: w,
    events: null,
    clientWindows: o.clientWindows,
    ec2Windows: [],
    ec2Summary: null,
    lockRetries: {},
    epochsDone: o.epochsDone,
    partial: false,
    waitS: sync.waitS,
    busyS: sync.busyS(),
    attempts: o.attempts,
    multiClients: o.shard?.multi?.multiClients ?? 0,
    clientScan: o.shard ? (o.shard.kernel ? 'webassembly' : 'javascript') : null,
  };
}

/** A worker with nothing to do: it reports at once (and never holds up the progress line). */
function idleOutcome(w: number, durationS: number, store: SharedStore): WorkerOutcome {
  store.setProgress(w, durationS, 0);
  return {
    worker: w,
    events: null,
    clientWindows: [],
    ec2Windows: [],
    ec2Summary: null,
    lockRetries: {},
    epochsDone: 0,
    partial: false,
    waitS: 0,
    busyS: 0,
    attempts: 0,
    multiClients: 0,
    clientScan: null,
    idle: true,
  };
}
