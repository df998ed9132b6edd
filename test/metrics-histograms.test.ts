// The hot path's log-linear counts against hdr-histogram-js itself: same bucket for every value, merges that
// equal a single histogram fed the raw values, and an encoding that decodes to the same percentiles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { CLIENT_COUNTER_COUNT, type ClientWindowRaw } from '../src/metrics/client-counters.ts';
import { mergeClientWindows, summarizeClients } from '../src/metrics/client-windows.ts';
import { BUCKET_VALUES_US, decodeHistogram, newLatencyHistogram, percentilesMs, sparseSummary } from '../src/metrics/hdr.ts';
import { LATENCY_BUCKETS, latencyIndexUs, LogLinearCounts, type SparseCounts, valueFromIndex, Latency } from '../src/metrics/loglinear.ts';

const reference = () => newLatencyHistogram() as unknown as hdr.JsHistogram;

test('bucket index is exactly HdrHistogram countsArrayIndex (1 us .. 1 h, 3 digits)', () => {
  const h = reference();
  assert.equal(h.countsArrayLength, LATENCY_BUCKETS);
  const edges = [0, 1, 2047, 2048, 2049, 4095, 4096, 4097, 1e6, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, Latency.MAX_US - 1, Latency.MAX_US];
  for (const v of edges) assert.equal(latencyIndexUs(v), h.countsArrayIndex(v), `value ${v}`);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Latency.MAX_US }), (v) => latencyIndexUs(v) === h.countsArrayIndex(v)),
    { numRuns: 20_000 },
  );
  // Fractions truncate like an integer clock would.
  assert.equal(latencyIndexUs(4095.9), h.countsArrayIndex(4095));
  // Above the hour: clamped into the last recordable bucket.
  assert.equal(latencyIndexUs(1e12), latencyIndexUs(Latency.MAX_US));
});

test('each bucket converts back through its representative value', () => {
  const h = reference();
  for (let i = 0; i <= latencyIndexUs(Latency.MAX_US); i++) {
    const v = valueFromIndex(i);
    assert.equal(h.countsArrayIndex(v), i, `index ${i} value ${v}`);
    assert.equal(latencyIndexUs(v), i);
  }
});

test('the bucket value table holds valueFromIndex of every bucket, bit for bit', () => {
  assert.equal(BUCKET_VALUES_US.length, LATENCY_BUCKETS);
  for (let i = 0; i < LATENCY_BUCKETS; i++) assert.ok(Object.is(BUCKET_VALUES_US[i], valueFromIndex(i)), `index ${i}`);
});

/** hdr-histogram-js on its own: a fresh histogram, each nonzero bucket recorded at valueFromIndex (no table, no reuse). */
function freshOf(s: SparseCounts): hdr.Histogram {
  const h = newLatencyHistogram();
  for (let k = 0; k < s.idx.length; k++) if (s.count[k] !== 0) h.recordValueWithCount(valueFromIndex(s.idx[k]), s.count[k]);
  return h;
}

function sparseOf(pairs: [number, number][]): SparseCounts {
  const byIndex = new Map(pairs);
  const idx = [...byIndex.keys()].sort((a, b) => a - b);
  return { idx: Uint32Array.from(idx), count: Float64Array.from(idx, (i) => byIndex.get(i) ?? 0) };
}

test('window hand-off through the shared histogram equals a fresh hdr-histogram-js histogram, window after window', () => {
  const lastIndex = latencyIndexUs(Latency.MAX_US);
  const check = (s: SparseCounts) => {
    const ref = freshOf(s);
    const got = sparseSummary(s);
    assert.deepEqual(got.latencyMs, percentilesMs(ref));
    assert.equal(got.hdr, hdr.encodeIntoCompressedBase64(ref));
  };
  // Each after a larger or busier one: what the previous window left behind (counts, max, total) would show.
  check(
    sparseOf([
      [lastIndex, 5],
      [20_000, 2 ** 40],
      [3, 1],
    ]),
  );
  check(sparseOf([]));
  check(sparseOf([[5, 1]]));
  check(
    sparseOf([
      [0, 9],
      [7, 0],
    ]),
  );
  check(
    sparseOf([
      [1023, 1],
      [1024, 2],
      [2047, 3],
      [2048, 4],
    ]),
  );
  const index = fc.oneof(fc.integer({ min: 0, max: lastIndex }), fc.integer({ min: 0, max: 12_000 }));
  const count = fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 2 ** 50 }));
  fc.assert(
    fc.property(fc.array(fc.tuple(index, count), { maxLength: 400 }), (pairs) => check(sparseOf(pairs))),
    { numRuns: 200 },
  );
});

