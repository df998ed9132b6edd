// Runs every test/*.test.ts with node:test under tsx. Lists the files explicitly (Node 20 does not expand
// globs, and `node --test` with no files passes with zero tests), fails when there are none, and ends with a
// plain 'N passed, N failed' line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = path.dirname(new URL(import.meta.url).pathname);
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => path.join('test', f));
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const tap = path.join(mkdtempSync(path.join(os.tmpdir(), 'cascadesim-test-')), 'report.tap');
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', cwd: path.join(dir, '..') },
);
let pass = 0;
let fail = 0;
try {
  const text = readFileSync(tap, 'utf8');
  pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
} catch {
  fail = Math.max(fail, 1);
}
console.log(`${pass} passed, ${fail} failed`);
process.exit(r.status !== 0 || fail > 0 || pass === 0 ? 1 : 0);
