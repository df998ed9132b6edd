/**
 * The coordinator: lays out the shared store, writes the bootstrap plan, starts one long Piscina task per worker
 * taking part (task.ts activeWorkers; the others return at once, on this thread), and assembles their outcomes into a result. It never sends a message per step: workers synchronise through
 * the shared buffer, and report once, at the end.
 */
import os from 'node:os';
import { Piscina } from 'piscina';
import type { Scenario } from '../config/schema.ts';
import { clientsSchema } from '../config/clients-schema.ts';
import { InputError } from '../errors.ts';
import { SharedStore } from '../memory/store.ts';
import { allocatePopulation, type PopulationMemory } from '../memory/population.ts';
import { AnswerLog } from '../model/clients/answer-log.ts';
import { checkClientMemory, checkClientSlots, EXT_BYTES, RECORD_BYTES } from '../model/clients/records.ts';
import { calendarMetaBytes, calendarPages, Page } from '../model/clients/calendar.ts';
import { DnsContext } from '../model/dns/context.ts';
import { Enactor } from '../model/dns/enactor.ts';
import { EventLog, type Invariant } from '../model/dns/events.ts';
import { Operators } from '../model/dns/operator.ts';
import { Planner } from '../model/dns/planner.ts';
import { firstStepS } from '../model/dns/schedule.ts';
import { seedFor, Stream } from '../model/prng.ts';
import { LbEpochState } from './lb-epoch.ts';
import { machineCpu, othersCpuShare } from './cpu-time.ts';
import { type AbortRule, liveFromCounts } from './live.ts';
import { assembleResult, type RunResult } from './result.ts';
import {
  ACTOR_ENACTOR0,
  ACTOR_OPERATOR,
  ACTOR_PLANNER,
  activeWorkers,
  epochCount,
  multiEndpoints,
  storeDims,
  type HelpersTestMode,
  type WorkerOutcome,
  type WorkerTask,
} from './task.ts';
import { LIVE_ORDER } from '../model/dns/events.ts';
import { runWorker } from './worker-loop.ts';

export interface RunOptions {
  workers: number;
  /** Run a single worker on this thread instead of a pool (tests, benchmarks). Same result, byte for byte. */
  inProcess?: boolean;
  /**
   * Called about every progressMs with the slowest worker's simulated time, the attempts so far, and the live
   * counts (violations by invariant, endpoint-empty events). abortOnFail does not depend on it (see abortOn).
   */
  onProgress?: (p: Progress) => void;
  progressMs?: number;
  /** When aborted, the workers stop at the next epoch boundary and the result is marked partial. */
  signal?: AbortSignal;
  /**
   * Thresholds with abortOnFail: checked at the end of every epoch; the first one broken stops the run there
   * (the result is partial and says which, in stoppedBy).
   */
  abortOn?: AbortRule[];
  /** Test hook: leave the helpers out of some epochs (task.ts WorkerTask.helpers). Results are the same either way. */
  helpers?: HelpersTestMode;
}

export interface Progress {
  simS: number;
  attempts: number;
  wallS: number;
  live: { violations: Record<Invariant, number>; endpointEmpties: number };
}

/** Share of the machine's memory a run may plan to use. */
const MEMORY_SHARE = 0.8;

/** Refuse, before allocating anything, a population that would not fit in this machine's memory. */
export function checkMemory(s: Scenario, workers: number): void {
  if (!s.clients) return;
  // The model's checks throw "clients: ..."; the user gets the scenario path and exit 2.
  const tooLarge = (err: unknown, note = '') =>
    new InputError([`clients.count: ${(err as Error).message.replace(/^clients: /, '')}${note}`], 'population too large');
  try {
    checkClientMemory(s.clients.count, os.totalmem() * MEMORY_SHARE, {
      workers,
      extended: multiEndpoints(s) !== null,
    });
  } catch (err) {
    throw tooLarge(err, ` (80% of this machine's ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB)`);
  }
  try {
    checkClientSlots(s.clients.count, workers);
  } catch (err) {
    throw tooLarge(err);
  }
}

