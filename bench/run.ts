/**
 * `npm run bench`: micro-benchmarks of the client hot path (tinybench), then the engine itself through the CLI
 * (bench/engine.ts): the default scenario, an idle population, 64 Enactors without and with 1M clients, 10M
 * clients, and with --full the whole aws-2025-10-20 incident at 1M clients, each on 1 and 2 workers, alone and
 * beside a CPU-burning neighbour process; and the naive model for the engine-vs-naive ratio. Every ratio comes
 * from runs of this one invocation. Prints tables and writes bench/results/latest.json.
 *
 * Options: --quick (shorter runs: 1,200 simulated seconds instead of 4,800, one round, no 10M case),
 * --full (adds aws-2025-10-20, several minutes per run), --rounds N (pairs per case, default 2),
 * --cli PATH (another build of the CLI, to compare builds).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { Bench } from 'tinybench';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { newAnswer } from '../src/memory/resolve.ts';
import { LATENCY_MAX_US, LogLinearCounts } from '../src/metrics/loglinear.ts';
import { ClientCore } from '../src/model/clients/core.ts';
import { ZigguratExp } from '../src/model/clients/exp-ziggurat.ts';
import { publishFullPlan, singleEndpointStore } from '../test/support/clients-harness.ts';
import { Heap } from './naive.ts';
import { RECORD_BYTES, U32_PER_RECORD, U_EXP_MS, U_SERIAL, ClientRecords } from '../src/model/clients/records.ts';
import { ClientShard } from '../src/model/clients/shard.ts';
import { MULBERRY_INCREMENT, Rng } from '../src/model/prng.ts';
import {
  DEFAULT_CLI,
  type EngineCase,
  naiveAttemptsPerS,
  type Pair,
  runEngine,
  runPair,
  scenarioClients,
  withNeighbour,
} from './engine.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const full = args.includes('--full');
const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const ROUNDS = Number(opt('--rounds') ?? (quick ? 1 : 2));
const CLI = opt('--cli') ?? DEFAULT_CLI;
const here = path.dirname(new URL(import.meta.url).pathname);
const LBS = 12;
const CAPACITY_PER_S = 50_000;
const BASE_LATENCY_US = 4000;
const BATCH = 1000;

// ---- micro -----------------------------------------------------------------------------------------------

async function micro(): Promise<{ name: string; nsPerOp: number; rmePct: number; samples: number }[]> {
  const store = singleEndpointStore(LBS, CAPACITY_PER_S);
  publishFullPlan(store, 1, 0);
  store.lbOfferedPerS.fill(CAPACITY_PER_S / 3);
  const cfg = clientsSchema.parse({});
  const answer = newAnswer(store.layout.targetsMax);
  const core = new ClientCore(cfg, store.layout.targetsMax, store.layout.lbCount);
  core.refreshAnswer(store, 0, 0);
  core.svc.refreshAll(store, BASE_LATENCY_US);
  const serial = core.ring.current;
  const rec = new ClientRecords(BATCH);
  for (let i = 0; i < BATCH; i++) {
    rec.i32[i * U32_PER_RECORD + U_SERIAL] = serial;
    rec.u32[i * U32_PER_RECORD + U_EXP_MS] = 1e9;
  }
  const missRec = new ClientRecords(BATCH);
  let missT = 0;
  const rng = new Rng(42);
  const us = Float64Array.from({ length: BATCH }, () => rng.next());
  const lbsPicked = Int32Array.from({ length: BATCH }, (_, i) => core.pick(serial, us[i]));
  const latUs = Float64Array.from({ length: BATCH }, () => rng.exp(4000) + (rng.next() < 0.01 ? rng.exp(500_000) : 0));
  const ll = new LogLinearCounts();
  const hJs = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_MAX_US,
    numberOfSignificantValueDigits: 3,
  });
  await hdr.initWebAssembly();
  const hWasm = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_MAX_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: true,
  });
  const cum = answer.cumWeight;
  store.resolve(0, answer);
  const zig = new ZigguratExp();
  zig.state = 7;
  let state = 99;
  let sink = 0;
  // The naive model's queue at 1M entries: pop the earliest, push it back later.
  const heapN = quick ? 100_000 : 1_000_000;
  const heapT = Float64Array.from({ length: heapN }, () => rng.next() * 60);
  const heap = new Heap<{ nextS: number }>();
  for (let i = 0; i < heapN; i++) heap.push({ nextS: heapT[i] });
  // One epoch's scan over 1M idle records (no event due): the per-client floor of the epoch loop.
  const scanShard = new ClientShard(cfg, 1, 0, quick ? 100_000 : 1_000_000);
  const scanEnv = { store, endpoint: 0, baseLatencyUs: BASE_LATENCY_US, attemptsByLb: new Float64Array(LBS) };
  scanShard.runEpoch(0, 1e-9, scanEnv);

  const bench = new Bench({ name: 'client hot path', time: quick ? 150 : 400, warmupTime: quick ? 50 : 150 });
  bench
    .add('snapshot read: store.resolve (seqlock, 12 targets)', () => {
      for (let i = 0; i < BATCH; i++) sink += store.resolve(0, answer).count;
    })
    .add('store version: Atomics.load', () => {
      for (let i = 0; i < BATCH; i++) sink += store.storeVersion();
    })
    .add('cache check: lookup, fresh entry', () => {
      for (let i = 0; i < BATCH; i++) sink += core.lookup(rec.u32, rec.i32, i * U32_PER_RECORD, 1);
    })
    .add('cache check: lookup, expired -> authority -> re-cache', () => {
      missT += 10;
      for (let i = 0; i < BATCH; i++) sink += core.lookup(missRec.u32, missRec.i32, i * U32_PER_RECORD, missT);
    })
    .add('target pick: alias table (used)', () => {
      for (let i = 0; i < BATCH; i++) sink += core.pick(serial, us[i]);
    })
    .add('target pick: linear scan of cumulative weights', () => {
      const n = answer.count;
      for (let i = 0; i < BATCH; i++) {
        const x = us[i] * cum[n - 1];
        let k = 0;
        while (k < n - 1 && cum[k] <= x) k++;
        sink += answer.lbs[k];
      }
    })
    .add('service: outcome (M/M/1, rho 0.33)', () => {
      for (let i = 0; i < BATCH; i++) sink += core.outcome(lbsPicked[i], 1, us[i] * 3);
    })
    .add('histogram record: log-linear Uint32Array (used)', () => {
      for (let i = 0; i < BATCH; i++) ll.recordUs(latUs[i]);
    })
    .add('histogram record: hdr-histogram-js JS recordValue', () => {
      for (let i = 0; i < BATCH; i++) hJs.recordValue(Math.floor(latUs[i]));
    })
    .add('histogram record: hdr-histogram-js WASM recordValue', () => {
      for (let i = 0; i < BATCH; i++) hWasm.recordValue(Math.floor(latUs[i]));
    })
    .add('RNG: mulberry32 inline, uniform', () => {
      for (let i = 0; i < BATCH; i++) {
        state = (state + MULBERRY_INCREMENT) | 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        sink += ((t ^ (t >>> 14)) >>> 0) * 2.3283064365386963e-10;
      }
    })
    .add('RNG: Exp(1) ziggurat (used)', () => {
      for (let i = 0; i < BATCH; i++) sink += zig.next();
    })
    .add('RNG: Exp(1) -log(u) with the Rng class', () => {
      for (let i = 0; i < BATCH; i++) sink += rng.exp(1);
    })
    .add(`scheduling: binary heap pop+push, ${heapN / 1e6}M entries (naive)`, () => {
      for (let i = 0; i < BATCH; i++) {
        const e = heap.pop();
        e.nextS += 5;
        heap.push(e);
      }
    })
    .add(`scheduling: epoch scan per client, ${scanShard.records.count / 1e6}M idle records, block summary (used)`, () => {
      // One call visits every record; normalised below to ns per client.
      scanShard.runEpoch(0, 1e-9, scanEnv);
    });
  await bench.run();
  hWasm.destroy();
  if (sink === 42) console.log('');
  return bench.tasks.map((t) => {
    const r = t.result as unknown as { latency: { mean: number; rme: number; samplesCount: number } };
    const perCall = t.name.startsWith('scheduling: epoch scan') ? scanShard.records.count : BATCH;
    return { name: t.name, nsPerOp: (r.latency.mean * 1e6) / perCall, rmePct: r.latency.rme, samples: r.latency.samplesCount };
  });
}

// ---- engine ----------------------------------------------------------------------------------------------

const fmtM = (x: number) => `${(x / 1e6).toFixed(2)}M`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface CaseResult {
  name: string;
  neighbour: boolean;
  pairs: Pair[];
  /** Medians over the pairs. */
  oneWallS: number;
  twoWallS: number;
  speedup: number;
  minSpeedup: number;
  coordinationShareTwo: number;
  attempts: number;
}

