/**
 * `npm run bench`: micro-benchmarks of the client hot path (tinybench), then the engine itself through the CLI
 * (bench/engine.ts): every case of CASES (the default scenario, an idle population, 64 Enactors without and with 1M
 * clients, and with --full the whole aws-2025-10-20 incident at 1M clients) on 1 and 2 workers, alone and beside a
 * CPU-burning neighbour process, 10M clients once on 2 workers; and the naive model for the engine-vs-naive ratio.
 * Every ratio comes from runs of this one invocation, judged against the cases' goals. Prints tables and writes
 * bench/results/latest.json.
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
import { LogLinearCounts, Latency } from '../src/metrics/loglinear.ts';
import { ClientCore } from '../src/model/clients/core.ts';
import { ZigguratExp } from '../src/model/clients/exp-ziggurat.ts';
import { publishFullPlan, singleEndpointStore } from '../test/support/clients-harness.ts';
import { Heap } from './naive.ts';
import { RECORD_BYTES, ClientRecords, Rec, RecU32 } from '../src/model/clients/records.ts';
import { Calendar, calendarPages, HORIZON } from '../src/model/clients/calendar.ts';
import { Rng, Prng } from '../src/model/prng.ts';
import {
  type BenchCase,
  CASES,
  DEFAULT_CLI,
  naiveAttemptsPerS,
  type Pair,
  runEngine,
  runPair,
  scenarioClients,
  shortened,
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
    rec.i32[i * Rec.U32_PER_RECORD + RecU32.U_SERIAL] = serial;
    rec.u32[i * Rec.U32_PER_RECORD + RecU32.U_EXP_MS] = 1e9;
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
    highestTrackableValue: Latency.MAX_US,
    numberOfSignificantValueDigits: 3,
  });
  await hdr.initWebAssembly();
  const hWasm = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: Latency.MAX_US,
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
  // The calendar's own cost per due record (calendar.ts): filing it in the bucket of its next event, then taking
  // the buckets as an epoch's due pages and freeing them. The records' 48 bytes are moved by the scan, not here.
  const cal = new Calendar({ pages: calendarPages(BATCH, 1), workers: 1, worker: 0, epochS: 1 });
  const nextS = Float64Array.from({ length: BATCH }, () => 1 + rng.next() * 60);

  const bench = new Bench({ name: 'client hot path', time: quick ? 150 : 400, warmupTime: quick ? 50 : 150 });
  bench
    .add('snapshot read: store.resolve (seqlock, 12 targets)', () => {
      for (let i = 0; i < BATCH; i++) sink += store.resolve(0, answer).count;
    })
    .add('store version: Atomics.load', () => {
      for (let i = 0; i < BATCH; i++) sink += store.storeVersion();
    })
    .add('cache check: lookup, fresh entry', () => {
      for (let i = 0; i < BATCH; i++) sink += core.lookup(rec.u32, i * Rec.U32_PER_RECORD, 1);
    })
    .add('cache check: lookup, expired -> authority -> re-cache', () => {
      missT += 10;
      for (let i = 0; i < BATCH; i++) sink += core.lookup(missRec.u32, i * Rec.U32_PER_RECORD, missT);
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
        state = (state + Prng.MULBERRY_INCREMENT) | 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        sink += ((t ^ (t >>> 14)) >>> 0) * Prng.INV_2_32;
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
    .add('scheduling: calendar place, take and free, per due record (used)', () => {
      for (let i = 0; i < BATCH; i++) sink += cal.place(nextS[i], 1);
      const pages = cal.takeDue(1, HORIZON, 0);
      for (let p = 0; p < pages; p++) cal.release(cal.due[p]);
    });
  await bench.run();
  hWasm.destroy();
  if (sink === 42) console.log('');
  return bench.tasks.map((t) => {
    const r = t.result as unknown as { latency: { mean: number; rme: number; samplesCount: number } };
    return { name: t.name, nsPerOp: (r.latency.mean * 1e6) / BATCH, rmePct: r.latency.rme, samples: r.latency.samplesCount };
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
  goal: BenchCase['goal'];
  neighbour: boolean;
  pairs: Pair[];
  /** Medians over the pairs. */
  oneWallS: number;
  twoWallS: number;
  speedup: number;
  minSpeedup: number;
  coordinationShareTwo: number;
  /** Median share of the 2-worker runs' thread time spent waiting for a CPU (perf.cpuWaitShare); null where unknown. */
  cpuWaitShareTwo: number | null;
  /** Median share of the machine's CPU time other processes used in the 2-worker runs (perf.othersCpuShare). */
  othersCpuShareTwo: number | null;
  attempts: number;
}

/** The median, or null when any value is unknown (a system that does not say). */
function medianOrNull(xs: (number | null)[]): number | null {
  return xs.every((x) => x !== null) ? median(xs as number[]) : null;
}

