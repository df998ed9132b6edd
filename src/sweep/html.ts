/**
 * A sweep's self-contained HTML report: the summary table, and charts drawn as inline SVG on the server side (no
 * script at all, so the page opens anywhere and its Content-Security-Policy forbids everything):
 *  - one varied parameter (or the x axis): each metric's median against it as a line, p5-p95 as a band, and each
 *    outcome's share with its Wilson interval as a band; with `report.lines`, one line per combination of the
 *    other parameters instead of heatmaps;
 *  - two or more: a heatmap per outcome and metric over (x, y), one per combination of the other parameters, with
 *    the metastable region (the cells where the `report.region` outcome held in under half the runs) outlined;
 *  - one-at-a-time designs: a tornado chart per metric (the median's move from the baseline at each factor).
 * uPlot (used by the run report) draws neither heatmaps nor tornado charts, and these charts are static: a few
 * dozen SVG elements each.
 */
import { esc } from '../report/html.ts';
import { sig3 } from '../report/format.ts';
import { fmtParam, fmtShare, fmtSpread, pointColumns } from './report.ts';
import type { PointSummary, SweepSummary } from './summary.ts';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #555; margin: 0 0 8px; } .partial { background: #fff3cd; border: 1px solid #e0c36a; padding: 8px 12px; border-radius: 4px; }
table.t { border-collapse: collapse; background: #fff; margin: 6px 0 12px; font-variant-numeric: tabular-nums; display: block; overflow-x: auto; max-width: 100%; }
table.t th, table.t td { border: 1px solid #e2e2e2; padding: 3px 8px; text-align: right; white-space: nowrap; } table.t th { background: #f0f0f0; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } figure { background: #fff; border: 1px solid #e2e2e2; border-radius: 4px; margin: 0; padding: 6px; }
figcaption { font-size: 12px; color: #333; margin: 0 4px 4px; } svg text { font: 11px system-ui, sans-serif; fill: #333; }
.note { color: #555; font-size: 12px; }
`;

const COLORS = ['#1a4f8b', '#c2185b', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#455a64'];

type Value = { v: number | null; lo: number | null; hi: number | null };

/** What a chart shows of a point: an outcome's share with its interval, or a metric's median with p5/p95. */
interface Series {
  title: string;
  kind: 'share' | 'metric';
  at: (p: PointSummary) => Value;
  tip: (p: PointSummary) => string;
}

function seriesOf(s: SweepSummary): Series[] {
  const out: Series[] = [];
  for (const o of Object.keys(s.outcomes)) {
    out.push({
      title: `P(${o}): ${s.outcomes[o]}`,
      kind: 'share',
      at: (p) => ({ v: p.outcomes[o].share, lo: p.outcomes[o].lo, hi: p.outcomes[o].hi }),
      tip: (p) => fmtShare(p.outcomes[o]),
    });
  }
  for (const m of s.metrics)
    out.push({
      title: m,
      kind: 'metric',
      at: (p) => ({ v: p.metrics[m].median, lo: p.metrics[m].p5, hi: p.metrics[m].p95 }),
      tip: (p) => fmtSpread(p.metrics[m]),
    });
  return out;
}

function numeric(values: unknown[]): boolean {
  return values.every((v) => typeof v === 'number');
}

function distinct(points: PointSummary[], k: string): unknown[] {
  const seen = new Map<string, unknown>();
  for (const p of points) seen.set(JSON.stringify(p.params[k] ?? null), p.params[k] ?? null);
  return [...seen.values()];
}

function niceRange(lo: number, hi: number): [number, number] {
  if (!(hi > lo)) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

const W = 420;
const H = 260;
const M = { l: 56, r: 12, t: 12, b: 40 };

/**
 * Lines (median or share) with bands (p5-p95 or the Wilson interval) against x, one line per combination of the
 * values of the parameters in `by` (none: one line).
 */
export function lineChart(points: PointSummary[], x: string, by: readonly string[], ser: Series): string {
  const xs = distinct(points, x);
  const isNum = numeric(xs);
  const xPos = (v: unknown) => (isNum ? (v as number) : xs.findIndex((u) => JSON.stringify(u) === JSON.stringify(v)));
  const label = (p: PointSummary) => by.map((k) => `${k}=${fmtParam(p.params[k] ?? null)}`).join(' ');
  const groups = [...new Set(points.map(label))];
  const vals = points.flatMap((p) => {
    const a = ser.at(p);
    return [a.v, a.lo, a.hi].filter((z): z is number => z !== null && Number.isFinite(z));
  });
  if (vals.length === 0) return '';
  const [x0, x1] = niceRange(Math.min(...xs.map(xPos)), Math.max(...xs.map(xPos)));
  const [y0, y1] = ser.kind === 'share' ? [0, 1] : niceRange(Math.min(...vals), Math.max(...vals));
  const sx = (v: number) => M.l + ((v - x0) / (x1 - x0)) * (W - M.l - M.r);
  const sy = (v: number) => H - M.b - ((v - y0) / (y1 - y0)) * (H - M.t - M.b);
  const parts: string[] = [];
  // Axes and ticks.
  parts.push(
    `<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="#999"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="#999"/>`,
  );
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    parts.push(
      `<text x="${M.l - 4}" y="${sy(v) + 4}" text-anchor="end">${esc(ser.kind === 'share' ? `${Math.round(v * 100)}%` : sig3(v))}</text>`,
    );
  }
  for (const v of xs) parts.push(`<text x="${sx(xPos(v))}" y="${H - M.b + 14}" text-anchor="middle">${esc(fmtParam(v))}</text>`);
  parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 6}" text-anchor="middle">${esc(x)}</text>`);
  groups.forEach((g, gi) => {
    const color = COLORS[gi % COLORS.length];
    const ps = points
      .filter((p) => label(p) === g)
      .map((p) => ({ x: xPos(p.params[x] ?? null), ...ser.at(p) }))
      .filter((p) => p.v !== null)
      .sort((a, b) => a.x - b.x);
    if (ps.length === 0) return;
    const band = [
      ...ps.map((p) => `${sx(p.x)},${sy(p.hi ?? (p.v as number))}`),
      ...[...ps].reverse().map((p) => `${sx(p.x)},${sy(p.lo ?? (p.v as number))}`),
    ];
    parts.push(`<polygon points="${band.join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(
      `<polyline points="${ps.map((p) => `${sx(p.x)},${sy(p.v as number)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    for (const p of ps) parts.push(`<circle cx="${sx(p.x)}" cy="${sy(p.v as number)}" r="2.5" fill="${color}"/>`);
    if (by.length > 0)
      parts.push(
        `<text x="${W - M.r - 4}" y="${M.t + 12 + gi * 13}" text-anchor="end" fill="${color}" style="fill:${color}">${esc(g)}</text>`,
      );
  });
  const band = ser.kind === 'share' ? 'band: 95% Wilson interval' : 'band: p5-p95 across seeds';
  return `<figure><figcaption>${esc(ser.title)} <span class="note">(${band})</span></figcaption><svg role="img" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg></figure>`;
}

function heatColor(t: number): string {
  // White to dark blue.
  const c = (a: number, b: number) => Math.round(a + (b - a) * Math.max(0, Math.min(1, t)));
  return `rgb(${c(247, 8)},${c(251, 48)},${c(255, 107)})`;
}

/**
 * A heatmap of one series over (x, y). `stuck(p)` marks the metastable cells: the boundary between stuck and
 * non-stuck cells (and the chart's edge) is drawn as a thick red outline.
 */
export function heatmap(
  points: PointSummary[],
  x: string,
  y: string,
  ser: Series,
  stuck: ((p: PointSummary) => boolean) | null,
  title: string,
): string {
  const xs = distinct(points, x);
  const ys = distinct(points, y);
  const cell = (xi: number, yi: number) =>
    points.find(
      (p) =>
        JSON.stringify(p.params[x] ?? null) === JSON.stringify(xs[xi]) && JSON.stringify(p.params[y] ?? null) === JSON.stringify(ys[yi]),
    );
  const vals = points.map((p) => ser.at(p).v).filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = ser.kind === 'share' ? [0, 1] : [Math.min(...vals), Math.max(...vals)];
  const cw = Math.max(16, Math.min(70, 720 / xs.length));
  // Narrow cells: no value printed inside (the tooltip has it), and every k-th x label only.
  const showValues = cw >= 34;
  const labelEvery = Math.ceil(34 / cw);
  const ch = 26;
  const ml = 90;
  const mt = 8;
  const w = ml + cw * xs.length + 10;
  const h = mt + ch * ys.length + 44;
  const parts: string[] = [];
  const isStuck = (xi: number, yi: number) => {
    const p = xi >= 0 && yi >= 0 && xi < xs.length && yi < ys.length ? cell(xi, yi) : undefined;
    return p && stuck?.(p);
  };
  // y grows upwards: the last value of y is the top row.
  const top = (yi: number) => mt + (ys.length - 1 - yi) * ch;
  for (let yi = 0; yi < ys.length; yi++) {
    parts.push(`<text x="${ml - 4}" y="${top(yi) + ch / 2 + 4}" text-anchor="end">${esc(fmtParam(ys[yi]))}</text>`);
    for (let xi = 0; xi < xs.length; xi++) {
      const p = cell(xi, yi);
      const a = p ? ser.at(p) : null;
      const v = a?.v ?? null;
      const t = v === null || hi === lo ? 0 : (v - lo) / (hi - lo);
      const label = v === null ? '-' : ser.kind === 'share' ? `${Math.round(v * 100)}%` : sig3(v);
      const tip = p ? `${x}=${fmtParam(xs[xi])} ${y}=${fmtParam(ys[yi])}: ${ser.tip(p)}` : '';
      parts.push(
        `<rect x="${ml + xi * cw}" y="${top(yi)}" width="${cw}" height="${ch}" fill="${v === null ? '#eee' : heatColor(t)}" stroke="#fff"><title>${esc(tip)}</title></rect>` +
          (showValues
            ? `<text x="${ml + xi * cw + cw / 2}" y="${top(yi) + ch / 2 + 4}" text-anchor="middle" style="fill:${t > 0.55 ? '#fff' : '#222'}">${esc(label)}</text>`
            : ''),
      );
    }
  }
  if (stuck) {
    // Outline: an edge of a stuck cell whose neighbour across it is not stuck.
    const segs: string[] = [];
    for (let yi = 0; yi < ys.length; yi++) {
      for (let xi = 0; xi < xs.length; xi++) {
        if (!isStuck(xi, yi)) continue;
        const x0 = ml + xi * cw;
        const y0 = top(yi);
        if (!isStuck(xi - 1, yi)) segs.push(`M${x0},${y0}v${ch}`);
        if (!isStuck(xi + 1, yi)) segs.push(`M${x0 + cw},${y0}v${ch}`);
        if (!isStuck(xi, yi + 1)) segs.push(`M${x0},${y0}h${cw}`);
        if (!isStuck(xi, yi - 1)) segs.push(`M${x0},${y0 + ch}h${cw}`);
      }
    }
    if (segs.length > 0) parts.push(`<path class="region" d="${segs.join('')}" fill="none" stroke="#d50000" stroke-width="3"/>`);
  }
  for (let xi = 0; xi < xs.length; xi += labelEvery)
    parts.push(`<text x="${ml + xi * cw + cw / 2}" y="${mt + ch * ys.length + 14}" text-anchor="middle">${esc(fmtParam(xs[xi]))}</text>`);
  parts.push(`<text x="${ml + (cw * xs.length) / 2}" y="${h - 8}" text-anchor="middle">${esc(x)}</text>`);
  parts.push(`<text x="4" y="${mt + 10}">${esc(y)}</text>`);
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${parts.join('')}</svg></figure>`;
}

/** Tornado: for each parameter, the baseline median's move at each factor, widest first. */
export function tornado(s: SweepSummary, metric: string): string {
  const base = s.points[0]?.metrics[metric]?.median ?? null;
  if (base === null) return '';
  const rows = s.params
    .map((k) => {
      const moves = s.points
        .filter(
          (p) =>
            p.point > 0 &&
            p.params[k] !== null &&
            p.params[k] !== 1 &&
            s.params.every((o) => o === k || p.params[o] === null || p.params[o] === 1),
        )
        .map((p) => ({ at: p.params[k], d: (p.metrics[metric].median ?? base) - base }));
      return { k, moves, width: Math.max(0, ...moves.map((m) => Math.abs(m.d))) };
    })
    .sort((a, b) => b.width - a.width);
  const maxW = Math.max(1e-9, ...rows.map((r) => r.width));
  const lw = 260;
  const bw = 360;
  const rh = 22;
  const w = lw + bw + 20;
  const h = rows.length * rh + 30;
  const cx = lw + bw / 2;
  const parts = [`<line x1="${cx}" y1="0" x2="${cx}" y2="${h - 24}" stroke="#999"/>`];
  rows.forEach((r, i) => {
    const y = i * rh + 4;
    parts.push(`<text x="${lw - 6}" y="${y + 14}" text-anchor="end">${esc(r.k)}</text>`);
    for (const m of r.moves) {
      const len = (m.d / maxW) * (bw / 2);
      const color = typeof m.at === 'number' && m.at < 1 ? '#1a4f8b' : '#c2185b';
      parts.push(
        `<rect x="${Math.min(cx, cx + len)}" y="${y + 2}" width="${Math.max(1, Math.abs(len))}" height="${rh - 6}" fill="${color}" fill-opacity="0.7"><title>${esc(`${r.k} x${fmtParam(m.at)}: ${m.d >= 0 ? '+' : ''}${sig3(m.d)}`)}</title></rect>`,
      );
    }
    parts.push(`<text x="${w - 4}" y="${y + 14}" text-anchor="end">${esc(r.width === 0 ? '0' : `±${sig3(r.width)}`)}</text>`);
  });
  parts.push(
    `<text x="${cx}" y="${h - 8}" text-anchor="middle">${esc(`change of ${metric} from the baseline (${sig3(base)}); blue: factor < 1, red: > 1`)}</text>`,
  );
  return `<figure><figcaption>${esc(metric)}</figcaption><svg role="img" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${parts.join('')}</svg></figure>`;
}

function table(s: SweepSummary): string {
  const outcomes = Object.keys(s.outcomes);
  const cols = pointColumns(s);
  const head = [...cols.head, 'runs', ...outcomes.map((o) => `P(${o}) [95% CI]`), ...s.metrics.map((m) => `${m} median [p5-p95]`)];
  const rows = s.points.map((p) => [
    ...cols.cells(p.params, p.point),
    String(p.runs),
    ...outcomes.map((o) => fmtShare(p.outcomes[o])),
    ...s.metrics.map((m) => fmtSpread(p.metrics[m])),
  ]);
  return `<table class="t"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

export function sweepHtml(s: SweepSummary, report: { region: string | null; x: string | null; y: string | null; lines?: boolean }): string {
  const series = seriesOf(s);
  const charts: string[] = [];
  const [x, y] = [report.x ?? s.params[0] ?? null, report.y ?? s.params.find((p) => p !== (report.x ?? s.params[0])) ?? null];
  const region = report.region;
  const stuck = region ? (p: PointSummary) => (p.outcomes[region]?.n ?? 0) > 0 && (p.outcomes[region].share as number) < 0.5 : null;
  if (s.design === 'one-at-a-time') {
    for (const m of s.metrics) charts.push(tornado(s, m));
  } else if (x && report.lines) {
    // Curves against x, one line per combination of the other parameters (e.g. the containment curve).
    const rest = s.params.filter((k) => k !== x);
    for (const ser of series) charts.push(lineChart(s.points, x, rest, ser));
  } else if (x && y && s.params.length >= 2) {
    // One heatmap per series and per combination of the remaining parameters.
    const rest = s.params.filter((k) => k !== x && k !== y);
    const combos = new Map<string, PointSummary[]>();
    for (const p of s.points) {
      const key = rest.map((k) => `${k}=${fmtParam(p.params[k])}`).join(' ');
      combos.set(key, [...(combos.get(key) ?? []), p]);
    }
    for (const ser of series) {
      for (const [key, ps] of combos)
        charts.push(
          heatmap(
            ps,
            x,
            y,
            ser,
            stuck,
            `${ser.title}${key ? ` (${key})` : ''}${stuck ? ` - outlined: ${region} in under half the runs` : ''}`,
          ),
        );
    }
  } else if (x) {
    for (const ser of series) charts.push(lineChart(s.points, x, [], ser));
  }
  const partial = s.complete ? '' : `<p class="partial">Partial: ${s.runs.done} of ${s.runs.inFile} runs.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>cascadesim sweep ${esc(s.sweep)}</title><style>${STYLE}</style></head>
<body><main>
<h1>sweep ${esc(s.sweep)}</h1>
<p class="sub">${esc(s.question || s.description)}</p>
${partial}
<p class="note">Base scenario ${esc(s.base)}; ${s.points.length} points x ${s.seedsPerPoint} seeds (sweep seed ${s.seed}); ${s.runs.done} runs. Seeds and drawn values are shared by every point (replicate r has the same seed everywhere). Outcomes: ${
    Object.entries(s.outcomes)
      .map(([k, v]) => `${esc(k)} = ${esc(v)}`)
      .join('; ') || 'none'
  }.${s.given ? ` Metrics and the other outcomes are over the runs where ${esc(s.given)} only.` : ''}</p>
<h2>Charts</h2>
<div class="charts">${charts.join('\n')}</div>
<h2>Per point</h2>
${table(s)}
</main></body></html>
`;
}