/**
 * Where the population's records live: calendar pages (calendar.ts), sized for the workers that take part, each
 * with buckets of its own, in the population's memory (src/memory/population.ts); with regions or chains
 * (`extended`), an extension record per record slot beside them.
 */
function recordBuffers(
  count: number,
  workers: number,
  extended: boolean,
  kernel: boolean,
): { memory: PopulationMemory; ext?: SharedArrayBuffer } {
  const pages = calendarPages(count, workers);
  const slots = pages * Page.SIZE;
  return {
    memory: allocatePopulation(slots * RECORD_BYTES, calendarMetaBytes(pages, workers), kernel && !extended),
    ...(extended ? { ext: new SharedArrayBuffer(slots * EXT_BYTES) } : {}),
  };
}

function workerFile(): string {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../workers/dev-bootstrap.mjs', here).href : new URL('./sim-worker.js', here).href;
}

/** Prepare the store: bootstrap plan, every actor's first event time. */
function prepareStore(s: Scenario, workers: number): SharedStore {
  const store = SharedStore.create(storeDims(s, workers));
  const ctx = new DnsContext(store, s.dns, new EventLog());
  new Planner(ctx, seedFor(s.seed, Stream.planner, 1)).bootstrap(0);
  // The static endpoints (other regions, then static services): every load balancer in service at its capacity, for the whole run.
  for (const o of multiEndpoints(s, store.layout.dnsLbCount)?.statics ?? []) {
    for (let j = 0; j < o.lbs; j++) {
      store.lbInService[o.lbBase + j] = 1;
      store.lbCapacityPerS[o.lbBase + j] = o.capacityPerS;
    }
  }
  store.setActorNextS(ACTOR_OPERATOR, Operators.firstS(s.actions));
  store.setActorNextS(ACTOR_PLANNER, firstStepS(s.dns, 'planner', s.dns.planner.periodS));
  for (let i = 0; i < s.dns.enactors; i++) {
    store.setActorNextS(ACTOR_ENACTOR0 + i, firstStepS(s.dns, `enactor-${i}`, Enactor.firstPollS(i, s.dns.enactors, s.dns.enactor.pollS)));
  }
  store.publish();
  return store;
}

function injectedFailure(): WorkerTask['failAt'] {
  const v = process.env.CASCADESIM_INJECT_FAILURE;
  if (!v) return undefined;
  const [worker, epoch, where] = v.split(':');
  return { worker: Number(worker), epoch: Number(epoch), inControl: where === 'control' };
}

