/**
 * What the CI gates found, for people and for CI systems: terminal tables, JUnit XML (a testsuite per run, a
 * testcase per threshold, baseline gate, digest check and invariant) and a Markdown summary (GitHub's job
 * summary). The judging itself lives in src/gates/; this module only renders it.
 */
import type { RunResult } from '../engine/result.ts';
import type { GateResult } from '../gates/baseline.ts';
import { type DigestCheck, partDiffers } from '../gates/digest.ts';
import type { ThresholdResult } from '../gates/thresholds.ts';
import { ERROR_CLASSES } from '../metrics/client-counters.ts';
import { INVARIANTS } from '../model/dns/events.ts';
import { clientPhaseCells, controlPhaseCells } from './cells.ts';
import { fmtCount, fmtDuration, fmtElapsed, fmtPct, sig3 } from './format.ts';
import { phaseRows } from './summary.ts';
import { type Colors, NO_COLORS, renderTable } from './table.ts';

/** Everything a run was judged on. Absent parts were not asked for. */
export interface GateReport {
  thresholds: ThresholdResult[];
  baseline: GateResult[] | null;
  digest: DigestCheck | null;
  /** The threshold that stopped the run early, if one did. */
  abortedBy: string | null;
}

export function gatesFailed(g: GateReport): boolean {
  return g.thresholds.some((t) => !t.ok) || (g.baseline?.some((b) => b.failed) ?? false) || (g.digest !== null && !g.digest.ok);
}

/** A metric's value in its unit, for tables. */
export function fmtMetric(v: number | null, unit: string): string {
  if (v === null) return 'n/a';
  switch (unit) {
    case 'ratio':
      return fmtPct(v);
    case 'ms':
      return `${sig3(v)} ms`;
    case 's':
      return fmtDuration(v);
    case 'bool':
      return v === 1 ? 'yes' : v === 0 ? 'no' : String(v);
    case 'count':
      return fmtCount(v);
    case 'x':
      return `${sig3(v)}x`;
    case 'per_s':
      return `${sig3(v)}/s`;
    default:
      return sig3(v);
  }
}

/**
 * A cell of a gates table, by what it holds: the metric's name, a text (condition, note), a figure, or the verdict.
 * Each renderer (terminal, HTML report, Markdown summary) only styles cells; which rows and columns there are is
 * decided once, in gateTables.
 */
export type GateCell = { kind: 'metric' | 'text' | 'figure'; text: string } | { kind: 'verdict'; ok: boolean };

export interface GateTable {
  head: string[];
  rows: GateCell[][];
}

/** The thresholds table and the baseline gates table (null when there is nothing to show in one). */
export function gateTables(g: GateReport): { thresholds: GateTable | null; baseline: GateTable | null } {
  const metric = (text: string): GateCell => ({ kind: 'metric', text });
  const text = (text: string): GateCell => ({ kind: 'text', text });
  const figure = (v: number | null, unit: string): GateCell => ({ kind: 'figure', text: fmtMetric(v, unit) });
  const verdict = (ok: boolean): GateCell => ({ kind: 'verdict', ok });
  return {
    thresholds:
      g.thresholds.length === 0
        ? null
        : {
            head: ['metric', 'condition', 'value', 'result'],
            rows: g.thresholds.map((t) => [metric(t.metric), text(t.condition), figure(t.value, t.unit), verdict(t.ok)]),
          },
    baseline:
      !g.baseline || g.baseline.length === 0
        ? null
        : {
            head: ['metric', 'fail if', 'baseline', 'new', 'limit', 'result', 'note'],
            rows: g.baseline.map((b) => [
              metric(b.metric),
              text(b.condition),
              figure(b.base, b.unit),
              figure(b.value, b.unit),
              figure(b.limit, b.unit),
              verdict(!b.failed),
              text(b.note),
            ]),
          },
  };
}

