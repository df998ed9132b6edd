/**
 * Exports of the per-window series: CSV (RFC 4180, one row per window, a header naming each column with its
 * unit), JSON of the same table, and HdrHistogram interval logs of the latency windows.
 *
 * Numbers are written with JavaScript's shortest round-trip form, so a value read back from the CSV is the
 * very double the result file holds.
 */
import * as hdr from 'hdr-histogram-js';
import type { RunResult } from '../engine/result.ts';
import { InputError } from '../errors.ts';
import { clockOrigin } from './access.ts';
import { type Cell, windowTable } from './series.ts';

function csvCell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

export function windowsCsv(r: RunResult): string {
  const t = windowTable(r);
  const lines = [t.columns.map((c) => c.name).join(',')];
  for (const row of t.rows) lines.push(row.map(csvCell).join(','));
  // CRLF line ends, as RFC 4180 asks; every spreadsheet and CSV parser reads them.
  return `${lines.join('\r\n')}\r\n`;
}

export function windowsJson(r: RunResult): Record<string, unknown> {
  const t = windowTable(r);
  return {
    scenario: r.scenario.name,
    seed: r.seed,
    digest: r.digest,
    partial: r.partial,
    reachedS: r.reachedS,
    windowS: r.scenario.sim.windowS,
    columns: t.columns,
    windows: t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i]]))),
  };
}

/**
 * HdrHistogram interval log (format 1.3) of the clients' latency windows, values in microseconds, one interval
 * per metrics window, timestamps in simulated seconds since the run began. The request latency from the
 * intended start (the coordinated-omission-free figure) is written untagged, so standard tools such as
 * HistogramLogProcessor read it by default; the per-attempt latency follows as Tag=attempt.
 */
export function hdrLog(r: RunResult): string {
  const wins = r.windows.clients;
  if (wins.length === 0)
    throw new InputError([`result of ${r.scenario.name} has no latency windows (it ran without clients)`], 'nothing to export');
  const origin = clockOrigin(r);
  const startMs = origin ? Date.parse(origin) : 0;
  let text = '';
  const writer = new hdr.HistogramLogWriter((s) => {
    text += s;
  });
  writer.outputComment(`[cascadesim ${r.scenario.name}, seed ${r.seed}, digest ${r.digest}${r.partial ? ', PARTIAL' : ''}]`);
  writer.outputComment(
    `[values in microseconds; Interval_Max in milliseconds; timestamps in simulated seconds since ${origin ?? 'the start of the run (no wall clock)'}]`,
  );
  writer.outputComment('[untagged: request latency from the intended start; Tag=attempt: latency of single attempts]');
  writer.outputLogFormatVersion();
  // The writer's own outputStartTime() emits a blank line after the comment; strict readers stop at it.
  writer.outputComment(`[StartTime: ${(startMs / 1000).toFixed(3)} (seconds since epoch), ${new Date(startMs).toUTCString()}]`);
  writer.outputLegend();
  for (const [i, w] of wins.entries()) {
    for (const [tag, b64] of [
      [null, w.hdr.intended],
      ['attempt', w.hdr.attempt],
    ] as const) {
      let h: hdr.Histogram;
      try {
        h = hdr.decodeFromCompressedBase64(b64, 64, false);
      } catch {
        // The checksum held, so whoever wrote the file wrote this: say where, not the decoder's internals.
        throw new InputError([`windows.clients[${i}].hdr.${tag ?? 'intended'}: not an HdrHistogram encoding`], 'bad result file');
      }
      if (tag) h.tag = tag;
      writer.outputIntervalHistogram(h, w.fromS, w.toS, 1000);
    }
  }
  return text;
}
