/** Shared by the tests: run scenarios in-process or through the real CLI. */
import { spawn } from 'node:child_process';
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

/** Run the built CLI (dist/cli.js; `npm test` builds first). Kills it after timeoutMs so a hang fails the test. */
export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
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