export function gateTableLines(g: GateReport, c: Colors = NO_COLORS): string[] {
  const out: string[] = [];
  const verdict = (ok: boolean) => (ok ? c.green('pass') : c.red('FAIL'));
  const lines = (t: GateTable) =>
    renderTable(
      t.head,
      t.rows.map((r) => r.map((x) => (x.kind === 'verdict' ? verdict(x.ok) : x.text))),
      { colors: c, align: t.rows[0].map((x) => (x.kind === 'figure' ? 'r' : 'l')) },
    );
  const tables = gateTables(g);
  if (g.abortedBy) out.push(c.yellow(`stopped early: threshold ${g.abortedBy} could no longer hold (the result is partial)`));
  if (tables.thresholds) out.push(c.bold('thresholds'), ...lines(tables.thresholds));
  if (tables.baseline) {
    if (out.length > 0) out.push('');
    out.push(c.bold('baseline gates') + c.dim('  (fail if the new value crosses the limit)'), ...lines(tables.baseline));
  }
  if (g.digest) {
    if (out.length > 0) out.push('');
    const d = g.digest;
    out.push(`${c.bold('digest')} ${verdict(d.ok)}${d.ok ? ` ${d.actual}` : `: expected ${d.expected}, got ${d.actual}`}`);
    for (const p of d.parts) out.push(`  ${partDiffers(p)}${p.first ? `; first: ${p.first}` : ''}`);
    if (!d.ok && d.note) out.push(c.dim(`  ${d.note}`));
  }
  return out;
}

function xml(s: string): string {
  return s
    .replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch] as string)
    .replace(
      // Characters XML 1.0 cannot carry at all.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g,
      '',
    );
}

interface Case {
  name: string;
  classname: string;
  failure: { message: string; body: string } | null;
}

function casesOf(r: RunResult | null, g: GateReport): Case[] {
  const cases: Case[] = [];
  for (const t of g.thresholds) {
    const value = fmtMetric(t.value, t.unit);
    cases.push({
      name: `${t.metric} ${t.condition}`,
      classname: 'thresholds',
      failure: t.ok
        ? null
        : {
            message: `${t.metric} = ${value}, needs ${t.condition}`,
            body: `metric: ${t.metric}\ncondition: ${t.condition}\nvalue: ${t.value === null ? 'n/a (no value in this run)' : `${t.value} (${value})`}`,
          },
    });
  }
  for (const b of g.baseline ?? []) {
    cases.push({
      name: `${b.metric} fail if ${b.condition}`,
      classname: 'baseline',
      failure: b.failed
        ? {
            message: `${b.metric} = ${fmtMetric(b.value, b.unit)} (baseline ${fmtMetric(b.base, b.unit)}, limit ${fmtMetric(b.limit, b.unit)})`,
            body: `condition: fail if ${b.condition}\nbaseline: ${b.base}\nnew: ${b.value}\nlimit: ${b.limit}\n${b.note}`,
          }
        : null,
    });
  }
  if (g.digest) {
    const d = g.digest;
    cases.push({
      name: 'digest',
      classname: 'digest',
      failure: d.ok
        ? null
        : {
            message: `digest ${d.actual}, expected ${d.expected}`,
            body: [...d.parts.map((p) => `${partDiffers(p)}${p.first ? `; first: ${p.first}` : ''}`), ...(d.note ? [d.note] : [])].join(
              '\n',
            ),
          },
    });
  }
  if (r) {
    for (const inv of INVARIANTS) {
      const vs = r.dns.violations.filter((v) => v.invariant === inv);
      cases.push({
        name: `invariant ${inv}`,
        classname: 'invariants',
        failure:
          vs.length === 0
            ? null
            : {
                message: `${vs.length} violation(s); first at ${vs[0].atS.toFixed(3)}s on ${vs[0].endpoint}: ${vs[0].detail}`,
                body: [vs[0].detail, ...vs[0].chain.map((x) => `<- ${x}`)].join('\n'),
              },
      });
    }
  }
  return cases;
}

export interface JUnitSuite {
  /** The suite's name: the scenario, or 'compare A B'. */
  name: string;
  result: RunResult | null;
  gates: GateReport;
  /** Seconds to report as the suite's time. */
  timeS?: number;
}

