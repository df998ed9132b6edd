/**
 * Hostile and faulty input through the real CLI, one test per class of issue 9: outputs that are devices, pipes or
 * inputs; stdout that cannot be written; --set paths past a list's end or that would be dropped; periods that
 * would never let a run advance; endless and huge inputs; outputs that fail before or after the run; YAML alias
 * bombs; result files of the wrong shape behind a valid checksum; and the smaller cases. Every refusal is one
 * line (or a short list) with the right exit code and no stack trace.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { decode } from '@msgpack/msgpack';
import type { RunResult } from '../src/engine/result.ts';
import { decodeResult, encodeResult, HEADER_BYTES } from '../src/result/file.ts';
import { hasStackTrace, runCli, runCliToFd, startCli } from './helpers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-faults-'));
const t = (name: string) => path.join(tmp, name);
const TINY = ['--set', 'clients.count=2000', '--set', 'durationS=300'];
const RESULT = t('r.msgpack');

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A refusal: the exit code, no stack trace, and at most `lines` lines on stderr, none of them a flood. */
function refused(r: { code: number | null; stderr: string }, code: number, re: RegExp, lines = 1): void {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, re);
  assert.equal(hasStackTrace(r.stderr), false, r.stderr);
  const ls = r.stderr.trimEnd().split('\n');
  assert.ok(ls.length <= lines, `${ls.length} lines: ${r.stderr}`);
  assert.ok(
    ls.every((l) => l.length <= 400),
    'no line longer than 400 characters',
  );
}

function isCharDevice(p: string): boolean {
  return lstatSync(p).isCharacterDevice();
}

before(async () => {
  const r = await runCli(['run', 'dns-race', ...TINY, '--quiet', '--out', RESULT]);
  assert.equal(r.code, 0, r.stderr);
});

describe('1. outputs that are devices, pipes or stdout', () => {
  it('/dev/full: written as a device (ENOSPC, exit 1, one line) and still a device; /dev/null takes every output', async () => {
    refused(
      await runCli(['run', 'dns-race', ...TINY, '--quiet', '--out', '/dev/full']),
      1,
      /^cascadesim: --out \/dev\/full: cannot write the result \(ENOSPC/,
    );
    assert.ok(isCharDevice('/dev/full'));
    refused(await runCli(['report', RESULT, '--csv', '/dev/full']), 1, /--csv \/dev\/full: cannot write the CSV \(ENOSPC/);
    const n = await runCli(['run', 'dns-race', ...TINY, '--quiet', '--out', '/dev/null', '--html', '/dev/null']);
    assert.equal(n.code, 0, n.stderr);
    assert.ok(isCharDevice('/dev/null'));
    const rep = await runCli(['report', RESULT, '--csv', '/dev/null', '--hlog', '/dev/null', '--html', '/dev/null']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok(isCharDevice('/dev/null'));
  });

  it('/dev/stdout carries the result itself (with --quiet), and a FIFO gets the CSV as a stream', async () => {
    const r = await runCli(['run', 'dns-race', ...TINY, '--quiet', '--out', '/dev/stdout']);
    assert.equal(r.code, 0, r.stderr);
    refused(
      await runCli(['run', 'dns-race', ...TINY, '--out', '/dev/stdout']),
      2,
      /--out \/dev\/stdout: stdout carries the summary; add --quiet/,
    );
    const fifo = t('fifo');
    execFileSync('mkfifo', [fifo]);
    const cli = startCli(['report', RESULT, '--csv', fifo]);
    // Reading the FIFO to its end: the CLI opens it for writing (waiting for this reader) and closes it when done.
    const text = execFileSync('cat', [fifo], { encoding: 'utf8' });
    const done = await cli.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(text, /^windowIndex,fromS,toS,/);
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
  });
});

describe('2. stdout that cannot be written', () => {
  it('report --csv - and run --json to /dev/full: exit 1, one line, no stack trace', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      for (const args of [
        ['report', RESULT, '--csv', '-'],
        ['run', 'dns-race', ...TINY, '--json'],
      ]) {
        refused(await runCliToFd(args, fd), 1, /^cascadesim: cannot write to stdout \(ENOSPC\)$/m);
      }
    } finally {
      closeSync(fd);
    }
  });
});

describe('3-4. --set paths past the end of a list or that would be dropped', () => {
  it('refuses an index past the end and a name on a list, in one line, at once', async () => {
    const cases: [string, RegExp][] = [
      ['dns.faults[99999999].atS=1', /index 99999999 is out of range: dns\.faults has 1 item \(\[1\] appends one\)/],
      ['dns.faults.4294967296.atS=1', /index 4294967296 is out of range/],
      ['dns.faults.x=1', /dns\.faults is a list: index it with a number/],
      ['dns.planner[0]=1', /dns\.planner is not a list/],
    ];
    const runs = await Promise.all(cases.map(([set]) => runCli(['show', 'dns-race', '--set', set], { timeoutMs: 20_000 })));
    runs.forEach((r, i) => refused(r, 2, cases[i][1]));
    // Appending at the end is still how a list grows.
    const ok = await runCli(['show', 'dns-race', '--json', '--set', 'dns.faults[1]={"enactor":1,"atS":900,"stallS":60}']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { dns: { faults: unknown[] } }).dns.faults.length, 2);
  });
});

