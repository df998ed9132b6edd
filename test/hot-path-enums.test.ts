// The hot loops index counters and record fields through enums (the bundle inlines enum members, not module
// constants), while results and reports name the same slots through the CLIENT_COUNTERS / REGION_COUNTERS /
// ERROR_CLASSES lists. Both are written out by hand, so these checks keep the two from drifting apart: a counter
// added to one list and not the other, or a record field moved onto another, fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptErr, CLIENT_COUNTER_COUNT, CLIENT_COUNTERS, ClientCounter, ERROR_CLASSES } from '../src/metrics/client-counters.ts';
import { REGION_COUNTER_COUNT, REGION_COUNTERS, RegionCounter } from '../src/metrics/region-counters.ts';
import { EXT_BYTES, Ext, ExtU32, RECORD_BYTES, Rec, RecU32 } from '../src/model/clients/records.ts';
import { SERVICE_COUNTERS, Svc } from '../src/model/clients/multi.ts';

/** Numeric members of a TypeScript enum, name to value. */
function members(e: Record<string, string | number>): [string, number][] {
  return Object.entries(e).filter((kv): kv is [string, number] => typeof kv[1] === 'number');
}

const camel = (snake: string) => snake.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

test('ClientCounter names every CLIENT_COUNTERS slot at its own position, and nothing else', () => {
  const m = members(ClientCounter);
  assert.equal(m.length, CLIENT_COUNTER_COUNT);
  for (const [name, value] of m) assert.equal(CLIENT_COUNTERS[value], camel(name), `ClientCounter.${name} = ${value}`);
});

test('AttemptErr codes follow ERROR_CLASSES, and the error counters sit at DNS_EMPTY + code - 1', () => {
  const m = members(AttemptErr).filter(([name]) => name !== 'OK');
  assert.equal(AttemptErr.OK, 0);
  assert.equal(m.length, ERROR_CLASSES.length);
  for (const [name, code] of m) {
    assert.equal(ERROR_CLASSES[code - 1], name.toLowerCase().replace('_', '-'), `AttemptErr.${name}`);
    assert.equal(CLIENT_COUNTERS[ClientCounter.DNS_EMPTY + code - 1], camel(name), `counter of AttemptErr.${name}`);
  }
});

test('RegionCounter points at the REGION_COUNTERS slots the multi-region scan writes', () => {
  const m = members(RegionCounter);
  assert.ok(m.length >= 11);
  for (const [name, value] of m) assert.equal(REGION_COUNTERS[value], camel(name), `RegionCounter.${name}`);
  // The error slots the scan reaches by offset: home + code (1..4), away + code - 1 (connect..throttled).
  for (const [code, cls] of ERROR_CLASSES.entries()) {
    const c = cls.replace(/-(.)/, (_, x: string) => x.toUpperCase());
    assert.equal(REGION_COUNTERS[RegionCounter.HOME_ATTEMPTS + code + 1], `home${c[0].toUpperCase()}${c.slice(1)}`);
    if (code >= 1) assert.equal(REGION_COUNTERS[RegionCounter.AWAY_ATTEMPTS + code], `away${c[0].toUpperCase()}${c.slice(1)}`);
  }
  assert.equal(REGION_COUNTER_COUNT, REGION_COUNTERS.length);
});

test('record fields fit their record and do not overlap: Float64 slots first, then the 32-bit ones', () => {
  assert.equal(Rec.F64_PER_RECORD * 8, RECORD_BYTES);
  assert.equal(Rec.U32_PER_RECORD * 4, RECORD_BYTES);
  const f64 = members(Rec).filter(([n]) => n.startsWith('F_'));
  const u32 = members(RecU32);
  // Float64 slot k covers 32-bit slots 2k and 2k + 1.
  const taken = new Set<number>();
  for (const [n, k] of f64) for (const s of [2 * k, 2 * k + 1]) assert.ok(!taken.has(s) && taken.add(s), `Rec.${n}`);
  for (const [n, s] of u32) {
    assert.ok(s < Rec.U32_PER_RECORD, `RecU32.${n} past the record`);
    assert.ok(!taken.has(s) && taken.add(s), `RecU32.${n} overlaps another field`);
  }
  assert.equal(Ext.F64_PER_EXT * 8, EXT_BYTES);
  assert.equal(Ext.U32_PER_EXT * 4, EXT_BYTES);
  const ext = new Set([2 * Ext.X_UNTIL, 2 * Ext.X_UNTIL + 1]);
  for (const [n, s] of members(ExtU32)) assert.ok(s < Ext.U32_PER_EXT && !ext.has(s) && ext.add(s), `ExtU32.${n}`);
});

test('Svc names every SERVICE_COUNTERS slot, and its COUNT is the per-service stride', () => {
  const m = members(Svc).filter(([name]) => name !== 'COUNT');
  assert.equal(Svc.COUNT, SERVICE_COUNTERS.length);
  assert.equal(m.length, SERVICE_COUNTERS.length);
  for (const [name, value] of m) assert.equal(SERVICE_COUNTERS[value], camel(name), `Svc.${name}`);
});
