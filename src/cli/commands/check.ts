/**
 * `cascadesim check`: every schedule of the Planner, the Enactors and their clean-up, within a bound, run by the
 * model's own code (src/check). Prints the shortest schedule breaking each invariant, or that none breaks within
 * the bound; exit 99 when one breaks, 0 when none does.
 */
import {
  checkProtocol,
  counterexampleScenario,
  INVARIANTS,
  type Invariant,
  loadScenario,
  PROTOCOLS,
  type Protocol,
  resolveScenario,
  type Scenario,
} from '../../api.ts';
import { replayScenarioYaml, traceLines } from '../../check/trace.ts';
import { ExitCode, InputError } from '../../errors.ts';
import { shownPath, writeTarget } from '../../io/output.ts';
import { intOption, type Out, parse, planOutputs } from '../common.ts';

export const CHECK_USAGE =
  'cascadesim check [SCENARIO] [--protocol legacy|fenced|locked-check] [--enactors N] [--endpoints N] [--generations N] [--keep N] [--max-steps N] [--set k=v ...] [--out FILE] [--invariant NAME] [--json]';

export function cmdCheck(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, {
    protocol: { type: 'string' },
    enactors: { type: 'string' },
    endpoints: { type: 'string' },
    generations: { type: 'string' },
    keep: { type: 'string' },
    'max-steps': { type: 'string' },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    invariant: { type: 'string' },
    json: { type: 'boolean' },
  });
  const problems: string[] = [];
  if (positionals.length > 1) problems.push(`check takes one scenario, got ${positionals.length}: ${positionals.join(' ')}`);
  const protocolArg = (values.protocol as string | undefined) ?? 'legacy';
  if (!(PROTOCOLS as readonly string[]).includes(protocolArg))
    problems.push(`--protocol: must be one of ${PROTOCOLS.join(', ')} (got ${protocolArg})`);
  const enactors = intOption(values.enactors as string | undefined, 'enactors', 1, 6, problems) ?? 3;
  const endpoints = intOption(values.endpoints as string | undefined, 'endpoints', 1, 4, problems) ?? 2;
  const generations = intOption(values.generations as string | undefined, 'generations', 2, 12, problems) ?? 4;
  const keep = intOption(values.keep as string | undefined, 'keep', 1, 8, problems) ?? 1;
  const maxSteps = intOption(values['max-steps'] as string | undefined, 'max-steps', 1, 10_000, problems) ?? 200;
  const invariantArg = values.invariant as string | undefined;
  if (invariantArg !== undefined && !(INVARIANTS as readonly string[]).includes(invariantArg))
    problems.push(`--invariant: must be one of ${INVARIANTS.join(', ')} (got ${invariantArg})`);
  const outFile = values.out as string | undefined;
  let base: Scenario | undefined;
  let scenarioFile: string | undefined;
  try {
    scenarioFile = resolveScenario(positionals[0]);
    base = loadScenario(positionals[0], { set: (values.set as string[] | undefined) ?? [] });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  // The counterexample must not replace the scenario it was checked from (`check s.yaml --out s.yaml`, or a
  // built-in's own file).
  const [outT] = planOutputs([['--out', outFile]], scenarioFile ? [{ what: 'scenario', file: scenarioFile }] : [], problems);
  if (problems.length > 0 || !base) throw new InputError(problems, 'invalid check');
  const protocol = protocolArg as Protocol;
  const bounds = { protocol, enactors, endpoints, generations, keepGenerations: keep, maxSteps };
  const r = checkProtocol(base, bounds);
  const scenario = r.scenario;
  const statesPerS = r.wallS > 0 ? r.states / r.wallS : 0;
  const { counterexamples } = r;
  const broken = new Set(counterexamples.map((c) => c.invariant));
  const holds = INVARIANTS.filter((i) => !broken.has(i));

  // --out: the chosen invariant's counterexample, or the shortest of all.
  const chosen = invariantArg
    ? counterexamples.find((c) => c.invariant === (invariantArg as Invariant))
    : [...counterexamples].sort((a, b) => a.schedule.length - b.schedule.length)[0];
  let written: string | null = null;
  if (outT && chosen) {
    const replay = counterexampleScenario(r, chosen);
    const command = ['cascadesim', 'check', ...argv].join(' ');
    writeTarget(outT, replayScenarioYaml(replay, chosen.trace, command), 'the counterexample scenario');
    written = shownPath(outT);
  }

  const bound = `${enactors} Enactors, ${endpoints} endpoints, plan generations 1-${generations} (1 is the bootstrap plan), keepGenerations ${keep}, ${scenario.dns.planSlots} plan slots, schedules of up to ${maxSteps} steps`;
  if (values.json) {
    io.out(
      JSON.stringify({
        protocol,
        bound: { enactors, endpoints, generations, keepGenerations: keep, planSlots: scenario.dns.planSlots, maxSteps },
        states: r.states,
        transitions: r.transitions,
        depth: r.depth,
        complete: r.complete,
        wallS: r.wallS,
        cpuS: r.cpuS,
        statesPerS,
        statesPerCpuS: r.cpuS > 0 ? r.states / r.cpuS : 0,
        holds,
        counterexamples: counterexamples.map(({ invariant, trace }) => ({
          invariant,
          steps: trace.length,
          schedule: trace.map((s) => ({ step: s.step, atS: s.atS, actor: s.actor, what: s.what })),
          violation: (() => {
            const v = trace[trace.length - 1].violation;
            return v ? { atS: v.atS, endpoint: v.endpoint, detail: v.detail, chain: v.chain } : null;
          })(),
        })),
        out: written,
      }),
    );
  } else {
    io.out(`cascadesim check: protocol ${protocol}; bound: ${bound}`);
    io.out(
      `explored ${r.states.toLocaleString('en-US')} states (${r.transitions.toLocaleString('en-US')} steps, deepest shortest schedule ${r.depth}) in ${r.wallS.toFixed(2)} s: ${Math.round(statesPerS).toLocaleString('en-US')} states/s (${r.cpuS.toFixed(2)} s of CPU: ${Math.round(r.cpuS > 0 ? r.states / r.cpuS : 0).toLocaleString('en-US')} states per CPU-second); ${r.complete ? 'the whole bounded space' : `cut off at ${maxSteps} steps (raise --max-steps to go further)`}`,
    );
    io.out(
      'abstractions: steps in every order (durations, faults and random stalls only move steps in time); no load-balancer failures, operators, clients or EC2',
    );
    for (const c of counterexamples) {
      io.out('');
      io.out(`${c.invariant}: BROKEN; shortest schedule, ${c.schedule.length} steps:`);
      for (const l of traceLines(c.trace)) io.out(l);
    }
    io.out('');
    if (holds.length > 0) io.out(`${holds.join(', ')}: ${holds.length === 1 ? 'holds' : 'hold'} in every schedule within the bound`);
    if (written) io.out(`scenario replaying ${chosen?.invariant} written to ${written}: cascadesim run ${outFile}`);
    else if (outFile) io.out(`no invariant breaks: --out ${outFile} not written`);
  }
  return counterexamples.length > 0 ? ExitCode.violation : ExitCode.ok;
}
