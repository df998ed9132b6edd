/**
 * The client scan's WebAssembly kernel (src/model/clients/kernel.ts, wasm/scan.ts) against the JavaScript scan it
 * copies (shard.ts scanPage, the reference): the same windows, counts and latency histograms for random
 * configurations and seeds, every path of the scan exercised; and through the real CLI with worker threads, the
 * same digest as CASCADESIM_SCAN=js.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clientsSchema } from '../src/config/clients-schema.ts';
import { regionsSchema, staticEndpoints } from '../src/config/regions-schema.ts';
import type { ClientCounterName } from '../src/metrics/client-counters.ts';
import { checkKernelLayout } from '../src/model/clients/kernel.ts';
import { ClientShard } from '../src/model/clients/shard.ts';
import { scanKernel } from '../src/engine/scan-kernel.ts';
import { allocatePopulation, growRegion } from '../src/memory/population.ts';
import { type HarnessEvent, type HarnessOptions, runClientsHarness } from './support/clients-harness.ts';
import { runCli } from './helpers.ts';

/** The same run with each scan, each checked to have run the scan asked for (so that equal results compare two). */
function both(o: HarnessOptions) {
  const { scan: k, ...kernel } = runClientsHarness({ ...o, kernel: true });
  const { scan: j, ...js } = runClientsHarness({ ...o, kernel: false });
  assert.deepEqual([k, j], ['webassembly', 'javascript']);
  return { kernel, js };
}

test('a shard runs the kernel when given it, and never with regions', () => {
  const cfg = clientsSchema.parse({ count: 100 });
  const kernel = scanKernel();
  assert.notEqual(new ClientShard(cfg, 1, 0, 100, { kernel }).kernel, null);
  assert.equal(new ClientShard(cfg, 1, 0, 100).kernel, null);
  const regions = regionsSchema.parse({
    others: [{ name: 'west', endpoint: 'west', loadBalancers: 2, capacityPerS: 1000, crossLatencyMs: 40 }],
    failover: { share: 0.5, to: 'west', trigger: { on: 'failures', attempts: 2 }, stayS: { dist: 'exponential', meanS: 20 } },
  });
  const extra = { regions, statics: staticEndpoints(regions, undefined, 12) };
  assert.equal(new ClientShard(cfg, 1, 0, 100, { extra, kernel }).kernel, null);
});

test('the kernel checks the layout it copied against the constants it copies, and names what drifted', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const none = () => 0;
  const { exports } = new WebAssembly.Instance(scanKernel(), {
    env: { memory, zigSlow: none, arrivalNext: none, delayS: none, newTail: none },
  });
  checkKernelLayout(exports);
  assert.throws(
    () => checkKernelLayout({ ...exports, MAX_US: new WebAssembly.Global({ value: 'f64' }, 1e9), U_RNG: undefined }),
    /does not match this build: U_RNG missing \(this build: 24\), MAX_US 1000000000 \(this build: 3600000000\); run npm run build/,
  );
});