async function engineCase(c: BenchCase, neighbour: boolean): Promise<CaseResult> {
  const pairs: Pair[] = [];
  // Alternate which worker count goes first, so that a drift in the machine's load does not favour one.
  for (let r = 0; r < ROUNDS; r++) pairs.push(await runPair(c, neighbour, r % 2 === 1, CLI));
  const res: CaseResult = {
    name: c.name,
    goal: c.goal,
    neighbour,
    pairs,
    oneWallS: median(pairs.map((p) => p.one.wallS)),
    twoWallS: median(pairs.map((p) => p.two.wallS)),
    speedup: median(pairs.map((p) => p.speedup)),
    minSpeedup: Math.min(...pairs.map((p) => p.speedup)),
    coordinationShareTwo: median(pairs.map((p) => p.two.coordinationShare)),
    cpuWaitShareTwo: medianOrNull(pairs.map((p) => p.two.cpuWaitShare)),
    othersCpuShareTwo: medianOrNull(pairs.map((p) => p.two.othersCpuShare)),
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

  // --quick shortens the cases with a population; 64 Enactors DNS-only is quick already.
  const cut = (c: BenchCase) => (quick ? shortened(c, 1200) : c);
  const busyCase = cut(CASES.busy);
  const cases: BenchCase[] = [busyCase, cut(CASES.idle), CASES.dns64, cut(CASES.dns64Clients)];
  if (full) cases.push(CASES.aws);
  console.log(`\nengine through the CLI (${CLI}), ${ROUNDS} pair(s) of 1 and 2 workers per case; simulation wall time (perf.wallS)`);
  const results: CaseResult[] = [];
  for (const neighbour of [false, true]) for (const c of cases) results.push(await engineCase(c, neighbour));

  // 10M clients: one run on 2 workers, alone on the machine.
  let tenM: { wallS: number; peakRssBytes: number | null } | null = null;
  if (!quick) {
    const r = await withNeighbour(false, () => runEngine(CASES.tenM, 2, CLI));
    tenM = { wallS: r.wallS, peakRssBytes: r.peakRssBytes };
    console.log(
      `  ${CASES.tenM.name}, 2 workers: ${r.wallS.toFixed(1)} s, peak RSS ${r.peakRssBytes === null ? '?' : `${(r.peakRssBytes / 2 ** 30).toFixed(2)} GiB`}`,
    );
  }

  // Engine vs naive: attempts per second on one worker, the default scenario's clients, measured now.
  const naiveS = quick ? 5 : 10;
  const naive = naiveAttemptsPerS(1_000_000, naiveS, scenarioClients(CASES.busy.args[0], CLI));
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
      'CPU wait (2 w)': r.cpuWaitShareTwo === null ? '?' : +r.cpuWaitShareTwo.toFixed(3),
      'others CPU (2 w)': r.othersCpuShareTwo === null ? '?' : +r.othersCpuShareTwo.toFixed(3),
      attempts: r.attempts,
    })),
  );
  const of = (c: BenchCase, neighbour: boolean) => results.find((r) => r.name === c.name && r.neighbour === neighbour) as CaseResult;
  const dns64 = of(CASES.dns64, false);
  const aws = full ? of(CASES.aws, false) : undefined;
  const ratios = {
    engineOverNaive: engineRate / naive,
    idleOverBusy: idle.oneWallS / def.oneWallS,
    defaultTwoOverOne: def.speedup,
    defaultTwoOverOneWithNeighbour: of(busyCase, true).speedup,
    worstTwoOverOne: Math.min(...results.map((r) => r.minSpeedup)),
  };
  // Every pair case has the same never-slower goal; the strictest one counts should they ever differ.
  const worstGoal = Math.max(...results.map((r) => r.goal.worstSpeedup ?? 0));
  const [g, gIdle, g64, gAws, g10] = [CASES.busy.goal, CASES.idle.goal, CASES.dns64.goal, CASES.aws.goal, CASES.tenM.goal];
  const targets: Record<string, boolean | null> = {
    [`default scenario, 2 workers < ${g.wallS} s`]: quick ? null : def.twoWallS < g.wallS,
    [`default scenario, 2 workers >= ${g.speedup}x one`]: def.speedup >= g.speedup,
    [`idle population <= ${Math.round(gIdle.shareOfBusy * 100)}% of a busy one (1 worker)`]: ratios.idleOverBusy <= gIdle.shareOfBusy,
    [`with a CPU-burning neighbour, 2 workers >= ${g.speedupBesideNeighbour}x one (default scenario)`]:
      ratios.defaultTwoOverOneWithNeighbour >= g.speedupBesideNeighbour,
    [`no case slower with more workers (worst pair >= ${worstGoal})`]: ratios.worstTwoOverOne >= worstGoal,
    [`64 Enactors DNS-only < ${g64.wallS} s on any worker count`]:
      (g64.wallOnEach ? Math.max(dns64.oneWallS, dns64.twoWallS) : dns64.twoWallS) < g64.wallS,
    [`aws-2025-10-20 at 1M clients < ${gAws.wallS} s (2 workers)`]: aws ? aws.twoWallS < gAws.wallS : null,
    [`10M clients, 1,200 s: < ${g10.wallS} s and peak RSS < ${g10.peakRssGiB} GiB`]: tenM
      ? tenM.wallS < g10.wallS && tenM.peakRssBytes !== null && tenM.peakRssBytes < g10.peakRssGiB * 2 ** 30
      : null,
    [`engine >= ${g.overNaive}x the naive model (attempts/s, 1 worker)`]: ratios.engineOverNaive >= g.overNaive,
    'state <= 48 B/client (in calendar pages, a few per worker spare)': RECORD_BYTES <= 48,
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
