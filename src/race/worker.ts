/**
 * One thread of the free-running race: the Planner, one Enactor, or a client reader, on the shared plan store,
 * with no lock-step and no turns. Actors run their real step() in real time scaled down (`speed` simulated
 * seconds per real second): an actor's step returns when it next wants to act, and the thread sleeps until
 * then. Readers resolve endpoints back to back, as fast as they can, through the store's resolve().
 *
 * The monitors (monitor.ts) watch every write by wrapping this thread's store methods (the wrapped method still
 * runs the store's own code) and every read. Not deterministic: thread timing decides the interleaving; the
 * seed decides only the actors' own delays (apply times, backoff, random stalls).
 */
import type { Scenario } from '../config/schema.ts';
import type { EndpointWrite } from '../memory/endpoints.ts';
import type { StoreDims } from '../memory/layout.ts';
import { newAnswer } from '../memory/resolve.ts';
import { breakStoreForTest, type BrokenVariant } from '../memory/seqlock.ts';
import { SharedStore } from '../memory/store.ts';
import { DnsContext } from '../model/dns/context.ts';
import { Enactor } from '../model/dns/enactor.ts';
import { EventLog } from '../model/dns/events.ts';
import { Planner } from '../model/dns/planner.ts';
import { seedFor, Stream } from '../model/prng.ts';
import { planFingerprint, RaceMonitor, type BreakKind, type MonitorDims } from './monitor.ts';

export type Role = 'planner' | 'enactor' | 'reader';

export interface RaceTask {
  role: Role;
  /** Enactor or reader index. */
  index: number;
  /** This thread's slot in the monitor. */
  thread: number;
  storeSab: SharedArrayBuffer;
  dims: StoreDims;
  monitorSab: SharedArrayBuffer;
  monitorDims: MonitorDims;
  scenario: Scenario;
  /** Simulated seconds per real second. */
  speed: number;
  /** A deliberately broken store (test-only: the monitors must catch it), or null. */
  broken: BrokenVariant | null;
}

export interface BreakExample {
  kind: BreakKind;
  thread: string;
  atMs: number;
  detail: string;
}

export interface RaceOutcome {
  thread: number;
  name: string;
  examples: BreakExample[];
}

/** Examples kept per kind and thread: enough to read, bounded so a stuck endpoint cannot fill memory. */
const EXAMPLES_PER_KIND = 3;
/** How long a write waits for the write it replaced to be noted, before calling the chain forked. */
const CHAIN_WAIT_MS = 250;

function absNowMs(): number {
  return performance.timeOrigin + performance.now();
}

interface Reporter {
  ops: number;
  writes: number;
  report(kind: BreakKind, detail: string): void;
}

class ThreadState implements Reporter {
  ops = 0;
  reads = 0;
  writes = 0;
  steps = 0;
  readonly examples: BreakExample[] = [];
  private readonly perKind = new Map<BreakKind, number>();

  constructor(
    readonly name: string,
    private readonly mon: RaceMonitor,
    private readonly thread: number,
  ) {}

  /** Absolute time (ms) at which every thread's simulated clock starts, set once all threads have arrived. */
  startAbsMs = 0;

  report(kind: BreakKind, detail: string): void {
    this.mon.addBreak(kind);
    const n = this.perKind.get(kind) ?? 0;
    if (n < EXAMPLES_PER_KIND) this.examples.push({ kind, thread: this.name, atMs: absNowMs() - this.startAbsMs, detail });
    this.perKind.set(kind, n + 1);
  }

  publish(): void {
    this.mon.setCounts(this.thread, this.ops, this.reads, this.writes, this.steps);
  }

  /** Working from now on: the watchdog expects to hear from this thread again soon. */
  working(): void {
    this.mon.setBusyUntil(this.thread, absNowMs());
  }

  sleepingUntil(absMs: number): void {
    this.mon.setBusyUntil(this.thread, absMs);
  }
}

/**
 * Put the write monitors between the model and this thread's store: each wrapper counts the operation, runs the
 * store's own method and checks what it did. Also used by the coordinator for the bootstrap plan.
 */
