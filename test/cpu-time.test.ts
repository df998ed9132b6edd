/**
 * perf.cpuWaitShare, perf.workerCpuS and perf.othersCpuShare (src/engine/cpu-time.ts): what the machine gave the
 * run. The parsers and the arithmetic on their own, the summary's line, and the real CLI with its worker thread
 * made to share one CPU with a process that burns it (both pinned with taskset), against the same run with that
 * CPU to itself.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { test } from 'node:test';
import { summaryLines } from '../src/cli/text.ts';
import { MIN_TICKS_PER_CPU, othersCpuShare, parseProcStat, parseSchedstat } from '../src/engine/cpu-time.ts';
import { runCli, runInProcess, scenario } from './helpers.ts';

test('parseSchedstat reads the run and run-queue nanoseconds, and nothing else', () => {
  assert.deepEqual(parseSchedstat('1500000000 250000000 42\n'), { runS: 1.5, waitS: 0.25 });
  assert.deepEqual(parseSchedstat('7 0 1'), { runS: 7e-9, waitS: 0 });
  // A kernel without schedstats, or something else in the file: no figure rather than a wrong one.
  for (const bad of ['', '\n', 'abc def 1', '-5 3 1', '12']) assert.equal(parseSchedstat(bad), null, JSON.stringify(bad));
});

test('parseProcStat and othersCpuShare: the machine busy with what this process did not do', () => {
  const at = (user: number, idle: number, cpus = 2) =>
    parseProcStat(`cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\n${'cpu0 1 0 0 1 0 0 0 0 0 0\n'.repeat(cpus)}intr 1\n`);
  assert.deepEqual(at(30, 70), { busyTicks: 30, totalTicks: 100, cpus: 2 });
  // 200 ticks over 2 CPUs in 1 s (100 Hz), 150 of them busy; this process's 0.5 s of CPU is a quarter of the whole.
  assert.equal(othersCpuShare(at(0, 0), at(150, 50), 0.5, 1), 0.5);
  // Its own work alone: nobody else.
  assert.equal(othersCpuShare(at(0, 0), at(100, 100), 1, 1), 0);
  // Clamped, not negative, when this process's clock and /proc's ticks disagree a little.
  assert.equal(othersCpuShare(at(0, 0), at(90, 110), 1, 1), 0);
  // No figure from a missing reading, a changed CPU count, or a span of under MIN_TICKS_PER_CPU ticks per CPU.
  assert.equal(othersCpuShare(null, at(1, 1), 0, 1), null);
  assert.equal(othersCpuShare(at(0, 0), at(150, 50, 4), 0.5, 1), null);
  assert.equal(othersCpuShare(at(0, 0), at(2, 1), 0, 0.01), null);
  const short = 2 * MIN_TICKS_PER_CPU;
  assert.equal(othersCpuShare(at(0, 0), at(short / 2, short / 2 - 1), 0, 0.5), null);
  assert.equal(othersCpuShare(at(0, 0), at(short / 2, short / 2), 0, 0.5), 0.5);
  for (const bad of ['', 'intr 1 2 3\n', 'cpu  1 2\ncpu0 1 2\n']) assert.equal(parseProcStat(bad), null, JSON.stringify(bad));
});

test("the summary says the machine was busy from othersCpuShare and the workers' wait", async () => {
  const base = await runInProcess(scenario('dns-race', ['clients.count=1000', 'durationS=120']));
  const lines = (othersCpuShare: number | null, cpuWaitShare: number | null) =>
    summaryLines({ ...base, perf: { ...base.perf, othersCpuShare, cpuWaitShare } }).join('\n');
  assert.match(
    lines(0.48, 0.43),
    /the machine was busy: other processes used 48% of its CPU time, and the workers waited 43% of their time for a CPU/,
  );
  assert.match(lines(0.1, null), /other processes used 10% of its CPU time; this wall time/);
  for (const quiet of [0.09, 0, null]) assert.doesNotMatch(lines(quiet, 0.5), /machine was busy/, String(quiet));
  // Others busy on cores this run did not want (its workers hardly waited): not this run's wall time's concern.
  assert.doesNotMatch(lines(0.48, 0.05), /machine was busy/);
});

// About a second alone, two beside the burner: over MIN_TICKS_PER_CPU either way.
const RUN = ['run', '--set', 'clients.count=200000', '--set', 'durationS=600', '--workers', '1', '--json', '--quiet'];
const hasSchedstat = existsSync('/proc/thread-self/schedstat');
const hasProcStat = existsSync('/proc/stat');
/** The first CPU this process may run on (a container may not have CPU 0), from /proc/self/status. */
function firstAllowedCpu(): string {
  const m = /^Cpus_allowed_list:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? m[1] : '0';
}
/** Nanoseconds a process has run, all threads (/proc/PID/schedstat is its main thread's; the burner has one busy thread). */
function ranNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

