/**
 * Benchmark cases of the whole engine, run exactly as a user runs them: `node dist/cli.js run ... --json` in a
 * child process (the same coordinator, workers, synchronisation and result assembly), timed by the run's own
 * `perf.wallS` (simulation wall time, without Node's start-up). Also: a CPU-burning neighbour process, to
 * measure the engine on a machine someone else is using, and the naive model of the clients, timed in this
 * process, for the engine-vs-naive ratio. CASES is the one table of the cases and their goals (issue 12's
 * targets) that bench/run.ts (the full benchmark), bench/targets.ts (the targets alone) and bench/gate.ts (CI, on
 * shortened copies with its own floors) all run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { publishFullPlan, singleEndpointStore } from '../test/support/clients-harness.ts';
import { NaiveClients } from './naive.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
export const DEFAULT_CLI = path.join(here, '..', 'dist', 'cli.js');

export interface EngineCase {
  name: string;
  /** Arguments after `run` (scenario and --set). */
  args: string[];
}

/**
 * Issue 12's goals for one case, as numbers; a field left out is no goal. Wall times are the run's own
 * perf.wallS; a speed-up is wall time on 1 worker over wall time on 2.
 */
export interface Goal {
  /** Simulation wall time under this many seconds on 2 workers, and on 1 as well when `wallOnEach`. */
  wallS?: number;
  wallOnEach?: boolean;
  /** 2 workers / 1, alone on the machine, at least this. */
  speedup?: number;
  /** 2 workers / 1 beside a CPU-burning neighbour process, at least this. */
  speedupBesideNeighbour?: number;
  /** No pair slower with more workers: 2 workers / 1 at least this in every pair, alone or beside the neighbour. */
  worstSpeedup?: number;
  /** Peak resident memory (all threads) under this many GiB on 2 workers. */
  peakRssGiB?: number;
  /** Wall time on 1 worker at most this share of the busy case's (the same population with work to do). */
  shareOfBusy?: number;
  /** Attempts per second on 1 worker at least this many times the naive model's (bench/naive.ts). */
  overNaive?: number;
}

export interface BenchCase extends EngineCase {
  goal: Goal;
}

/** Issue 12: no case in the benchmark gets slower with more workers (ratio at least 0.95 in the worst pair). */
const NEVER_SLOWER = 0.95;

/**
 * The benchmark's cases, each with its CLI arguments and issue 12's goals for it. dns-race is the default scenario
 * (1M clients, 4,800 simulated seconds); `shortened` cuts a case for quick runs and the gate.
 */
export const CASES = {
  busy: {
    name: 'default scenario (dns-race, 1M clients)',
    args: ['dns-race'],
    goal: { wallS: 8, speedup: 1.8, speedupBesideNeighbour: 1.3, worstSpeedup: NEVER_SLOWER, overNaive: 20 },
  },
  idle: {
    name: 'idle population (clients.ratePerS=0.0001)',
    args: ['dns-race', '--set', 'clients.ratePerS=0.0001'],
    goal: { shareOfBusy: 0.15, worstSpeedup: NEVER_SLOWER },
  },
  dns64: {
    name: '64 Enactors, DNS only',
    args: ['dns-race', '--set', 'clients=null', '--set', 'dns.enactors=64'],
    goal: { wallS: 1, wallOnEach: true, speedup: NEVER_SLOWER, worstSpeedup: NEVER_SLOWER },
  },
  dns64Clients: {
    name: '64 Enactors, 1M clients',
    args: ['dns-race', '--set', 'dns.enactors=64'],
    goal: { worstSpeedup: NEVER_SLOWER },
  },
  tenM: {
    name: '10M clients, 1,200 s',
    args: ['dns-race', '--set', 'clients.count=10000000', '--set', 'durationS=1200'],
    goal: { wallS: 30, peakRssGiB: 1.5 },
  },
  aws: {
    name: 'aws-2025-10-20 (1M clients, 1M droplets)',
    args: ['aws-2025-10-20'],
    goal: { wallS: 60, worstSpeedup: NEVER_SLOWER },
  },
} satisfies Record<string, BenchCase>;

/** The case with its own duration (the last --set wins) and the duration in its name. */
export function shortened(c: BenchCase, simS: number): BenchCase {
  return { ...c, name: `${c.name}, ${simS.toLocaleString('en-US')} s`, args: [...c.args, '--set', `durationS=${simS}`] };
}

export interface EngineRun {
  wallS: number;
  attempts: number;
  attemptsPerS: number;
  coordinationShare: number;
  /** Share of the worker threads' time spent waiting for a CPU (perf.cpuWaitShare); null where unknown. */
  cpuWaitShare: number | null;
  /** Share of the machine's CPU time other processes used during the run (perf.othersCpuShare); null where unknown. */
  othersCpuShare: number | null;
  digest: string;
  /** Peak resident memory of the whole process (all threads), from /proc; null where there is none. */
  peakRssBytes: number | null;
}

/** Peak RSS so far of a live process (Linux: VmHWM, which only grows). */
function peakRss(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** One run of the real CLI (`env`: added to this process's environment). Throws with its stderr when it fails. */
export function runEngine(c: EngineCase, workers: number, cli = DEFAULT_CLI, env: Record<string, string> = {}): Promise<EngineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'run', ...c.args, '--workers', String(workers), '--json', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    let peak: number | null = null;
    const poll = setInterval(() => {
      const p = child.pid === undefined ? null : peakRss(child.pid);
      if (p !== null) peak = Math.max(peak ?? 0, p);
    }, 100);
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`${c.name}, ${workers} worker(s): exit ${code}: ${err.trim().slice(0, 500)}`));
      const j = JSON.parse(out) as {
        digest: string;
        perf: {
          wallS: number;
          attempts: number;
          coordinationShare: number;
          cpuWaitShare?: number | null;
          othersCpuShare?: number | null;
        };
      };
      resolve({
        wallS: j.perf.wallS,
        attempts: j.perf.attempts,
        attemptsPerS: j.perf.attempts / j.perf.wallS,
        coordinationShare: j.perf.coordinationShare,
        cpuWaitShare: j.perf.cpuWaitShare ?? null,
        othersCpuShare: j.perf.othersCpuShare ?? null,
        digest: j.digest,
        peakRssBytes: peak,
      });
    });
  });
}

