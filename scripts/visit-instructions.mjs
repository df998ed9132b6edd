#!/usr/bin/env node
// Instructions per client attempt in the client scan, counted by valgrind's callgrind: a figure that, unlike wall
// time on a shared machine, is the same from run to run (give or take V8's compile timing), so an engine change
// can be judged in one run each. Needs valgrind and objdump (Debian: valgrind, binutils) and a built dist/.
//
//   node scripts/visit-instructions.mjs [--fn NAME] [--lines N] [-- RUN ARGS...]
//
// Runs `node dist/cli.js run RUN ARGS --workers 1` under callgrind (default: aws-2025-10-20's clients in steady
// state, 100k clients, 600 s, no fault, no EC2; about 45 s) with V8 compiling on the main thread (so the
// count does not depend on when a background compile lands), maps the executed instructions to V8's code objects
// (--perf-basic-prof's map, --perf-prof's jitdump for their bytes) and prints, for the JS functions that
// executed most, instructions per attempt; for the functions named NAME (default scanPage), how many of those were
// typed-array bounds checks, map checks, overflow checks and stack-slot accesses; with --lines, the N source lines of
// the bundle that its instructions come from most (by V8's source positions, which mark some instructions only: an
// instruction counts for the last position before it, so read the lines as regions, not exact costs).
// The client scan runs in WebAssembly (src/model/clients/kernel.ts): its code is listed as wasm-function[N], and
// `--fn wasm-function` breaks it down (no bounds, map or overflow checks there: stack-slot accesses are the figure);
// CASCADESIM_SCAN=js in the environment counts the JavaScript scan instead (`--fn scanPage`, the default).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const fnAt = own.indexOf('--fn');
const fnName = fnAt >= 0 ? own[fnAt + 1] : 'scanPage';
const linesAt = own.indexOf('--lines');
const topLines = linesAt >= 0 ? Number(own[linesAt + 1]) : 0;
if (!(Number.isInteger(topLines) && topLines >= 0)) {
  console.error('visit-instructions: --lines takes a whole number');
  process.exit(2);
}
const runArgs =
  dash >= 0
    ? argv.slice(dash + 1)
    : ['aws-2025-10-20', '--set', 'ec2=null', '--set', 'dns.faults=[]', '--set', 'actions=[]', '--set', 'clients.count=100000', '--set', 'durationS=600'];