/** JUnit XML: one <testsuite> per run, one <testcase> per threshold, baseline gate, digest check and invariant. */
export function junitXml(suites: JUnitSuite[]): string {
  const all = suites.map((s) => ({ s, cases: casesOf(s.result, s.gates) }));
  const tests = all.reduce((a, x) => a + x.cases.length, 0);
  const failures = all.reduce((a, x) => a + x.cases.filter((k) => k.failure).length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cascadesim" tests="${tests}" failures="${failures}" errors="0">`,
  ];
  for (const { s, cases } of all) {
    const f = cases.filter((k) => k.failure).length;
    const props = s.result
      ? [`seed=${s.result.seed}`, `digest=${s.result.digest}`, `partial=${s.result.partial}`, `workers=${s.result.workers}`].map((p) => {
          const [k, v] = p.split('=');
          return `      <property name="${xml(k)}" value="${xml(v)}"/>`;
        })
      : [];
    lines.push(
      `  <testsuite name="${xml(s.name)}" tests="${cases.length}" failures="${f}" errors="0" skipped="0" time="${(s.timeS ?? 0).toFixed(3)}">`,
    );
    if (props.length > 0) lines.push('    <properties>', ...props, '    </properties>');
    for (const k of cases) {
      const open = `    <testcase name="${xml(k.name)}" classname="${xml(`${s.name}.${k.classname}`)}" time="0"`;
      if (!k.failure) lines.push(`${open}/>`);
      else {
        lines.push(
          `${open}>`,
          `      <failure message="${xml(k.failure.message)}" type="${k.classname}">${xml(k.failure.body)}</failure>`,
          '    </testcase>',
        );
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(head: string[], rows: string[][]): string[] {
  return [`| ${head.map(md).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`)];
}

/** A Markdown summary for GitHub's job summary: the verdict, the gates, and the per-phase tables. */
export function markdownSummary(r: RunResult, g: GateReport): string {
  const failed = gatesFailed(g);
  const out: string[] = [`### cascadesim: ${md(r.scenario.name)} ${failed ? '❌ failed' : '✅ passed'}`, ''];
  out.push(
    `seed ${r.seed}, ${r.workers} workers, protocol ${r.dns.protocol}, simulated ${fmtElapsed(r.reachedS)}${r.partial ? ' (partial)' : ''}; digest \`${r.digest}\``,
    '',
  );
  if (g.abortedBy) out.push(`Stopped early: threshold \`${md(g.abortedBy)}\` could no longer hold.`, '');
  const tables = gateTables(g);
  const mdRows = (t: GateTable) =>
    mdTable(
      t.head,
      t.rows.map((r) =>
        r.map((x) => (x.kind === 'verdict' ? (x.ok ? 'pass' : '**FAIL**') : x.kind === 'metric' ? `\`${x.text}\`` : x.text)),
      ),
    );
  if (tables.thresholds) out.push('#### Thresholds', '', ...mdRows(tables.thresholds), '');
  if (tables.baseline) out.push('#### Baseline gates', '', ...mdRows(tables.baseline), '');
  if (g.digest) {
    const d = g.digest;
    out.push('#### Digest', '', d.ok ? `matches \`${d.actual}\`` : `**differs**: expected \`${d.expected}\`, got \`${d.actual}\``);
    for (const p of d.parts) out.push(`- ${partDiffers(p)}${p.first ? `; first: ${md(p.first)}` : ''}`);
    out.push('');
  }
  const rows = phaseRows(r);
  const span = (fromS: number, toS: number) => `${fmtElapsed(fromS)} - ${fmtElapsed(toS)}`;
  if (rows.some((p) => p.clients)) {
    out.push(
      '#### Clients by phase',
      '',
      ...mdTable(
        ['phase', 'span', 'requests', 'errors', ...ERROR_CLASSES, 'amplif.', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'attempt p99 ms'],
        rows.filter((p) => p.clients).map((p) => clientPhaseCells(p, span(p.fromS, p.toS)).map((x) => (x.bad ? `**${x.text}**` : x.text))),
      ),
      '',
    );
  }
  const withEc2 = rows.some((p) => p.ec2);
  const head = ['phase', 'span', 'violations', 'empty endpoint'];
  if (withEc2) head.push('lease backlog', 'leases lost', 'propagation delay', 'propagation backlog', 'NLB errors');
  out.push(
    '#### Control plane by phase',
    '',
    ...mdTable(
      head,
      rows.map((p) => controlPhaseCells(p, span(p.fromS, p.toS), withEc2).map((x) => (x.bad ? `**${x.text}**` : x.text))),
    ),
    '',
  );
  return `${out.join('\n')}\n`;
}