export async function runSimulation(s: Scenario, opts: RunOptions): Promise<RunResult> {
  checkMemory(s, opts.workers);
  const workers = opts.workers;
  if (opts.inProcess && workers !== 1) throw new Error('inProcess runs take exactly one worker');
  const store = prepareStore(s, workers);
  // The JavaScript client scan instead of the WebAssembly kernel: the reference, for comparisons (README). The
  // population's memory says which runs (a WebAssembly memory only for the kernel): the workers read it there.
  const jsScan = process.env.CASCADESIM_SCAN === 'js';
  // The population's state, in shared memory so that any worker can run any part of it.
  const population = s.clients
    ? {
        ...recordBuffers(s.clients.count, activeWorkers(s, workers), multiEndpoints(s) !== null, !jsScan),
        // At most one entry per epoch (a store change seen at its start).
        answerLog: new SharedArrayBuffer(AnswerLog.bytesFor(epochCount(s) + 1, store.layout.targetsMax)),
        lbEpoch: new SharedArrayBuffer(LbEpochState.bytesFor(store.layout.lbCount)),
      }
    : undefined;
  // EC2's DWFM hosts call DynamoDB with the clients' model, or its defaults without clients (task.ts).
  const ddbClients = s.clients ?? clientsSchema.parse({ endpoint: s.dns.endpoints[0].name });
  const startMs = performance.now();
  const startedAtMs = performance.timeOrigin + startMs;
  // What else the machine ran meanwhile (cpu-time.ts): its CPU time and this process's, now and at the end.
  const machine0 = machineCpu();
  const self0 = process.cpuUsage();
  const tasks: WorkerTask[] = Array.from({ length: workers }, (_, w) => ({
    sab: store.sab,
    dims: store.dims,
    scenario: s,
    worker: w,
    workers,
    population,
    failAt: injectedFailure(),
    abortOn: opts.abortOn,
    startedAtMs,
    ddbClients,
    helpers: opts.helpers,
  }));
  const onAbort = () => store.requestStop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (opts.onProgress) {
    const report = opts.onProgress;
    timer = setInterval(() => {
      // Worker 0 drives the epochs: its simulated time is the run's; attempts are summed over every worker.
      const simS = store.progress(0).simS;
      let attempts = 0;
      const live = new Float64Array(LIVE_ORDER.length);
      for (let w = 0; w < workers; w++) {
        attempts += store.progress(w).attempts;
        const l = store.live(w);
        for (let k = 0; k < live.length; k++) live[k] += l[k];
      }
      const wallS = (performance.now() - startMs) / 1000;
      const { violations, endpointEmpties } = liveFromCounts(live, attempts, wallS);
      report({ simS, attempts, wallS, live: { violations: violations as Record<Invariant, number>, endpointEmpties } });
    }, opts.progressMs ?? 250);
  }
  let outcomes: WorkerOutcome[];
  let poolClosed: Promise<void> = Promise.resolve();
  try {
    if (opts.inProcess) {
      outcomes = [runWorker(tasks[0])];
    } else {
      // Without clients only worker 0 has work: the others return at once (worker-loop.ts). They do so here, on this
      // thread, rather than each in a thread of its own that would start and load the simulation only to leave.
      const pooled = tasks.slice(0, activeWorkers(s, workers));
      const idle = tasks.slice(pooled.length).map(runWorker);
      ({ outcomes, closed: poolClosed } = await runPool(pooled, store));
      outcomes.push(...idle);
    }
  } finally {
    if (timer) clearInterval(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const wallS = (performance.now() - startMs) / 1000;
  const self = process.cpuUsage(self0);
  const others = othersCpuShare(machine0, machineCpu(), (self.user + self.system) / 1e6, wallS);
  // The threads' teardown (about 0.1 s for a large heap) overlaps the result's assembly and digest.
  const result = assembleResult(s, workers, outcomes, wallS, others);
  await poolClosed;
  return result;
}

/** Every worker's outcome, and the pool's teardown (awaited by the caller once it has used the outcomes). */
async function runPool(tasks: WorkerTask[], store: SharedStore): Promise<{ outcomes: WorkerOutcome[]; closed: Promise<void> }> {
  const n = tasks.length;
  const pool = new Piscina<WorkerTask, WorkerOutcome>({
    filename: workerFile(),
    minThreads: n,
    maxThreads: n,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
    // A worker per task, each task the whole run: nothing may wait in the queue.
    maxQueue: n,
  });
  let poolError: unknown;
  pool.on('error', (err) => {
    poolError ??= err;
    store.abort(-1);
  });
  const settled = await Promise.allSettled(
    tasks.map((t) =>
      pool.run(t).catch((err: unknown) => {
        // Wake the others (a worker that died without throwing never set the abort flag itself).
        store.abort(t.worker);
        throw err;
      }),
    ),
  );
  const closed = pool.destroy();
  const failures = settled.flatMap((r, w) => (r.status === 'rejected' ? [{ w, err: r.reason as unknown }] : []));
  if (failures.length > 0 || poolError) {
    // Report the root cause, not the peers that stopped because of it.
    const root = failures.find(
      (f) => !((f.err instanceof Error && f.err.name === 'PeerAbortError') || String(f.err).includes('stopped because worker')),
    );
    const err = root?.err ?? poolError ?? failures[0]?.err;
    const msg = err instanceof Error ? err.message : String(err);
    await closed;
    throw new WorkerFailure(root ? root.w : -1, msg);
  }
  return { outcomes: settled.map((r) => (r as PromiseFulfilledResult<WorkerOutcome>).value), closed };
}

export class WorkerFailure extends Error {
  constructor(
    readonly worker: number,
    detail: string,
  ) {
    super(worker >= 0 ? `worker ${worker} failed: ${detail}` : `worker pool failed: ${detail}`);
    this.name = 'WorkerFailure';
  }
}
