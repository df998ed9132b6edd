/**
 * One benchmark worker thread: builds a ClientShard (or the naive model) on its share of the population over the
 * shared plan store, waits at a start barrier, runs the epochs, and reports attempts and wall time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientsConfig } from '../src/config/clients-schema.ts';
import { SharedStore } from '../src/memory/store.ts';
import type { StoreDims } from '../src/memory/layout.ts';
import { ClientShard } from '../src/model/clients/shard.ts';
import { NaiveClients } from './naive.ts';

export interface MacroTask {
  kind: 'fast' | 'naive';
  sab: SharedArrayBuffer;
  dims: StoreDims;
  ctl: SharedArrayBuffer; // Int32 [0] = workers ready, [1] = go
  workers: number;
  cfg: ClientsConfig;
  seed: number;
  from: number;
  to: number;
  epochs: number;
  epochS: number;
  windowS: number;
  baseLatencyUs: number;
  /** Offered load per load balancer; per thread, as in the engine (SharedStore.lbOfferedPerS is thread-local). */
  offeredPerS: number;
}

export interface MacroReport {
  attempts: number;
  buildMs: number;
  loopMs: number;
  windows: number;
  heapUsedBytes: number;
  counters: Record<string, number>;
}

const t: MacroTask = workerData;
const store = new SharedStore(t.sab, t.dims);
store.lbOfferedPerS.fill(t.offeredPerS);
const ctl = new Int32Array(t.ctl);
const b0 = performance.now();
const fast = t.kind === 'fast' ? new ClientShard(t.cfg, t.seed, t.from, t.to) : null;
const naive = t.kind === 'naive' ? new NaiveClients(t.cfg, t.seed, t.from, t.to) : null;
const buildMs = performance.now() - b0;
// Start together: the 2-worker figure must measure both threads running at once.
Atomics.add(ctl, 0, 1);
Atomics.notify(ctl, 0);
while (Atomics.load(ctl, 1) === 0) Atomics.wait(ctl, 1, 0, 50);
const attemptsByLb = new Float64Array(store.layout.lbCount);
const env = { store, endpoint: 0, baseLatencyUs: t.baseLatencyUs, attemptsByLb };
const perWindow = Math.round(t.windowS / t.epochS);
let attempts = 0;
let windows = 0;
let counters: Record<string, number> = {};
const l0 = performance.now();
for (let e = 0; e < t.epochs; e++) {
  const t0 = e * t.epochS;
  attemptsByLb.fill(0);
  if (fast) attempts += fast.runEpoch(t0, t0 + t.epochS, env);
  else attempts += (naive as NaiveClients).runEpoch(t0, t0 + t.epochS, store, 0, t.baseLatencyUs);
  if (fast && (e + 1) % perWindow === 0) {
    const raw = fast.closeWindow(windows, windows * t.windowS, t0 + t.epochS);
    windows++;
    for (let k = 0; k < raw.counters.length; k++) counters[`c${k}`] = (counters[`c${k}`] ?? 0) + raw.counters[k];
  }
}
const loopMs = performance.now() - l0;
if (naive) counters = { ...naive.counters, p50Us: naive.latencyAttempt.getValueAtPercentile(50) };
const report: MacroReport = { attempts, buildMs, loopMs, windows, heapUsedBytes: process.memoryUsage().heapUsed, counters };
parentPort?.postMessage(report);
