/**
 * A counterexample for people and for `cascadesim run`: the schedule re-executed step by step with the real
 * actors (each step's own log lines, or what the step did when it logs nothing), and a scenario whose
 * dns.schedule makes the lock-step engine take the same steps at the same simulated times.
 */
import YAML from 'yaml';
import type { Scenario } from '../config/schema.ts';
import type { SimEvent } from '../model/dns/events.ts';
import { stepTimeS, type Counterexample } from './explore.ts';
import { actorName, type World, type WorldState } from './world.ts';

export interface TraceStep {
  step: number;
  atS: number;
  actor: string;
  /** What the step did: its log lines, or a description of its state change when it logs nothing. */
  what: { kind: string; endpoint: number; gen: number; detail: string }[];
  violation?: SimEvent;
}

/** Steps that log nothing (taking a lock, starting or skipping clean-up), described from the Enactor's state. */
function silentStep(world: World, actor: number, before: ReturnType<World['save']>, gen: number): TraceStep['what'] {
  if (actor === 0) return [{ kind: 'step', endpoint: -1, gen: 0, detail: 'no plan written' }];
  const b = before.enactors[actor - 1].logical;
  const a = world.enactors[actor - 1].saveState().logical;
  const name = world.ctx.names;
  if (b.phase === 'lock' && a.phase === 'apply')
    return [{ kind: 'lock', endpoint: b.endpoint, gen, detail: `takes the lock on ${name[b.endpoint]}` }];
  if (b.phase === 'lock' && a.phase === 'lock')
    return [{ kind: 'lock-busy', endpoint: b.endpoint, gen, detail: `${name[b.endpoint]} is locked by another Enactor; backs off` }];
  if (a.phase === 'cleanup')
    return [
      {
        kind: 'cleanup-start',
        endpoint: -1,
        gen,
        detail: `applied gen ${b.gen} everywhere; clean-up will delete gens ${a.cleanupGens.join(', ')}`,
      },
    ];
  if (b.phase === 'lock' && a.phase === 'idle')
    return [{ kind: 'done', endpoint: -1, gen, detail: `applied gen ${b.gen} everywhere; nothing old enough to clean up` }];
  if (b.phase === 'idle' && a.phase === 'idle') return [{ kind: 'poll', endpoint: -1, gen: 0, detail: 'no newer plan' }];
  return [{ kind: 'step', endpoint: b.endpoint, gen, detail: `${b.phase} -> ${a.phase}` }];
}

export function traceOf(world: World, initial: WorldState, c: Counterexample): TraceStep[] {
  world.restore(initial);
  const out: TraceStep[] = [];
  c.schedule.forEach((a, j) => {
    const before = world.save();
    const gen = a === 0 ? 0 : before.enactors[a - 1].logical.gen;
    const atS = stepTimeS(j + 1);
    const events = world.step(a, atS);
    const step: TraceStep = {
      step: j + 1,
      atS,
      actor: actorName(a),
      what:
        events.length > 0
          ? events.map((e) => ({ kind: e.kind, endpoint: e.endpoint, gen: e.gen, detail: e.detail }))
          : silentStep(world, a, before, gen),
    };
    const v = events.find((e) => e.kind === 'violation' && e.invariant === c.invariant);
    if (v) step.violation = v;
    out.push(step);
  });
  return out;
}

export function traceLines(trace: TraceStep[]): string[] {
  const lines: string[] = [];
  for (const s of trace) {
    s.what.forEach((w, i) => {
      const head =
        i === 0 ? `${String(s.step).padStart(4)}  t=${String(s.atS).padStart(3)}s  ${s.actor.padEnd(10)}` : ' '.repeat(4 + 2 + 6 + 2 + 10);
      // plan-created says only where the plan went: name its generation too.
      const detail = w.gen > 0 && !w.detail.includes(`gen ${w.gen}`) ? `gen ${w.gen}: ${w.detail}` : w.detail;
      lines.push(`${head}  ${w.kind.padEnd(15)} ${detail}`);
    });
    if (s.violation?.chain) for (const c of s.violation.chain) lines.push(`${' '.repeat(24)}  chain: ${c}`);
  }
  return lines;
}

/** The bounded scenario with the counterexample's schedule: `cascadesim run` replays it step for step. */
export function replayScenario(bounded: Scenario, c: Counterexample, trace: TraceStep[]): Scenario {
  // The trace re-executed the schedule from the initial state: its last step must break the invariant again.
  if (!trace[trace.length - 1]?.violation) throw new Error(`checker: the ${c.invariant} counterexample did not replay`);
  const times = new Map<string, number[]>();
  c.schedule.forEach((a, j) => {
    const name = actorName(a);
    if (!times.has(name)) times.set(name, []);
    times.get(name)?.push(stepTimeS(j + 1));
  });
  const s = structuredClone(bounded) as Scenario;
  s.name = `${bounded.name}-${c.invariant}`;
  s.description = `Shortest schedule (${c.schedule.length} steps) found by cascadesim check that breaks ${c.invariant} under ${bounded.dns.protocol}; run replays it step for step.`;
  s.assumptions = [
    'dns.schedule sets when the Planner and each Enactor step (one step per second); what each step does is the model code. Actors not listed never step.',
    `The checker's bound: ${bounded.dns.enactors} Enactors, ${bounded.dns.endpoints.length} endpoints, keepGenerations ${bounded.dns.cleanup.keepGenerations}; no load-balancer failures, operators, clients or EC2.`,
  ];
  s.durationS = stepTimeS(c.schedule.length) + 1;
  s.dns.schedule = [...times.entries()].map(([actor, atS]) => ({ actor, atS }));
  return s;
}

export function replayScenarioYaml(s: Scenario, trace: TraceStep[], command: string): string {
  const head = [
    `# Written by: ${command}`,
    `# ${s.description}`,
    '# Replay: cascadesim run THIS_FILE',
    '#',
    ...traceLines(trace).map((l) => `# ${l}`),
  ];
  const doc = new YAML.Document(s);
  // One line per actor's times: the schedule reads as a table.
  const sched = doc.getIn(['dns', 'schedule']);
  if (YAML.isSeq(sched)) {
    for (const item of sched.items) {
      const times = YAML.isMap(item) ? item.get('atS', true) : null;
      if (YAML.isSeq(times)) times.flow = true;
    }
  }
  return `${head.join('\n')}\n${doc.toString({ lineWidth: 0 })}`;
}
