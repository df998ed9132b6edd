/**
 * The report layer in-process, on one small real run: the window table (CSV/JSON/charts all read it) agrees
 * with the result's own windows; EC2 columns appear from EC2 windows and join on the window start; the result
 * file refuses truncated, corrupted and foreign bytes with one reason each; HdrHistogram logs read back with
 * hdr-histogram-js's HistogramLogReader; scenario text cannot inject markup into the HTML.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { Encoder } from '@msgpack/msgpack';
import * as hdr from 'hdr-histogram-js';
import type { RunResult } from '../src/engine/result.ts';
import { InputError } from '../src/errors.ts';
import { compareRows, scenarioDiff } from '../src/report/compare.ts';
import { hdrLog, windowsCsv, windowsJson } from '../src/report/export.ts';
import { fmtDelta, fmtDuration, fmtPct } from '../src/report/format.ts';
import { esc, jsonForScript, reportHtml } from '../src/report/html.ts';
import { markersOf } from '../src/report/markers.ts';
import { columnValues, windowTable } from '../src/report/series.ts';
import { phaseRows, recoveryRows } from '../src/report/summary.ts';
import { decodeResult, encodeResult, HEADER_BYTES } from '../src/result/file.ts';
import { runInProcess, scenario } from './helpers.ts';

let r: RunResult;

before(async () => {
  r = await runInProcess(scenario('dns-race', ['clients.count=5000', 'durationS=900']));
});

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.equal(err.problems.length, 1);
    assert.doesNotMatch(err.problems[0], /\n/);
    return err.problems[0];
  }
  assert.fail('accepted bad bytes');
}

describe('window table', () => {
  it('has one row per window, unit-suffixed columns, and the windows own values', () => {
    const t = windowTable(r);
    const wins = r.windows.clients;
    assert.equal(t.rows.length, wins.length);
    assert.equal(t.rows.length, 90);
    for (const c of t.columns) {
      assert.match(c.name, /(Index|S|Ms(P\d+|Max)|PerS|Count|Share|Ratio|Flag)$/, `${c.name} names no unit`);
      assert.ok(c.unit && c.description, c.name);
    }
    const req = columnValues(t, 'requestsCount') as number[];
    const err = columnValues(t, 'errorRateShare') as number[];
    const p99 = columnValues(t, 'latencyIntendedMsP99') as number[];
    const rate = columnValues(t, 'requestsPerS') as number[];
    wins.forEach((w, i) => {
      assert.equal(req[i], w.counters.requests);
      assert.equal(err[i], w.errorRate);
      assert.equal(p99[i], w.latencyMs.intended.p99);
      assert.equal(rate[i], w.counters.requests / (w.toS - w.fromS));
    });
  });

  it('adds EC2 columns from EC2 windows, joined on the window start, empty where a window has no EC2 part', () => {
    const ec2 = r.windows.clients.slice(0, 10).map((w) => ({
      index: w.index,
      fromS: w.fromS,
      toS: w.toS,
      leases: { backlog: w.index * 10, lost: 5, collapseIndex: 0.5 },
      network: { propagationDelayS: 1.5, goodputPerS: 2 },
      nlb: { errorRate: 0.01, failoverEnabled: true, hcUtilizationMax: 3 },
    }));
    const withEc2 = { ...r, windows: { clients: r.windows.clients, ec2 } } as unknown as RunResult;
    const t = windowTable(withEc2);
    const names = t.columns.map((c) => c.name);
    for (const n of [
      'ec2LeasesBacklogCount',
      'ec2LeasesCollapseIndexRatio',
      'ec2NetworkPropagationDelayS',
      'ec2NetworkGoodputPerS',
      'ec2NlbErrorRateShare',
      'ec2NlbFailoverEnabledFlag',
      'ec2NlbHcUtilizationMaxRatio',
    ]) {
      assert.ok(names.includes(n), `${n} in ${names.filter((x) => x.startsWith('ec2')).join(' ')}`);
    }
    assert.equal(t.rows.length, r.windows.clients.length);
    const backlog = columnValues(t, 'ec2LeasesBacklogCount') as (number | null)[];
    assert.equal(backlog[3], 30);
    assert.equal(backlog[50], null);
    const csv = windowsCsv(withEc2).trimEnd().split('\r\n');
    assert.equal(csv.length, 1 + r.windows.clients.length);
    assert.equal(csv[1].split(',').length, names.length);
  });

  it('CSV and JSON carry the same rows', () => {
    const csv = windowsCsv(r).trimEnd().split('\r\n');
    const json = windowsJson(r) as { columns: { name: string }[]; windows: Record<string, number>[] };
    const head = csv[0].split(',');
    assert.deepEqual(
      head,
      json.columns.map((c) => c.name),
    );
    assert.equal(json.windows.length, csv.length - 1);
    csv.slice(1).forEach((line, i) => {
      line.split(',').forEach((cell, k) => assert.equal(cell === '' ? null : Number(cell), json.windows[i][head[k]]));
    });
  });
});

describe('summary, markers, compare', () => {
  it('phase rows take the clients phases and count the violations where they happened', () => {
    const rows = phaseRows(r);
    assert.deepEqual(
      rows.map((p) => p.name),
      ['before', 'outage', 'whole run'],
    );
    assert.equal(rows[0].violations, 0);
    assert.equal(rows[1].violations, r.dns.violations.length);
    assert.equal(rows[1].clients?.errorRate, r.clients?.phases[1].errorRate);
    assert.ok((rows[1].clients?.errorShares['dns-empty'] ?? 0) > 0.5);
    assert.ok(rows[1].emptyEndpointS > 0);
    const rec = recoveryRows(r);
    assert.ok(rec.some((x) => x.what.startsWith('trigger to race')));
    assert.ok(rec.some((x) => x.what.startsWith('client errors') && x.toS === null));
  });

  it('marks the trigger, the race and the violations at the times they happened', () => {
    const { markers } = markersOf(r);
    const trigger = markers.find((m) => m.kind === 'trigger');
    const race = markers.find((m) => m.kind === 'race' && m.label.startsWith('race'));
    assert.ok(trigger && trigger.atS >= 600 && trigger.atS < 601, JSON.stringify(trigger));
    assert.equal(race?.atS, r.dns.emptyIntervals[0].fromS);
    assert.equal(markers.filter((m) => m.kind === 'race' || m.kind === 'violation').length, r.dns.violations.length + 1);
  });

  it('compare shows the protocol as the one setting that differs, and deltas B - A', () => {
    const fenced = { ...r, scenario: { ...r.scenario, dns: { ...r.scenario.dns, protocol: 'fenced' } } } as RunResult;
    assert.deepEqual(scenarioDiff(r.scenario, fenced.scenario), [{ path: 'dns.protocol', a: '"legacy"', b: '"fenced"' }]);
    const rows = compareRows(r, r);
    assert.ok(rows.length > 20);
    for (const row of rows) assert.ok(row.a === row.b, `${row.section} ${row.metric}`);
    assert.equal(
      fmtDelta(0.2, 0.1, (x) => fmtPct(x)),
      '-10.0% (-50.0%)',
    );
    assert.equal(
      fmtDelta(10, 150, (x) => String(x)),
      '+140 (15.0x)',
    );
    assert.equal(fmtDuration(9420), '2 h 37 min');
  });
});

describe('result file', () => {
  it('round-trips a result', () => {
    const back = decodeResult(encodeResult(r));
    assert.equal(back.digest, r.digest);
    assert.equal(back.windows.clients.length, r.windows.clients.length);
  });

  it('refuses truncated files at any length, saying so', () => {
    const bytes = encodeResult(r);
    for (const n of [1, 7, 8, 30, HEADER_BYTES, HEADER_BYTES + 1, Math.floor(bytes.length / 2), bytes.length - 1]) {
      assert.match(
        reason(() => decodeResult(bytes.subarray(0, n), 'f')),
        /^f: truncated/,
        `cut at ${n}`,
      );
    }
    assert.match(
      reason(() => decodeResult(new Uint8Array(0), 'f')),
      /empty file/,
    );
  });

  it('refuses a flipped byte anywhere in the payload, and trailing garbage', () => {
    const bytes = encodeResult(r);
    for (const at of [HEADER_BYTES, HEADER_BYTES + 100, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at] ^= 0x20;
      assert.match(
        reason(() => decodeResult(bad, 'f')),
        /corrupted: checksum mismatch/,
        `flip at ${at}`,
      );
    }
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    assert.match(
      reason(() => decodeResult(longer, 'f')),
      /corrupted: 3 unexpected bytes/,
    );
  });

  it('refuses foreign files and other format versions', () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13);
    assert.match(
      reason(() => decodeResult(png, 'f')),
      /not a cascadesim result file/,
    );
    assert.match(
      reason(() => decodeResult(new TextEncoder().encode('{"digest": "x"}'), 'f')),
      /not a cascadesim result file/,
    );
    const v = encodeResult(r);
    new DataView(v.buffer).setUint32(12, 99, true);
    assert.match(
      reason(() => decodeResult(v, 'f')),
      /result format version 99, this cascadesim reads version/,
    );
  });

  it('refuses a well-framed payload that is not a result (right checksum, wrong shape)', () => {
    const payload = new Encoder().encode({ formatVersion: r.formatVersion, partial: false, seed: 'one' });
    const bytes = encodeResult(r).subarray(0, HEADER_BYTES).slice();
    const out = new Uint8Array(HEADER_BYTES + payload.length);
    out.set(bytes);
    const view = new DataView(out.buffer);
    view.setBigUint64(16, BigInt(payload.length), true);
    out.set(createHash('sha256').update(payload).digest(), 24);
    out.set(payload, HEADER_BYTES);
    assert.match(
      reason(() => decodeResult(out, 'f')),
      /f: not a valid result: scenario: .*expected object.*\(and \d+ more problems\)$/,
    );
  });
});

describe('HdrHistogram interval log', () => {
  it('is read back by HistogramLogReader: one untagged interval per window with the same counts, plus Tag=attempt', () => {
    const log = hdrLog(r);
    assert.match(log, /^#\[StartTime: /m);
    assert.match(log, /^"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"$/m);
    assert.doesNotMatch(log, /\n\n/);
    const reader = new hdr.HistogramLogReader(log, 64);
    const untagged: hdr.Histogram[] = [];
    const tagged: hdr.Histogram[] = [];
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram())
      (h.tag === 'attempt' ? tagged : untagged).push(h);
    const wins = r.windows.clients;
    assert.equal(untagged.length, wins.length);
    assert.equal(tagged.length, wins.length);
    wins.forEach((w, i) => {
      const want = hdr.decodeFromCompressedBase64(w.hdr.intended, 64, false);
      assert.equal(untagged[i].totalCount, want.totalCount);
      assert.equal(untagged[i].startTimeStampMsec, w.fromS * 1000);
      assert.equal(untagged[i].endTimeStampMsec, w.toS * 1000);
      if (want.totalCount > 0) assert.equal(untagged[i].getValueAtPercentile(99) / 1000, w.latencyMs.intended.p99);
    });
  });
});

describe('HTML', () => {
  it('escapes scenario text and keeps embedded JSON from closing its script element', () => {
    const evil = '</script><script>window.pwned=1</script><img src=x onerror=alert(1)>';
    const s = { ...r, scenario: { ...r.scenario, name: `<b>${evil}`, description: evil, assumptions: [evil] } } as RunResult;
    const html = reportHtml(s);
    assert.ok(!html.includes('<script>window.pwned'), 'raw script from the scenario');
    assert.ok(!html.includes('<img src=x'), 'raw markup from the scenario');
    assert.ok(html.includes(esc(evil)));
    assert.equal(jsonForScript({ a: '</script>' }), '{"a":"\\u003c/script>"}');
    assert.equal(JSON.parse(jsonForScript({ a: '</script>', n: Infinity })).a, '</script>');
    // Nothing may be fetched: no src/href to anything but the page itself.
    assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });
});
