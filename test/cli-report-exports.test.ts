/**
 * `cascadesim report` and `cascadesim compare` through the real CLI (dist/cli.js): CSV and JSON have one row
 * per metrics window and the result file's values; the HdrHistogram log has one interval per window; EC2
 * columns and the incident timeline appear for a run with EC2; broken result files give exit code 2 and a
 * one-line reason; compare shows the setting that differs and the deltas.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as hdr from 'hdr-histogram-js';
import type { RunResult } from '../src/engine/result.ts';
import { readResultFile } from '../src/result/file.ts';
import { hasStackTrace, runCli } from './helpers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-report-'));
const SMALL = ['--set', 'clients.count=20000', '--set', 'durationS=900'];
const legacyFile = path.join(tmp, 'legacy.msgpack');
const fencedFile = path.join(tmp, 'fenced.msgpack');
const ec2File = path.join(tmp, 'aws.msgpack');
let legacy: RunResult;

function parseCsv(text: string): { head: string[]; rows: (number | null)[][] } {
  assert.ok(text.endsWith('\r\n'), 'RFC 4180 line ends');
  const lines = text.slice(0, -2).split('\r\n');
  const head = lines[0].split(',');
  return { head, rows: lines.slice(1).map((l) => l.split(',').map((c) => (c === '' ? null : Number(c)))) };
}

before(async () => {
  const runs = await Promise.all([
    runCli(['run', 'dns-race', ...SMALL, '--out', legacyFile, '--quiet']),
    runCli(['run', 'dns-race', ...SMALL, '--set', 'dns.protocol=fenced', '--out', fencedFile, '--quiet']),
    // The full incident at a tenth of the fleet and four hours: EC2 windows, EC2 phases, the AWS timeline.
    runCli([
      'run',
      'aws-2025-10-20',
      '--set',
      'clients.count=10000',
      '--set',
      'durationS=14400',
      '--set',
      'ec2.droplets=100000',
      '--out',
      ec2File,
      '--quiet',
    ]),
  ]);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  legacy = readResultFile(legacyFile);
});

describe('report exports', () => {
  it('CSV: a header naming each column with its unit, one row per window, the result file values', async () => {
    const csvFile = path.join(tmp, 'w.csv');
    const r = await runCli(['report', legacyFile, '--csv', csvFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CSV .* written to/);
    const { head, rows } = parseCsv(readFileSync(csvFile, 'utf8'));
    const wins = legacy.windows.clients;
    assert.equal(rows.length, wins.length);
    assert.equal(wins.length, 90);
    for (const h of head) assert.match(h, /(Index|S|Ms(P\d+|Max)|PerS|Count|Share|Ratio|Flag)$/, h);
    const col = (name: string) => head.indexOf(name);
    for (const name of [
      'fromS',
      'toS',
      'requestsCount',
      'attemptsCount',
      'dnsEmptyCount',
      'errorRateShare',
      'amplificationRatio',
      'latencyIntendedMsP99',
      'latencyAttemptMsP50',
      'goodputPerS',
    ]) {
      assert.ok(col(name) >= 0, `${name} in ${head.join(',')}`);
    }
    wins.forEach((w, i) => {
      const row = rows[i];
      assert.equal(row[col('fromS')], w.fromS);
      assert.equal(row[col('toS')], w.toS);
      assert.equal(row[col('requestsCount')], w.counters.requests);
      assert.equal(row[col('dnsEmptyCount')], w.errors['dns-empty']);
      assert.equal(row[col('errorRateShare')], w.errorRate);
      assert.equal(row[col('amplificationRatio')], w.amplification);
      assert.equal(row[col('latencyIntendedMsP99')], w.latencyMs.intended.p99);
      assert.equal(row[col('goodputPerS')], w.goodputPerS);
    });
  });

  it('JSON: the same table, as many windows, the same values as the CSV', async () => {
    const r = await runCli(['report', legacyFile, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'exactly one JSON document on stdout');
    const j = JSON.parse(lines[0]) as {
      digest: string;
      columns: { name: string; unit: string }[];
      windows: Record<string, number | null>[];
    };
    assert.equal(j.digest, legacy.digest);
    assert.equal(j.windows.length, legacy.windows.clients.length);
    const csv = await runCli(['report', legacyFile, '--csv', '-']);
    assert.equal(csv.code, 0, csv.stderr);
    const { head, rows } = parseCsv(csv.stdout);
    assert.deepEqual(
      head,
      j.columns.map((c) => c.name),
    );
    rows.forEach((row, i) => head.forEach((h, k) => assert.equal(row[k], j.windows[i][h], `${h} row ${i}`)));
    legacy.windows.clients.forEach((w, i) => assert.equal(j.windows[i].attemptsCount, w.counters.attempts));
  });

  it('HdrHistogram log: standard header, one untagged interval per window with the window counts', async () => {
    const logFile = path.join(tmp, 'w.hlog');
    const r = await runCli(['report', legacyFile, '--hlog', logFile]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(logFile, 'utf8');
    assert.match(text, /^#\[Histogram log format version 1\.3\]$/m);
    assert.match(text, /^#\[StartTime: [\d.]+ \(seconds since epoch\), .+\]$/m);
    const reader = new hdr.HistogramLogReader(text, 64);
    let n = 0;
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
      if (h.tag === 'attempt') continue;
      const w = legacy.windows.clients[n++];
      assert.equal(h.totalCount, hdr.decodeFromCompressedBase64(w.hdr.intended, 64, false).totalCount);
    }
    assert.equal(n, legacy.windows.clients.length);
  });

  it('with no option prints the summary tables; with a run without clients refuses --hlog with exit 2', async () => {
    const r = await runCli(['report', legacyFile]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of ['clients by phase', 'control plane by phase', 'episodes and recovery', 'outage', 'VIOLATION never-delete-active'])
      assert.ok(r.stdout.includes(s), s);
    const bare = path.join(tmp, 'bare.msgpack');
    assert.equal((await runCli(['run', 'dns-race', '--set', 'clients=null', '--set', 'durationS=900', '--out', bare, '--quiet'])).code, 0);
    const h = await runCli(['report', bare, '--hlog', path.join(tmp, 'x.hlog')]);
    assert.equal(h.code, 2);
    assert.match(h.stderr, /no latency windows/);
  });

  it('EC2 runs: EC2 columns in the CSV, EC2 phases and the AWS timeline in the summary', async () => {
    const res = readResultFile(ec2File);
    const csvFile = path.join(tmp, 'aws.csv');
    const r = await runCli(['report', ec2File, '--csv', csvFile]);
    assert.equal(r.code, 0, r.stderr);
    const { head, rows } = parseCsv(readFileSync(csvFile, 'utf8'));
    assert.equal(rows.length, Math.max(res.windows.clients.length, res.windows.ec2.length));
    const backlog = head.indexOf('ec2LeasesBacklogCount');
    const delay = head.indexOf('ec2NetworkPropagationDelayS');
    const nlb = head.indexOf('ec2NlbErrorRateShare');
    assert.ok(backlog > 0 && delay > 0 && nlb > 0, head.filter((h) => h.startsWith('ec2')).join(','));
    res.windows.ec2.forEach((w, i) => {
      assert.equal(rows[i][backlog], w.leases.backlog);
      assert.equal(rows[i][delay], w.network.propagationDelayS);
      assert.equal(rows[i][nlb], w.nlb.errorRate);
    });
    const s = await runCli(['report', ec2File]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /control plane and EC2 by phase/);
    assert.match(s.stdout, /lease backlog/);
    assert.match(s.stdout, /recovery\s+\d+:\d\d:\d\d \(\d\d:\d\d\)/);
    assert.match(s.stdout, /incident timeline: simulated vs AWS/);
    assert.match(s.stdout, /dynamodb-errors-end\s+calibrated\s+\d\d:\d\d\s+02:40/);
    assert.match(s.stdout, /ec2-fully-recovered\s+predicted\s+/);
  });
});

describe('replay', () => {
  it('the replay line rebuilds every --set the run used, and replaying gives the same digest', async () => {
    const r = await runCli(['report', fencedFile]);
    const line = /^replay: cascadesim (run .*)$/m.exec(r.stdout)?.[1];
    assert.ok(line, r.stdout);
    assert.equal(line, 'run dns-race --seed 1 --set durationS=900 --set dns.protocol=fenced --set clients.count=20000');
    const again = await runCli([...line.split(' '), '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).digest, readResultFile(fencedFile).digest);
  });
});

describe('bad result files', () => {
  const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
    ['truncated', (b) => b.subarray(0, Math.floor(b.length * 0.6)), /truncated: \d+ of \d+ payload bytes/],
    [
      'corrupted',
      (b) => {
        const c = Buffer.from(b);
        c[Math.floor(c.length / 2)] ^= 0xff;
        return c;
      },
      /corrupted: checksum mismatch/,
    ],
    ['foreign', () => Buffer.from('name,value\nx,1\n'), /not a cascadesim result file/],
    ['empty', () => Buffer.alloc(0), /empty file/],
  ];
  for (const [what, damage, reason] of cases) {
    it(`${what}: exit code 2 and a one-line reason, from report and compare alike`, async () => {
      const file = path.join(tmp, `${what}.msgpack`);
      writeFileSync(file, damage(readFileSync(legacyFile)));
      for (const args of [
        ['report', file],
        ['report', file, '--csv', path.join(tmp, 'never.csv')],
        ['compare', legacyFile, file],
      ]) {
        const r = await runCli(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(
          lines[0],
          new RegExp(`^cascadesim: bad result file: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${reason.source}`),
        );
        assert.equal(hasStackTrace(r.stderr), false);
      }
    });
  }

  it('a missing file and a bad command line: exit code 2, one line', async () => {
    const m = await runCli(['report', path.join(tmp, 'nope.msgpack')]);
    assert.equal(m.code, 2);
    assert.match(m.stderr.trim(), /^cascadesim: bad result file: .*nope\.msgpack: cannot read \(ENOENT\)$/);
    const two = await runCli(['report', legacyFile, '--json', '--csv', '-']);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /only one output can go to stdout/);
    const dir = await runCli(['report', legacyFile, '--html', path.join(tmp, 'no', 'such', 'dir', 'r.html')]);
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /--html .*cannot write in/);
  });
});

describe('compare', () => {
  it('legacy vs fenced: the protocol is the setting that differs; the outage phase shows the deltas', async () => {
    const r = await runCli(['compare', legacyFile, fencedFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /compare legacy vs fenced/);
    assert.match(r.stdout, /dns\.protocol\s+"legacy"\s+"fenced"/);
    const outage = r.stdout.slice(r.stdout.indexOf('phase: outage'));
    assert.match(outage, /failed requests\s+[\d.]+%\s+0%\s+-[\d.]+ pp \(-100%\)/);
    assert.match(outage, /invariant violations\s+3\s+0\s+-3 \(-100%\)/);
    const same = await runCli(['compare', legacyFile, legacyFile]);
    assert.match(same.stdout, /none: same scenario and identical results/);
  });
});
