// The simulation worker's bundle must assign its class fields, not declare them bare. With TypeScript's default for
// an ES2022 target (useDefineForClassFields), a field declared without a value is emitted as `name;` in the class
// body: defined as undefined, then assigned a number in the constructor, so V8 holds it as a generic tagged value,
// and every read in a hot loop pays a tag test (a double also a map check and a box load). tsconfig.json turns that
// off; the client scan ran 701.5 instructions per attempt with the bare declarations and 665.3 without
// (scripts/visit-instructions.mjs). Needs dist/ (`npm test` builds first).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.ts';

test('the simulation and race workers declare no class field without a value', () => {
  for (const name of ['sim-worker.js', 'race-worker.js']) {
    const text = fs.readFileSync(path.join(ROOT, 'dist', name), 'utf8');
    // A line holding only an identifier and a semicolon: in a class body, a field defined as undefined.
    const bare = text.split('\n').filter((l) => /^\s+[A-Za-z_$][\w$]*;$/.test(l) && !/^\s+(return|break|continue|debugger);$/.test(l));
    assert.deepEqual(bare, [], `${name}: class fields declared without a value (is useDefineForClassFields on?)`);
  }
});
