/**
 * Ctrl-C mid-run, end to end: spawn the real CLI, wait for its first progress line, send SIGINT. The run must
 * stop at the next epoch, write its result and HTML report marked partial, and exit with 130; the result must
 * read back (report works on it) with as many windows as the simulated time it reached.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readResultFile } from '../src/result/file.ts';
import { CLI, hasStackTrace, ROOT, runCli } from './helpers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-sigint-'));

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Progress lines seen before the interrupt. */
  progressBefore: number;
}

/** Runs the CLI, sends SIGINT once the first plain progress line (stderr is a pipe, not a TTY) appears. */
function runAndInterrupt(args: string[], timeoutMs = 60_000): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    let progressBefore = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /% simulated \(/.test(stderr)) {
        sent = true;
        progressBefore = (stderr.match(/% simulated \(/g) ?? []).length;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, progressBefore });
    });
  });
}

describe('SIGINT during a run', () => {
  it('writes a readable partial result and HTML report and exits 130', async () => {
    const out = path.join(tmp, 'partial.msgpack');
    const html = path.join(tmp, 'partial.html');
    // The default 1M-client dns-race takes tens of seconds: long enough to be interrupted after the first line.
    const r = await runAndInterrupt(['run', 'dns-race', '--out', out, '--html', html]);
    assert.equal(r.signal, null, `killed by the test timeout or the signal: ${r.stderr}`);
    assert.ok(r.progressBefore >= 1, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted; stopping at the next epoch and writing a partial result/);
    assert.equal(hasStackTrace(r.stderr), false, r.stderr);
    assert.match(r.stdout, /PARTIAL \(interrupted\)/);
    assert.match(r.stdout, /result written to .*partial\.msgpack \(partial\)/);

    const res = readResultFile(out);
    assert.equal(res.partial, true);
    assert.ok(res.reachedS > 0 && res.reachedS < res.scenario.durationS, `reached ${res.reachedS}`);
    assert.equal(res.windows.clients.length, Math.ceil(res.reachedS / res.scenario.sim.windowS));
    assert.ok(res.windows.clients.every((w) => w.toS <= res.reachedS));
    assert.equal(res.phases.at(-1)?.toS, res.reachedS);
    assert.deepEqual(readdirSync(tmp).filter((f) => f.endsWith('.tmp')), []);
    assert.ok(existsSync(html));
    assert.match(readFileSync(html, 'utf8'), /Partial result: the run was interrupted/);

    const rep = await runCli(['report', out, '--json']);
    assert.equal(rep.code, 0, rep.stderr);
    const j = JSON.parse(rep.stdout) as { partial: boolean; windows: unknown[] };
    assert.equal(j.partial, true);
    assert.equal(j.windows.length, res.windows.clients.length);
  });
});