export function instrumentStore(store: SharedStore, mon: RaceMonitor, st: Reporter | null, chained: boolean): void {
  const count = () => {
    if (st) {
      st.ops++;
      st.writes++;
    }
  };
  const tryLock = store.tryLockEndpoint.bind(store);
  store.tryLockEndpoint = (e: number, enactor: number): boolean => {
    count();
    const ok = tryLock(e, enactor);
    if (ok) {
      const holders = mon.lockTaken(e);
      if (holders > 1)
        st?.report(
          'lock-exclusion',
          `endpoint ${e}: enactor-${enactor} was granted the lock while ${holders - 1} other Enactor(s) held it`,
        );
    }
    return ok;
  };
  const unlock = store.unlockEndpoint.bind(store);
  store.unlockEndpoint = (e: number, enactor: number): void => {
    count();
    mon.lockReleased(e);
    unlock(e, enactor);
  };
  const writeEndpoint = store.writeEndpoint.bind(store);
  store.writeEndpoint = (e: number, w: EndpointWrite): number => {
    count();
    const before = writeEndpoint(e, w);
    const gen = w.gen;
    if (before !== -1) {
      if (chained && !mon.chainWrite(e, before, gen, CHAIN_WAIT_MS)) {
        st?.report(
          'lost-update',
          `endpoint ${e}: a write replaced gen ${before} with gen ${gen}, but gen ${before} had already been replaced by another write`,
        );
      } else if (!chained) mon.setLastWritten(e, gen);
    }
    return before;
  };
  const deletePlan = store.deletePlan.bind(store);
  store.deletePlan = (slot: number, gen?: number): boolean => {
    count();
    return deletePlan(slot, gen);
  };
  const writePlan = store.writePlan.bind(store);
  const cum = new Float64Array(store.layout.targetsMax);
  store.writePlan = (
    slot: number,
    gen: number,
    createdAtS: number,
    targets: Int32Array[],
    weights: Float64Array[],
    counts: number[],
  ): void => {
    count();
    // Register what the plan holds before anyone can read it: the same cumulative sums writePlan stores.
    for (let e = 0; e < counts.length; e++) {
      let c = 0;
      for (let k = 0; k < counts[e]; k++) {
        c += weights[e][k];
        cum[k] = c;
      }
      mon.registerPlan(gen, e, planFingerprint(counts[e], targets[e], cum));
    }
    writePlan(slot, gen, createdAtS, targets, weights, counts);
  };
}

export function runRaceThread(task: RaceTask): RaceOutcome {
  const s = task.scenario;
  // Each thread runs one task for the whole race, so the variant stays this thread's until it ends.
  breakStoreForTest(task.broken);
  const store = new SharedStore(task.storeSab, task.dims);
  store.assertSignature();
  const mon = new RaceMonitor(task.monitorSab, task.monitorDims);
  const name = task.role === 'planner' ? 'planner' : task.role === 'enactor' ? `enactor-${task.index}` : `reader-${task.index}`;
  const st = new ThreadState(name, mon, task.thread);
  instrumentStore(store, mon, st, s.dns.protocol === 'fenced');
  st.startAbsMs = mon.arrive();
  st.working();
  try {
    if (task.role === 'reader') readLoop(store, mon, st, s);
    else actLoop(task, store, mon, st, st.startAbsMs);
  } catch (err) {
    st.report('store-error', `${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  st.publish();
  st.sleepingUntil(Infinity);
  return { thread: task.thread, name, examples: st.examples };
}

function actLoop(task: RaceTask, store: SharedStore, mon: RaceMonitor, st: ThreadState, startAbsMs: number): void {
  const s = task.scenario;
  const log = new EventLog();
  const ctx = new DnsContext(store, s.dns, log);
  let actor: { step(nowS: number): number };
  let nextS: number;
  if (task.role === 'planner') {
    actor = new Planner(ctx, seedFor(s.seed, Stream.planner, 0));
    nextS = s.dns.planner.periodS;
  } else {
    actor = new Enactor(task.index, ctx, seedFor(s.seed, Stream.enactor, task.index));
    nextS = Enactor.firstPollS(task.index, s.dns.enactors, s.dns.enactor.pollS);
  }
  const msPerSimS = 1000 / task.speed;
  while (!mon.stopped()) {
    const nowS = ((absNowMs() - startAbsMs) * task.speed) / 1000;
    if (nowS < nextS) {
      const ms = (nextS - nowS) * msPerSimS;
      st.sleepingUntil(absNowMs() + ms);
      mon.sleepMs(ms);
      continue;
    }
    st.working();
    nextS = actor.step(nowS);
    st.steps++;
    for (const ev of log.events) {
      if (ev.kind === 'violation' && ev.invariant)
        st.report(ev.invariant, `${ev.actor} at ${ev.atS.toFixed(3)}s (simulated): ${ev.detail}`);
    }
    log.events.length = 0;
    st.publish();
  }
}

function readLoop(store: SharedStore, mon: RaceMonitor, st: ThreadState, s: Scenario): void {
  const endpoints = s.dns.endpoints.length;
  const answer = newAnswer(store.layout.targetsMax);
  const lastGen = new Int32Array(endpoints);
  let e = 0;
  while (!mon.stopped()) {
    st.working();
    for (let i = 0; i < 1024; i++) {
      const a = store.resolve(e, answer);
      st.ops++;
      st.reads++;
      if (a.generation < lastGen[e]) st.report('regression', `endpoint ${e} went back from gen ${lastGen[e]} to gen ${a.generation}`);
      lastGen[e] = a.generation;
      if (a.count === 0) st.report('empty-answer', `endpoint ${e} (gen ${a.generation}) resolved to no addresses`);
      else {
        const want = mon.planFingerprint(a.generation, e);
        if (want !== null && want !== planFingerprint(a.count, a.lbs, a.cumWeight)) {
          st.report(
            'torn-read',
            `endpoint ${e}: the answer names gen ${a.generation} but its ${a.count} targets and weights are not that plan's`,
          );
        }
      }
      e = e + 1 === endpoints ? 0 : e + 1;
    }
    st.publish();
  }
}
