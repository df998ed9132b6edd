/**
 * Multi-region clients (scenario `regions`): the failover share changes nothing at 0, contains the outage with
 * ample capacity elsewhere, overloads a failover region sized for a third of the load (and the output says so),
 * is deterministic for any worker count, and bad configuration is refused with its path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMultiRegion } from '../src/model/clients/multi.ts';
import { metricValue } from '../src/metrics/catalogue.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../src/errors.ts';
import { encodeResult } from '../src/result/file.ts';
import { planSweep } from '../src/sweep/plan.ts';
import { validateSpec } from '../src/sweep/spec.ts';
import { hasStackTrace, runCli, runInProcess, scenario } from './helpers.ts';

// 2,000 clients at 0.5 requests/s: 1,000 requests/s; the race at about 656 s, the repair at 1000 s.
const SMALL = ['clients.count=2000', 'clients.ratePerS=0.5', 'durationS=1200', 'actions[0].atS=1000'];
/** A failover region whose 4 load balancers serve `capacityShare` of the global load (1,000 requests/s). */
const regions = (share: number, capacityShare: number, trigger = '{"on":"failures","attempts":3}') =>
  `regions={"others":[{"name":"us-west-2","endpoint":"dynamodb.us-west-2.amazonaws.com","loadBalancers":4,"capacityPerS":${(capacityShare * 1000) / 4},"crossLatencyMs":65}],"failover":{"share":${share},"to":"us-west-2","trigger":${trigger}}}`;

/** identity -> dynamodb -> queue: identity and queue static (queue's 2 load balancers serve queueCapacityPerS each). */
const CHAIN = (queueCapacityPerS: number, request = '["identity","dynamodb","queue"]') =>
  `chains={"services":[{"name":"identity","capacityPerS":5000},{"name":"dynamodb","endpoint":"dynamodb.us-east-1.amazonaws.com"},{"name":"queue","loadBalancers":2,"capacityPerS":${queueCapacityPerS}}],"request":${request}}`;