/** A process that burns one core until stopped: the neighbour every shared machine has now and then. */
export function startNeighbour(): ChildProcess {
  return spawn(process.execPath, ['-e', 'let x = 0; for (;;) x = (x + 1) | 0;'], { stdio: 'ignore' });
}

export async function withNeighbour<T>(on: boolean, f: () => Promise<T>): Promise<T> {
  if (!on) return f();
  const n = startNeighbour();
  try {
    // Let it get going before the measured run starts.
    await new Promise((r) => setTimeout(r, 200));
    return await f();
  } finally {
    n.kill('SIGKILL');
  }
}

export interface Pair {
  one: EngineRun;
  two: EngineRun;
  /** Wall time on one worker over wall time on two: the speed-up of the second worker. */
  speedup: number;
}

/** 1 worker, then 2 (or 2 then 1 when `reverse`), back to back, with or without the neighbour. */
export async function runPair(c: EngineCase, neighbour: boolean, reverse = false, cli = DEFAULT_CLI): Promise<Pair> {
  return withNeighbour(neighbour, async () => {
    let one: EngineRun;
    let two: EngineRun;
    if (reverse) {
      two = await runEngine(c, 2, cli);
      one = await runEngine(c, 1, cli);
    } else {
      one = await runEngine(c, 1, cli);
      two = await runEngine(c, 2, cli);
    }
    if (one.digest !== two.digest) throw new Error(`${c.name}: digest differs between 1 and 2 workers`);
    return { one, two, speedup: one.wallS / two.wallS };
  });
}

/**
 * What this machine gives two threads right now, with nothing shared between them: two 1-worker runs of the case
 * at once, in two processes (each its own records, calendar and coordinator), after one alone, all beside the
 * neighbour when `neighbour`. `ratio` is their throughput over the lone run's, 2 x alone / the slower of the two:
 * what perfect sharing with no synchronisation would give an engine that splits one run across 2 workers on the
 * same cores at the same moment (it may come out a little ahead where memory is the limit: it keeps one copy of
 * the state, two processes keep two). On a core to itself each run keeps its speed (2x); memory traffic, a busy
 * host and the neighbour's share of the cores bring it down, and those are the machine's, not the engine's.
 */
export async function runCeiling(c: EngineCase, neighbour: boolean, cli = DEFAULT_CLI): Promise<Ceiling> {
  return withNeighbour(neighbour, async () => {
    const alone = await runEngine(c, 1, cli);
    const both = await Promise.all([runEngine(c, 1, cli), runEngine(c, 1, cli)]);
    return { alone, both, ratio: (2 * alone.wallS) / Math.max(both[0].wallS, both[1].wallS) };
  });
}

export interface Ceiling {
  alone: EngineRun;
  both: EngineRun[];
  /** 2 x alone / the slower of the two at once. */
  ratio: number;
}

/**
 * The naive model (naive.ts: one object per client, a binary heap, hdr-histogram-js per value) over `clients`
 * clients with the default scenario's client configuration and a static plan, for `simS` simulated seconds in
 * 1 s epochs: attempts per second of wall time (construction excluded, as the engine's perf.wallS excludes none
 * of its own set-up: the comparison favours the naive model slightly).
 */
export function naiveAttemptsPerS(clients: number, simS: number, scenarioClients: Record<string, unknown>): number {
  const cfg = clientsSchema.parse({ ...scenarioClients, count: clients });
  const lbs = 12;
  const store = singleEndpointStore(lbs, 50_000);
  publishFullPlan(store, 1, 0);
  store.lbOfferedPerS.fill((clients * cfg.ratePerS) / lbs);
  const naive = new NaiveClients(cfg, 1, 0, clients);
  let attempts = 0;
  const t0 = performance.now();
  for (let e = 0; e < simS; e++) attempts += naive.runEpoch(e, e + 1, store, 0, 4000);
  const s = (performance.now() - t0) / 1000;
  naive.latencyAttempt.destroy();
  naive.latencyIntended.destroy();
  return attempts / s;
}

/** A scenario's `clients` section, defaults filled in, as the CLI shows it (`show SCENARIO --json`). */
export function scenarioClients(scenario: string, cli = DEFAULT_CLI): Record<string, unknown> {
  const r = spawnSync(process.execPath, [cli, 'show', scenario, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`show ${scenario}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { clients: Record<string, unknown> }).clients;
}

/** A share as a whole percentage: "41%". */
export function pct(x: number): string {
  return `${(100 * x).toFixed(0)}%`;
}

/**
 * What the machine did to a run, for a benchmark's line: "others 48% of the CPU, workers waited 41%"
 * (perf.othersCpuShare, perf.cpuWaitShare; "" where unknown).
 */
export function machineNote(r: EngineRun): string {
  const parts = [
    r.othersCpuShare === null ? '' : `others ${pct(r.othersCpuShare)} of the CPU`,
    r.cpuWaitShare === null ? '' : `workers waited ${pct(r.cpuWaitShare)}`,
  ];
  return parts.filter((x) => x !== '').join(', ');
}