for (const tool of ['valgrind', 'objdump']) {
  if (spawnSync(tool, ['--version']).status !== 0) {
    console.error(`visit-instructions: needs ${tool} (apt-get install ${tool === 'objdump' ? 'binutils' : tool})`);
    process.exit(2);
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'cascadesim-instr-'));
const cgOut = path.join(dir, 'callgrind.out');
const nodeArgs = ['--no-concurrent-recompilation', '--perf-basic-prof', '--perf-prof', path.join(root, 'dist/cli.js'), 'run', ...runArgs];
nodeArgs.push('--workers', '1', '--json', '--out', path.join(dir, 'result.msgpack'));
const r = spawnSync('valgrind', ['--tool=callgrind', '--dump-instr=yes', `--callgrind-out-file=${cgOut}`, process.execPath, ...nodeArgs], {
  cwd: dir,
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (r.status !== 0) {
  console.error(`visit-instructions: the run failed (exit ${r.status})\n${r.stderr.split('\n').slice(-15).join('\n')}`);
  process.exit(1);
}
const result = JSON.parse(r.stdout);
const attempts = result.perf.attempts;
const pid = Number(/^==(\d+)==/m.exec(r.stderr)?.[1]);
// V8 writes its perf map to /tmp whatever the working directory; the jitdump goes to the working directory.
const mapFile = `/tmp/perf-${pid}.map`;
const dumpName = readdirSync(dir).find((f) => /^jit-\d+\.dump$/.test(f));
if (!Number.isInteger(pid) || !existsSync(mapFile) || !dumpName || !(attempts > 0)) {
  console.error(`visit-instructions: the run left no ${!existsSync(mapFile) ? `perf map (${mapFile})` : !dumpName ? 'jitdump' : 'attempts to count per'} in ${dir}`);
  process.exit(1);
}

// Self cost per instruction address (callgrind's format: positions absolute in hex, or relative in decimal; the
// line after a calls= line is the call's inclusive cost, not the caller's own).
const selfIr = new Map();
let total = 0;
{
  let last = 0;
  let skip = false;
  for (const line of readFileSync(cgOut, 'utf8').split('\n')) {
    const c = line.charCodeAt(0);
    const isPos = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42;
    if (isPos) {
      const parts = line.split(' ');
      const a = parts[0];
      if (a.startsWith('0x')) last = Number.parseInt(a, 16);
      else if (a[0] === '+') last += Number(a.slice(1));
      else if (a[0] === '-') last -= Number(a.slice(1));
      if (skip) {
        skip = false;
        continue;
      }
      if (parts.length >= 3) {
        const ir = Number(parts[2]);
        total += ir;
        selfIr.set(last, (selfIr.get(last) ?? 0) + ir);
      }
    } else if (line.startsWith('calls=')) skip = true;
  }
}

// V8's code objects: start, size and name from the perf map (then removed: it is not in our directory).
const mapText = readFileSync(mapFile, 'utf8');
rmSync(mapFile, { force: true });
const objects = mapText
  .split('\n')
  .filter(Boolean)
  .map((l) => {
    const [a, s, ...name] = l.split(' ');
    return { start: Number.parseInt(a, 16), size: Number.parseInt(s, 16), name: name.join(' '), ir: 0, at: new Map() };
  })
  .sort((x, y) => x.start - y.start);
const starts = objects.map((o) => o.start);
const maxSize = Math.max(0, ...objects.map((o) => o.size));
/**
 * Every code object whose range holds addr. V8 reuses the space of code it has freed, so one address may have
 * held several code objects in turn, and callgrind does not say when an instruction ran: such an address is
 * ambiguous, and its instructions are counted apart instead of being given to whichever object came last.
 */
function objectsAt(addr) {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= addr) lo = mid + 1;
    else hi = mid - 1;
  }
  const out = [];
  for (let k = hi; k >= 0 && objects[k].start > addr - maxSize; k--) if (addr < objects[k].start + objects[k].size) out.push(objects[k]);
  return out;
}
let jitIr = 0;
let ambiguousIr = 0;
let fnAmbiguousIr = 0;
// JavaScript functions' optimised code is named `JS:*NAME url`; WebAssembly's `JS:wasm-function[INDEX]-INDEX-tier`
// (the client scan's kernel: `--fn wasm-function`).
const isFn = (o) => o.name.startsWith(`JS:*${fnName} `) || (fnName.startsWith('wasm-function') && o.name.startsWith(`JS:${fnName}`));
for (const [addr, ir] of selfIr) {
  const covering = objectsAt(addr);
  if (covering.length === 0) continue;
  jitIr += ir;
  if (covering.length > 1) {
    ambiguousIr += ir;
    if (covering.some(isFn)) fnAmbiguousIr += ir;
    continue;
  }
  const o = covering[0];
  o.ir += ir;
  o.at.set(addr - o.start, ir);
}