describe('5. periods too small to ever advance', () => {
  it('refuses tiny periods by their floor, and periods that would schedule too many events by a budget', async () => {
    const [p, q, b, c] = await Promise.all([
      runCli(['show', 'dns-race', '--set', 'dns.planner.periodS=1e-9']),
      runCli(['show', 'dns-race', '--set', 'dns.enactor.pollS=1e-9', '--set', 'dns.enactor.lockBackoffBaseS=0']),
      runCli(['show', 'dns-race', '--set', 'durationS=1e6', '--set', 'dns.enactor.pollS=0.1']),
      runCli(['show', 'dns-race', '--set', 'clients.ratePerS=1e6']),
    ]);
    refused(p, 2, /dns\.planner\.periodS: must be >= 0\.01/);
    refused(q, 2, /dns\.enactor\.pollS: must be >= 0\.01.*\n.*lockBackoffBaseS: must be >= 0\.001/, 3);
    refused(b, 2, /dns\.enactor\.pollS: too small for durationS: 3\.0e\+7 Planner and Enactor events \(at most 1e\+7\)/);
    refused(c, 2, /clients\.ratePerS: too large: .* requests per epoch/);
  });
});

describe('6. endless and huge inputs', () => {
  it('/dev/zero as a scenario or a result, a large file, and a file of random bytes: refused quickly, short messages', async () => {
    const big = t('big.yaml');
    writeFileSync(big, Buffer.alloc(3 << 20, 0x61));
    const noise = t('noise.yaml');
    // Random bytes just under the cap: many YAML errors, each quoting the input; the message stays short.
    writeFileSync(noise, Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919 + 13) % 251)));
    const [z, rz, bg, ns] = await Promise.all([
      runCli(['validate', '/dev/zero'], { timeoutMs: 20_000 }),
      runCli(['report', '/dev/zero'], { timeoutMs: 20_000 }),
      runCli(['validate', big], { timeoutMs: 20_000 }),
      runCli(['validate', noise], { timeoutMs: 20_000 }),
    ]);
    refused(z, 2, /\/dev\/zero: too large: more than 1 MiB/);
    refused(rz, 2, /\/dev\/zero: not a cascadesim result file/);
    refused(bg, 2, /big\.yaml: too large: 3 MiB \(at most 1 MiB\)/);
    refused(ns, 2, /invalid (YAML|scenario)/, 32);
    assert.ok(ns.stderr.length < 12_000, `${ns.stderr.length} characters`);
  });
});

