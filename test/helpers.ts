/** Shared by the tests: run scenarios in-process or through the real CLI. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../src/config/load.ts';
import type { Scenario } from '../src/config/schema.ts';
import { runSimulation } from '../src/engine/coordinator.ts';
import type { RunResult } from '../src/engine/result.ts';

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export function scenario(name: string, sets: string[] = []): Scenario {
  return loadScenario(name, { sets }).scenario;
}

/** One worker on this thread: the same code path as a pool worker, without thread start-up. */
export function runInProcess(s: Scenario): Promise<RunResult> {
  return runSimulation(s, { workers: 1, inProcess: true });
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the built CLI (dist/cli.js; `npm test` builds first). Kills it after timeoutMs so a hang fails the test.
 * `nodeArgs` go to node before the script (V8 flags such as --trace-gc); `launcher` runs node (e.g. taskset).
 */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string; nodeArgs?: string[]; launcher?: string[] } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // `launcher`: a command that starts node, such as `taskset -c 0`.
    const [cmd, ...pre] = [...(opts.launcher ?? []), process.execPath];
    const child = spawn(cmd, [...pre, ...(opts.nodeArgs ?? []), CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** No stack trace leaked to the user. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+\(.+:\d+:\d+\)$/m.test(text) || /^\s+at .+:\d+:\d+$/m.test(text);
}

/** Run the built CLI with its stdout sent to an open descriptor (a device such as /dev/full, a file). */
export function runCliToFd(args: string[], stdoutFd: number, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', stdoutFd, 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: '', stderr });
    });
  });
}

export interface Interrupted extends CliRun {
  /** Progress lines seen before the signal. */
  progressBefore: number;
}

/**
 * A run that lasts until it is signalled: its simulated time is far longer than any test waits (the budgets of
 * the scenario schema allow it), so how fast the engine is cannot decide the outcome.
 */
export const ENDLESS = ['--set', 'durationS=3000000'];

/** A CLI process the test drives: wait for its stderr to match, signal it, collect what it printed. */
export interface RunningCli {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves once stderr matches (rejects if the process ends first). */
  waitFor: (re: RegExp) => Promise<void>;
  /**
   * Resolves once the process has used `cpuS` seconds of CPU (Linux /proc). For runs that print nothing: start-up
   * to the signal handlers costs well under a second of CPU, so a few seconds of it mean the run itself is going,
   * however loaded the machine and however fast the engine.
   */
  waitForCpu: (cpuS: number) => Promise<void>;
  done: Promise<CliRun>;
}

/** User + system CPU time of a process and its threads (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export function startCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of waiters.splice(0)) {
      if (w.re.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0))
        w.reject(new Error(`the CLI ended (${code ?? signal}) before its stderr matched ${w.re}: ${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitFor = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ re, resolve, reject });
      check();
    });
  const waitForCpu = (cpuS: number) =>
    new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (child.exitCode !== null || child.signalCode !== null) {
          clearInterval(poll);
          reject(new Error(`the CLI ended before using ${cpuS} s of CPU: ${stderr}`));
        } else if (child.pid !== undefined && cpuSeconds(child.pid) >= cpuS) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
    });
  return { child, stderr: () => stderr, waitFor, waitForCpu, done };
}

/**
 * Run the CLI and send `signal` once its first plain progress line appears (stderr is a pipe, so progress comes as
 * lines, the first after a second of wall time into the run, when the signal handlers are surely in place).
 */
export async function runAndSignal(args: string[], opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<Interrupted> {
  const cli = startCli(args, opts);
  let progressBefore = 0;
  try {
    await cli.waitFor(/% simulated \(/);
    progressBefore = (cli.stderr().match(/% simulated \(/g) ?? []).length;
    cli.child.kill(opts.signal ?? 'SIGINT');
  } catch {
    // Ended before any progress: the caller's assertions say what went wrong.
  }
  return { ...(await cli.done), progressBefore };
}
