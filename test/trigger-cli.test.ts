/**
 * The adversarial trigger through the real CLI and worker threads: every built-in scenario shows its outage for a
 * sample of seeds that were never tuned for (scripts/outage-seeds.mjs checks seeds 1-100), fenced shows none,
 * the trigger is labelled as a chosen schedule in --json, the terminal and the HTML report, a run without an
 * outage says why, and the digest does not depend on the worker count.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { builtinScenarios, loadScenario } from '../src/config/load.ts';
import { runCli } from './helpers.ts';

interface Json {
  digest: string;
  dns: {
    violations: unknown[];
    emptyIntervals: { endpoint: string; fromS: number; toS: number | null }[];
    triggers: { kind: string; schedule: string; resumedAtS: number | null }[];
  };
}

/** The shipped scenario with its DNS story only: no clients, and 900 s past the trigger (DNS never reads either). */
async function dnsRun(name: string, seed: number, extra: string[] = []): Promise<Json> {
  const s = loadScenario(name).scenario;
  const atS = Math.min(...s.dns.faults.map((f) => f.atS));
  const r = await runCli([
    'run',
    name,
    '--seed',
    String(seed),
    '--json',
    '--set',
    'clients=null',
    '--set',
    `durationS=${atS + 900}`,
    ...extra,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Json;
}

describe('adversarial trigger through the CLI', () => {
  const names = builtinScenarios();

  it('every built-in scenario uses it and empties the regional endpoint for a sample of seeds; fenced never', async () => {
    assert.ok(names.length >= 8);
    for (const [i, name] of names.entries()) {
      const s = loadScenario(name).scenario;
      assert.ok(
        s.dns.faults.length > 0 && s.dns.faults.every((f) => f.kind === 'adversarial'),
        `${name} does not use the adversarial trigger`,
      );
      const regional = s.clients?.endpoint ?? s.dns.endpoints[0].name;
      // A different seed per scenario, none of them the scenario's own.
      const seed = 1000 + 37 * i;
      const j = await dnsRun(name, seed);
      const empty = j.dns.emptyIntervals.find((iv) => iv.endpoint === regional);
      assert.ok(empty && empty.toS === null, `${name} seed ${seed}: no lasting outage: ${JSON.stringify(j.dns.emptyIntervals)}`);
      assert.equal(j.dns.triggers[0].kind, 'adversarial');
      assert.match(j.dns.triggers[0].schedule, /chosen to expose the race.*not a measured delay/);
      if (i % 3 === 0) {
        const f = await dnsRun(name, seed, ['--set', 'dns.protocol=fenced']);
        assert.deepEqual(f.dns.violations, [], `${name} fenced seed ${seed}`);
        assert.deepEqual(f.dns.emptyIntervals, [], `${name} fenced seed ${seed}`);
      }
    }
  });

  it('the same digest with 1 and 2 workers, and labels in the terminal and the HTML report', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-trigger-'));
    const html = path.join(dir, 'r.html');
    const sets = ['--set', 'clients.count=20000', '--set', 'durationS=1500'];
    const one = await runCli(['run', 'dns-race', '--seed', '5', '--workers', '1', '--json', ...sets]);
    const two = await runCli(['run', 'dns-race', '--seed', '5', '--workers', '2', ...sets, '--html', html]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const digest = (JSON.parse(one.stdout) as Json).digest;
    assert.ok(two.stdout.includes(`digest ${digest}`), 'digest differs between 1 and 2 workers');
    assert.match(two.stdout, /ADVERSARIAL TRIGGER stall: adversarial trigger: a schedule chosen to expose the race/);
    assert.match(two.stdout, /ADVERSARIAL TRIGGER wake: .*the vulnerable window is open/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /adversarial trigger: enactor-0 stalls \(chosen schedule\)/);
    assert.match(page, /like a model checker&#39;s counterexample/);
  });

  it('a run without the outage says why, in the terminal and the HTML report', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-trigger-'));
    const html = path.join(dir, 'r.html');
    const r = await runCli([
      'run',
      'dns-race',
      '--seed',
      '2',
      '--set',
      'clients=null',
      '--set',
      'durationS=1200',
      '--set',
      'dns.faults=[{"enactor":0,"atS":600,"stallS":30}]',
      '--html',
      html,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /why no outage:\n {2}enactor-0 stalled at 600\.\d+s holding its check of gen \d+ \(a fixed stall\)/);
    assert.match(
      r.stdout,
      /Its stale write regressed dynamodb\.us-east-1\.amazonaws\.com from gen \d+ to gen \d+ at [\d.]+s; enactor-\d's next sweep wrote gen \d+/,
    );
    assert.match(r.stdout, /No plan in use was deleted/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<h2>Why there was no outage<\/h2>/);
    assert.match(page, /trigger: enactor-0 stalls \(fixed length\)/);
  });
});
