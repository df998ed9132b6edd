/**
 * Ctrl-C and SIGTERM mid-run, end to end: spawn the real CLI on a run far longer than the test waits, wait for its
 * first progress line, send the signal. The run must stop at the next epoch, write its result and HTML report
 * marked partial, and exit with 130; the result must read back (report works on it) with as many windows as the
 * simulated time it reached. However fast the engine gets, the run is still going when the signal arrives.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readResultFile } from '../src/result/file.ts';
import { ENDLESS, hasStackTrace, runAndSignal, runCli } from './helpers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-sigint-'));

async function interruptAndCheck(signal: NodeJS.Signals, name: string): Promise<void> {
  const out = path.join(tmp, `${name}.msgpack`);
  const html = path.join(tmp, `${name}.html`);
  const r = await runAndSignal(['run', 'dns-race', ...ENDLESS, '--out', out, '--html', html], { signal });
  assert.equal(r.signal, null, `killed by the test timeout or the signal: ${r.stderr}`);
  assert.ok(r.progressBefore >= 1, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, new RegExp(`interrupted \\(${signal}\\); stopping at the next epoch and writing a partial result`));
  assert.equal(hasStackTrace(r.stderr), false, r.stderr);
  assert.match(r.stdout, /PARTIAL \(interrupted\)/);
  assert.match(r.stdout, new RegExp(`result written to .*${name}\\.msgpack \\(partial\\)`));

  const res = readResultFile(out);
  assert.equal(res.partial, true);
  assert.ok(res.reachedS > 0 && res.reachedS < res.scenario.durationS, `reached ${res.reachedS}`);
  assert.equal(res.windows.clients.length, Math.ceil(res.reachedS / res.scenario.sim.windowS));
  assert.ok(res.windows.clients.every((w) => w.toS <= res.reachedS));
  assert.equal(res.phases.at(-1)?.toS, res.reachedS);
  assert.deepEqual(
    readdirSync(tmp).filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.ok(existsSync(html));
  assert.match(readFileSync(html, 'utf8'), /Partial result: the run was interrupted/);

  const rep = await runCli(['report', out, '--json']);
  assert.equal(rep.code, 0, rep.stderr);
  const j = JSON.parse(rep.stdout) as { partial: boolean; windows: unknown[] };
  assert.equal(j.partial, true);
  assert.equal(j.windows.length, res.windows.clients.length);
}

describe('a signal during a run', () => {
  it('SIGINT (Ctrl-C) writes a readable partial result and HTML report and exits 130', async () => {
    await interruptAndCheck('SIGINT', 'sigint');
  });

  it('SIGTERM (timeout, CI runners, Kubernetes) does the same', async () => {
    await interruptAndCheck('SIGTERM', 'sigterm');
  });
});
