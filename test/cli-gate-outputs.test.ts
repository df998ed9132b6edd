/**
 * The gates' files go through the one output planner (src/io/output.ts) with every other output of the command:
 * --junit and GITHUB_STEP_SUMMARY may not name an input (a scenario, a RESULT, --baseline, --expect-digest) or
 * another output, refused before any work (exit 2); an unusable GITHUB_STEP_SUMMARY is said and skipped. Sweep
 * summary outputs are written together: one that fails (a full disk) does not cost the others, and exits 1.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ROOT, runCli } from './helpers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-gate-outputs-'));
const f = (name: string) => path.join(dir, name);
const SMALL = ['--set', 'clients.count=200', '--set', 'durationS=900', '--set', 'actions[0].atS=800', '--workers', '1'];

describe('gate outputs through the one output planner', () => {
  before(async () => {
    const r = await runCli(['run', ...SMALL, '--quiet', '--out', f('r.msgpack')]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('refuses --junit or GITHUB_STEP_SUMMARY naming an input or another output, before the run', async () => {
    const builtin = path.join(ROOT, 'scenarios', 'dns-race.yaml');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['run', 'dns-race', '--junit', builtin], {}, /--junit \S+dns-race\.yaml: is the scenario/],
      [['run', ...SMALL, '--out', f('same.xml'), '--junit', f('same.xml')], {}, /--junit \S+same\.xml: the same file as --out/],
      [['report', f('r.msgpack'), '--junit', f('r.msgpack')], {}, /--junit \S+r\.msgpack: is the RESULT file/],
      [
        ['run', ...SMALL, '--expect-digest', f('r.msgpack'), '--junit', f('r.msgpack')],
        {},
        /--junit \S+r\.msgpack: is the --expect-digest result/,
      ],
      [
        ['run', ...SMALL, '--baseline', f('r.msgpack'), '--fail-if', 'dns.violations > 0', '--html', f('r.msgpack')],
        {},
        /--html \S+r\.msgpack: is the --baseline result/,
      ],
      [
        ['run', ...SMALL, '--html', f('page.html')],
        { GITHUB_STEP_SUMMARY: f('page.html') },
        /GITHUB_STEP_SUMMARY \S+page\.html: the same file as --html/,
      ],
      [['report', f('r.msgpack')], { GITHUB_STEP_SUMMARY: f('r.msgpack') }, /GITHUB_STEP_SUMMARY \S+r\.msgpack: is the RESULT file/],
      // check --out and a built-in scenario's own file (the name resolves to it).
      [['check', 'dns-race', '--out', builtin], {}, /--out \S+dns-race\.yaml: is the scenario/],
      // stdout already carries the JSON summary, the report or the comparison: XML or Markdown there would corrupt it.
      [['run', ...SMALL, '--json', '--junit', '/dev/stdout'], {}, /--junit \/dev\/stdout: stdout carries the JSON summary/],
      [['run', ...SMALL], { GITHUB_STEP_SUMMARY: '/dev/stdout' }, /GITHUB_STEP_SUMMARY \/dev\/stdout: stdout carries the/],
      [['report', f('r.msgpack'), '--json', '--junit', '/dev/stdout'], {}, /only one output can go to stdout/],
      [['compare', f('r.msgpack'), f('r.msgpack'), '--junit', '/dev/stdout'], {}, /--junit \/dev\/stdout: stdout carries the comparison/],
    ];
    const before = readFileSync(f('r.msgpack'));
    const builtinBefore = readFileSync(builtin);
    const runs = await Promise.all(cases.map(([args, env]) => runCli(args, { env })));
    runs.forEach((r, i) => {
      const what = cases[i][0].join(' ');
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      // Refused before any work: stdout is empty (no JSON summary, report, comparison or check result) and stderr
      // is the refusal's one line and nothing else (no progress line, no partial output).
      assert.equal(r.stdout, '', what);
      assert.match(r.stderr, /^cascadesim: [^\n]+\n$/, what);
      assert.match(r.stderr, cases[i][2]);
    });
    // With GITHUB_STEP_SUMMARY set, a clash of the other outputs is still listed once.
    const twice = await runCli(['run', ...SMALL, '--out', f('dup.x'), '--junit', f('dup.x')], {
      env: { GITHUB_STEP_SUMMARY: f('step-ok.md') },
    });
    assert.equal(twice.code, 2, twice.stderr);
    assert.equal(twice.stdout, '');
    assert.equal(twice.stderr.match(/the same file as --out/g)?.length, 1, twice.stderr);
    assert.deepEqual(readFileSync(f('r.msgpack')), before, 'the input is untouched');
    assert.deepEqual(readFileSync(builtin), builtinBefore);
    // No output of a refused command was created.
    for (const name of ['page.html', 'same.xml', 'dup.x', 'step-ok.md']) assert.equal(existsSync(f(name)), false, name);
  });

  it('the terminal, the HTML page and the job summary show the same gates rows, notes included, and the digest note', async () => {
    const r = await runCli(
      [
        'report',
        f('r.msgpack'),
        '--baseline',
        f('r.msgpack'),
        '--fail-if',
        'regions.backup.utilisation > +10%',
        '--expect-digest',
        '0'.repeat(64),
        '--html',
        f('notes.html'),
      ],
      { env: { GITHUB_STEP_SUMMARY: f('notes.md') } },
    );
    assert.equal(r.code, 99, r.stderr);
    const head = ['metric', 'fail if', 'baseline', 'new', 'limit', 'result', 'note'];
    const row = ['regions.backup.utilisation', '> +10%', 'n/a', 'n/a', 'n/a', 'pass', 'not applicable in either run'];
    const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stdout, new RegExp(`^  ${head.map(re).join(' +')}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^  ${row.map(re).join(' +')}$`, 'm'));
    const html = readFileSync(f('notes.html'), 'utf8');
    assert.ok(
      html.includes(
        `<thead><tr><th class="l">metric</th>${head
          .slice(1)
          .map((h) => `<th>${h}</th>`)
          .join('')}</tr></thead>`,
      ),
      html,
    );
    assert.ok(
      html.includes(
        '<tr><td class="l">regions.backup.utilisation</td><td class="l">&gt; +10%</td><td>n/a</td><td>n/a</td><td>n/a</td>' +
          '<td class="good">pass</td><td class="l">not applicable in either run</td></tr>',
      ),
    );
    assert.match(html, /<p class="note">a bare digest cannot be split into parts/);
    const md = readFileSync(f('notes.md'), 'utf8');
    assert.ok(md.includes(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`), md);
    assert.ok(md.includes(`| \`${row[0]}\` | ${row.slice(1).join(' | ')} |\n`), md);
  });

  it('appends the job summary through the planner, and says so and goes on when it cannot', async () => {
    writeFileSync(f('step.md'), '# before\n');
    const ok = await runCli(
      [
        'report',
        f('r.msgpack'),
        '--threshold',
        'dns.violations>=0',
        '--threshold',
        'clients.errorRate<0.01%',
        '--junit',
        f('j.xml'),
        '--html',
        f('judged.html'),
      ],
      {
        env: { GITHUB_STEP_SUMMARY: f('step.md') },
      },
    );
    assert.equal(ok.code, 99, ok.stderr);
    // The HTML report of a judged result shows the thresholds: metric, condition, value, verdict.
    const html = readFileSync(f('judged.html'), 'utf8');
    assert.match(html, /<h2>Gates: <span class="bad">failed<\/span><\/h2>/);
    assert.match(html, /<tr><td class="l">dns\.violations<\/td><td class="l">&gt;= 0<\/td><td>\d+<\/td><td class="good">pass<\/td><\/tr>/);
    assert.match(
      html,
      /<tr><td class="l">clients\.errorRate<\/td><td class="l">&lt; 0\.01%<\/td><td>[\d.]+%<\/td><td class="bad">FAIL<\/td><\/tr>/,
    );
    const plain = await runCli(['report', f('r.msgpack'), '--html', f('plain.html')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(readFileSync(f('plain.html'), 'utf8'), /<h2>Gates/, 'nothing judged, no gates section');
    const md = readFileSync(f('step.md'), 'utf8');
    assert.ok(md.startsWith('# before\n### cascadesim'), md.slice(0, 80));
    assert.match(readFileSync(f('j.xml'), 'utf8'), /<testsuites/);
    const bad = await runCli(['report', f('r.msgpack'), '--threshold', 'dns.violations>=0'], {
      env: { GITHUB_STEP_SUMMARY: path.join(dir, 'no-such-dir', 'step.md') },
    });
    assert.equal(bad.code, 0, bad.stderr);
    assert.match(bad.stderr, /cannot append to GITHUB_STEP_SUMMARY \S+step\.md: cannot write in \S+no-such-dir \(ENOENT\)/);
  });

  it('writes every sweep summary output it can: a full disk costs that one (exit 1), not the others', async () => {
    const sweep = await runCli([
      'sweep',
      '--base',
      'dns-race',
      '--set',
      'clients=null',
      '--set',
      'durationS=700',
      '--vary',
      'dns.protocol=legacy,fenced',
      '--seeds',
      '2',
      '--out',
      f('sw.jsonl'),
      '--quiet',
    ]);
    assert.equal(sweep.code, 0, sweep.stderr);
    const r = await runCli(['sweep', 'report', f('sw.jsonl'), '--csv', '/dev/full', '--points', f('points.jsonl'), '--html', f('sw.html')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /--csv \/dev\/full: cannot write the CSV \(ENOSPC/);
    assert.equal(readFileSync(f('points.jsonl'), 'utf8').trim().split('\n').length, 2, 'one line per point');
    assert.match(readFileSync(f('sw.html'), 'utf8'), /<html/i);
    assert.match(r.stdout, /per-point JSON Lines written to .*points\.jsonl/);
  });
});
