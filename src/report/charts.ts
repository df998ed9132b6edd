/**
 * Chart specifications for the HTML report: which series go on which chart, their colours and units. Pure data
 * built from the window table, so the page's script only draws, and compare puts two runs on the same charts by
 * building the same specs twice and merging them on one time axis.
 *
 * Points sit at the middle of their window: a window's rate or percentile describes the whole window.
 */
import type { RunResult } from '../engine/result.ts';
import { clockOrigin, originOffsetMin } from './access.ts';
import { markersOf, type MarkerKind } from './markers.ts';
import { columnValues, ec2Column, type WindowTable, windowTable } from './series.ts';

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: number[];
  values: (number | null)[];
}

export interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  log?: boolean;
  x: number[];
  series: SeriesSpec[];
}

export interface MarkerSpec {
  atS: number;
  kind: MarkerKind;
  label: string;
  /** 0 for the report's run (or compare's A), 1 for compare's B. */
  run: number;
}

export interface PhaseSpec {
  name: string;
  fromS: number;
  toS: number;
  run: number;
}

export interface PageData {
  charts: ChartSpec[];
  markers: MarkerSpec[];
  phases: PhaseSpec[];
  /** Wall clock of simulated second 0, so the x axis reads as AWS's times; null: elapsed time. */
  clock: { originMs: number; offsetMin: number } | null;
  /** The x axis: from the start of the run to the end of the longer run, not just the window midpoints. */
  xRangeS: [number, number];
  runs: string[];
}

/** Colours chosen to stay apart for common colour-vision deficiencies (Okabe-Ito, plus black). */
export const PALETTE = {
  blue: '#0072b2',
  orange: '#e69f00',
  green: '#009e73',
  vermillion: '#d55e00',
  purple: '#cc79a7',
  sky: '#56b4e9',
  yellow: '#b8a200',
  black: '#222222',
};

interface SeriesDef {
  label: string;
  color: string;
  dash?: number[];
  column: string | null;
  /** Multiply (shares shown as percentages). */
  scale?: number;
}

interface ChartDef {
  id: string;
  title: string;
  yLabel: string;
  log?: boolean;
  series: SeriesDef[];
}

function chartDefs(t: WindowTable): ChartDef[] {
  const ec2 = (path: string) => ec2Column(t, path);
  const defs: ChartDef[] = [
    {
      id: 'request-rate',
      title: 'Request rate',
      yLabel: 'per second',
      series: [
        { label: 'requests/s', color: PALETTE.blue, column: 'requestsPerS' },
        { label: 'attempts/s', color: PALETTE.orange, column: 'attemptsPerS' },
        { label: 'goodput/s', color: PALETTE.green, column: 'goodputPerS' },
      ],
    },
    {
      id: 'error-rate',
      title: 'Errors by class (% of attempts) and failed requests (% of requests)',
      yLabel: '%',
      series: [
        { label: 'dns-empty', color: PALETTE.vermillion, column: 'dnsEmptyAttemptShare', scale: 100 },
        { label: 'connect', color: PALETTE.purple, column: 'connectAttemptShare', scale: 100 },
        { label: 'timeout', color: PALETTE.yellow, column: 'timeoutAttemptShare', scale: 100 },
        { label: 'throttled', color: PALETTE.sky, column: 'throttledAttemptShare', scale: 100 },
        { label: 'failed requests', color: PALETTE.black, column: 'errorRateShare', scale: 100 },
      ],
    },
    {
      id: 'latency',
      title: 'Request latency from the intended start (log scale)',
      yLabel: 'ms',
      log: true,
      series: [
        { label: 'p50', color: PALETTE.green, column: 'latencyIntendedMsP50' },
        { label: 'p90', color: PALETTE.sky, column: 'latencyIntendedMsP90' },
        { label: 'p99', color: PALETTE.orange, column: 'latencyIntendedMsP99' },
        { label: 'p99.9', color: PALETTE.vermillion, column: 'latencyIntendedMsP999' },
        { label: 'max', color: PALETTE.black, column: 'latencyIntendedMsMax' },
        { label: 'attempt p99', color: PALETTE.purple, dash: [2, 3], column: 'latencyAttemptMsP99' },
      ],
    },
    {
      id: 'amplification',
      title: 'Amplification',
      yLabel: 'attempts per request',
      series: [{ label: 'attempts/request', color: PALETTE.blue, column: 'amplificationRatio' }],
    },
    {
      id: 'lease-backlog',
      title: 'EC2 droplet leases: backlog and droplets without a lease',
      yLabel: 'droplets',
      series: [
        { label: 'lease backlog (queued attempts)', color: PALETTE.vermillion, column: ec2('leases.backlog') },
        { label: 'in service', color: PALETTE.orange, column: ec2('leases.inFlight') },
        { label: 'leases lost', color: PALETTE.black, column: ec2('leases.lost') },
      ],
    },
    {
      id: 'propagation-delay',
      title: 'EC2 network state propagation delay',
      yLabel: 's',
      series: [
        { label: 'propagation delay (median)', color: PALETTE.blue, column: ec2('network.propagationDelayS') },
        { label: 'delay p99', color: PALETTE.purple, column: ec2('network.delayP99S') },
        { label: 'backlog drain time', color: PALETTE.orange, dash: [4, 3], column: ec2('network.backlogDrainS') },
      ],
    },
    {
      id: 'nlb-errors',
      title: 'NLB errors and capacity removed by AZ failover',
      yLabel: '%',
      series: [
        { label: 'NLB error rate', color: PALETTE.vermillion, column: ec2('nlb.errorRate'), scale: 100 },
        { label: 'capacity removed', color: PALETTE.blue, column: ec2('nlb.capacityRemovedShare'), scale: 100 },
      ],
    },
    {
      // Its own chart: utilization runs to many times capacity while error rates stay at a few percent.
      id: 'nlb-health-checks',
      title: 'NLB health-check load (the flapping loop)',
      yLabel: 'x capacity',
      series: [
        { label: 'health-check utilization (max cell)', color: PALETTE.green, column: ec2('nlb.hcUtilizationMax') },
        { label: 'health-check utilization (mean)', color: PALETTE.sky, column: ec2('nlb.hcUtilizationMean') },
      ],
    },
  ];
  return defs
    .map((d) => ({ ...d, series: d.series.filter((s) => s.column !== null && t.columns.some((c) => c.name === s.column)) }))
    .filter((d) => d.series.length > 0);
}

