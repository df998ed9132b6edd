/**
 * Breadth-first exploration of every schedule of the bounded world (world.ts), with a visited set of state keys.
 *
 * A transition is one step of one enabled actor. The invariants are the model's own monitors (monotonic,
 * never-delete-active, non-empty): a step that logs a violation breaks one. Breadth-first order makes the first
 * schedule found for each invariant a shortest one. States are compared by World.key(), so schedules that reach
 * the same state by different orders are expanded once (state-hash reduction); steps that change nothing (an
 * idle Enactor finding no newer plan, a lock attempt on a busy endpoint) lead to a known state and end there.
 */
import { INVARIANTS, type Invariant } from '../model/dns/events.ts';
import type { World, WorldState } from './world.ts';

export interface Counterexample {
  invariant: Invariant;
  /** Actors in step order (0 the Planner, i >= 1 Enactor i - 1); the last step breaks the invariant. */
  schedule: number[];
}

export interface Exploration {
  states: number;
  transitions: number;
  /** Longest shortest schedule to any state reached. */
  depth: number;
  /** Whether every reachable state was expanded (false: the step bound cut some schedules off). */
  complete: boolean;
  wallS: number;
  /** CPU time of this thread (user + system): on a shared machine, a steadier figure than wall time. */
  cpuS: number;
  counterexamples: Counterexample[];
}

/** Simulated time of step j (1-based) in traces and replays: one step per second, one step per epoch. */
export function stepTimeS(j: number): number {
  return j;
}

export function explore(world: World, maxSteps: number): Exploration {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const visited = new Set<string>();
  // Per state id: its parent and the actor whose step reached it, to rebuild schedules.
  const parent: number[] = [-1];
  const via: number[] = [-1];
  const found = new Map<Invariant, Counterexample>();
  visited.add(world.key());
  let frontier: { id: number; st: WorldState }[] = [{ id: 0, st: world.save() }];
  let transitions = 0;
  let depth = 0;
  let complete = true;
  const scheduleTo = (id: number, last: number): number[] => {
    const out = [last];
    for (let s = id; s > 0; s = parent[s]) out.push(via[s]);
    return out.reverse();
  };
  while (frontier.length > 0) {
    if (depth >= maxSteps) {
      complete = false;
      break;
    }
    const next: typeof frontier = [];
    for (const node of frontier) {
      for (let a = 0; a < world.actors; a++) {
        world.restore(node.st);
        if (!world.enabled(a)) continue;
        const events = world.step(a, stepTimeS(depth + 1));
        transitions++;
        for (const ev of events) {
          if (ev.kind === 'violation' && ev.invariant && !found.has(ev.invariant)) {
            found.set(ev.invariant, { invariant: ev.invariant, schedule: scheduleTo(node.id, a) });
          }
        }
        const k = world.key();
        if (visited.has(k)) continue;
        visited.add(k);
        const id = parent.length;
        parent.push(node.id);
        via.push(a);
        next.push({ id, st: world.save() });
      }
    }
    frontier = next;
    if (next.length > 0) depth++;
  }
  const counterexamples = INVARIANTS.flatMap((inv) => {
    const c = found.get(inv);
    return c ? [c] : [];
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    states: visited.size,
    transitions,
    depth,
    complete,
    wallS: (performance.now() - t0) / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
    counterexamples,
  };
}
