/**
 * Runs the EC2 model alone, in-process, against a real SharedStore whose DynamoDB endpoint a test or a standalone
 * run empties and repairs: for tests, calibration and the model's own benchmark. The full engine drives Ec2Model
 * through worker 0 instead, with the DNS race producing the outage.
 *
 * Models: each DWFM host's DynamoDB client as a resolver cache over the store (positive TTL `ttlS`, negative
 * caching `negativeTtlS`): a call fails while the host's cached answer has no addresses. The outage is data: the
 * plan the endpoint uses is deleted at `outage.fromS` (as the clean-up did) and a new plan is written and applied
 * at `outage.toS` (the operators' repair). Leaves out: the DynamoDB service model (load, throttling, latency) that
 * the real DdbCaller of src/model/clients adds; EC2's calls succeed whenever the name resolves.
 */
import type { Ec2Action, Ec2Config } from '../../src/config/ec2-schema.ts';
import { type Answer, newAnswer } from '../../src/memory/resolve.ts';
import { SharedStore } from '../../src/memory/store.ts';
import { type DdbCallerLike, type Ec2Summary, type Ec2Window, Ec2Model } from '../../src/model/ec2/model.ts';

/** A one-endpoint store with a healthy plan in slot 0. */
export function makeDdbStore(): SharedStore {
  const store = SharedStore.create({ endpoints: 1, lbsPerEndpoint: [4], planSlots: 8, actors: 1, workers: 1 });
  writeHealthyPlan(store, 0, 1, 0);
  return store;
}

export function writeHealthyPlan(store: SharedStore, slot: number, gen: number, tS: number): void {
  store.writePlan(slot, gen, tS, [Int32Array.from([0, 1, 2, 3])], [Float64Array.from([1, 1, 1, 1])], [4]);
  store.writeEndpoint(0, { gen, slot, writer: -1, checkedGen: gen, checkAtS: tS, nowS: tS, fenced: false });
}

/** A DWFM host's DynamoDB client: a resolver cache over the store's endpoint 0. */
export class StoreDdbCaller implements DdbCallerLike {
  private expiresAtS = -Infinity;
  private count = 0;
  private readonly answer: Answer;
  private readonly result = { ok: true, latencyS: 0.005 };
  constructor(
    private readonly store: SharedStore,
    private readonly ttlS: number,
    private readonly negativeTtlS: number,
  ) {
    this.answer = newAnswer(store.layout.targetsMax);
  }
  call(tS: number): { ok: boolean; latencyS: number } {
    if (tS >= this.expiresAtS) {
      this.count = this.store.resolve(0, this.answer).count;
      this.expiresAtS = tS + (this.count > 0 ? this.ttlS : this.negativeTtlS);
    }
    this.result.ok = this.count > 0;
    this.result.latencyS = this.result.ok ? 0.005 : 0.001;
    return this.result;
  }
}

export interface HarnessOptions {
  durationS: number;
  epochS?: number;
  windowS?: number;
  seed?: number;
  /** When the endpoint's plan is deleted and when the repair applies a new one; null: no outage. */
  outage: { fromS: number; toS: number } | null;
  actions?: Ec2Action[];
  ttlS?: number;
  negativeTtlS?: number;
  /** Called after each closed window; return true to stop early. */
  // biome-ignore lint/suspicious/noConfusingVoidType: callers pass callbacks that return nothing as well as ones that return true
  onWindow?: (w: Ec2Window, model: Ec2Model) => boolean | void;
}

export interface HarnessResult {
  windows: Ec2Window[];
  summary: Ec2Summary;
  model: Ec2Model;
  wallMs: number;
}

export function runEc2(cfg: Ec2Config, o: HarnessOptions): HarnessResult {
  const epochS = o.epochS ?? 1;
  const windowS = o.windowS ?? 60;
  const epochsPerWindow = Math.round(windowS / epochS);
  const store = makeDdbStore();
  const model = new Ec2Model(cfg, o.seed ?? 1, () => new StoreDdbCaller(store, o.ttlS ?? 5, o.negativeTtlS ?? 5));
  const actions = [...(o.actions ?? [])].sort((a, b) => a.atS - b.atS);
  const windows: Ec2Window[] = [];
  let deleted = false;
  let repaired = false;
  let ai = 0;
  const wall0 = performance.now();
  const epochs = Math.round(o.durationS / epochS);
  for (let e = 0; e < epochs; e++) {
    const t0 = e * epochS;
    const t1 = t0 + epochS;
    // Control phase: the store changes at epoch boundaries, as the DNS control phase would make them.
    if (o.outage && !deleted && t0 >= o.outage.fromS) {
      store.deletePlan(0);
      deleted = true;
    }
    if (o.outage && deleted && !repaired && t0 >= o.outage.toS) {
      writeHealthyPlan(store, 1, 2, t0);
      repaired = true;
    }
    while (ai < actions.length && actions[ai].atS < t1) model.applyAction(actions[ai++]);
    model.runEpoch(t0, t1, null);
    if ((e + 1) % epochsPerWindow === 0) {
      const wi = (e + 1) / epochsPerWindow - 1;
      const w = model.closeWindow(wi, wi * windowS, (wi + 1) * windowS);
      windows.push(w);
      if (o.onWindow?.(w, model) === true) break;
    }
  }
  return { windows, summary: model.summary(), model, wallMs: performance.now() - wall0 };
}
