/** Progress of a sweep on stderr: runs done, runs per second and ETA; a bar on a terminal, a line every 5 s otherwise. */
import cliProgress from 'cli-progress';
import { fmtDuration } from '../report/format.ts';
import type { Colors } from '../report/table.ts';

export interface SweepProgress {
  update(done: number, wallS: number): void;
  stop(): void;
}

function eta(left: number, perS: number): string {
  if (left <= 0) return '0 s';
  if (!(perS > 0)) return '?';
  const s = left / perS;
  return s < 120 ? `${Math.ceil(s)} s` : fmtDuration(s);
}

export function sweepProgress(mode: 'bar' | 'lines' | 'none', total: number, stream: NodeJS.WritableStream, c: Colors): SweepProgress {
  if (mode === 'none' || total === 0) return { update() {}, stop() {} };
  if (mode === 'lines') {
    let nextS = 1;
    let stopped = false;
    return {
      update(done, wallS) {
        if (stopped || (wallS < nextS && done < total)) return;
        nextS = wallS + 5;
        const perS = done / Math.max(wallS, 1e-9);
        stream.write(`cascadesim: ${done} of ${total} runs, ${perS.toFixed(1)} runs/s, ETA ${eta(total - done, perS)}\n`);
      },
      stop() {
        stopped = true;
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${c.cyan('{bar}')} {value}/{total} runs | {rate} runs/s | ETA {etaText}`,
      barsize: 30,
      hideCursor: false,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(done, wallS) {
      if (stopped) return;
      const perS = done / Math.max(wallS, 1e-9);
      const payload = { rate: perS.toFixed(1), etaText: eta(total - done, perS) };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else bar.update(done, payload);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (started) bar.stop();
    },
  };
}
