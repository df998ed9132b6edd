/**
 * The shipped deployment files: the Kubernetes manifests validate against the Kubernetes API schema
 * (kubernetes-models), and their commands, run here as the Indexed Job would run them (one process per index,
 * JOB_COMPLETION_INDEX set, then the merge Job's command), give the unsharded sweep's bytes. The GitHub Actions
 * matrix is run the same way, step by step. The Dockerfile copies only what exists.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Job } from 'kubernetes-models/batch/v1';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';
import YAML from 'yaml';
import { CLI, ROOT, runCli } from './helpers.ts';

// The shipped sweep at a reduced size, appended to every command (later options add to the sweep's own).
const REDUCED = ' --seeds 4 --set durationS=800';
// The workflow's expression for the shard index, as GitHub substitutes it.
const MATRIX_SHARD = ['$', '{{ matrix.shard }}'].join('');

function sh(cmd: string, env: Record<string, string>, cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', cmd], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

type Doc = Record<string, unknown> & { kind: string; spec: Record<string, unknown> };

function docs(file: string): Doc[] {
  return YAML.parseAllDocuments(readFileSync(path.join(ROOT, file), 'utf8')).map((d) => d.toJS() as Doc);
}

function containerCommand(job: Doc): string {
  const c = (job.spec as { template: { spec: { containers: { command: string[] }[] } } }).template.spec.containers[0].command;
  assert.deepEqual(c.slice(0, 2), ['sh', '-c']);
  return c[2];
}

/** The container's command, run on this machine: the local CLI for /app/dist/cli.js, a temporary directory for /results. */
function local(cmd: string, results: string): string {
  return cmd.replace('node /app/dist/cli.js', `"${process.execPath}" "${CLI}"`).replaceAll('/results', results);
}

describe('deploy/', () => {
  it('the Kubernetes manifests are valid API objects, and a broken one is not', () => {
    const all = [...docs('deploy/kubernetes/sweep-job.yaml'), ...docs('deploy/kubernetes/sweep-merge.yaml')];
    assert.deepEqual(
      all.map((d) => d.kind),
      ['PersistentVolumeClaim', 'Job', 'Job'],
    );
    for (const d of all) (d.kind === 'Job' ? new Job(d as never) : new PersistentVolumeClaim(d as never)).validate();
    const broken = structuredClone(all[1]);
    broken.spec.completionMode = 'indexed';
    assert.throws(() => new Job(broken as never).validate(), /completionMode/);
    const job = all[1].spec as { completionMode: string; completions: number; parallelism: number };
    assert.equal(job.completionMode, 'Indexed');
    assert.equal(job.parallelism, job.completions);
    assert.match(containerCommand(all[1]), new RegExp(`--shard-count ${job.completions} `));
  });

  it("the Indexed Job's pods, run as separate processes with JOB_COMPLETION_INDEX, then the merge Job, give the unsharded bytes", async () => {
    const results = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-k8s-'));
    const [, job] = docs('deploy/kubernetes/sweep-job.yaml');
    const [merge] = docs('deploy/kubernetes/sweep-merge.yaml');
    const n = (job.spec as { completions: number }).completions;
    const pods = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        sh(local(containerCommand(job), results) + REDUCED, { JOB_COMPLETION_INDEX: String(i) }, results),
      ),
    );
    for (const p of pods) assert.equal(p.code, 0, p.stderr);
    const m = await sh(local(containerCommand(merge), results), {}, results);
    assert.equal(m.code, 0, m.stderr);
    const ref = path.join(results, 'unsharded.jsonl');
    const r = await runCli(['sweep', 'race-odds', ...REDUCED.trim().split(' '), '--out', ref, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(path.join(results, 'race-odds.jsonl'), 'utf8'), readFileSync(ref, 'utf8'));
    assert.match(readFileSync(path.join(results, 'race-odds.html'), 'utf8'), /sweep race-odds/);
  });

  it('the GitHub Actions matrix runs its shards and merges them into the unsharded bytes', async () => {
    const wf = YAML.parse(readFileSync(path.join(ROOT, 'deploy/github/sweep.yml'), 'utf8')) as {
      jobs: {
        shard: { strategy: { matrix: { shard: number[] } }; steps: { run?: string; name?: string }[] };
        merge: { needs: string; steps: { run?: string }[] };
      };
    };
    const shards = wf.jobs.shard.strategy.matrix.shard;
    const runStep = wf.jobs.shard.steps.find((s) => s.run?.includes('--shard '))?.run as string;
    assert.match(runStep, new RegExp(`--shard \\$\\{\\{ matrix.shard \\}\\}/${shards.length} `));
    assert.equal(wf.jobs.merge.needs, 'shard');
    const work = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-gha-'));
    const cli = (cmd: string) => cmd.replaceAll('node dist/cli.js', `"${process.execPath}" "${CLI}"`);
    const runs = await Promise.all(
      shards.map((i) => sh(cli(runStep.replaceAll(MATRIX_SHARD, String(i))) + REDUCED, { SWEEP: 'race-odds', SEEDS: '' }, work)),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const mergeRun = wf.jobs.merge.steps.find((s) => s.run?.includes('sweep merge'))?.run;
    assert.ok(mergeRun, 'the merge job runs sweep merge');
    const mergeStep = mergeRun.replace(/\|.*$/, '');
    const m = await sh(cli(mergeStep), {}, work);
    assert.equal(m.code, 0, m.stderr);
    const ref = path.join(work, 'unsharded.jsonl');
    const r = await runCli(['sweep', 'race-odds', ...REDUCED.trim().split(' '), '--out', ref, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(path.join(work, 'sweep.jsonl'), 'utf8'), readFileSync(ref, 'utf8'));
  });

  it('the Dockerfile copies files that exist and starts the built CLI', () => {
    const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(text, /^FROM node:20-slim/m);
    assert.match(text, /RUN npm ci/);
    assert.match(text, /npm run build/);
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1].split(' ')) assert.ok(existsSync(path.join(ROOT, src)), `COPY ${src}`);
    }
    assert.match(text, /ENTRYPOINT \["node", "\/app\/dist\/cli\.js"\]/);
  });
});
