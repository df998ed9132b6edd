/**
 * The package as a user installs it: `npm pack`, unpacked into a project's node_modules/cascadesim (offline: its
 * dependencies resolve from this repository's node_modules, a parent directory), then imported by name from
 * JavaScript with a scenario built in code, and from TypeScript compiled by tsc against the shipped .d.ts files.
 * Needs dist/ (`npm run build`, which `npm test` runs first).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, ROOT } from './helpers.ts';

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe('the cascadesim package, installed by name', () => {
  let project: string;
  before(() => {
    // Inside the repository (ignored by git) so that Node finds the dependencies in ROOT/node_modules.
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    project = mkdtempSync(path.join(ROOT, '.tmp', 'consumer-'));
    const pkgDir = path.join(project, 'node_modules', 'cascadesim');
    mkdirSync(pkgDir, { recursive: true });
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8' });
    const tgz = path.join(project, out.trim().split('\n').pop() as string);
    execFileSync('tar', ['xzf', tgz, '-C', pkgDir, '--strip-components=1']);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { cascadesim: 'file:./node_modules/cascadesim' } }),
    );
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it('ships only dist, scenarios and the README', () => {
    const pkgDir = path.join(project, 'node_modules', 'cascadesim');
    assert.deepEqual(readdirSync(pkgDir).sort(), ['README.md', 'dist', 'package.json', 'scenarios']);
  });

  it("runs a scenario built in code through import('cascadesim'), with the digest the CLI gives it", () => {
    const scenario = {
      name: 'built-in-code',
      durationS: 1500,
      dns: { faults: [{ enactor: 0, atS: 600, stallS: 110 }] },
      actions: [{ atS: 1200, do: 'dns-repair' }],
      clients: { count: 1000, endpoint: 'dynamodb.us-east-1.amazonaws.com' },
    };
    const file = path.join(project, 'scenario.json');
    writeFileSync(file, JSON.stringify(scenario));
    const script = `
      const m = await import('cascadesim');
      const s = m.loadScenario(${JSON.stringify(scenario)}, { set: ['seed=7'] });
      let ticks = 0;
      const r = await m.simulate(s, { workers: 2, progressMs: 5, onProgress: () => ticks++ });
      const t = m.evaluateThresholds(r, ['dns.violations==0', 'clients.outage.errorRate<1%']);
      process.stdout.write(JSON.stringify({ digest: r.digest, workers: r.workers, violations: m.metricValue(r, 'dns.violations'), t, metrics: m.listMetrics().length }));
    `;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const got = JSON.parse(res.stdout) as { digest: string; workers: number; violations: number; t: { ok: boolean }[]; metrics: number };
    assert.equal(got.workers, 2);
    assert.ok(got.metrics > 50);
    assert.equal(got.t.length, 2);
    const cli = spawnSync(process.execPath, [CLI, 'run', file, '--seed', '7', '--workers', '1', '--json'], {
      cwd: project,
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    const fromCli = JSON.parse(cli.stdout) as { digest: string; dns: { violations: unknown[] } };
    assert.equal(got.digest, fromCli.digest, 'the API and the CLI give the same result');
    assert.equal(got.violations, fromCli.dns.violations.length);
  });

  it('gives a TypeScript consumer the types: correct code compiles, wrong code does not', () => {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      },
    };
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: ['good.ts', 'bad.ts'] }));
    writeFileSync(
      path.join(project, 'good.ts'),
      `import { loadScenario, simulate, metricValue, evaluateThresholds, type RunResult, type Scenario, type ThresholdResult } from 'cascadesim';
const s: Scenario = loadScenario('dns-race', { set: ['clients.count=100'] });
const r: RunResult = await simulate(s, { workers: 1, signal: AbortSignal.timeout(60_000) });
const v: number | null = metricValue(r, 'dns.violations');
const t: ThresholdResult[] = evaluateThresholds(r, { 'dns.violations': ['== 0'] });
console.log(r.dns.violations.length, v, t[0].ok, s.dns.protocol);
`,
    );
    writeFileSync(
      path.join(project, 'bad.ts'),
      `import { metricValue, type RunResult } from 'cascadesim';
declare const r: RunResult;
const v: string = metricValue(r, 'dns.violations');
console.log(v, r.dns.noSuchField);
`,
    );
    const res = spawnSync(process.execPath, [TSC, '-p', '.'], { cwd: project, encoding: 'utf8' });
    const errors = res.stdout.split('\n').filter((l) => /error TS/.test(l));
    // Exactly the two planted errors, both in bad.ts: the types resolved (no 'any'), and good.ts is clean.
    assert.equal(errors.length, 2, res.stdout);
    assert.ok(
      errors.every((l) => l.startsWith('bad.ts')),
      res.stdout,
    );
    assert.match(res.stdout, /'number \| null' is not assignable to type 'string'/);
    assert.match(res.stdout, /noSuchField/);
  });
});
