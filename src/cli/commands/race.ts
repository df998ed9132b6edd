/**
 * `cascadesim race`: the Planner, the Enactors and client readers on their own threads, free-running on the
 * shared plan store, with invariant monitors on every write and read (src/race). Not deterministic. Exit 99 when
 * an invariant breaks, 0 when none does.
 */
import { BREAKS, loadScenario, PROTOCOLS, type Protocol, raceProtocol, type Scenario } from '../../api.ts';
import { ExitCode, InputError } from '../../errors.ts';
import { BROKEN_VARIANTS, type BrokenVariant } from '../../memory/seqlock.ts';
import { intOption, type Out, parse } from '../common.ts';

export const RACE_USAGE =
  'cascadesim race [SCENARIO] [--protocol legacy|fenced|locked-check] [--enactors N] [--endpoints N] [--keep N] [--readers N] [--speed X] [--ops N] [--seconds S] [--seed N] [--set k=v ...] [--stop-on-break] [--json]';

function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n.toLocaleString('en-US');
}

export async function cmdRace(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(argv, {
    protocol: { type: 'string' },
    enactors: { type: 'string' },
    endpoints: { type: 'string' },
    keep: { type: 'string' },
    readers: { type: 'string' },
    speed: { type: 'string' },
    ops: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    set: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'stop-on-break': { type: 'boolean' },
    // Hidden, test-only: run a deliberately broken store, which the monitors must catch.
    broken: { type: 'string' },
  });
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`race takes one scenario, got ${positionals.length}: ${positionals.join(' ')}`);
  const protocolArg = (values.protocol as string | undefined) ?? 'legacy';
  if (!(PROTOCOLS as readonly string[]).includes(protocolArg))
    problems.push(`--protocol: must be one of ${PROTOCOLS.join(', ')} (got ${protocolArg})`);
  const enactors = intOption(values.enactors as string | undefined, 'enactors', 1, 16, problems) ?? 3;
  const endpoints = intOption(values.endpoints as string | undefined, 'endpoints', 1, 32, problems) ?? 2;
  const keep = intOption(values.keep as string | undefined, 'keep', 1, 100, problems) ?? 1;
  const readers = intOption(values.readers as string | undefined, 'readers', 1, 16, problems) ?? 2;
  const speed = intOption(values.speed as string | undefined, 'speed', 1, 1_000_000, problems) ?? 1000;
  const ops = intOption(values.ops as string | undefined, 'ops', 1, 1e12, problems) ?? 10_000_000;
  const seconds = intOption(values.seconds as string | undefined, 'seconds', 1, 86_400, problems) ?? 60;
  const broken = values.broken as string | undefined;
  if (broken !== undefined && !(BROKEN_VARIANTS as readonly string[]).includes(broken))
    problems.push(`--broken: must be one of ${BROKEN_VARIANTS.join(', ')} (got ${broken})`);
  const seed = intOption(values.seed as string | undefined, 'seed', 0, 0xffffffff, problems);
  let base: Scenario | undefined;
  try {
    base = loadScenario(positionals[0], { set: (values.set as string[] | undefined) ?? [], seed });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !base) throw new InputError(problems, 'invalid race');
  const protocol = protocolArg as Protocol;
  const json = values.json === true;
  if (!json) {
    io.err(
      `cascadesim race: protocol ${protocol}; the Planner, ${enactors} Enactors and ${readers} client readers on their own threads, no lock-step; ${speed} simulated seconds per real second; seed ${base.seed} (it seeds only the actors' delays)`,
    );
    if (broken) io.err(`cascadesim race: DELIBERATELY BROKEN store (${broken}): the monitors should catch it`);
    io.err('cascadesim race: NOT deterministic: thread timing decides the interleaving, so another run gives other counts');
  }
  // The same cut as check's (DNS only, small plan ring), but the actors keep their timing: it is what races.
  const r = await raceProtocol(
    base,
    { protocol, enactors, endpoints, keepGenerations: keep },
    {
      readers,
      speed,
      maxOps: ops,
      maxSeconds: seconds,
      stopOnBreak: values['stop-on-break'] === true,
      broken: (broken as BrokenVariant | undefined) ?? null,
    },
  );
  if (json) {
    io.out(JSON.stringify(r));
  } else {
    io.out(
      `${count(r.ops)} store operations in ${r.wallS.toFixed(2)} s (${count(Math.round(r.opsPerS))}/s): ${count(r.reads)} client reads, ${count(r.writes)} control-plane writes and lock operations, ${count(r.steps)} Planner/Enactor steps`,
    );
    const seen = BREAKS.filter((k) => r.breaks[k] > 0);
    if (seen.length === 0) io.out(`invariant breaks: none (checked: ${BREAKS.join(', ')})`);
    else {
      io.out(`invariant breaks: ${seen.map((k) => `${k} ${count(r.breaks[k])}`).join(', ')}`);
      io.out('first breaks (real time since start):');
      for (const x of r.examples.slice(0, 12)) io.out(`  ${(x.atMs / 1000).toFixed(3)}s  ${x.thread.padEnd(10)} ${x.kind}: ${x.detail}`);
    }
    if (r.stoppedOnBreak) io.out('stopped at the first break (--stop-on-break)');
    if (r.hung.length > 0) io.out(`threads that never returned (terminated): ${r.hung.join(', ')}`);
  }
  return r.totalBreaks > 0 ? ExitCode.violation : ExitCode.ok;
}