describe('7. outputs that fail before or after the run', () => {
  it('an unwritable directory is found before the run; a failed output after it does not cost the others', async () => {
    const pre = await runCli(['run', 'dns-race', ...TINY, '--out', '/proc/x.msgpack']);
    refused(pre, 2, /--out \/proc\/x\.msgpack: cannot write in \/proc/);
    assert.doesNotMatch(pre.stderr, /running/);
    const html = t('after.html');
    const r = await runCli(['run', 'dns-race', ...TINY, '--out', '/dev/full', '--html', html, '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^cascadesim: --out \/dev\/full: cannot write the result \(ENOSPC/m);
    assert.match(r.stderr, /HTML report written to /);
    assert.ok(statSync(html).size > 10_000);
    assert.equal((JSON.parse(r.stdout) as { digest: string }).digest.length, 64, 'the JSON summary is still printed');
  });
});

describe('8. outputs that name an input or each other', () => {
  it('refuses them before writing anything; the files are unchanged', async () => {
    const scen = t('s.yaml');
    writeFileSync(scen, 'name: mine\ndurationS: 60\n');
    const link = t('link.msgpack');
    execFileSync('ln', ['-s', RESULT, link]);
    const before = [sha(RESULT), sha(scen)];
    refused(await runCli(['report', RESULT, '--csv', RESULT]), 2, /--csv .*r\.msgpack: is the RESULT file/);
    refused(await runCli(['report', RESULT, '--html', link]), 2, /--html .*link\.msgpack: is the RESULT file/);
    refused(await runCli(['run', scen, '--out', scen]), 2, /--out .*s\.yaml: is the scenario/);
    refused(await runCli(['report', RESULT, '--csv', t('f'), '--hlog', t('f')]), 2, /--hlog .*f: the same file as --csv/);
    refused(await runCli(['compare', RESULT, RESULT, '--html', RESULT]), 2, /is the RESULT file A/, 3);
    assert.deepEqual([sha(RESULT), sha(scen)], before);
    assert.equal(existsSync(t('f')), false);
  });
});

describe('9. YAML alias bombs', () => {
  it('a billion-laughs document is bad input (exit 2), found before it expands', async () => {
    const bomb = t('bomb.yaml');
    const rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [k, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
      ['h', 'g'],
      ['i', 'h'],
    ]) {
      rows.push(`${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(bomb, `${rows.join('\n')}\n`);
    refused(await runCli(['validate', bomb], { timeoutMs: 20_000 }), 2, /invalid YAML: .*bomb\.yaml: Excessive alias count/);
    refused(await runCli(['run', bomb], { timeoutMs: 20_000 }), 2, /Excessive alias count/);
  });
});

describe('10. result files with a valid checksum but the wrong shape', () => {
  it('report refuses them in one line, exit 2 (report --hlog and compare too)', async () => {
    const r = decode(readFileSync(RESULT).subarray(HEADER_BYTES)) as RunResult;
    const mutations: [string, (x: RunResult) => void, RegExp][] = [
      ['perf', (x) => ((x as { perf: unknown }).perf = {}), /perf\.wallS: must be a number/],
      [
        'empty',
        (x) => ((x.dns as { emptyIntervals: unknown[] }).emptyIntervals = [{}]),
        /dns\.emptyIntervals\[0\]\.endpoint: must be a string/,
      ],
      ['viol', (x) => ((x.dns as { violations: unknown[] }).violations = [42]), /dns\.violations\[0\]: .*expected object/],
      ['scen', (x) => ((x.scenario.dns as { enactors: unknown }).enactors = 'three'), /scenario\.dns\.enactors: must be a number/],
    ];
    for (const [name, mutate, re] of mutations) {
      const x = structuredClone(r);
      mutate(x);
      const f = t(`bad-${name}.msgpack`);
      writeFileSync(f, encodeResult(x));
      assert.throws(() => decodeResult(readFileSync(f), f), re);
      // Every reader goes through the same check: the CLI's report for each, --hlog and compare for the first.
      const runs = await Promise.all([
        runCli(['report', f]),
        ...(name === 'perf' ? [runCli(['report', f, '--hlog', '-']), runCli(['compare', RESULT, f])] : []),
      ]);
      for (const o of runs) refused(o, 2, new RegExp(`bad-${name}\\.msgpack: not a valid result: ${re.source}`));
    }
    // A histogram that is not an HdrHistogram encoding shows only when the log is built: named, one line.
    const x = structuredClone(r);
    x.windows.clients[0].hdr.intended = `HISTFAAAA${x.windows.clients[0].hdr.intended.slice(9, 30)}`;
    const f = t('bad-hdr.msgpack');
    writeFileSync(f, encodeResult(x));
    refused(
      await runCli(['report', f, '--hlog', '-']),
      2,
      /bad-hdr\.msgpack: windows\.clients\[0\]\.hdr\.intended: not an HdrHistogram encoding/,
    );
  });
});

describe('12. an empty output name', () => {
  it("--out '' and --html '' are refused", async () => {
    refused(await runCli(['run', 'dns-race', ...TINY, '--out', '']), 2, /--out '': needs a file name/);
    refused(await runCli(['report', RESULT, '--html', '']), 2, /--html '': needs a file name/);
  });
});

describe('13. the smaller cases', () => {
  it('empty scenarios and /dev/null are refused; a BOM is accepted; ../package is no built-in; list takes no argument', async () => {
    const empty = t('empty.yaml');
    writeFileSync(empty, '# nothing but a comment\n');
    const bom = t('bom.json');
    writeFileSync(bom, `\ufeff${JSON.stringify({ name: 'bom', durationS: 60 })}`);
    const [e, n, b, p, l] = await Promise.all([
      runCli(['validate', empty]),
      runCli(['run', '/dev/null']),
      runCli(['validate', bom]),
      runCli(['run', '../package']),
      runCli(['list', 'extra']),
    ]);
    refused(e, 2, /empty\.yaml: empty, no scenario in it \(write \{\} for a scenario of all defaults\)/);
    refused(n, 2, /\/dev\/null: empty, no scenario in it/);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /bom\.json: valid \(bom, 60s/);
    refused(p, 2, /\.\.\/package: no such file, and no built-in scenario of that name/);
    refused(l, 2, /list takes no arguments, got extra/);
  });

  it('compare names both bad files', async () => {
    refused(await runCli(['compare', t('nope-a'), t('nope-b')]), 2, /nope-a: cannot read \(ENOENT\)\n.*nope-b: cannot read \(ENOENT\)/, 3);
  });

  it('--workers above the cores is warned about', async () => {
    const n = os.availableParallelism() + 1;
    const r = await runCli(['run', 'dns-race', '--set', 'clients=null', '--set', 'durationS=60', '--workers', String(n), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: --workers ${n} is more than this machine's ${n - 1} cores`));
  });
});