const byName = new Map();
for (const o of objects) if (o.ir > 0) byName.set(o.name, (byName.get(o.name) ?? 0) + o.ir);
const perAttempt = (n) => (n / attempts).toFixed(1);
console.log(`run: node dist/cli.js run ${runArgs.join(' ')} --workers 1`);
console.log(`attempts ${attempts}, digest ${result.digest.slice(0, 16)}`);
console.log(`instructions: ${(total / 1e9).toFixed(3)}G in all, ${(jitIr / 1e9).toFixed(3)}G in V8's generated code`);
console.log('\ninstructions per attempt, by JS function (all its code objects):');
for (const [name, ir] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${perAttempt(ir).padStart(8)}  ${name.slice(0, 90)}`);
console.log(`  ${perAttempt(ambiguousIr).padStart(8)}  (at addresses that several code objects held in turn: not attributed)`);

// The bytes of the named function's optimised code objects, from the jitdump (record 0, JIT_CODE_LOAD).
const dump = readFileSync(path.join(dir, dumpName));
const kinds = { all: 0, bounds: 0, maps: 0, overflow: 0, stack: 0 };
let objectsSeen = 0;
// Source positions (record 2, JIT_CODE_DEBUG_INFO, written just before its code's record 0): code address -> its
// [instruction address, file, line] entries. Then instructions per line of the named function.
const positions = new Map();
const byLine = new Map();
for (let off = dump.readUInt32LE(8); off + 16 <= dump.length; ) {
  const id = dump.readUInt32LE(off);
  const size = dump.readUInt32LE(off + 4);
  if (size === 0) break;
  if (id === 2 && topLines > 0) {
    const codeAddr = Number(dump.readBigUInt64LE(off + 16));
    const n = Number(dump.readBigUInt64LE(off + 24));
    const entries = [];
    for (let k = 0, p = off + 32; k < n; k++) {
      const at = Number(dump.readBigUInt64LE(p));
      const line = dump.readInt32LE(p + 8);
      const end = dump.indexOf(0, p + 16);
      entries.push([at, dump.toString('utf8', p + 16, end), line]);
      p = end + 1;
    }
    positions.set(codeAddr, entries.sort((a, b) => a[0] - b[0]));
  }
  if (id === 0) {
    const addr = Number(dump.readBigUInt64LE(off + 32));
    const codeSize = Number(dump.readBigUInt64LE(off + 40));
    const nameEnd = dump.indexOf(0, off + 56);
    const name = dump.toString('utf8', off + 56, nameEnd);
    const o = isFn({ name }) ? objects.find((x) => x.start === addr && x.name === name) : undefined;
    if (o && o.ir > 0) {
      objectsSeen++;
      const bin = path.join(dir, 'code.bin');
      writeFileSync(bin, dump.subarray(nameEnd + 1, nameEnd + 1 + codeSize));
      const dis = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', `--adjust-vma=0x${addr.toString(16)}`, bin], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
      for (const line of dis.split('\n')) {
        const m = /^\s*([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/.exec(line);
        if (!m) continue;
        const insAddr = Number.parseInt(m[1], 16);
        const n = o.at.get(insAddr - o.start) ?? 0;
        if (n === 0) continue;
        const entries = positions.get(addr);
        if (entries) {
          let k = entries.length - 1;
          while (k >= 0 && entries[k][0] > insAddr) k--;
          const key = k >= 0 ? `${entries[k][1]}:${entries[k][2]}` : '(before the first position)';
          byLine.set(key, (byLine.get(key) ?? 0) + n);
        }
        const ins = m[2];
        kinds.all += n;
        // A typed array's bounds check ends in an unsigned jump on the index against its length; a map check
        // compares the word before an object's start (its map) with a constant; an overflow check is a jo; a stack
        // slot is addressed from rbp (a spilled value: the loop holds more live values than there are registers).
        if (/^j(ae|be) /.test(ins)) kinds.bounds += n;
        else if (/^cmp .*-0x1\(%r/.test(ins)) kinds.maps += n;
        else if (/^jo /.test(ins)) kinds.overflow += n;
        if (/\(%rbp\)/.test(ins)) kinds.stack += n;
      }
    }
  }
  off += size;
}
if (objectsSeen === 0) {
  console.log(`\nno optimised code of ${fnName} executed`);
} else {
  console.log(`\n${fnName} (${objectsSeen} optimised code objects): ${perAttempt(kinds.all)} instructions per attempt, of which`);
  console.log(`  ${perAttempt(kinds.bounds)} bounds checks (the jump; each comes with loads of the array's length and data pointer)`);
  console.log(`  ${perAttempt(kinds.maps)} map checks, ${perAttempt(kinds.overflow)} overflow checks`);
  console.log(`  ${perAttempt(kinds.stack)} stack-slot accesses (spills and reloads)`);
  if (fnAmbiguousIr > 0) {
    // Its code shared addresses with other code over the run: these instructions may be its or another's.
    const share = (100 * fnAmbiguousIr) / (kinds.all + fnAmbiguousIr);
    console.log(`  and ${perAttempt(fnAmbiguousIr)} more per attempt at addresses it shared with other code in turn (${share.toFixed(1)}%): not in the figures above${share > 1 ? '; compare such runs with care' : ''}`);
  }
}
if (topLines > 0 && byLine.size > 0) {
  console.log(`\n${fnName}: instructions per attempt by source line of the bundle, top ${topLines} (approximate: an instruction counts for the last source position before it)`);
  const sources = new Map();
  const sourceLine = (key) => {
    const m = /^(?:file:\/\/)?(.*):(\d+)$/.exec(key);
    if (!m) return '';
    if (!sources.has(m[1])) sources.set(m[1], existsSync(m[1]) ? readFileSync(m[1], 'utf8').split('\n') : []);
    return (sources.get(m[1])[Number(m[2]) - 1] ?? '').trim().slice(0, 100);
  };
  for (const [key, ir] of [...byLine].sort((a, b) => b[1] - a[1]).slice(0, topLines)) {
    console.log(`  ${perAttempt(ir).padStart(8)}  ${path.basename(key).padEnd(20)} ${sourceLine(key)}`);
  }
}
console.log(`\nfiles: ${dir}`);
