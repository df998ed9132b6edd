/**
 * perf.cpuWaitShare and perf.workerCpuS (src/engine/thread-cpu.ts): what the machine gave the worker threads. The
 * schedstat parser on its own, and the real CLI with its worker thread made to share one CPU with a process that
 * burns it (both pinned with taskset), against the same run with that CPU to itself.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { parseSchedstat } from '../src/engine/thread-cpu.ts';
import { runCli } from './helpers.ts';

test('parseSchedstat reads the run and run-queue nanoseconds, and nothing else', () => {
  assert.deepEqual(parseSchedstat('1500000000 250000000 42\n'), { runS: 1.5, waitS: 0.25 });
  assert.deepEqual(parseSchedstat('7 0 1'), { runS: 7e-9, waitS: 0 });
  // A kernel without schedstats, or something else in the file: no figure rather than a wrong one.
  for (const bad of ['', '\n', 'abc def 1', '-5 3 1', '12']) assert.equal(parseSchedstat(bad), null, JSON.stringify(bad));
});

const RUN = ['run', '--set', 'clients.count=100000', '--set', 'durationS=600', '--workers', '1', '--json', '--quiet'];
const hasSchedstat = existsSync('/proc/thread-self/schedstat');
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

test('a run says how long its worker waited for a CPU: about half its time beside a process burning the same CPU', async (t) => {
  if (!hasSchedstat) {
    // Elsewhere the figures are unknown, and say so.
    const r = await runCli(RUN);
    assert.equal(r.code, 0, r.stderr);
    const perf = JSON.parse(r.stdout).perf;
    assert.equal(perf.cpuWaitShare, null);
    assert.equal(perf.workerCpuS, null);
    return;
  }
  assert.ok(hasTaskset, 'taskset (util-linux) is needed to pin this test to one CPU');
  // Pinned to one CPU, even alone the worker shares it with Node's own threads (the coordinator's start-up, V8's
  // background compilers and collector): about 0.3 here. The burner adds half of what is left.
  const pinned = ['taskset', '-c', '0'];
  const alone = await runCli(RUN, { launcher: pinned });
  assert.equal(alone.code, 0, alone.stderr);
  const burner = spawn('taskset', ['-c', '0', process.execPath, '-e', 'for (;;);'], { stdio: 'ignore' });
  t.after(() => burner.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 200));
  const shared = await runCli(RUN, { launcher: pinned });
  const human = await runCli(
    RUN.filter((a) => a !== '--json' && a !== '--quiet'),
    { launcher: pinned },
  );
  burner.kill('SIGKILL');
  assert.equal(shared.code, 0, shared.stderr);
  const a = JSON.parse(alone.stdout).perf;
  const s = JSON.parse(shared.stdout).perf;
  for (const p of [a, s]) {
    assert.ok(p.cpuWaitShare >= 0 && p.cpuWaitShare <= 1, `cpuWaitShare ${p.cpuWaitShare}`);
    // One worker thread can run at most the run's wall time (its task starts after the run's clock does).
    assert.ok(p.workerCpuS > 0 && p.workerCpuS <= p.wallS * 1.02, `workerCpuS ${p.workerCpuS}, wallS ${p.wallS}`);
  }
  t.diagnostic(`alone: ${JSON.stringify(a)}; beside the burner: ${JSON.stringify(s)}`);
  // A fair scheduler gives the two busy threads half the CPU each: the worker waits about half its time.
  assert.ok(s.cpuWaitShare >= 0.25, `beside the burner: cpuWaitShare ${s.cpuWaitShare}`);
  assert.ok(s.cpuWaitShare - a.cpuWaitShare >= 0.15, `alone ${a.cpuWaitShare}, beside the burner ${s.cpuWaitShare}`);
  assert.ok(s.workerCpuS < s.wallS * 0.8, `beside the burner the worker ran ${s.workerCpuS} s of ${s.wallS} s`);
  // The summary says so too.
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /the machine was busy: the workers waited \d+% of their time for a CPU/);
});
