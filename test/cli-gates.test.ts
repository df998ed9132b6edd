/**
 * The CI gates through the real CLI (node dist/cli.js, real worker threads): thresholds (flag and scenario
 * section, abortOnFail), baseline gates, the exact-output gate, JUnit XML read back with a real XML parser, and
 * GitHub's job summary. Exit codes: 0 pass, 99 a gate failed, 2 bad input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import YAML from 'yaml';
import { digestKey } from '../src/gates/digest.ts';
import { readResultFile } from '../src/result/file.ts';
import { hasStackTrace, ROOT, runCli } from './helpers.ts';

// The race at about 657 s, the repair at 1,200 s: the dns-race story in a third of its simulated time.
const SMALL = ['--set', 'clients.count=1000', '--set', 'durationS=1500', '--set', 'actions[0].atS=1200', '--workers', '1'];
const GATE_EXAMPLE = path.join(ROOT, 'examples', 'ci', 'dns-race-gate.yaml');

describe('CI gates through the CLI', () => {
  let dir: string;
  let legacy: string;
  let fenced: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-gates-'));
    legacy = path.join(dir, 'legacy.msgpack');
    fenced = path.join(dir, 'fenced.msgpack');
    const [a, b] = await Promise.all([
      runCli(['run', ...SMALL, '--quiet', '--out', legacy]),
      runCli(['run', ...SMALL, '--set', 'dns.protocol=fenced', '--quiet', '--out', fenced]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--threshold dns.violations==0 fails the legacy race (99, named in the table) and passes the fenced one', async () => {
    const bad = await runCli(['run', ...SMALL, '--threshold', 'dns.violations==0', '--threshold', 'clients.outage.latencyMs.p99<=10s']);
    assert.equal(bad.code, 99, bad.stderr);
    const table = bad.stdout.slice(bad.stdout.indexOf('thresholds'));
    assert.match(table, /dns\.violations\s+== 0\s+3\s+FAIL/);
    assert.match(table, /clients\.outage\.latencyMs\.p99\s+<= 10s\s+[\d.]+ ms\s+pass/);
    const good = await runCli(['run', ...SMALL, '--set', 'dns.protocol=fenced', '--threshold', 'dns.violations==0', '--json']);
    assert.equal(good.code, 0, good.stderr);
    const j = JSON.parse(good.stdout) as { thresholds: { metric: string; condition: string; value: number; ok: boolean }[] };
    assert.deepEqual(
      j.thresholds.map(({ metric, condition, value, ok }) => ({ metric, condition, value, ok })),
      [{ metric: 'dns.violations', condition: '== 0', value: 0, ok: true }],
    );
  });

  it('refuses an unknown metric or a malformed condition before running (exit 2, the path, near names)', async () => {
    const r = await runCli([
      'run',
      ...SMALL,
      '--threshold',
      'clients.outage.p99<250ms',
      '--threshold',
      'dns.violations=<0',
      '--threshold',
      'clients.errorRate<5ms',
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /--threshold clients\.outage\.p99<250ms: clients\.outage\.p99: unknown metric \(did you mean clients\.outage\.latencyMs\.p99/,
    );
    assert.match(r.stderr, /dns\.violations=<0/);
    assert.match(r.stderr, /"<5ms": ms is a time, but the metric is in ratio/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    assert.doesNotMatch(r.stderr, /running/, 'nothing ran');
    const file = path.join(dir, 'bad-thresholds.yaml');
    writeFileSync(
      file,
      'thresholds:\n  dns.violation: ["== 0"]\n  clients.errorRate: ["< 5%", "about 3", { condition: "< 1", abortOnFail: true }]\n',
    );
    const v = await runCli(['validate', file]);
    assert.equal(v.code, 2);
    assert.match(v.stderr, /thresholds\.dns\.violation: dns\.violation: unknown metric \(did you mean dns\.violations/);
    assert.match(v.stderr, /thresholds\.clients\.errorRate\[1\]: "about 3": expected an operator/);
    assert.match(v.stderr, /thresholds\.clients\.errorRate\[2\]: abortOnFail needs a metric watched during the run/);
    assert.doesNotMatch(v.stderr, /errorRate\[0\]/, 'the good condition is not listed');
  });

  it('judges a saved result with report --threshold, and writes JUnit XML with one failing testcase per failed threshold', async () => {
    const junit = path.join(dir, 'report.xml');
    const r = await runCli([
      'report',
      legacy,
      '--threshold',
      'dns.violations==0',
      '--threshold',
      'clients.errorRate<0.5%',
      '--threshold',
      'clients.before.errorRate<0.5%',
      '--junit',
      junit,
    ]);
    assert.equal(r.code, 99, r.stderr);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(junit, 'utf8'));
    const suite = doc.testsuites.testsuite;
    assert.equal(suite.name, 'dns-race');
    const cases = suite.testcase as { name: string; classname: string; failure?: { message: string } }[];
    const thresholds = cases.filter((c) => c.classname === 'dns-race.thresholds');
    assert.equal(thresholds.length, 3);
    assert.deepEqual(
      thresholds.filter((c) => c.failure).map((c) => c.name),
      ['dns.violations == 0', 'clients.errorRate < 0.5%'],
    );
    assert.match((thresholds[0].failure as { message: string }).message, /dns\.violations = 3, needs == 0/);
    const invariants = cases.filter((c) => c.classname === 'dns-race.invariants');
    assert.equal(invariants.length, 3);
    assert.ok(invariants.find((c) => c.name === 'invariant never-delete-active')?.failure);
    // Literal counts, not the writer's own elements counted back: 3 thresholds (2 fail) and 3 invariants (all
    // broken by the legacy race).
    assert.equal(cases.length, 6);
    assert.equal(Number(suite.tests), 6);
    assert.equal(Number(suite.failures), 5);
    const ok = await runCli(['report', fenced, '--threshold', 'dns.violations==0']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('compare --fail-if exits 99 on a change that crosses a limit and 0 without one', async () => {
    const oneStepRun = runCli([
      'run',
      ...SMALL,
      '--set',
      'clients.ttlS=1',
      '--baseline',
      legacy,
      '--fail-if',
      'clients.amplification > +0%',
      '--quiet',
    ]);
    const worse = await runCli([
      'compare',
      fenced,
      legacy,
      '--fail-if',
      'clients.outage.latencyMs.p99 > +10%',
      '--fail-if',
      'clients.errorRate > +0.01',
      '--fail-if',
      'dns.violations > 0',
    ]);
    assert.equal(worse.code, 99, worse.stderr);
    const t = worse.stdout.slice(worse.stdout.indexOf('baseline gates'));
    assert.match(t, /clients\.errorRate\s+> \+0\.01\s+0%\s+[\d.]+%\s+1\.00%\s+FAIL/);
    assert.match(t, /dns\.violations\s+> 0\s+0\s+3\s+0\s+FAIL/);
    const same = await runCli([
      'compare',
      legacy,
      legacy,
      '--fail-if',
      'clients.outage.latencyMs.p99 > +10%',
      '--fail-if',
      'clients.errorRate > +0.01',
    ]);
    assert.equal(same.code, 0, same.stderr);
    const better = await runCli(['compare', legacy, fenced, '--fail-if', 'clients.errorRate > +0.01']);
    assert.equal(better.code, 0, better.stderr);
    const oneStep = await oneStepRun;
    assert.equal(oneStep.code, 99, 'a TTL of 1 s sends more attempts per request than 5 s');
    assert.match(oneStep.stderr, /clients\.amplification\s+> \+0%.*FAIL/);
  });

  it('--expect-digest exits 0 on the same output, 99 on another, naming the parts that differ and the first difference', async () => {
    const digest = readResultFile(legacy).digest;
    const key = digestKey(readResultFile(legacy));
    const [same, other, proto, bare, junk, keyed, keySame] = await Promise.all([
      // Two workers against the one-worker baseline: the digest does not depend on the thread count.
      runCli(['run', ...SMALL, '--workers', '2', '--expect-digest', digest, '--quiet']),
      runCli(['run', ...SMALL, '--set', 'clients.ttlS=60', '--expect-digest', legacy, '--quiet']),
      runCli(['run', ...SMALL, '--set', 'dns.protocol=fenced', '--expect-digest', legacy, '--quiet']),
      runCli(['run', ...SMALL, '--set', 'clients.ttlS=60', '--expect-digest', digest, '--quiet']),
      runCli(['run', ...SMALL, '--expect-digest', 'abc']),
      runCli(['run', ...SMALL, '--set', 'clients.ttlS=60', '--expect-digest', key, '--quiet']),
      runCli(['run', ...SMALL, '--workers', '2', '--expect-digest', key]),
    ]);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(other.code, 99);
    assert.match(other.stderr, /digest FAIL: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    assert.match(other.stderr, /client windows differ; first: window \d+ \[\d+s, \d+s\): \S+ expected/);
    assert.match(other.stderr, /summary differs; first: /);
    assert.doesNotMatch(other.stderr, /control-plane events differ/, 'the TTL changes no control-plane event');
    assert.equal(proto.code, 99);
    assert.match(proto.stderr, /control-plane events differ; first: event #\d+: expected [\d.]+s enactor-\d/);
    assert.equal(bare.code, 99);
    assert.match(
      bare.stderr,
      /a bare digest cannot be split into parts: pin the expected run's digest key instead \(run prints it; this run's is [0-9a-f]{64}(:[0-9a-f]{16}){4}\)/,
    );
    // The digest key (digest and part digests) names the parts without the expected file.
    assert.equal(keyed.code, 99);
    assert.match(keyed.stderr, /client windows differ\n\s+summary differs\n/);
    assert.doesNotMatch(keyed.stderr, /control-plane events differ|EC2 windows differ/);
    assert.equal(keySame.code, 0, keySame.stderr);
    assert.ok(
      keySame.stdout.includes(`digest key (pinned with --expect-digest, names the parts that differ) ${key}\n`),
      'run prints the key it is pinned with',
    );
    assert.equal(junk.code, 2);
  });

  it("stops a run at the first violation with abortOnFail, still writing the partial result, and fills GitHub's job summary", async () => {
    const out = path.join(dir, 'gate.msgpack');
    const summary = path.join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await runCli(['run', GATE_EXAMPLE, '--set', 'dns.protocol=legacy', '--out', out], { env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stderr, /threshold dns\.violations == 0 can no longer hold/);
    const res = readResultFile(out);
    assert.equal(res.partial, true);
    const first = Math.min(...res.dns.violations.map((v) => v.atS));
    assert.ok(res.reachedS < res.scenario.durationS / 2 && res.reachedS > first, `stopped at ${res.reachedS}, first violation ${first}`);
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n'), 'appended, not overwritten');
    assert.match(md, /### cascadesim: dns-race-gate ❌ failed/);
    assert.match(md, /\| `dns\.violations` \| == 0 \| 3 \| \*\*FAIL\*\* \|/);
    assert.match(md, /#### Clients by phase/);
  });

  it('runs the command of the CI examples as written: the gate passes with the fenced protocol', async () => {
    const gh = YAML.parse(readFileSync(path.join(ROOT, 'examples', 'ci', 'github-actions.yml'), 'utf8')) as {
      jobs: { gate: { steps: { run?: string }[] } };
    };
    const gl = YAML.parse(readFileSync(path.join(ROOT, 'examples', 'ci', 'gitlab-ci.yml'), 'utf8')) as {
      'cascadesim-gate': { script: string[]; artifacts: { reports: { junit: string } } };
    };
    const ghRun = gh.jobs.gate.steps.map((s) => s.run ?? '').find((r) => r.startsWith('npx cascadesim run')) as string;
    const glRun = gl['cascadesim-gate'].script.find((r) => r.startsWith('npx cascadesim run')) as string;
    assert.equal(ghRun, glRun, 'both examples gate the same way');
    const args = ghRun.split(/\s+/).slice(2);
    // The scenario path is relative to the project root; the outputs go to a scratch directory.
    const abs = await runCli(
      args.map((a) => (a.endsWith('.yaml') ? path.join(ROOT, a) : a)),
      { cwd: dir },
    );
    assert.equal(abs.code, 0, abs.stderr + abs.stdout.slice(-2000));
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      readFileSync(path.join(dir, gl['cascadesim-gate'].artifacts.reports.junit), 'utf8'),
    );
    assert.equal(Number(junit.testsuites.failures), 0);
    assert.ok(Number(junit.testsuites.tests) >= 8);
  });

  it('lists the metrics catalogue (table and --json)', async () => {
    const j = await runCli(['metrics', '--json']);
    assert.equal(j.code, 0);
    const list = JSON.parse(j.stdout) as { name: string; unit: string; meaning: string }[];
    const names = list.map((m) => m.name);
    for (const n of ['clients.outage.errorRate', 'dns.violations.never-delete-active', 'ec2.leasesRecoveredAfterS'])
      assert.ok(names.includes(n), n);
    const t = await runCli(['metrics']);
    assert.match(t.stdout, /^clients\.outage\.latencyMs\.p99\s+ms\s+99th percentile/m);
  });
});