function midpoints(t: WindowTable): number[] {
  const from = columnValues(t, 'fromS') as number[];
  const to = columnValues(t, 'toS') as number[];
  return from.map((f, i) => (f + to[i]) / 2);
}

function valuesOf(t: WindowTable, s: SeriesDef, log: boolean): (number | null)[] {
  const raw = columnValues(t, s.column as string) ?? [];
  return raw.map((v) => {
    if (typeof v !== 'number') return null;
    const x = v * (s.scale ?? 1);
    // A log axis cannot show zero; an empty window is a gap, not a point at -infinity.
    return log && x <= 0 ? null : x;
  });
}

function clockOf(r: RunResult): PageData['clock'] {
  const o = clockOrigin(r);
  return o ? { originMs: Date.parse(o), offsetMin: originOffsetMin(o) } : null;
}

function markerSpecs(r: RunResult, run: number): MarkerSpec[] {
  return markersOf(r).markers.map((m) => ({ atS: m.atS, kind: m.kind, label: m.label, run }));
}

export function pageData(r: RunResult): PageData {
  const t = windowTable(r);
  const x = midpoints(t);
  const charts = chartDefs(t).map((d) => ({
    id: d.id,
    title: d.title,
    yLabel: d.yLabel,
    log: d.log,
    x,
    series: d.series.map((s) => ({ label: s.label, color: s.color, dash: s.dash, values: valuesOf(t, s, d.log === true) })),
  }));
  return {
    charts,
    markers: markerSpecs(r, 0),
    phases: r.phases.map((p) => ({ ...p, run: 0 })),
    clock: clockOf(r),
    xRangeS: [0, Math.max(r.reachedS, 1)],
    runs: [r.scenario.name],
  };
}

/**
 * Two runs on the same charts: one time axis (the union of both runs' window midpoints, gaps where a run has
 * no window), A drawn solid and B dashed in the same colour per metric.
 */
export function comparePageData(a: RunResult, b: RunResult, labels: [string, string]): PageData {
  const ta = windowTable(a);
  const tb = windowTable(b);
  const xa = midpoints(ta);
  const xb = midpoints(tb);
  const x = [...new Set([...xa, ...xb])].sort((p, q) => p - q);
  const at = new Map(x.map((v, i) => [v, i]));
  const spread = (xs: number[], vals: (number | null)[]) => {
    const out: (number | null)[] = new Array(x.length).fill(null);
    xs.forEach((v, i) => (out[at.get(v) as number] = vals[i]));
    return out;
  };
  const da = chartDefs(ta);
  const db = chartDefs(tb);
  const ids = [...new Set([...da.map((d) => d.id), ...db.map((d) => d.id)])];
  const charts: ChartSpec[] = ids.map((id) => {
    const ca = da.find((d) => d.id === id);
    const cb = db.find((d) => d.id === id);
    const base = (ca ?? cb) as ChartDef;
    const series: SeriesSpec[] = [];
    const labelsInOrder = [...new Set([...(ca?.series ?? []), ...(cb?.series ?? [])].map((s) => s.label))];
    for (const label of labelsInOrder) {
      const sa = ca?.series.find((s) => s.label === label);
      const sb = cb?.series.find((s) => s.label === label);
      if (sa)
        series.push({
          label: `${labels[0]}: ${label}`,
          color: sa.color,
          dash: sa.dash,
          values: spread(xa, valuesOf(ta, sa, base.log === true)),
        });
      if (sb)
        series.push({
          label: `${labels[1]}: ${label}`,
          color: sb.color,
          dash: [7, 4],
          values: spread(xb, valuesOf(tb, sb, base.log === true)),
        });
    }
    return { id: base.id, title: base.title, yLabel: base.yLabel, log: base.log, x, series };
  });
  return {
    charts,
    markers: [...markerSpecs(a, 0), ...markerSpecs(b, 1)].sort((p, q) => p.atS - q.atS),
    phases: [...a.phases.map((p) => ({ ...p, run: 0 })), ...b.phases.map((p) => ({ ...p, run: 1 }))],
    clock: clockOf(a) ?? clockOf(b),
    xRangeS: [0, Math.max(a.reachedS, b.reachedS, 1)],
    runs: labels,
  };
}
