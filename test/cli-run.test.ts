/**
 * End to end: the real CLI (dist/cli.js) with real worker threads. Exit codes, determinism across worker counts,
 * bad input, a failing worker, result files, and `show` printing what `run` accepts back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readResultFile } from '../src/result/file.ts';
import { spawn } from 'node:child_process';
import { CLI, hasStackTrace, ROOT, runCli } from './helpers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-cli-'));
const SMALL = ['--set', 'clients.count=20000', '--set', 'durationS=900'];

describe('cascadesim run', () => {
  it('legacy dns-race: the regional endpoint is empty from the race to the repair; violations name the deletion', async () => {
    const r = await runCli(['run', 'dns-race', '--set', 'clients=null', '--set', 'dns.protocol=legacy', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      dns: {
        stuck: boolean;
        violations: { invariant: string; endpoint: string; atS: number }[];
        emptyIntervals: { endpoint: string; fromS: number; toS: number }[];
      };
      digest: string;
      perf: { wallS: number };
    };
    assert.equal(j.dns.stuck, true);
    const empty = j.dns.emptyIntervals.find((iv) => iv.endpoint === 'dynamodb.us-east-1.amazonaws.com');
    assert.ok(empty && empty.fromS > 600 && empty.toS === 4200, JSON.stringify(j.dns.emptyIntervals));
    assert.ok(j.dns.violations.some((v) => v.invariant === 'never-delete-active' && v.endpoint === 'dynamodb.us-east-1.amazonaws.com'));
    assert.match(j.digest, /^[0-9a-f]{64}$/);
  });

  it('fenced dns-race: no violation, no empty interval', async () => {
    const r = await runCli(['run', 'dns-race', '--set', 'clients=null', '--set', 'dns.protocol=fenced', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { dns: { violations: unknown[]; emptyIntervals: unknown[] } };
    assert.deepEqual(j.dns.violations, []);
    assert.deepEqual(j.dns.emptyIntervals, []);
  });

  it('gives the same digest for 1, 2 and 4 workers and on a repeated run, clients included', async () => {
    const digests: string[] = [];
    for (const w of ['1', '2', '4', '2']) {
      const r = await runCli(['run', 'dns-race', ...SMALL, '--workers', w, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { digest: string; workers: number; clients: { requests: number } };
      assert.equal(j.workers, Number(w));
      assert.ok(j.clients.requests > 0);
      digests.push(j.digest);
    }
    assert.equal(new Set(digests).size, 1, digests.join(' '));
  });

  it('a different seed gives a different digest', async () => {
    const a = await runCli(['run', 'dns-race', ...SMALL, '--seed', '7', '--json']);
    const b = await runCli(['run', 'dns-race', ...SMALL, '--seed', '8', '--json']);
    assert.notEqual(JSON.parse(a.stdout).digest, JSON.parse(b.stdout).digest);
    assert.equal(JSON.parse(a.stdout).seed, 7);
  });

  it('--json prints exactly one JSON object on stdout', async () => {
    const r = await runCli(['run', 'dns-race', ...SMALL, '--json']);
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0]) as Record<string, unknown>;
    for (const k of ['scenario', 'seed', 'workers', 'digest', 'dns', 'perf', 'clients']) assert.ok(k in j, k);
  });

  it('--out writes a result file atomically, readable back with the same digest', async () => {
    const out = path.join(tmp, 'r.msgpack');
    const r = await runCli(['run', 'dns-race', ...SMALL, '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = readResultFile(out);
    assert.equal(res.digest, JSON.parse(r.stdout).digest);
    assert.equal(res.partial, false);
    assert.ok(res.events.length > 100);
    assert.equal(res.scenario.clients?.count, 20000);
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.includes('.tmp')),
      [],
    );
  });

  it('the human output has a timeline and a summary with the seed to replay', async () => {
    const r = await runCli(['run', 'dns-race', '--set', 'clients=null', '--quiet']);
    assert.equal(r.code, 0);
    const full = await runCli(['run', 'dns-race', '--set', 'clients=null', '--seed', '1']);
    assert.match(full.stdout, /VIOLATION never-delete-active/);
    assert.match(full.stdout, /--seed 1/);
  });
});

describe('bad input', () => {
  it('lists every bad --set with its path, exit code 2, no stack trace', async () => {
    const r = await runCli([
      'run',
      'dns-race',
      '--set',
      'dns.planner.periodS=-1',
      '--set',
      'dns.enactors=0',
      '--set',
      'dns.bogus=1',
      '--set',
      'noequals',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dns\.planner\.periodS: must be >= 0\.01/);
    assert.match(r.stderr, /dns\.enactors: must be >= 1/);
    assert.match(r.stderr, /dns\.bogus: unknown key/);
    assert.match(r.stderr, /--set noequals: expected key\.path=value/);
    assert.equal(hasStackTrace(r.stderr), false, r.stderr);
    assert.equal(r.stdout, '');
  });

  it('validate: a scenario file with several problems lists each, exit 2; a good one passes', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, 'durationS: -5\ndns:\n  protocol: optimistic\n  faults:\n    - { enactor: 7, atS: 1, stallS: 0 }\nunknownTop: 1\n');
    const r = await runCli(['validate', bad]);
    assert.equal(r.code, 2);
    for (const p of [
      'durationS: must be > 0',
      'dns.protocol: must be one of',
      'dns.faults[0].stallS: must be > 0',
      'unknownTop: unknown key',
    ]) {
      assert.ok(r.stderr.includes(p), `${p} in ${r.stderr}`);
    }
    assert.equal(hasStackTrace(r.stderr), false);
    const broken = path.join(tmp, 'broken.yaml');
    writeFileSync(broken, 'dns: [unclosed\n');
    const y = await runCli(['validate', broken]);
    assert.equal(y.code, 2);
    assert.match(y.stderr, /invalid YAML/);
    const good = await runCli(['validate', path.join('scenarios', 'dns-race.yaml')]);
    assert.equal(good.code, 0, good.stderr);
  });

  it('unknown scenario, option or command: exit 2', async () => {
    assert.equal((await runCli(['run', 'no-such-scenario'])).code, 2);
    assert.equal((await runCli(['run', '--no-such-flag'])).code, 2);
    assert.equal((await runCli(['frobnicate'])).code, 2);
    assert.equal((await runCli(['run', '--workers', '0'])).code, 2);
  });

  it('refuses a population larger than memory, with the estimate, before allocating', async () => {
    const r = await runCli(['run', 'dns-race', '--set', 'clients.count=1000000000', '--set', 'durationS=10', '--json'], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /GiB/);
  });

  it('refuses a population with more record slots than the client scan indexes, before allocating', async () => {
    // 140M clients are 6.7 GB of records: within this machine's memory, over the 134M slots (records.ts
    // MAX_RECORD_SLOTS). A machine with less memory refuses them for memory first; either way exit 2, no trace.
    const r = await runCli(['run', 'dns-race', '--set', 'clients.count=140000000', '--set', 'durationS=10', '--json'], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /clients\.count: 140000000 clients need (\d+ record slots .* over the 134217728 one population can have|~[\d.]+ GiB)/,
    );
    assert.equal(hasStackTrace(r.stderr), false, r.stderr);
  });
});

describe('worker failure', () => {
  it('a worker that throws ends the run with a clear message and exit 1, never a hang', async () => {
    const r = await runCli(['run', 'dns-race', ...SMALL, '--workers', '2', '--json'], {
      env: { CASCADESIM_INJECT_FAILURE: '1:5' },
      timeoutMs: 60_000,
    });
    assert.equal(r.signal, null, 'killed by the test timeout: the run hung');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /worker 1 failed: injected failure in worker 1 at epoch 5/);
    assert.equal(hasStackTrace(r.stderr), false, r.stderr);
  });
});

describe('worker failure inside the control phase', () => {
  it('the peers running chunks beside the control phase stop too: exit 1, the failing worker named', async () => {
    const r = await runCli(['run', 'dns-race', '--set', 'clients.count=20000', '--set', 'durationS=1200', '--workers', '3', '--json'], {
      env: { CASCADESIM_INJECT_FAILURE: '0:700:control' },
      timeoutMs: 60_000,
    });
    assert.equal(r.signal, null, 'killed by the test timeout: the run hung');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /worker 0 failed: injected failure in worker 0 during a control event at 7\d\d\.\d+s/);
    assert.equal(hasStackTrace(r.stderr), false, r.stderr);
  });
});

describe('determinism with EC2 on', () => {
  it('EC2 runs on worker 0 only, yet the digest does not depend on the worker count', async () => {
    const digests: string[] = [];
    for (const w of ['1', '3']) {
      const r = await runCli(['run', 'ec2-nlb-flapping', '--set', 'durationS=20000', '--workers', w, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { digest: string; ec2: { nlbErrorsFromS: number | null } };
      assert.ok(j.ec2.nlbErrorsFromS !== null);
      digests.push(j.digest);
    }
    assert.equal(digests[0], digests[1]);
  });
});

describe('command-line edge cases', () => {
  it('--seed and --workers take decimal integers only', async () => {
    for (const bad of [
      ['--seed', ''],
      ['--seed', '0x10'],
      ['--seed', '1e3'],
      ['--workers', '2.5'],
    ]) {
      const r = await runCli(['run', 'dns-race', '--set', 'clients=null', ...bad]);
      assert.equal(r.code, 2, bad.join(' '));
    }
  });

  it('--set cannot reach Object.prototype', async () => {
    const r = await runCli(['show', '--set', '__proto__.x=1', '--set', 'dns.constructor.y=2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /__proto__\.x: is not a scenario key|__proto__.x is not a scenario key/);
    assert.equal(hasStackTrace(r.stderr), false);
  });

  it('a scenario file that is not a mapping is refused, with or without overrides', async () => {
    const f = path.join(tmp, 'scalar.yaml');
    writeFileSync(f, 'hello\n');
    for (const extra of [[], ['--set', 'seed=3'], ['--seed', '3']]) {
      const r = await runCli(['run', f, ...extra]);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /must be a mapping/);
    }
  });

  it('a reader that closes the pipe early is not an error', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(`"${process.execPath}" "${CLI}" run dns-race --set clients=null | head -c 10`, { shell: true, cwd: ROOT });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 0);
    assert.equal(hasStackTrace(r.stderr), false, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/);
  });
});

describe('cascadesim show', () => {
  it('prints the scenario with defaults, in a form run accepts back unchanged', async () => {
    const a = await runCli(['show', 'dns-race', '--set', 'dns.enactors=5']);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /enactors: 5/);
    assert.match(a.stdout, /keepGenerations: 10/);
    const file = path.join(tmp, 'shown.yaml');
    writeFileSync(file, a.stdout);
    const b = await runCli(['show', file]);
    assert.equal(b.stdout, a.stdout);
    const j = await runCli(['show', file, '--json']);
    assert.equal(JSON.parse(j.stdout).dns.enactors, 5);
    const jf = path.join(tmp, 'shown.json');
    writeFileSync(jf, j.stdout);
    const c = await runCli(['show', jf]);
    assert.equal(c.stdout, a.stdout);
    assert.ok(readFileSync(file, 'utf8').length > 100);
  });
});