test('a run says how long its worker waited for a CPU, and what others used: beside a process burning the same CPU', async (t) => {
  if (!hasSchedstat || !hasProcStat) {
    // Elsewhere the figures are unknown, and say so: each from its own source.
    const r = await runCli(RUN);
    assert.equal(r.code, 0, r.stderr);
    const perf = JSON.parse(r.stdout).perf;
    if (!hasSchedstat) {
      assert.equal(perf.cpuWaitShare, null);
      assert.equal(perf.workerCpuS, null);
    }
    if (!hasProcStat) assert.equal(perf.othersCpuShare, null);
    return;
  }
  const cpu = firstAllowedCpu();
  assert.equal(spawnSync('taskset', ['-c', cpu, 'true']).status, 0, 'taskset (util-linux) is needed to pin this test to one CPU');
  // Pinned to one CPU, even alone the worker shares it with Node's own threads (the coordinator's start-up, V8's
  // background compilers and collector): about 0.3 here. The burner takes half of what is left.
  const pinned = ['taskset', '-c', cpu];
  const alone = await runCli(RUN, { launcher: pinned });
  assert.equal(alone.code, 0, alone.stderr);
  const burner = spawn('taskset', ['-c', cpu, process.execPath, '-e', 'for (;;);'], { stdio: 'ignore' });
  t.after(() => burner.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 200));
  const burnerRan0 = ranNs(burner.pid as number);
  const t0 = performance.now();
  const shared = await runCli(RUN, { launcher: pinned });
  // What the burner took of the whole machine over the run's process (taskset execs node: the same pid).
  const burnerShare = (ranNs(burner.pid as number) - burnerRan0) / 1e6 / ((performance.now() - t0) * os.cpus().length);
  burner.kill('SIGKILL');
  assert.equal(shared.code, 0, shared.stderr);
  const a = JSON.parse(alone.stdout).perf;
  const s = JSON.parse(shared.stdout).perf;
  t.diagnostic(`alone: ${JSON.stringify(a)}; beside the burner: ${JSON.stringify(s)}`);
  for (const p of [a, s]) {
    assert.ok(p.cpuWaitShare >= 0 && p.cpuWaitShare <= 1, `cpuWaitShare ${p.cpuWaitShare}`);
    // One worker thread can run at most the run's wall time (its task starts after the run's clock does).
    assert.ok(p.workerCpuS > 0 && p.workerCpuS <= p.wallS * 1.02, `workerCpuS ${p.workerCpuS}, wallS ${p.wallS}`);
  }
  // A fair scheduler gives the two busy threads half the CPU each: the worker waits about half its time.
  assert.ok(s.cpuWaitShare >= 0.25, `beside the burner: cpuWaitShare ${s.cpuWaitShare}`);
  assert.ok(s.cpuWaitShare - a.cpuWaitShare >= 0.15, `alone ${a.cpuWaitShare}, beside the burner ${s.cpuWaitShare}`);
  assert.ok(s.workerCpuS < s.wallS * 0.8, `beside the burner the worker ran ${s.workerCpuS} s of ${s.wallS} s`);
  // The others' share holds the burner's, measured apart from its own schedstat (less the span outside the run's
  // clock); this run's own work is not in it. Alone, it is below what the burner took.
  t.diagnostic(`the burner's share of the machine: ${burnerShare}`);
  assert.ok(burnerShare > 0.1 / os.cpus().length, `the burner ran: ${burnerShare}`);
  assert.ok(s.othersCpuShare >= 0.6 * burnerShare, `beside the burner: othersCpuShare ${s.othersCpuShare}, the burner ${burnerShare}`);
  assert.ok(a.othersCpuShare < s.othersCpuShare, `alone ${a.othersCpuShare}, beside the burner ${s.othersCpuShare}`);
});
