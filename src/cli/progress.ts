/**
 * Progress of a run on stderr: a cli-progress bar on a terminal (simulated time, attempts per second, ETA),
 * plain lines every few seconds otherwise (logs, CI, pipes), nothing with --quiet or --json.
 *
 * Rates and the ETA come from the last few seconds of samples rather than from the start of the run: a run's
 * speed changes when the outage starts (retries multiply the attempts), and a whole-run average would lag.
 */
import cliProgress from 'cli-progress';
import { fmtCount, fmtDuration, fmtElapsed } from '../report/format.ts';
import type { Colors } from '../report/table.ts';

export interface ProgressSample {
  simS: number;
  attempts: number;
  wallS: number;
}

export interface Progress {
  update(p: ProgressSample): void;
  /** Remove the bar (or stop printing lines); safe to call twice. */
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

/** Seconds of samples the rates are measured over. */
const RATE_WINDOW_S = 5;

/** Plain-line mode: the first line soon, so a watcher knows the run started, then one every LINE_EVERY_S. */
export const FIRST_LINE_S = 1;
export const LINE_EVERY_S = 5;

class RateTracker {
  private readonly samples: ProgressSample[] = [];

  add(p: ProgressSample): void {
    this.samples.push(p);
    while (this.samples.length > 2 && p.wallS - this.samples[0].wallS > RATE_WINDOW_S) this.samples.shift();
  }

  /** Simulated seconds and attempts per wall second over the window (null until two samples). */
  rates(): { simPerS: number; attemptsPerS: number } | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    const dt = b.wallS - a.wallS;
    if (dt <= 0) return null;
    return { simPerS: (b.simS - a.simS) / dt, attemptsPerS: (b.attempts - a.attempts) / dt };
  }
}

function eta(durationS: number, simS: number, simPerS: number | undefined): string {
  if (simS >= durationS) return '0 s';
  if (!simPerS || simPerS <= 0) return '?';
  const s = (durationS - simS) / simPerS;
  return s < 120 ? `${Math.ceil(s)} s` : fmtDuration(s);
}

export function createProgress(mode: ProgressMode, durationS: number, stream: NodeJS.WritableStream, c: Colors): Progress {
  if (mode === 'none') return { update() {}, stop() {} };
  const rates = new RateTracker();
  if (mode === 'lines') {
    let nextAtS = FIRST_LINE_S;
    let stopped = false;
    return {
      update(p) {
        rates.add(p);
        if (stopped || p.wallS < nextAtS) return;
        nextAtS = p.wallS + LINE_EVERY_S;
        const r = rates.rates();
        const pct = Math.min(100, (p.simS / durationS) * 100);
        stream.write(
          `cascadesim: ${pct.toFixed(0)}% simulated (${fmtElapsed(p.simS)} of ${fmtElapsed(durationS)}), ${r ? fmtCount(r.attemptsPerS) : '?'} attempts/s, ETA ${eta(durationS, p.simS, r?.simPerS)}\n`,
        );
      },
      stop() {
        stopped = true;
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${c.cyan('{bar}')} {percentage}% | {sim} of {dur} simulated | {rate} attempts/s | ETA {etaText}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      barsize: 30,
      // The cursor stays visible: a second Ctrl-C kills the process before stop() could restore it.
      hideCursor: false,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(p) {
      if (stopped) return;
      rates.add(p);
      const r = rates.rates();
      const payload = {
        sim: fmtElapsed(p.simS),
        dur: fmtElapsed(durationS),
        rate: r ? fmtCount(r.attemptsPerS) : '?',
        etaText: eta(durationS, p.simS, r?.simPerS),
      };
      const value = Math.min(durationS, p.simS);
      if (!started) {
        bar.start(durationS, value, payload);
        started = true;
      } else {
        bar.update(value, payload);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (started) bar.stop();
    },
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}
