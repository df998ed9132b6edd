/**
 * `npm run bench:gate`: the performance gate CI runs (.ci/run). A quick benchmark of the real engine through the
 * CLI (bench/engine.ts) that fails when a ratio measured in this same run falls below its floor. Only ratios of
 * runs made side by side here, never absolute times: the machine may be shared and slow today, but then it is
 * slow for both sides of a ratio. Each ratio is the best of PAIRS pairs (a noisy neighbour only ever makes a pair
 * look worse), and the floors sit well below what the engine reaches (measured figures beside each), so that
 * the gate catches a real regression (a lost optimisation costs 2x or more) without failing on noise.
 * Prints every floor, figure and margin; exits 1 when a ratio is under its floor. About 30-60 s.
 *
 * The cases are the benchmark's (CASES in bench/engine.ts), the two with a population cut to 600 simulated
 * seconds; the floors are the gate's own, set far under those cases' goals.
 */
import os from 'node:os';
import {
  CASES,
  DEFAULT_CLI,
  type EngineRun,
  naiveAttemptsPerS,
  type Pair,
  pct,
  runEngine,
  runPair,
  scenarioClients,
  shortened,
} from './engine.ts';

const PAIRS = 2;
/**
 * The client scan's WebAssembly kernel against the JavaScript scan (CASCADESIM_SCAN=js): a kernel that stopped
 * being used gives about 1.0x.
 */
const KERNEL_FLOOR = 1.1;
const KERNEL_MEASURED = '1.99x (load 1.0); 1.34x beside a CPU-burning process';
const busy = shortened(CASES.busy, 600);
const idle = shortened(CASES.idle, 600);
const dns64 = CASES.dns64;

interface Check {
  what: string;
  floor: number;
  figure: number;
  /** What this machine measured when the floor was set (README, Measured). */
  measured: string;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log(
    `performance gate: ${os.cpus()[0]?.model ?? '?'} x ${os.availableParallelism()}, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const busyPairs: Pair[] = [];
  const idleOne: EngineRun[] = [];
  const dnsPairs = [];
  const jsScanOne: EngineRun[] = [];
  const jsScan = () => runEngine(busy, 1, DEFAULT_CLI, { CASCADESIM_SCAN: 'js' });
  for (let r = 0; r < PAIRS; r++) {
    // The JavaScript scan's run before the kernel's pair in one round, after it in the other: a drift in the
    // machine's speed favours neither.
    const jsFirst = r % 2 === 1 ? await jsScan() : null;
    busyPairs.push(await runPair(busy, false, r % 2 === 1));
    const js = jsFirst ?? (await jsScan());
    // The two scans at full size on one worker: the same run, so the same digest.
    if (js.digest !== busyPairs[r].one.digest) throw new Error(`${busy.name}: the JavaScript scan's digest differs from the kernel's`);
    jsScanOne.push(js);
    idleOne.push(await runEngine(idle, 1));
    dnsPairs.push(await runPair(dns64, false, r % 2 === 1));
  }
  const naive = naiveAttemptsPerS(1_000_000, 5, scenarioClients(CASES.busy.args[0], DEFAULT_CLI));
  const best = (xs: number[]) => Math.max(...xs);
  const checks: Check[] = [
    {
      what: 'engine / naive model, attempts/s on 1 worker',
      floor: 10,
      figure: best(busyPairs.map((p) => p.one.attemptsPerS)) / naive,
      measured: '70x (load 19 on 2 cores)',
    },
    {
      what: 'busy / idle population, wall time on 1 worker',
      // Was 2.5 (5.8x measured); the kernel made the busy run about 1.5x faster and the idle one no faster. A
      // population whose cost follows its size again would give about 1.0x.
      floor: 2,
      figure: best(busyPairs.map((p, i) => p.one.wallS / idleOne[i].wallS)),
      measured: '5.8x (load 19 on 2 cores); 3.3-3.4x with the kernel (load 1.0-1.8)',
    },
    {
      what: 'WebAssembly client scan / the JavaScript one (CASCADESIM_SCAN=js), default scenario, wall time on 1 worker',
      floor: KERNEL_FLOOR,
      figure: best(jsScanOne.map((j, i) => j.wallS / busyPairs[i].one.wallS)),
      measured: KERNEL_MEASURED,
    },
    {
      what: '2 workers / 1, default scenario (never slower with more workers)',
      floor: 0.8,
      figure: best(busyPairs.map((p) => p.speedup)),
      measured: '1.02x (load 19 on 2 cores)',
    },
    {
      what: '2 workers / 1, 64 Enactors DNS-only (one thread either way: guards the idle path)',
      floor: 0.75,
      figure: best(dnsPairs.map((p) => p.speedup)),
      measured: '0.95x (load 19 on 2 cores; 0.54x before the control phase moved to one thread)',
    },
  ];
  // What the machine was doing meanwhile: a ratio below its floor with the workers often waiting for a CPU says
  // more about the machine than the engine.
  const runs = [...busyPairs.flatMap((p) => [p.one, p.two]), ...idleOne, ...jsScanOne, ...dnsPairs.flatMap((p) => [p.one, p.two])];
  // "8% ... in the median run and 14% at most" ("?" where the system does not say).
  const spread = (xs: (number | null)[], what: string) => {
    const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
    return v.length === 0
      ? `? ${what}`
      : `${pct(v[Math.floor(v.length / 2)])} ${what} in the median run and ${pct(v[v.length - 1])} at most`;
  };
  console.log(
    `the machine during the gate: other processes used ${spread(
      runs.map((r) => r.othersCpuShare),
      "of the machine's CPU time",
    )} (perf.othersCpuShare; about 0 on a machine to itself); the worker threads waited for a CPU ${spread(
      runs.map((r) => r.cpuWaitShare),
      'of their time',
    )} (perf.cpuWaitShare)`,
  );
  let failed = 0;
  console.table(
    checks.map((c) => {
      const ok = c.figure >= c.floor;
      if (!ok) failed++;
      return {
        check: c.what,
        floor: c.floor,
        figure: +c.figure.toFixed(2),
        margin: `${((c.figure / c.floor - 1) * 100).toFixed(0)}%`,
        'measured when set': c.measured,
        result: ok ? 'ok' : 'BELOW FLOOR',
      };
    }),
  );
  console.log(
    `performance gate: ${failed === 0 ? 'passed' : `${failed} ratio(s) below the floor`} in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
