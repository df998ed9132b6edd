/**
 * `npm run bench:sweep`: sweep throughput through the built CLI, the path users run: DNS-only race-odds at
 * --jobs 1 and --jobs 2 (and each built-in sweep at its default size with --all). Prints runs per wall second and
 * CPU milliseconds per run (process-wide, every thread): on a shared machine the second is the steadier figure,
 * and runs/s on N idle cores is about N * 1000 / (CPU ms per run).
 *
 * Options: --seeds N (race-odds seeds per protocol, default 1000), --all (every built-in sweep, default sizes).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const cli = path.join(here, '..', 'dist', 'cli.js');
const args = process.argv.slice(2);
const seedsArg = args.indexOf('--seeds');
const seeds = seedsArg >= 0 ? args[seedsArg + 1] : '1000';

interface Perf {
  wallS: number;
  runsPerS: number;
  cpuMsPerRun: number;
  runsThisInvocation: number;
  jobs: number;
}

function sweep(extra: string[]): Perf {
  const r = spawnSync(process.execPath, [cli, 'sweep', ...extra, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`sweep ${extra.join(' ')} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { perf: Perf }).perf;
}

const rows: string[][] = [];
const row = (what: string, p: Perf) =>
  rows.push([what, String(p.runsThisInvocation), String(p.jobs), p.wallS.toFixed(1), p.runsPerS.toFixed(1), p.cpuMsPerRun.toFixed(1)]);
for (const jobs of ['1', '2']) row(`race-odds --seeds ${seeds}`, sweep(['race-odds', '--seeds', seeds, '--jobs', jobs]));
if (args.includes('--all')) {
  for (const s of ['race-window', 'client-ttl', 'retry-policy', 'metastable-region', 'sensitivity']) row(s, sweep([s]));
}
const head = ['sweep', 'runs', 'jobs', 'wall s', 'runs/s', 'CPU ms/run'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
console.log(
  `\n${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores, Node ${process.version}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
