/**
 * Progress output: the bar on a terminal (simulated time, attempts per second, ETA), plain lines on a pipe
 * (the first after a second, then every few seconds), nothing when quiet; colour only on a terminal without
 * NO_COLOR. Driven with synthetic samples, so the timing is exact.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import pc from 'picocolors';
import { createProgress, FIRST_LINE_S, LINE_EVERY_S, useColor } from '../src/cli/progress.ts';
import { ENDLESS, startCli } from './helpers.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: an ANSI escape sequence starts with ESC
const ESC = /\x1b\[/;

function sink(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 160;
  // cli-progress moves the cursor with readline on a TTY; a PassThrough just collects the bytes.
  Object.assign(stream, { cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

/** 20 s of samples every 0.25 s wall; 100 simulated seconds and 1M attempts per wall second. */
function feed(p: ReturnType<typeof createProgress>, untilS = 20): void {
  for (let t = 0; t <= untilS + 1e-9; t += 0.25) p.update({ simS: Math.min(4800, 100 * t), attempts: 1e6 * t, wallS: t });
}

describe('progress', () => {
  it('plain lines: the first after a second, then one every few seconds, with rate and ETA', () => {
    const { stream, text } = sink(false);
    const p = createProgress('lines', 4800, stream, pc.createColors(false));
    feed(p);
    p.stop();
    const lines = text().trim().split('\n');
    // 20 s of run: lines at 1 s, 6 s, 11 s, 16 s.
    assert.equal(lines.length, 1 + Math.floor((20 - FIRST_LINE_S) / LINE_EVERY_S));
    assert.match(lines[0], /^cascadesim: 2% simulated \(0:01:40 of 1:20:00\), 1\.00M attempts\/s, ETA 47 s$/);
    assert.match(lines[1], /^cascadesim: 13% simulated \(0:10:00 of 1:20:00\), 1\.00M attempts\/s, ETA 42 s$/);
    assert.doesNotMatch(text(), ESC, 'no escape codes on a pipe');
  });

  it('a bar on a terminal, with simulated time, attempts/s and ETA', () => {
    const { stream, text } = sink(true);
    const p = createProgress('bar', 4800, stream, pc.createColors(false));
    feed(p, 3);
    p.stop();
    assert.match(text(), /\d+% \| 0:0\d:\d\d of 1:20:00 simulated \| 1\.00M attempts\/s \| ETA \d+ s/);
  });

  it('nothing at all when quiet', () => {
    const { stream, text } = sink(true);
    const p = createProgress('none', 4800, stream, pc.createColors(true));
    feed(p);
    p.stop();
    assert.equal(text(), '');
  });

  it('colour on a terminal only, and never with NO_COLOR', () => {
    assert.equal(useColor({ isTTY: true }, {}), true);
    assert.equal(useColor({ isTTY: false }, {}), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: '' }), true);
  });

  it('the CLI on a pipe: progress lines without colour codes; --json and --quiet print no progress', async () => {
    // Runs that last until signalled, so the engine's speed cannot decide the outcome.
    const args = ['run', 'dns-race', ...ENDLESS, '--workers', '2'];
    const runs = [startCli(args, { env: { NO_COLOR: '' } }), startCli([...args, '--json']), startCli([...args, '--quiet'])];
    // The first is signalled at its first progress line (a second into its run); the two that print nothing once
    // they have used three seconds of CPU (the run is going: their handlers are in place, and any progress would
    // have shown).
    await Promise.all([runs[0].waitFor(/% simulated \(/), runs[1].waitForCpu(3), runs[2].waitForCpu(3)]);
    for (const c of runs) c.child.kill('SIGINT');
    const [r, j, q] = await Promise.all(runs.map((c) => c.done));
    assert.equal(r.code, 130, `${r.signal} ${r.stderr}`);
    assert.match(r.stderr, /^cascadesim: \d+% simulated \(/m);
    assert.doesNotMatch(r.stdout + r.stderr, ESC);
    assert.equal(j.code, 130, `${j.signal} ${j.stderr}`);
    assert.equal(j.stderr, '');
    assert.equal((JSON.parse(j.stdout) as { partial: boolean }).partial, true);
    assert.equal(q.code, 130, `${q.signal} ${q.stderr}`);
    assert.equal(q.stderr + q.stdout, '');
  });
});