test("the population's memory: records, then the calendar on a 64-byte line, then each worker's region", () => {
  const m = allocatePopulation(48 * 1000 + 8, 4096, true);
  assert.ok(m.wasm !== null && m.buffer === (m.wasm.buffer as unknown));
  assert.ok(m.recordsAt > 0 && m.recordsAt % 64 === 0);
  assert.ok(m.calendarAt >= m.recordsAt + m.recordsBytes && m.calendarAt % 64 === 0);
  assert.ok(m.calendarAt + m.calendarBytes <= m.buffer.byteLength);
  // Two workers' regions (as two threads would take them): apart, and above everything else.
  const a = growRegion(m.wasm, 100_000);
  const b = growRegion(m.wasm, 10);
  assert.ok(a >= m.calendarAt + m.calendarBytes && b >= a + 100_000);
  assert.ok((m.wasm.buffer as SharedArrayBuffer).byteLength >= b + 10);
  // Past the room kept for the regions: a clear error, not WebAssembly's bare RangeError.
  assert.throws(() => growRegion(m.wasm as WebAssembly.Memory, 2 ** 30), /no room for a worker's kernel region of 1073741824 bytes/);
  // Without the kernel: a plain SharedArrayBuffer with the same layout.
  const plain = allocatePopulation(48 * 1000 + 8, 4096, false);
  assert.equal(plain.wasm, null);
  assert.ok(plain.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([plain.recordsAt, plain.calendarAt], [m.recordsAt, m.calendarAt]);
});

/**
 * A run through every path of the scan: overloaded load balancers (excess draws, throttles, timeouts), one out of
 * service for a while (connect), the endpoint empty for a while (dns-empty, negative entries, serve-stale), unequal
 * weights (alias columns that hand over), two shards; retries as `budget` says.
 */
function everyPath(budget: boolean): HarnessOptions {
  return {
    clients: clientsSchema.parse({
      count: 3000,
      ratePerS: 0.4,
      ttlS: 30,
      negativeTtlS: 5,
      serveStaleS: 20,
      timeoutS: 0.05,
      throttleShare: 0.4,
      retry: { maxAttempts: 4, baseS: 0.2, capS: 2, ...(budget ? { budget: { ratio: 0.3, burst: 3 } } : {}) },
    }),
    seed: 11,
    shards: 2,
    durationS: 300,
    loadBalancers: 5,
    capacityPerS: 200,
    baseLatencyMs: 6,
    weights: [1, 4, 2, 0.5, 3],
    events: [
      { atS: 40, do: 'lb-down', lb: 2 },
      { atS: 90, do: 'lb-up', lb: 2 },
      { atS: 120, do: 'empty' },
      { atS: 180, do: 'restore' },
    ],
  };
}

for (const budget of [true, false]) {
  // Without a budget, with full jitter and no profile: the configuration users run by default, which the kernel
  // scans with a copy of its loop of its own (scan.ts).
  test(`the kernel and the JavaScript scan agree on a run through every path of the scan, ${budget ? 'retries with a budget' : 'the default retries'}`, () => {
    const { kernel, js } = both(everyPath(budget));
    assert.deepEqual(kernel, js);
    const sum = (k: ClientCounterName) => kernel.windows.reduce((n, w) => n + w.counters[k], 0);
    // Every outcome occurred, so each path was compared, not skipped.
    const paths: ClientCounterName[] = ['successes', 'dnsEmpty', 'connect', 'timeout', 'throttled', 'retries'];
    for (const k of [...paths, 'failedRequests', 'staleAnswers', 'delayedStarts', 'dnsQueries'] as const) {
      assert.ok(sum(k) > 0, `${k}: ${sum(k)}`);
    }
    if (budget) assert.ok(sum('budgetDenied') > 0, `budgetDenied: ${sum('budgetDenied')}`);
    else assert.equal(sum('budgetDenied'), 0);
  });
}

test('property: the kernel and the JavaScript scan agree for random configurations and seeds', () => {
  const jitters = ['none', 'full', 'equal', 'decorrelated'] as const;
  const policies = ['none', 'fixed', 'exponential'] as const;
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        count: fc.integer({ min: 1, max: 700 }),
        ratePerS: fc.double({ min: 0.01, max: 3, noNaN: true }),
        ttlS: fc.integer({ min: 1, max: 120 }),
        serveStaleS: fc.integer({ min: 0, max: 60 }),
        timeoutS: fc.double({ min: 0.005, max: 2, noNaN: true }),
        jitter: fc.constantFrom(...jitters),
        policy: fc.constantFrom(...policies),
        budget: fc.boolean(),
        profile: fc.boolean(),
        warmStart: fc.boolean(),
        epochS: fc.constantFrom(0.25, 0.5, 1, 2),
        lbs: fc.integer({ min: 1, max: 6 }),
        capacityPerS: fc.integer({ min: 5, max: 2000 }),
        emptyAtS: fc.integer({ min: 0, max: 80 }),
        shards: fc.integer({ min: 1, max: 3 }),
      }),
      (r) => {
        const clients = clientsSchema.parse({
          count: r.count,
          ratePerS: r.ratePerS,
          ttlS: r.ttlS,
          serveStaleS: r.serveStaleS,
          timeoutS: r.timeoutS,
          warmStart: r.warmStart,
          profile: r.profile
            ? [
                { atS: 0, factor: 1 },
                { atS: 30, factor: 4 },
                { atS: 60, factor: 0.5 },
              ]
            : [],
          retry: {
            policy: r.policy,
            jitter: r.jitter,
            maxAttempts: 3,
            baseS: 0.1,
            capS: 1,
            budget: r.budget ? { ratio: 0.2, burst: 2 } : null,
          },
        });
        const events: HarnessEvent[] = [
          { atS: r.emptyAtS, do: 'empty' },
          { atS: r.emptyAtS + 20, do: 'restore' },
          { atS: 10, do: 'lb-down', lb: 0 },
          { atS: 50, do: 'lb-up', lb: 0 },
        ];
        const o: HarnessOptions = {
          clients,
          seed: r.seed,
          shards: Math.min(r.shards, r.count),
          durationS: 120,
          epochS: r.epochS,
          windowS: 4,
          loadBalancers: r.lbs,
          capacityPerS: r.capacityPerS,
          weights: Array.from({ length: r.lbs }, (_, i) => 1 + ((i * 7 + r.seed) % 5)),
          events,
        };
        const { kernel, js } = both(o);
        assert.deepEqual(kernel, js);
      },
    ),
    { numRuns: 60, seed: 20261207 },
  );
});

test('the CLI gives the same digest with the kernel and with CASCADESIM_SCAN=js, on 1 and 2 worker threads', async () => {
  // The outage scenario at a small size (fault, EC2, operators), on its seed and another, and a retry
  // configuration off the defaults.
  const cases = [
    ['aws-2025-10-20', '--set', 'clients.count=3000', '--set', 'durationS=7200'],
    ['aws-2025-10-20', '--set', 'clients.count=3000', '--set', 'durationS=7200', '--seed', '7'],
    [
      '--set',
      'clients.count=5000',
      '--set',
      'durationS=900',
      '--set',
      'clients.retry.jitter=equal',
      '--set',
      'clients.retry.budget.ratio=0.1',
    ],
  ];
  for (const args of cases) {
    const digests = new Set<string>();
    for (const workers of ['1', '2']) {
      for (const [env, scan] of [
        [{}, 'webassembly'],
        [{ CASCADESIM_SCAN: 'js' }, 'javascript'],
      ] as const) {
        const r = await runCli(['run', ...args, '--workers', workers, '--json', '--quiet'], { env });
        assert.equal(r.code, 0, r.stderr);
        const j = JSON.parse(r.stdout);
        // Which scan ran, so that equal digests compare the two scans, not one with itself.
        assert.equal(j.perf.clientScan, scan, `${args.join(' ')}, ${workers} worker(s)`);
        // On 2 workers the helper ran chunks too: both threads' kernels (or scans) are in the digest.
        if (workers === '2') assert.ok(j.perf.helperShare > 0, `${args.join(' ')}: helperShare ${j.perf.helperShare}`);
        digests.add(j.digest);
      }
    }
    assert.equal(digests.size, 1, `${args.join(' ')}: ${[...digests].join(', ')}`);
  }
});
