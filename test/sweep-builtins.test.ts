/**
 * Every built-in sweep end to end through the real CLI, at a reduced size (--only, --vary, --seeds, --set), each
 * with a check a wrong model or a wrong sweep would fail: the race window where (keepGenerations + 1) x period
 * says, a long negative TTL delaying recovery, retries amplifying, the metastable cliff, the tornado's direction.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './helpers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-builtin-'));

interface Summary {
  complete: boolean;
  points: {
    params: Record<string, unknown>;
    runs: number;
    given: number;
    metrics: Record<string, { n: number; median: number | null }>;
    outcomes: Record<string, { yes: number; n: number; share: number | null }>;
  }[];
}

async function sweep(args: string[]): Promise<Summary> {
  const r = await runCli(['sweep', ...args, '--json'], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.complete, true);
  return s;
}

const at = (s: Summary, params: Record<string, unknown>) => {
  const p = s.points.find((x) => Object.entries(params).every(([k, v]) => JSON.stringify(x.params[k]) === JSON.stringify(v)));
  assert.ok(p, JSON.stringify(params));
  return p;
};

describe('built-in sweeps at a reduced size', () => {
  it('race-window: legacy empties the endpoint at a stall of (keepGenerations + 1) x period only; fenced never', async () => {
    const html = path.join(dir, 'race-window.html');
    const s = await sweep([
      'race-window',
      '--seeds',
      '2',
      '--vary',
      'dns.planner.periodS=5',
      '--vary',
      'dns.cleanup.keepGenerations=10',
      '--vary',
      'dns.faults[0].stallS=45:65:5',
      '--html',
      html,
    ]);
    assert.equal(s.points.length, 10);
    for (const p of s.points) {
      const stall = p.params['dns.faults[0].stallS'] as number;
      const yes = p.outcomes.emptied.yes;
      if (p.params['dns.protocol'] === 'fenced' || stall !== 55) assert.equal(yes, 0, JSON.stringify(p.params));
      else assert.ok(yes > 0, 'legacy at 55 s = (10 + 1) x 5 s empties the endpoint');
    }
    assert.match(readFileSync(html, 'utf8'), /<svg role="img"/);
  });

  it('client-ttl: a 900 s negative TTL keeps clients failing long after the repair; a 5 s one does not', async () => {
    const s = await sweep([
      'client-ttl',
      '--seeds',
      '2',
      '--vary',
      'clients.ttlS=5',
      '--vary',
      'clients.negativeTtlS=5,900',
      '--vary',
      'clients.serveStaleS=0',
      '--set',
      'clients.count=1000',
    ]);
    const short = at(s, { 'clients.negativeTtlS': 5 });
    const long = at(s, { 'clients.negativeTtlS': 900 });
    assert.ok(short.given > 0 && long.given > 0, 'the outage happened');
    assert.ok((short.metrics['clients.outage.errorRate'].median as number) > 0.5);
    assert.ok((short.metrics['clients.recoveredAfterRepairS'].median as number) <= 30);
    assert.ok((long.metrics['clients.recoveredAfterRepairS'].median as number) >= 300);
  });

  it('retry-policy: one attempt means no amplification; five attempts multiply the attempts during the outage', async () => {
    const s = await sweep([
      'retry-policy',
      '--seeds',
      '1',
      '--vary',
      'clients.retry.maxAttempts=1,5',
      '--vary',
      'clients.retry.jitter=full',
      '--vary',
      'clients.retry.budget=null',
      '--set',
      'clients.count=1000',
    ]);
    const one = at(s, { 'clients.retry.maxAttempts': 1 });
    const five = at(s, { 'clients.retry.maxAttempts': 5 });
    assert.ok(one.given === 1 && five.given === 1, 'the outage happened');
    assert.equal(one.metrics['clients.outage.amplification'].median, 1);
    assert.ok((five.metrics['clients.outage.amplification'].median as number) > 2.5);
  });

  it('metastable-region: a 10-minute outage recovers without operators, a 2-hour one stays stuck; the map outlines it', async () => {
    const html = path.join(dir, 'metastable.html');
    const s = await sweep([
      'metastable-region',
      '--seeds',
      '1',
      '--vary',
      'ec2.dwfm.hosts=3,5',
      '--vary',
      'ec2.dwfm.deadlineS=600',
      '--vary',
      'outageMin=10,120',
      '--html',
      html,
    ]);
    for (const hosts of [3, 5]) {
      const short = at(s, { outageMin: 10, 'ec2.dwfm.hosts': hosts });
      const long = at(s, { outageMin: 120, 'ec2.dwfm.hosts': hosts });
      assert.equal(short.outcomes.recovered.share, 1, `10 min, ${hosts} hosts`);
      assert.equal(long.outcomes.recovered.share, 0, `120 min, ${hosts} hosts`);
    }
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<path class="region" d="M/);
    assert.match(page, /outlined: recovered in under half the runs/);
  });

  it('sensitivity: half the DWFM hosts bring the leases back later, more hosts not later (tornado chart)', async () => {
    const html = path.join(dir, 'sensitivity.html');
    const s = await sweep([
      'sensitivity',
      '--only',
      'ec2.dwfm.hosts',
      '--set',
      'ec2.droplets=50000',
      '--set',
      'clients.count=200',
      '--set',
      'durationS=16000',
      '--html',
      html,
    ]);
    const base = at(s, { 'ec2.dwfm.hosts': 1 }).metrics['timeline.leases-recovered'].median as number;
    const half = at(s, { 'ec2.dwfm.hosts': 0.5 }).metrics['timeline.leases-recovered'].median as number;
    const more = at(s, { 'ec2.dwfm.hosts': 1.5 }).metrics['timeline.leases-recovered'].median as number;
    assert.ok(half > base && more <= base, `${half} / ${base} / ${more}`);
    assert.match(readFileSync(html, 'utf8'), /change of timeline\.leases-recovered from the baseline/);
  });

  it('containment: the outage error rate falls from most requests at 0% multi-region to under 5% at 100% with ample capacity; drawn as curves', async () => {
    const html = path.join(dir, 'containment.html');
    const s = await sweep([
      'containment',
      '--seeds',
      '1',
      '--vary',
      'regions.failover.share=0,1',
      '--vary',
      'backupCapacity=0.33,3',
      '--set',
      'clients.count=2000',
      '--set',
      'clients.ratePerS=1',
      '--set',
      'durationS=1200',
      '--set',
      'actions[0].atS=1000',
      '--html',
      html,
    ]);
    assert.equal(s.points.length, 8);
    for (const p of s.points) {
      assert.equal(p.given, 1, `the outage happened: ${JSON.stringify(p.params)}`);
      const err = p.metrics['clients.outage.errorRate'].median as number;
      const over = p.outcomes['backup overloaded'].yes;
      if (p.params['regions.failover.share'] === 0) assert.ok(err > 0.5 && over === 0, JSON.stringify(p));
      else if (p.params.backupCapacity === 3) assert.ok(err < 0.05 && over === 0, JSON.stringify(p));
      else assert.ok(over === 1 && err > 0.2, `a third of the capacity overloads: ${JSON.stringify(p)}`);
    }
    const page = readFileSync(html, 'utf8');
    // One curve per capacity and trigger against the share, not heatmaps.
    assert.match(page, /<polyline points="[^"]+"/);
    assert.match(page, /backupCapacity=0\.33 regions\.failover\.trigger=\{&quot;on&quot;:&quot;empty-answer&quot;\}/);
  });
});
