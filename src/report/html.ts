/**
 * Self-contained HTML reports: one file with uPlot, its styles, the data and the page script inlined. A
 * Content-Security-Policy forbids every fetch (default-src 'none'), so the page cannot reach the network even
 * by accident. Every piece of text that comes from a scenario or a result is HTML-escaped; the embedded JSON
 * is escaped so that it cannot close its <script> element.
 */
import { scenarioToYaml } from '../config/load.ts';
import type { RunResult } from '../engine/result.ts';
import { ERROR_CLASSES } from '../metrics/client-counters.ts';
import { notableEvents } from './notable.ts';
import { clockAtOrigin, clockOrigin, ec2Summary, incidentTimeline, numAt } from './access.ts';
import { chartAssets } from './assets.ts';
import { comparePageData, type PageData, pageData } from './charts.ts';
import { type CompareRow, compareRows, formatCompareDelta, formatCompareValue, scenarioDiff } from './compare.ts';
import { fmtCount, fmtDelta, fmtDuration, fmtElapsed, fmtMs, fmtPct, fmtRatio } from './format.ts';
import {
  type Cell,
  clientPhaseCells,
  controlPhaseCells,
  INCIDENT_HEAD,
  INCIDENT_KINDS,
  incidentCells,
  recoveryCells,
  regionHead,
  regionPhaseCells,
  regionVerdict,
  serviceCells,
  serviceHead,
} from './cells.ts';
import { partDiffers } from '../gates/digest.ts';
import { type GateReport, type GateTable, gatesFailed, gateTables } from './gates.ts';
import { CLIENT_JS } from './html-client.ts';
import { MAX_DRAWN_VIOLATIONS, markersOf } from './markers.ts';
import { noOutageExplanation } from './explain.ts';
import { replayCommand } from './replay.ts';
import { CLIENT_ERROR_SHARE, clientErrorEpisode, ec2SummaryFields, fieldKind, phaseRows, recoveryRows } from './summary.ts';

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON that is safe inside <script>: no '<' (so no '</script>' or '<!--'), no raw line separators. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #555; margin: 0 0 8px; }
.partial { background: #fff3cd; border: 1px solid #e0c36a; padding: 8px 12px; border-radius: 4px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px; margin: 12px 0; }
.fact { background: #fff; border: 1px solid #e2e2e2; border-radius: 4px; padding: 8px 10px; }
.fact b { display: block; font-size: 18px; }
.fact span { color: #555; font-size: 12px; }
.chart { background: #fff; border: 1px solid #e2e2e2; border-radius: 4px; margin: 12px 0; padding: 6px 0; overflow: hidden; }
table.t { border-collapse: collapse; background: #fff; margin: 6px 0 12px; font-variant-numeric: tabular-nums; display: block; overflow-x: auto; max-width: 100%; }
table.t th, table.t td { border: 1px solid #e2e2e2; padding: 3px 8px; text-align: right; white-space: nowrap; }
table.t th { background: #f0f0f0; font-weight: 600; }
table.t td.l, table.t th.l { text-align: left; white-space: normal; }
table.t td.bad, p.bad { color: #b00020; font-weight: 600; }
table.t td.good { color: #1b5e20; }
h2 .bad, p .bad { color: #b00020; }
pre { background: #fff; border: 1px solid #e2e2e2; padding: 10px; overflow: auto; font-size: 12px; }
.note { color: #555; font-size: 12px; }
.k-trigger { color: #b00020; } .k-race { color: #6a1b9a; } .k-violation { color: #c2185b; } .k-restored { color: #2e7d32; } .k-action { color: #1a4f8b; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
`;

type Cellish = string | { text: string; cls?: string };

function table(head: string[], rows: Cellish[][], leftCols = 1): string {
  const th = head.map((h, i) => `<th${i < leftCols ? ' class="l"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows
    .map(
      (r) =>
        `<tr>${r
          .map((c, i) => {
            const cell = typeof c === 'string' ? { text: c } : c;
            const cls = [i < leftCols ? 'l' : '', cell.cls ?? ''].filter(Boolean).join(' ');
            return `<td${cls ? ` class="${cls}"` : ''}>${esc(cell.text)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table class="t"><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

function when(r: RunResult, s: number | null): string {
  if (s === null) return '-';
  const o = clockOrigin(r);
  return o ? `${fmtElapsed(s, true)} (${clockAtOrigin(o, s)})` : fmtElapsed(s, true);
}

/** An instant in a fact box: the scenario's wall clock where it has one (AWS's times read that way). */
function factWhen(r: RunResult, s: number): string {
  const o = clockOrigin(r);
  return o ? clockAtOrigin(o, s) : fmtElapsed(s);
}

function factsHtml(r: RunResult): string {
  const facts: [string, string][] = [];
  const race = r.events.find((e) => e.kind === 'endpoint-empty');
  facts.push([
    race ? factWhen(r, race.atS) : 'none',
    race ? 'the race: first endpoint resolved to nothing' : 'no endpoint ever resolved to nothing',
  ]);
  facts.push([String(r.dns.violations.length), 'invariant violations']);
  const empty = r.dns.emptyIntervals.reduce((a, iv) => a + ((iv.toS ?? r.reachedS) - iv.fromS), 0);
  facts.push([fmtDuration(empty), 'endpoint resolving to nothing (all endpoints)']);
  if (r.clients) {
    facts.push([fmtPct(r.clients.errorRate), 'failed requests, whole run']);
    const outage = r.clients.phases.find((p) => p.name === 'outage');
    if (outage) facts.push([fmtPct(outage.errorRate), 'failed requests during the outage']);
    facts.push([`${fmtMs(r.clients.latencyMs.p99)} ms`, 'request latency p99, whole run']);
    facts.push([fmtRatio(r.clients.amplification), 'attempts per request, whole run']);
    const ep = clientErrorEpisode(r);
    if (ep)
      facts.push([
        ep.toS === null ? 'not by the end' : factWhen(r, ep.toS),
        `clients recovered (errors back under ${CLIENT_ERROR_SHARE * 100}% of requests)`,
      ]);
  }
  const ec2 = ec2Summary(r);
  if (ec2) {
    const backlog = numAt(ec2, 'leaseBacklogMax');
    if (backlog !== null) facts.push([fmtCount(backlog), 'lease backlog peak (queued attempts)']);
    const leases = numAt(ec2, 'leasesRecoveredAtS');
    facts.push([leases === null ? 'not by the end' : factWhen(r, leases), 'all droplet leases re-established']);
    const prop = numAt(ec2, 'propagationNormalAtS');
    if (numAt(ec2, 'propagationDegradedFromS') !== null)
      facts.push([prop === null ? 'not by the end' : factWhen(r, prop), 'network propagation back to normal']);
  }
  return `<div class="facts">${facts.map(([v, l]) => `<div class="fact"><b>${esc(v)}</b><span>${esc(l)}</span></div>`).join('')}</div>`;
}

/** The trigger's kind, and why a run without an outage had none. */
function explanationHtml(r: RunResult): string {
  const parts: string[] = [];
  for (const t of r.dns.triggers ?? []) {
    if (t.kind !== 'adversarial') continue;
    parts.push(
      `<p class="note k-trigger">Trigger: ${esc(t.enactor)}, ${esc(t.schedule)}. It checked gen ${esc(t.gen)} at ${esc(when(r, t.checkAtS))} and ${t.resumedAtS === null ? 'was still stalled at the end' : `resumed at ${esc(when(r, t.resumedAtS))}: ${esc(t.why ?? '')}`}.</p>`,
    );
  }
  const why = noOutageExplanation(r);
  if (why) parts.push(`<h2>Why there was no outage</h2>\n<ul>${why.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
  return parts.join('\n');
}

function phaseTablesHtml(r: RunResult): string {
  const rows = phaseRows(r);
  const parts: string[] = [];
  const span = (p: { fromS: number; toS: number }) => `${fmtElapsed(p.fromS)} - ${fmtElapsed(p.toS)}`;
  if (rows.some((p) => p.clients)) {
    parts.push(
      '<p class="note">Errors: share of finished requests that failed. By class: share of attempts. Latency: from the intended start of the request, retries and waiting included (ms); attempt p99: one attempt.</p>',
      table(
        [
          'phase',
          'span',
          'requests',
          'errors',
          ...ERROR_CLASSES,
          'amplification',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'max ms',
          'attempt p99 ms',
        ],
        rows.filter((p) => p.clients).map((p) => styled(clientPhaseCells(p, span(p)))),
        2,
      ),
    );
  }
  const g = r.regions;
  if (g) {
    const v = regionVerdict(r) as string;
    parts.push(
      `<p class="note">Regions: utilisation is the offered load (attempts per second that reached the region's load balancers) over their capacity; errors are shares of attempts; multi and pinned errors are shares of finished requests of multi-region and pinned clients. Overloaded: some ${esc(r.scenario.sim.windowS)} s window's utilisation passed ${esc(g.overloadUtilisation)}.</p>`,
      `<p${g.phases.some((p) => p.backup.overloaded) ? ' class="bad"' : ''}>${esc(v)}</p>`,
      table(
        regionHead(r),
        g.phases.map((p) => styled(regionPhaseCells(p, span(p)))),
        2,
      ),
    );
  }
  const sv = r.services;
  if (sv) {
    parts.push(
      `<p class="note">Services: a user request calls ${esc(sv.request.join(' -> '))}, each call with the clients' retries; it fails when a call fails. Errors: share of a service's calls that failed after their retries; the clients' error rate above is the user-visible one (the blast radius).</p>`,
      table(
        serviceHead(r),
        sv.services.map((x) => styled(serviceCells(r, x))),
        2,
      ),
    );
  }
  const withEc2 = rows.some((p) => p.ec2);
  const head = ['phase', 'span', 'violations', 'endpoint empty'];
  if (withEc2)
    head.push('lease backlog peak', 'leases lost peak', 'propagation delay peak', 'propagation backlog peak', 'NLB error rate peak');
  parts.push(
    table(
      head,
      rows.map((p) => styled(controlPhaseCells(p, span(p), withEc2))),
      2,
    ),
  );
  return parts.join('\n');
}

/** Bad cells get the 'bad' class; the last column of the recovery table is prose, left-aligned. */
function styled(cells: Cell[], lastLeft = false): Cellish[] {
  return cells.map((x, i) => ({
    text: x.text,
    cls: [x.bad ? 'bad' : '', lastLeft && i === cells.length - 1 ? 'l' : ''].filter(Boolean).join(' '),
  }));
}

function recoveryHtml(r: RunResult): string {
  const rows = recoveryRows(r);
  if (rows.length === 0) return '<p>Nothing went wrong in this run.</p>';
  return table(
    ['what', 'from', 'until', 'lasted', 'note'],
    rows.map((x) =>
      styled(
        recoveryCells(r, x, (s) => when(r, s)),
        true,
      ),
    ),
    1,
  );
}

function incidentHtml(r: RunResult): string {
  const t = incidentTimeline(r);
  if (t.length === 0) return '';
  return `<h2>Incident timeline: simulated vs AWS</h2>
<p class="note">offset: |simulated - AWS| over AWS's time since the trigger (the race, 23:48 PDT). Kinds: ${esc(INCIDENT_KINDS)}.</p>
${table(
  INCIDENT_HEAD,
  t.map((e) =>
    styled(
      incidentCells(e, (s, given) => given ?? when(r, s)),
      true,
    ),
  ),
)}`;
}

function violationsHtml(r: RunResult): string {
  if (r.dns.violations.length === 0) return '<p>No invariant was violated.</p>';
  const shown = r.dns.violations.slice(0, 200);
  const more = r.dns.violations.length - shown.length;
  return (
    table(
      ['at', 'invariant', 'endpoint', 'what happened', 'chain of events'],
      shown.map((v) => [
        when(r, v.atS),
        v.invariant,
        { text: v.endpoint, cls: 'l' },
        { text: v.detail, cls: 'l' },
        { text: v.chain.join(' \u2190 '), cls: 'l' },
      ]),
      1,
    ) + (more > 0 ? `<p class="note">${more} more violations are in the result file.</p>` : '')
  );
}

function eventsHtml(r: RunResult): string {
  const names = r.scenario.dns.endpoints.map((e) => e.name);
  const { events, suppressed } = notableEvents(r, 400);
  return (
    table(
      ['at', 'actor', 'event', 'endpoint', 'detail'],
      events.map((ev) => [
        when(r, ev.atS),
        ev.actor,
        ev.kind === 'violation' ? { text: `violation ${ev.invariant ?? ''}`, cls: 'bad' } : ev.kind,
        { text: ev.endpoint >= 0 ? (names[ev.endpoint] ?? '?') : '', cls: 'l' },
        { text: ev.detail, cls: 'l' },
      ]),
      1,
    ) + (suppressed > 0 ? `<p class="note">${suppressed} more notable events are in the result file.</p>` : '')
  );
}

function markersHtml(r: RunResult): string {
  const { markers, violationsNotDrawn } = markersOf(r);
  if (markers.length === 0) return '<p class="note">Nothing to mark: no trigger, race, violation or operator action in this run.</p>';
  return (
    table(
      ['at', 'marker', 'detail'],
      markers.map((m) => [when(r, m.atS), { text: m.label, cls: `l k-${m.kind}` }, { text: m.detail, cls: 'l' }]),
      1,
    ) +
    (violationsNotDrawn > 0
      ? `<p class="note">Only the first ${MAX_DRAWN_VIOLATIONS} violations are drawn; ${violationsNotDrawn} more are listed below.</p>`
      : '')
  );
}

function ec2Html(r: RunResult): string {
  const fields = ec2SummaryFields(r);
  if (fields.length === 0) return '';
  const fmt = (k: string, v: number | boolean | null) => {
    if (v === null) return 'never / not reached';
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    switch (fieldKind(k)) {
      case 'instant':
        return when(r, v);
      case 'duration':
        return fmtDuration(v);
      case 'perS':
        return `${fmtRatio(v)}/s`;
      case 'share':
        return fmtPct(v);
      case 'ratio':
        return fmtRatio(v);
      default:
        return fmtCount(v);
    }
  };
  return `<h2>EC2 summary</h2>${table(
    ['field', 'value'],
    fields.map(([k, v]) => [k, fmt(k, v)]),
  )}`;
}

function runInfoHtml(r: RunResult): string {
  const p = r.perf;
  return table(
    ['', ''],
    [
      ['scenario', r.scenario.name],
      ['seed', String(r.seed)],
      ['DNS protocol', r.dns.protocol],
      ['simulated', `${fmtDuration(r.reachedS)} of ${fmtDuration(r.scenario.durationS)}${r.partial ? ' (interrupted)' : ''}`],
      [
        'metrics windows',
        `${r.windows.clients.length} client, ${Array.isArray(r.windows.ec2) ? r.windows.ec2.length : 0} EC2 (sim.windowS ${r.scenario.sim.windowS} s)`,
      ],
      ['digest', r.digest],
      ['workers', String(r.workers)],
      ['wall time', `${p.wallS.toFixed(2)} s (${fmtCount(p.attemptsPerS)} attempts/s)`],
      ['machine', `${p.node}, ${p.cpus} CPUs, ${p.cpuModel}`],
    ].map(([k, v]) => [k, { text: v, cls: 'l' }]),
  );
}

function chartDivs(d: PageData): string {
  if (d.charts.length === 0)
    return '<p>This run has no per-window metrics (clients: null and no EC2 model), so there is nothing to chart; the tables below still apply.</p>';
  return d.charts.map((c) => `<div class="chart" id="chart-${esc(c.id)}" data-title="${esc(c.title)}"></div>`).join('\n');
}

function page(title: string, body: string, data: PageData): string {
  const ui = chartAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="generator" content="cascadesim (uPlot ${esc(ui.version)} inlined)">
<title>${esc(title)}</title>
<style>${ui.css}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
<script type="application/json" id="cascadesim-data">${jsonForScript(data)}</script>
<script>${ui.js}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}

function replayHint(r: RunResult): string {
  const cmd = replayCommand(r);
  const same = `the same seed gives the same digest (${esc(r.digest.slice(0, 16))}...) for any worker count`;
  return cmd
    ? `Replay: <code>${esc(cmd)}</code>; ${same}. The scenario exactly as run:`
    : `The scenario exactly as run is below; save it as a file and replay with <code>cascadesim run FILE --seed ${esc(r.seed)}</code>; ${same}.`;
}

/** The gates the result was judged on: thresholds, baseline gates and the digest check, each with its verdict. */
function gatesHtml(g: GateReport): string {
  const cells = (t: GateTable) =>
    table(
      t.head,
      t.rows.map((r) =>
        r.map((x): Cellish => {
          if (x.kind === 'verdict') return x.ok ? { text: 'pass', cls: 'good' } : { text: 'FAIL', cls: 'bad' };
          return x.kind === 'text' ? { text: x.text, cls: 'l' } : x.text;
        }),
      ),
    );
  const tables = gateTables(g);
  const out = [`<h2>Gates: ${gatesFailed(g) ? '<span class="bad">failed</span>' : 'passed'}</h2>`];
  if (tables.thresholds) out.push('<h3>Thresholds</h3>', cells(tables.thresholds));
  if (tables.baseline) out.push('<h3>Baseline gates</h3>', cells(tables.baseline));
  if (g.digest) {
    const d = g.digest;
    out.push(
      `<h3>Digest</h3><p>${d.ok ? `matches <code>${esc(d.actual)}</code>` : `<span class="bad">differs</span>: expected <code>${esc(d.expected)}</code>, got <code>${esc(d.actual)}</code>`}</p>`,
    );
    if (d.parts.length > 0)
      out.push(`<ul>${d.parts.map((p) => `<li>${esc(partDiffers(p))}${p.first ? `; first: ${esc(p.first)}` : ''}</li>`).join('')}</ul>`);
    // What the terminal says under a differing digest (e.g. how to get the parts): the page says it too.
    if (!d.ok && d.note) out.push(`<p class="note">${esc(d.note)}</p>`);
  }
  return out.join('\n');
}

export interface ReportOptions {
  /** What the result was judged on (thresholds, baseline gates, digest): shown near the top when given. */
  gates?: GateReport | null;
}

export function reportHtml(r: RunResult, opts: ReportOptions = {}): string {
  const d = pageData(r);
  const judged = opts.gates && (opts.gates.thresholds.length > 0 || opts.gates.baseline !== null || opts.gates.digest !== null);
  const body = `
<h1>cascadesim: ${esc(r.scenario.name)}</h1>
<p class="sub">${esc(r.scenario.description)}</p>
<p class="sub">seed ${esc(r.seed)} &middot; protocol ${esc(r.dns.protocol)} &middot; ${esc(fmtDuration(r.reachedS))} simulated${r.clients ? ` &middot; ${esc(fmtCount(r.clients.count))} clients` : ''}</p>
${r.partial ? `<p class="partial">Partial result: the run ${r.stoppedBy ? `was stopped by a threshold (${esc(`${r.stoppedBy.metric} ${r.stoppedBy.condition}`)})` : 'was interrupted'} at ${esc(when(r, r.reachedS))} of ${esc(fmtDuration(r.scenario.durationS))}.</p>` : ''}
${judged && opts.gates ? gatesHtml(opts.gates) : ''}
${factsHtml(r)}
${explanationHtml(r)}
<h2>Time series</h2>
<p class="note">Shaded: the phases (${esc(r.phases.map((p) => p.name).join(', '))}; see the tables below). Dashed lines: the trigger, the race, violations, endpoints restored and operators' actions. Each point is one ${esc(r.scenario.sim.windowS)} s metrics window, drawn at its middle.</p>
${chartDivs(d)}
<h2>Marked on the charts</h2>
${markersHtml(r)}
<h2>By phase</h2>
${phaseTablesHtml(r)}
<h2>Episodes and recovery</h2>
${recoveryHtml(r)}
${incidentHtml(r)}
<h2>Invariant violations</h2>
${violationsHtml(r)}
${ec2Html(r)}
<h2>Control-plane events</h2>
${eventsHtml(r)}
<h2>Scenario as run</h2>
<p class="note">${replayHint(r)}</p>
<pre>${esc(scenarioToYaml(r.scenario))}</pre>
<h2>Run</h2>
${runInfoHtml(r)}
`;
  return page(`cascadesim: ${r.scenario.name} (seed ${r.seed})${r.partial ? ' [partial]' : ''}`, body, d);
}

function compareTableHtml(rows: CompareRow[], labels: [string, string]): string {
  const out: string[] = [];
  let section = '';
  let buf: Cellish[][] = [];
  const flush = () => {
    if (buf.length > 0) out.push(`<h3>${esc(section)}</h3>`, table(['metric', labels[0], labels[1], `${labels[1]} - ${labels[0]}`], buf));
    buf = [];
  };
  for (const row of rows) {
    if (row.section !== section) {
      flush();
      section = row.section;
    }
    const f = (x: number) => formatCompareValue(row, x);
    const d = fmtDelta(row.a, row.b, (x) => formatCompareDelta(row, x));
    let cls = '';
    if (row.better && row.a !== null && row.b !== null && row.a !== row.b)
      cls = (row.better === 'lower') === row.b < row.a ? 'good' : 'bad';
    buf.push([row.metric, row.a === null ? '-' : f(row.a), row.b === null ? '-' : f(row.b), { text: d, cls }]);
  }
  flush();
  return out.join('\n');
}

export function compareHtml(a: RunResult, b: RunResult, labels: [string, string]): string {
  const d = comparePageData(a, b, labels);
  const diff = scenarioDiff(a.scenario, b.scenario);
  const body = `
<h1>cascadesim compare: ${esc(labels[0])} vs ${esc(labels[1])}</h1>
<p class="sub">${esc(labels[0])}: ${esc(a.scenario.name)}, seed ${esc(a.seed)}, protocol ${esc(a.dns.protocol)}${a.partial ? ' (partial)' : ''} &middot; ${esc(labels[1])}: ${esc(b.scenario.name)}, seed ${esc(b.seed)}, protocol ${esc(b.dns.protocol)}${b.partial ? ' (partial)' : ''}</p>
<h2>What differs in the scenarios</h2>
${
  diff.length === 0
    ? '<p>The two scenarios are identical.</p>'
    : table(
        ['setting', labels[0], labels[1]],
        diff.map((x) => [x.path, { text: x.a, cls: 'l' }, { text: x.b, cls: 'l' }]),
      )
}
<h2>Time series</h2>
<p class="note">${esc(labels[0])} solid, ${esc(labels[1])} dashed, same colour per metric. Markers: ${esc(labels[0])} dashed, ${esc(labels[1])} dotted.</p>
${chartDivs(d)}
<h2>Side by side</h2>
${compareTableHtml(compareRows(a, b), labels)}
<h2>Scenarios as run</h2>
<div class="cols"><div><h3>${esc(labels[0])}</h3><pre>${esc(scenarioToYaml(a.scenario))}</pre></div><div><h3>${esc(labels[1])}</h3><pre>${esc(scenarioToYaml(b.scenario))}</pre></div></div>
`;
  return page(`cascadesim compare: ${labels[0]} vs ${labels[1]}`, body, d);
}
