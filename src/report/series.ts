/**
 * The per-window series of a result as one table: a row per metrics window, a column per metric, every column
 * named with its unit last (`requestsPerS`, `latencyIntendedMsP99`, `ec2LeasesBacklogCount`). CSV, JSON and the
 * HTML charts all read this table, so the three can never disagree.
 *
 * Client columns come from the ClientWindow type; EC2 columns are discovered from the EC2 windows themselves
 * (their numeric and boolean leaves), so fields the EC2 model adds later show up without a change here.
 * Rows join client and EC2 windows on their start time; a window only one of them has leaves the other's cells
 * empty (null).
 */
import type { RunResult } from '../engine/result.ts';
import { CLIENT_COUNTERS, type ClientCounterName } from '../metrics/client-counters.ts';
import type { ClientWindow } from '../metrics/client-windows.ts';
import { ec2Windows, isRecord } from './access.ts';

export type Unit = 'index' | 's' | 'ms' | '1/s' | 'count' | 'share' | 'ratio' | 'flag';
export type Cell = number | boolean | null;

export interface Column {
  name: string;
  unit: Unit;
  description: string;
  /** For EC2 columns, the field's dotted path in the EC2 window ('leases.backlog'). */
  ec2Path?: string;
}

export interface WindowTable {
  columns: Column[];
  rows: Cell[][];
}

const COUNTER_TEXT: Record<ClientCounterName, string> = {
  requests: 'requests whose first attempt started in the window',
  attempts: 'attempts started in the window (first attempts and retries)',
  successes: 'requests that succeeded',
  dnsEmpty: 'attempts that found no address (empty or negative-cached DNS answer)',
  connect: 'attempts to a load balancer no longer in service',
  timeout: 'attempts that hit the client deadline',
  throttled: 'attempts refused by an overloaded load balancer',
  retries: 'attempts that were retries',
  failedRequests: 'requests that ended in an error',
  delayedStarts: 'requests that waited for the client to finish an earlier one',
  budgetDenied: 'retries the retry budget refused',
  dnsQueries: 'resolver cache misses (lookups that reached the authority)',
  staleAnswers: 'attempts answered from an expired entry (serve-stale)',
};

const PCTS = [
  ['P50', 'p50', 'median'],
  ['P90', 'p90', '90th percentile'],
  ['P99', 'p99', '99th percentile'],
  ['P999', 'p999', '99.9th percentile'],
  ['P9999', 'p9999', '99.99th percentile'],
  ['Max', 'max', 'maximum'],
] as const;

interface ColumnDef extends Column {
  clients?: (w: ClientWindow) => Cell;
}

function per(w: ClientWindow, n: number): number {
  const d = w.toS - w.fromS;
  return d > 0 ? n / d : 0;
}

function share(n: number, d: number): number {
  return d > 0 ? n / d : 0;
}

function clientColumns(): ColumnDef[] {
  const cols: ColumnDef[] = [];
  for (const name of CLIENT_COUNTERS) {
    cols.push({ name: `${name}Count`, unit: 'count', description: COUNTER_TEXT[name] ?? name, clients: (w) => w.counters[name] ?? null });
  }
  cols.push(
    {
      name: 'requestsPerS',
      unit: '1/s',
      description: 'offered load: requests per second of simulated time',
      clients: (w) => per(w, w.counters.requests),
    },
    {
      name: 'attemptsPerS',
      unit: '1/s',
      description: 'attempts per second (retries included)',
      clients: (w) => per(w, w.counters.attempts),
    },
    { name: 'goodputPerS', unit: '1/s', description: 'successful requests per second', clients: (w) => w.goodputPerS },
    {
      name: 'errorRateShare',
      unit: 'share',
      description: 'failed requests / finished requests (what callers saw)',
      clients: (w) => w.errorRate,
    },
    { name: 'attemptErrorShare', unit: 'share', description: 'failed attempts / attempts', clients: (w) => w.attemptErrorRate },
    {
      name: 'dnsEmptyAttemptShare',
      unit: 'share',
      description: 'dns-empty errors / attempts',
      clients: (w) => share(w.counters.dnsEmpty, w.counters.attempts),
    },
    {
      name: 'connectAttemptShare',
      unit: 'share',
      description: 'connect errors / attempts',
      clients: (w) => share(w.counters.connect, w.counters.attempts),
    },
    {
      name: 'timeoutAttemptShare',
      unit: 'share',
      description: 'timeouts / attempts',
      clients: (w) => share(w.counters.timeout, w.counters.attempts),
    },
    {
      name: 'throttledAttemptShare',
      unit: 'share',
      description: 'throttled attempts / attempts',
      clients: (w) => share(w.counters.throttled, w.counters.attempts),
    },
    { name: 'amplificationRatio', unit: 'ratio', description: 'attempts per request', clients: (w) => w.amplification },
  );
  for (const [which, text] of [
    ['intended', 'request latency from the intended start (retries and waiting included)'],
    ['attempt', 'latency of one attempt that reached a load balancer'],
  ] as const) {
    for (const [suffix, key, label] of PCTS) {
      cols.push({
        name: `latency${which === 'intended' ? 'Intended' : 'Attempt'}Ms${suffix}`,
        unit: 'ms',
        description: `${text}, ${label}`,
        clients: (w) => (w.latencyMs?.[which]?.[key] ?? null) as Cell,
      });
    }
  }
  return cols;
}

