/**
 * The operators: scenario actions carried out at their scheduled simulated times. These, and the faults (a fixed
 * stall, or the adversarial trigger's chosen moment), are the only scheduled things in a run.
 *
 * dns-repair: write the newest existing plan into every endpoint by hand and break any Enactor's lock, which
 * clears the inconsistent state so that the Enactors' next updates go through again. Other actions (EC2's
 * throttle, restart, relax, failover-off/on) are handed to the hook the engine provides.
 *
 * Leaves out: the time operators need to diagnose (that is in the scenario's action times) and partial repairs.
 */
import type { Action } from '../../config/schema.ts';
import type { DnsContext } from './context.ts';

export class Operators {
  readonly name = 'operator';
  private readonly pending: Action[];

  constructor(
    private readonly ctx: DnsContext,
    actions: Action[],
    private readonly other: (action: Action, nowS: number) => void,
  ) {
    // Stable sort: actions at the same time run in the order the scenario lists them.
    this.pending = actions
      .map((a, i) => ({ a, i }))
      .sort((x, y) => x.a.atS - y.a.atS || x.i - y.i)
      .map((x) => x.a);
  }

  static firstS(actions: Action[]): number {
    return actions.length === 0 ? Infinity : Math.min(...actions.map((a) => a.atS));
  }

  step(nowS: number): number {
    while (this.pending.length > 0 && this.pending[0].atS <= nowS) {
      const action = this.pending.shift() as Action;
      if (action.do === 'dns-repair') this.repair(nowS);
      else {
        this.ctx.log.add(nowS, this.name, 'action', -1, 0, action.do);
        this.other(action, nowS);
      }
    }
    return this.pending.length > 0 ? this.pending[0].atS : Infinity;
  }

  private repair(nowS: number): void {
    const { ctx } = this;
    const [gen, slot] = ctx.newestPlan();
    if (gen === 0) {
      ctx.log.add(nowS, this.name, 'dns-repair', -1, 0, 'no plan left in the store to restore');
      return;
    }
    ctx.log.add(nowS, this.name, 'dns-repair', -1, gen, `restored gen ${gen} on every endpoint by hand`);
    for (let e = 0; e < ctx.endpoints; e++) {
      const wasEmpty = ctx.targetCount(e) === 0;
      ctx.store.forceUnlockEndpoint(e);
      ctx.store.writeEndpoint(e, { gen, slot, writer: -1, checkedGen: gen, checkAtS: nowS, nowS, fenced: false });
      ctx.noteEmptiness(e, wasEmpty, nowS, this.name, gen, 'operator repair', () => []);
    }
  }
}