async function engineCase(c: EngineCase, neighbour: boolean): Promise<CaseResult> {
  const pairs: Pair[] = [];
  // Alternate which worker count goes first, so that a drift in the machine's load does not favour one.
  for (let r = 0; r < ROUNDS; r++) pairs.push(await runPair(c, neighbour, r % 2 === 1, CLI));
  const res: CaseResult = {
    name: c.name,
    neighbour,
    pairs,
    oneWallS: median(pairs.map((p) => p.one.wallS)),
    twoWallS: median(pairs.map((p) => p.two.wallS)),
    speedup: median(pairs.map((p) => p.speedup)),
    minSpeedup: Math.min(...pairs.map((p) => p.speedup)),
    coordinationShareTwo: median(pairs.map((p) => p.two.coordinationShare)),
    attempts: pairs[0].one.attempts,
  };
  console.log(
    `  ${c.name}${neighbour ? ' + neighbour' : ''}: 1 worker ${res.oneWallS.toFixed(2)} s, 2 workers ${res.twoWallS.toFixed(2)} s, x${res.speedup.toFixed(2)} (pairs: ${pairs.map((p) => p.speedup.toFixed(2)).join(' ')})`,
  );
  return res;
}

async function main(): Promise<void> {
  const machine = {
    node: process.version,
    v8: process.versions.v8,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.availableParallelism(),
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAvgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
  console.log(
    `cascadesim benchmarks: node ${machine.node} (V8 ${machine.v8}), ${machine.cpuModel} x ${machine.cpus}, load ${machine.loadAvgAtStart.join(' ')}`,
  );
  const microRows = await micro();
  console.log('\nmicro-benchmarks (tinybench, batches of 1000)');
  console.table(microRows.map((r) => ({ piece: r.name, 'ns/op': +r.nsPerOp.toFixed(2), 'rme %': +r.rmePct.toFixed(1) })));

  const dur = quick ? ['--set', 'durationS=1200'] : [];
  const cases: EngineCase[] = [
    { name: 'default (dns-race, 1M clients)', args: ['dns-race', ...dur] },
    { name: 'idle population (ratePerS=0.0001)', args: ['dns-race', ...dur, '--set', 'clients.ratePerS=0.0001'] },
    { name: '64 Enactors, DNS only', args: ['dns-race', '--set', 'clients=null', '--set', 'dns.enactors=64'] },
    { name: '64 Enactors, 1M clients', args: ['dns-race', ...dur, '--set', 'dns.enactors=64'] },
  ];
  if (full) cases.push({ name: 'aws-2025-10-20 (1M clients, 1M droplets)', args: ['aws-2025-10-20'] });
  console.log(`\nengine through the CLI (${CLI}), ${ROUNDS} pair(s) of 1 and 2 workers per case; simulation wall time (perf.wallS)`);
  const results: CaseResult[] = [];
  for (const neighbour of [false, true]) for (const c of cases) results.push(await engineCase(c, neighbour));

  // 10M clients: one run on 2 workers, alone on the machine.
  let tenM: { wallS: number; peakRssBytes: number | null } | null = null;
  if (!quick) {
    const r = await withNeighbour(false, () =>
      runEngine({ name: '10M clients', args: ['dns-race', '--set', 'clients.count=10000000', '--set', 'durationS=1200'] }, 2, CLI),
    );
    tenM = { wallS: r.wallS, peakRssBytes: r.peakRssBytes };
    console.log(
      `  10M clients, 1,200 s, 2 workers: ${r.wallS.toFixed(1)} s, peak RSS ${r.peakRssBytes === null ? '?' : `${(r.peakRssBytes / 2 ** 30).toFixed(2)} GiB`}`,
    );
  }

  // Engine vs naive: attempts per second on one worker, the default scenario's clients, measured now.
  const naiveS = quick ? 5 : 10;
  const naive = naiveAttemptsPerS(1_000_000, naiveS, scenarioClients('dns-race', CLI));
  const def = results[0];
  const engineRate = median(def.pairs.map((p) => p.one.attemptsPerS));
  const idle = results[1];
  console.table(
    results.map((r) => ({
      case: r.name + (r.neighbour ? ' + neighbour' : ''),
      '1 worker s': +r.oneWallS.toFixed(2),
      '2 workers s': +r.twoWallS.toFixed(2),
      '2 vs 1': +r.speedup.toFixed(2),
      'worst pair': +r.minSpeedup.toFixed(2),
      'waiting share (2 w)': +r.coordinationShareTwo.toFixed(3),
      attempts: r.attempts,
    })),
  );
  const byName = (n: string, nb: boolean) => results.find((r) => r.name.startsWith(n) && r.neighbour === nb);
  const dns64 = byName('64 Enactors, DNS', false) as CaseResult;
  const aws = byName('aws', false);
  const ratios = {
    engineOverNaive: engineRate / naive,
    idleOverBusy: idle.oneWallS / def.oneWallS,
    defaultTwoOverOne: def.speedup,
    defaultTwoOverOneWithNeighbour: (byName('default', true) as CaseResult).speedup,
    worstTwoOverOne: Math.min(...results.map((r) => r.minSpeedup)),
  };
  const targets: Record<string, boolean | null> = {
    'default scenario, 2 workers < 8 s': quick ? null : def.twoWallS < 8,
    'default scenario, 2 workers >= 1.8x one': def.speedup >= 1.8,
    'idle population <= 15% of a busy one (1 worker)': ratios.idleOverBusy <= 0.15,
    'with a CPU-burning neighbour, 2 workers >= 1.3x one (default scenario)': ratios.defaultTwoOverOneWithNeighbour >= 1.3,
    'no case slower with more workers (worst pair >= 0.95)': ratios.worstTwoOverOne >= 0.95,
    '64 Enactors DNS-only < 1 s on any worker count': Math.max(dns64.oneWallS, dns64.twoWallS) < 1,
    'aws-2025-10-20 at 1M clients < 60 s (2 workers)': aws ? aws.twoWallS < 60 : null,
    '10M clients, 1,200 s: < 30 s and peak RSS < 1.5 GiB': tenM
      ? tenM.wallS < 30 && tenM.peakRssBytes !== null && tenM.peakRssBytes < 1.5 * 2 ** 30
      : null,
    'engine >= 20x the naive model (attempts/s, 1 worker)': ratios.engineOverNaive >= 20,
    'state <= 48 B/client (+ 8 B per 64-client block)': RECORD_BYTES <= 48,
  };
  console.log('\nsummary');
  console.table({
    'engine, default scenario, 1 worker, attempts/s': fmtM(engineRate),
    'naive model, attempts/s': fmtM(naive),
    'engine / naive': `${ratios.engineOverNaive.toFixed(1)}x`,
    'idle / busy population (1 worker)': ratios.idleOverBusy.toFixed(3),
    '2 workers / 1, default scenario': `${ratios.defaultTwoOverOne.toFixed(2)}x`,
    '2 workers / 1, default scenario, neighbour': `${ratios.defaultTwoOverOneWithNeighbour.toFixed(2)}x`,
    '2 workers / 1, worst pair of any case': `${ratios.worstTwoOverOne.toFixed(2)}x`,
    'machine load at end': os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  });
  console.table(Object.entries(targets).map(([target, met]) => ({ target, met: met === null ? 'not run' : met ? 'yes' : 'NO' })));
  const out = {
    machine: { ...machine, loadAvgAtEnd: os.loadavg().map((x) => +x.toFixed(2)) },
    quick,
    full,
    rounds: ROUNDS,
    micro: microRows,
    engine: results,
    tenM,
    naiveAttemptsPerS: naive,
    ratios,
    bytesPerClient: RECORD_BYTES,
    targets,
  };
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${path.join('bench', 'results', 'latest.json')}`);
}

await main();