const UNIT_SUFFIX: Record<Unit, string> = {
  index: '',
  s: 'S',
  ms: 'Ms',
  '1/s': 'PerS',
  count: 'Count',
  share: 'Share',
  ratio: 'Ratio',
  flag: 'Flag',
};

/** The unit an EC2 field's name implies (the EC2 model names its fields unit-last too). */
function ec2Unit(leaf: string, sample: unknown): Unit {
  if (typeof sample === 'boolean') return 'flag';
  if (/PerS$/.test(leaf)) return '1/s';
  if (/Ms$/.test(leaf)) return 'ms';
  if (/[a-z0-9]S$/.test(leaf)) return 's';
  if (/(Share|Rate)$/.test(leaf)) return 'share';
  // Utilization is load over capacity: it passes 1 when the health checkers fall behind.
  if (/(Index|Utilization(Max|Mean)?)$/.test(leaf)) return 'ratio';
  return 'count';
}

function ec2Name(path: string, unit: Unit): string {
  const parts = path.split('.');
  const camel = `ec2${parts.map((p) => p[0].toUpperCase() + p.slice(1)).join('')}`;
  const suffix = UNIT_SUFFIX[unit];
  // Names that already end with their unit keep it once ('propagationDelayS'), the others get it appended.
  const implied =
    (unit === 's' && /[a-z0-9]S$/.test(camel)) ||
    (unit === '1/s' && camel.endsWith('PerS')) ||
    (unit === 'ms' && camel.endsWith('Ms')) ||
    (unit === 'share' && camel.endsWith('Share'));
  return implied ? camel : `${camel}${suffix}`;
}

/** Numeric and boolean leaves of the EC2 windows, in first-seen order, as dotted paths. */
function ec2Leaves(windows: Record<string, unknown>[]): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (!prefix && (k === 'index' || k === 'fromS' || k === 'toS')) continue;
      if (isRecord(v) && depth < 4) walk(v, path, depth + 1);
      else if (typeof v === 'number' || typeof v === 'boolean') {
        if (!leaves.has(path) || leaves.get(path) === null) leaves.set(path, v);
      } else if (v === null && !leaves.has(path)) leaves.set(path, null);
    }
  };
  for (const w of windows) walk(w, '', 0);
  return leaves;
}

function at(obj: Record<string, unknown>, path: string): Cell {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (!isRecord(cur)) return null;
    cur = cur[k];
  }
  if (typeof cur === 'number') return Number.isFinite(cur) ? cur : null;
  if (typeof cur === 'boolean') return cur;
  return null;
}

export function windowTable(r: RunResult): WindowTable {
  const clientWins = Array.isArray(r.windows?.clients) ? r.windows.clients : [];
  const ec2 = ec2Windows(r);
  const base: ColumnDef[] = [
    { name: 'windowIndex', unit: 'index', description: 'metrics window number, from 0' },
    { name: 'fromS', unit: 's', description: 'window start, simulated seconds since the run began' },
    { name: 'toS', unit: 's', description: 'window end (exclusive), simulated seconds' },
  ];
  const cols: ColumnDef[] = [...base];
  if (clientWins.length > 0) cols.push(...clientColumns());
  if (ec2.length > 0) {
    for (const [path, sample] of ec2Leaves(ec2.map((w) => w.raw))) {
      const unit = ec2Unit(path.split('.').at(-1) as string, sample);
      cols.push({ name: ec2Name(path, unit), unit, description: `EC2 ${path}`, ec2Path: path });
    }
  }
  // Join on the window start: both models close windows on the same sim.windowS grid.
  const byStart = new Map<number, { index: number; fromS: number; toS: number; c?: ClientWindow; e?: Record<string, unknown> }>();
  for (const w of clientWins) byStart.set(w.fromS, { index: w.index, fromS: w.fromS, toS: w.toS, c: w });
  for (const w of ec2) {
    const cur = byStart.get(w.fromS);
    if (cur) cur.e = w.raw;
    else byStart.set(w.fromS, { index: w.index, fromS: w.fromS, toS: w.toS, e: w.raw });
  }
  const rows: Cell[][] = [...byStart.values()]
    .sort((a, b) => a.fromS - b.fromS)
    .map((j) =>
      cols.map((c) => {
        if (c.name === 'windowIndex') return j.index;
        if (c.name === 'fromS') return j.fromS;
        if (c.name === 'toS') return j.toS;
        if (c.clients) {
          if (!j.c) return null;
          const v = c.clients(j.c);
          return typeof v === 'number' && !Number.isFinite(v) ? null : v;
        }
        if (c.ec2Path) return j.e ? at(j.e, c.ec2Path) : null;
        return null;
      }),
    );
  return {
    columns: cols.map(({ name, unit, description, ec2Path }) =>
      ec2Path ? { name, unit, description, ec2Path } : { name, unit, description },
    ),
    rows,
  };
}

/** The column holding an EC2 field, by its path in the EC2 window. */
export function ec2Column(t: WindowTable, path: string): string | null {
  return t.columns.find((c) => c.ec2Path === path)?.name ?? null;
}

/** A column's values by name (null where the row has none), or null when the table has no such column. */
export function columnValues(t: WindowTable, name: string): Cell[] | null {
  const i = t.columns.findIndex((c) => c.name === name);
  return i < 0 ? null : t.rows.map((r) => r[i]);
}