describe('multi-region clients', () => {
  it('with 0% multi-region clients the client figures equal the single-region run, window by window, for each retry setting', async () => {
    // multi.ts's scan is a copy of ClientShard.scanPage with the failover added: each branch of the original (retry
    // policy, jitter, budget, rate profile) must draw and count the same with no client capable.
    const variants: string[][] = [
      [],
      ['clients.retry.jitter=decorrelated'],
      ['clients.retry.budget={"ratio":0.1,"burst":2}', 'clients.retry.maxAttempts=5'],
      ['clients.retry.policy=fixed', 'clients.retry.jitter=equal'],
      ['clients.retry.policy=exponential', 'clients.retry.jitter=none', 'clients.retry.budget={"ratio":0.5}'],
      ['clients.profile=[{"atS":300,"factor":2},{"atS":800,"factor":0.5}]', 'clients.retry.jitter=decorrelated'],
    ];
    // A different seed per variant: the copy must match the original's draws whatever the streams hold.
    for (const [k, vs] of variants.entries()) {
      const v = [...vs, `seed=${k + 1}`];
      const what = v.join(' ');
      const single = await runInProcess(scenario('dns-race', [...SMALL, ...v]));
      const multi = await runInProcess(scenario('dns-race', [...SMALL, ...v, regions(0, 3)]));
      assert.ok((single.clients?.phases.find((p) => p.name === 'outage')?.errorRate ?? 0) > 0.3, `${what}: the outage happened`);
      assert.deepEqual(multi.clients, single.clients, what);
      const strip = (ws: typeof single.windows.clients) => ws.map(({ regions: _r, ...w }) => w);
      assert.deepEqual(strip(multi.windows.clients), strip(single.windows.clients), what);
      assert.equal(metricValue(multi, 'failover.failovers'), 0, what);
      assert.equal(metricValue(multi, 'regions.backup.attempts'), 0, what);
      // Pinned clients carry the whole error rate.
      assert.equal(metricValue(multi, 'clients.pinned.outage.errorRate'), metricValue(single, 'clients.outage.errorRate'), what);
    }
  });

  it('with 100% and ample capacity elsewhere the outage error rate stays below 5%, over several seeds', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = await runInProcess(scenario('dns-race', [...SMALL, `seed=${seed}`, regions(1, 3)]));
      assert.equal(metricValue(r, 'dns.endpointEmptied'), 1, `seed ${seed}: the race emptied the endpoint`);
      const err = metricValue(r, 'clients.outage.errorRate') as number;
      assert.ok(err < 0.05, `seed ${seed}: outage error rate ${err}`);
      assert.ok((metricValue(r, 'failover.outage.failovers') as number) >= 2000, 'every client failed over at least once');
      assert.equal(metricValue(r, 'regions.backup.outage.overloaded'), 0);
      // Offered load on the failover region: the whole population (1,000/s) over 3,000/s, plus the probes' retries.
      const u = metricValue(r, 'regions.backup.outage.utilisation') as number;
      assert.ok(u > 0.25 && u < 0.36, `seed ${seed}: utilisation ${u}`);
      // Away attempts carry the cross-region round trip.
      assert.ok((metricValue(r, 'clients.outage.attemptLatencyMs.p50') as number) >= 65);
    }
  });

  it('with 100% and capacity for a third of the load the failover region overloads, and the CLI says so', async () => {
    const r = await runCli(
      ['run', 'dns-race', ...SMALL.flatMap((s) => ['--set', s]), '--set', regions(1, 1 / 3), '--workers', '2', '--json'],
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const outage = j.regions.phases.find((p: { name: string }) => p.name === 'outage');
    assert.equal(outage.backup.overloaded, true);
    assert.ok(outage.backup.peakUtilisation > 1);
    assert.ok(outage.backup.errors.throttled > 0 && outage.backup.errors.timeout > 0, 'the service model refused the excess');
    assert.ok(j.clients.phases.find((p: { name: string }) => p.name === 'outage').errorRate > 0.2);
    const text = await runCli(['run', 'dns-race', ...SMALL.flatMap((s) => ['--set', s]), '--set', regions(1, 1 / 3), '--workers', '1'], {
      timeoutMs: 120_000,
    });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /regions by phase/);
    assert.match(text.stdout, /us-west-2 OVERLOADED in outage \(peak utilisation \d+/);
  });

  it('gives the same digest for 1 and 2 workers with regions and chains on, for each trigger', async () => {
    for (const trigger of ['{"on":"failures","attempts":2}', '{"on":"empty-answer"}', '{"on":"latency","budgetMs":200}']) {
      const sets = [
        'dns-race',
        ...SMALL.flatMap((s) => ['--set', s]),
        // 1,500 requests/s: several due pages (the calendar's chunks) per epoch, so two workers run pages of one
        // epoch at once, each publishing its attempts for the other to sum.
        '--set',
        'clients.count=20001',
        '--set',
        'clients.ratePerS=0.075',
        '--set',
        regions(0.5, 0.5, trigger),
        '--set',
        'regions.failover.comeBack=sticky',
        '--set',
        CHAIN(300),
        '--json',
      ];
      const [a, b] = await Promise.all([runCli(['run', ...sets, '--workers', '1']), runCli(['run', ...sets, '--workers', '2'])]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const ja = JSON.parse(a.stdout);
      assert.ok(ja.regions.failovers > 0, `${trigger}: someone failed over`);
      assert.ok(ja.services.services[2].failedCalls > 0, `${trigger}: the small queue overloaded`);
      assert.equal(JSON.parse(b.stdout).digest, ja.digest, trigger);
    }
  });

  it('refuses bad configuration with the path and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--set', regions(1.5, 1)], /regions\.failover\.share: must be <= 1/],
      [['--set', regions(-0.1, 1)], /regions\.failover\.share: must be >= 0/],
      [['--set', regions(0.5, 1), '--set', 'regions.failover.to=eu-west-1'], /regions\.failover\.to: unknown region 'eu-west-1'/],
      [['--set', regions(0.5, 1), '--set', 'regions.others[0].name=us-east-1'], /regions\.others\[0\]\.name: is the home region/],
      [['--set', regions(0.5, 1), '--set', 'regions.failover.trigger={"on":"sometimes"}'], /regions\.failover\.trigger/],
      [
        ['--set', regions(0.5, 1), '--set', 'regions.others[0].endpoint=dynamodb.us-east-1.amazonaws.com'],
        /regions\.others\[0\]\.endpoint: is a home-region endpoint/,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(['run', 'dns-race', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(!hasStackTrace(r.stderr));
    }
  });

  it('report refuses a result whose regions or services block is damaged, with the path and exit code 2', async () => {
    const r = await runInProcess(scenario('dns-race', [...SMALL, 'durationS=300', regions(0.5, 1), CHAIN(5000)]));
    const dir = mkdtempSync(path.join(tmpdir(), 'cascadesim-regions-'));
    try {
      const good = path.join(dir, 'good.msgpack');
      writeFileSync(good, encodeResult(r));
      assert.equal((await runCli(['report', good])).code, 0);
      // --threshold on report is checked against the result's services.
      const misspelt = await runCli(['report', good, '--threshold', 'services.idntity.errorRate<0.05']);
      assert.equal(misspelt.code, 2, misspelt.stderr);
      assert.match(misspelt.stderr, /--threshold.*unknown service 'idntity' \(did you mean identity\?\)/);
      // Path to the damaged field, its new value (undefined: removed), what the error names.
      const cases: [(string | number)[], unknown, RegExp][] = [
        [['regions', 'phases', 0, 'backup'], null, /regions\.phases\[0\]\.backup/],
        [['regions', 'home', 'errors'], undefined, /regions\.home\.errors/],
        [['services', 'services', 1, 'phases'], 'x', /services\.services\[1\]\.phases/],
        [['windows', 'clients', 0, 'regions'], { failovers: 'many' }, /windows\.clients\[0\]\.regions/],
      ];
      for (const [k, [at, value, msg]] of cases.entries()) {
        const o = structuredClone(r) as unknown as Record<string | number, unknown>;
        let parent = o;
        for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        const last = at[at.length - 1];
        if (value === undefined) delete parent[last];
        else parent[last] = value;
        const f = path.join(dir, `bad-${k}.msgpack`);
        writeFileSync(f, encodeResult(o as never));
        const out = await runCli(['report', f]);
        assert.equal(out.code, 2, `${msg}: ${out.stderr}`);
        assert.match(out.stderr, msg);
        assert.ok(!hasStackTrace(out.stderr), out.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the built-in multi-region scenario (scaled down): the multi-region share is contained, the pinned clients are not, us-west-2 holds', async () => {
    // 20,000 clients x 0.1/s = 2,000 requests/s; us-west-2 scaled alike to half of it (4 x 250/s).
    const r = await runCli([
      'run',
      'multi-region',
      '--set',
      'clients.count=20000',
      '--set',
      'regions.others[0].capacityPerS=250',
      '--set',
      'durationS=1200',
      '--set',
      'actions[0].atS=1000',
      '--workers',
      '2',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const outage = j.regions.phases.find((p: { name: string }) => p.name === 'outage');
    assert.ok(Math.abs(j.regions.multiClients / 20000 - 0.4) < 0.02, `${j.regions.multiClients}`);
    assert.ok(outage.multiErrorRate < 0.05 && outage.pinnedErrorRate > 0.5, JSON.stringify(outage));
    assert.equal(outage.backup.overloaded, false);
    assert.ok(outage.backup.utilisation > 0.6 && outage.backup.utilisation < 1, `${outage.backup.utilisation}`);
  });

  it('picks multi-region clients by hash: about the share, spread over the population, nested as the share grows', () => {
    const n = 100_000;
    let count = 0;
    let firstHalf = 0;
    for (let i = 0; i < n; i++) {
      if (isMultiRegion(7, i, 0.3)) {
        count++;
        if (i < n / 2) firstHalf++;
        assert.ok(isMultiRegion(7, i, 0.6), 'a client capable at 30% is capable at 60%');
      }
    }
    assert.ok(Math.abs(count / n - 0.3) < 0.01, `${count}`);
    assert.ok(Math.abs(firstHalf / count - 0.5) < 0.02, 'not the first N');
  });
});

describe('dependency chains', () => {
  it('refuses a misspelt or absent service in thresholds, --threshold and sweep metrics, with a suggestion and exit code 2', async () => {
    const chain = ['--set', CHAIN(5000)];
    const cases: [string[], RegExp][] = [
      [
        ['run', 'dns-race', ...chain, '--threshold', 'services.idntity.errorRate<0.05'],
        /--threshold.*unknown service 'idntity' \(did you mean identity\?\)/,
      ],
      [['run', 'dns-race', '--threshold', 'services.identity.errorRate<0.05'], /--threshold.*the scenario has no chains section/],
      [
        ['show', 'dns-race', ...chain, '--set', 'thresholds={"services.queu.outage.errorRate":"< 0.1"}'],
        /thresholds\.services\.queu\.outage\.errorRate: .*unknown service 'queu' \(did you mean queue\?\)/,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(!hasStackTrace(r.stderr));
    }
    // The right name passes (show validates the scenario with its --set).
    const ok = await runCli(['show', 'dns-race', ...chain, '--set', 'thresholds={"services.queue.outage.errorRate":"< 0.1"}']);
    assert.equal(ok.code, 0, ok.stderr);
    // A sweep's metrics and outcomes against its base's services (unless an axis changes the chains).
    const problems = (o: Record<string, unknown>) => {
      try {
        planSweep(validateSpec({ base: 'dns-race', set: [CHAIN(5000)], vary: { seed: [1, 2] }, ...o }, null));
        return [];
      } catch (err) {
        if (err instanceof InputError) return err.problems;
        throw err;
      }
    };
    assert.deepEqual(problems({ metrics: ['services.queue.errorRate'] }), []);
    assert.match(
      problems({ metrics: ['services.identiy.errorRate'] }).join('\n'),
      /metrics\[0\]: services\.identiy\.errorRate: unknown service 'identiy'/,
    );
    assert.match(problems({ outcomes: { bad: 'services.qeue.errorRate > 0.5' } }).join('\n'), /outcomes\.bad: .*unknown service 'qeue'/);
  });

  it('a chain of the one dynamic service equals a run without chains', async () => {
    const plain = await runInProcess(scenario('dns-race', SMALL));
    const chain = await runInProcess(scenario('dns-race', [...SMALL, CHAIN(5000, '["dynamodb"]')]));
    assert.deepEqual(chain.clients, plain.clients);
    // Over calls started (the service's) vs requests finished (the clients'): equal up to those in flight.
    const d =
      (metricValue(chain, 'services.dynamodb.outage.errorRate') as number) - (metricValue(chain, 'clients.outage.errorRate') as number);
    assert.ok(Math.abs(d) < 0.001, `${d}`);
    assert.equal(metricValue(chain, 'services.identity.calls'), 0);
  });

  it('the blast radius: one failing service fails the requests that reach it; healthy ones after it see fewer calls', async () => {
    const r = await runInProcess(scenario('dns-race', [...SMALL, CHAIN(5000)]));
    const user = metricValue(r, 'clients.outage.errorRate') as number;
    const ddb = metricValue(r, 'services.dynamodb.outage.errorRate') as number;
    assert.ok(
      ddb > 0.5 && metricValue(r, 'services.identity.outage.errorRate') === 0 && metricValue(r, 'services.queue.outage.errorRate') === 0,
    );
    // Every request calls identity, then dynamodb: the user-visible error rate is dynamodb's, up to requests in flight.
    assert.ok(Math.abs(user - ddb) < 0.005, `${user} vs ${ddb}`);
    const calls = (s: string) => metricValue(r, `services.${s}.outage.calls`) as number;
    assert.ok(
      Math.abs(calls('queue') - calls('dynamodb') * (1 - ddb)) < 0.01 * calls('dynamodb'),
      'queue is called only after dynamodb answered',
    );
    // Request latency spans the three calls: at least three base latencies more than one call's.
    assert.ok(
      (metricValue(r, 'clients.before.latencyMs.p50') as number) >
        3 * (metricValue(r, 'clients.before.attemptLatencyMs.p50') as number) * 0.8,
    );
    // A static service short of capacity (2 x 300/s for 1,000 requests/s) fails requests outside the outage too.
    const small = await runInProcess(scenario('dns-race', [...SMALL, CHAIN(300)]));
    assert.ok((metricValue(small, 'services.queue.before.errorRate') as number) > 0.2);
    assert.ok(
      (metricValue(small, 'clients.before.errorRate') as number) >=
        (metricValue(small, 'services.queue.before.errorRate') as number) * 0.95,
    );
  });

  it('refuses an unknown service, a second dynamic endpoint and a bad name with the path and exit code 2', async () => {
    const cases: [string, RegExp][] = [
      [CHAIN(300, '["identity","payments"]'), /chains\.request\[1\]: unknown service 'payments'/],
      [
        'chains={"services":[{"name":"x","endpoint":"dynamodb.us-east-1.api.aws"}],"request":["x"]}',
        /chains\.services\[0\]\.endpoint: only the clients' endpoint/,
      ],
      ['chains={"services":[{"name":"a b"}],"request":["a b"]}', /chains\.services\[0\]\.name: must start with a letter/],
      ['chains={"services":[{"name":"a"},{"name":"a"}],"request":["a"]}', /chains\.services\[1\]\.name: duplicate service name/],
    ];
    for (const [set, msg] of cases) {
      const r = await runCli(['run', 'dns-race', '--set', set]);
      assert.equal(r.code, 2, `${set}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(!hasStackTrace(r.stderr));
    }
  });
});