function rawOf(index: number, valuesUs: number[]): ClientWindowRaw {
  const a = new LogLinearCounts();
  const b = new LogLinearCounts();
  for (const v of valuesUs) {
    a.recordUs(v);
    b.recordUs(v * 2);
  }
  const counters = new Float64Array(CLIENT_COUNTER_COUNT);
  counters[0] = valuesUs.length;
  counters[1] = valuesUs.length;
  return { index, fromS: 0, toS: 10, counters, latencyIntended: a.take(), latencyAttempt: b.take() };
}

test('percentiles of merged windows equal a single hdr-histogram-js histogram of the raw values', () => {
  const latency = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 200_000_000 }));
  fc.assert(
    fc.property(fc.array(fc.array(latency, { maxLength: 300 }), { minLength: 1, maxLength: 6 }), (parts) => {
      const merged = mergeClientWindows(parts.map((p) => rawOf(0, p)));
      const ref = reference();
      const all = parts.flat();
      for (const v of all) ref.recordValue(v);
      assert.deepEqual(merged.latencyMs.intended, percentilesMs(ref));
      if (all.length > 0) {
        // Within HDR precision of the exact order statistic: one bucket, relative width <= 1/1024 above 2048 us.
        const sorted = [...all].sort((x, y) => x - y);
        for (const [p, key] of [
          [50, 'p50'],
          [99, 'p99'],
          [100, 'max'],
        ] as const) {
          const exact = sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
          const got = merged.latencyMs.intended[key] * 1000;
          assert.ok(got >= exact - 1e-6 && got <= exact + Math.max(1, exact / 1024) + 1e-6, `${key}: ${got} vs exact ${exact}`);
        }
      }
      // Encoded in the standard format, as hdr-histogram-js encodes the raw values; decoding gives them back.
      assert.equal(merged.hdr.intended, hdr.encodeIntoCompressedBase64(ref));
      const back = decodeHistogram(merged.hdr.intended);
      assert.equal(back.totalCount, all.length);
      assert.deepEqual(percentilesMs(back), merged.latencyMs.intended);
    }),
    { numRuns: 150 },
  );
});

test('merge is independent of how values are split between workers and of raw order', () => {
  const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 3_000_000);
  const one = mergeClientWindows([rawOf(3, values)]);
  const three = mergeClientWindows([rawOf(3, values.slice(2000)), rawOf(3, values.slice(0, 700)), rawOf(3, values.slice(700, 2000))]);
  assert.equal(JSON.stringify(three), JSON.stringify(one));
  assert.throws(() => mergeClientWindows([rawOf(3, values), rawOf(4, values)]), /mixed/);
});

test('phase summaries merge window histograms (never average percentiles), also from decoded windows', () => {
  // Window 0: fast (1 ms), window 1: slow (100 ms), 900 vs 100 samples.
  const w0 = mergeClientWindows([{ ...rawOf(0, Array(900).fill(1000)), fromS: 0, toS: 10 }]);
  const w1 = mergeClientWindows([{ ...rawOf(1, Array(100).fill(100_000)), fromS: 10, toS: 20 }]);
  const phases = [
    { name: 'before', fromS: 0, toS: 10 },
    { name: 'after', fromS: 10, toS: 20 },
    { name: 'all', fromS: 0, toS: 20 },
  ];
  const s = summarizeClients(1, [w0, w1], phases);
  assert.equal(s.requests, 1000);
  assert.equal(s.phases[0].requests, 900);
  assert.equal(s.phases[1].requests, 100);
  // p50 of the union is 1 ms, p90 still 1 ms (900th value), p99 is 100 ms.
  assert.ok(Math.abs(s.latencyMs.p50 - 1) < 0.002);
  assert.ok(Math.abs(s.latencyMs.p90 - 1) < 0.002);
  assert.ok(Math.abs(s.latencyMs.p99 - 100) < 0.1);
  assert.deepEqual(s.phases[2].latencyMs, s.latencyMs);
  // Windows read back from JSON carry no dense counts: the summary decodes their HdrHistograms instead.
  const fromFile = JSON.parse(JSON.stringify([w0, w1]));
  assert.equal(JSON.stringify(summarizeClients(1, fromFile, phases)), JSON.stringify(s));
});
