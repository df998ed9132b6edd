/**
 * Benchmark cases of the whole engine, run exactly as a user runs them: `node dist/cli.js run ... --json` in a
 * child process (the same coordinator, workers, synchronisation and result assembly), timed by the run's own
 * `perf.wallS` (simulation wall time, without Node's start-up). Also: a CPU-burning neighbour process, to
 * measure the engine on a machine someone else is using, and the naive model of the clients, timed in this
 * process, for the engine-vs-naive ratio. Used by bench/run.ts (the full benchmark) and bench/gate.ts (CI).
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

export interface EngineRun {
  wallS: number;
  attempts: number;
  attemptsPerS: number;
  coordinationShare: number;
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

/** One run of the real CLI. Throws with its stderr when it fails. */
export function runEngine(c: EngineCase, workers: number, cli = DEFAULT_CLI): Promise<EngineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'run', ...c.args, '--workers', String(workers), '--json', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
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
      const j = JSON.parse(out) as { digest: string; perf: { wallS: number; attempts: number; coordinationShare: number } };
      resolve({
        wallS: j.perf.wallS,
        attempts: j.perf.attempts,
        attemptsPerS: j.perf.attempts / j.perf.wallS,
        coordinationShare: j.perf.coordinationShare,
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
