/**
 * Models: nothing new; a single-threaded driver of the client population for tests and benchmarks, following
 * the engine's epoch protocol (store constant during an epoch; attempts per load balancer summed over shards
 * become lbOfferedPerS for the next epoch; windows closed after the epoch that ends them). It leaves out the
 * DNS control plane: the endpoint's plan changes only by the scripted events given to it.
 */
import type { ClientsConfig } from '../../src/config/clients-schema.ts';
import { SharedStore } from '../../src/memory/store.ts';
import { mergeClientWindows, summarizeClients, type ClientsSummary, type ClientWindow } from '../../src/metrics/client-windows.ts';
import { ClientShard, shardRange, type ClientEnv } from '../../src/model/clients/shard.ts';
import { scanKernel } from '../../src/engine/scan-kernel.ts';

export type HarnessEvent =
  | { atS: number; do: 'empty' } // the endpoint's plan is deleted: it resolves to no addresses
  | { atS: number; do: 'restore' } // a fresh plan with every load balancer, equal weights
  | { atS: number; do: 'lb-down'; lb: number }
  | { atS: number; do: 'lb-up'; lb: number };

export interface HarnessOptions {
  clients: ClientsConfig;
  seed?: number;
  /** Split of the population; results must not depend on it. */
  shards?: number;
  durationS: number;
  epochS?: number;
  windowS?: number;
  loadBalancers?: number;
  capacityPerS?: number;
  baseLatencyMs?: number;
  /** Start with the endpoint resolving (default) or empty. */
  startEmpty?: boolean;
  events?: HarnessEvent[];
  /** Fix lbOfferedPerS instead of feeding back the simulated load (to pin utilisation in tests). */
  fixedOfferedPerS?: number;
  phases?: { name: string; fromS: number; toS: number }[];
  /** Weights of the load balancers in every plan published (default: equal). */
  weights?: number[];
  /** Run the scan in WebAssembly, as the engine does (default), or false: the JavaScript scan (the reference). */
  kernel?: boolean;
}

export interface HarnessResult {
  windows: ClientWindow[];
  summary: ClientsSummary;
  attempts: number;
  /** Which client scan the shards ran (they all run the same one). */
  scan: 'webassembly' | 'javascript';
}

/** A store with one endpoint of `lbs` load balancers. */
export function singleEndpointStore(lbs: number, capacityPerS: number, shards = 1): SharedStore {
  const store = SharedStore.create({ endpoints: 1, lbsPerEndpoint: [lbs], planSlots: 8, actors: 1, workers: Math.max(1, shards) });
  for (let i = 0; i < lbs; i++) {
    store.lbInService[i] = 1;
    store.lbCapacityPerS[i] = capacityPerS;
  }
  return store;
}

/** Publish a plan with every load balancer (at equal weight, or `weights`), generation `gen`, into slot gen % 8. */
export function publishFullPlan(store: SharedStore, gen: number, atS: number, weights?: number[]): void {
  const n = store.layout.lbCount;
  const slot = gen % store.dims.planSlots;
  const w = weights ? Float64Array.from(weights) : new Float64Array(n).fill(1);
  store.writePlan(slot, gen, atS, [Int32Array.from({ length: n }, (_, i) => i)], [w], [n]);
  store.writeEndpoint(0, { gen, slot, writer: 1, checkedGen: gen, checkAtS: atS, nowS: atS, fenced: false });
}

export function runClientsHarness(o: HarnessOptions): HarnessResult {
  const shards = o.shards ?? 1;
  const epochS = o.epochS ?? 1;
  const windowS = o.windowS ?? 10;
  const lbs = o.loadBalancers ?? 12;
  const store = singleEndpointStore(lbs, o.capacityPerS ?? 50_000, shards);
  let gen = 1;
  let slot = 0;
  if (!o.startEmpty) {
    publishFullPlan(store, gen, 0, o.weights);
    slot = gen % store.dims.planSlots;
  }
  const count = o.clients.count;
  const parts = Array.from({ length: shards }, (_, w) => {
    const [from, to] = shardRange(count, shards, w);
    return new ClientShard(o.clients, o.seed ?? 1, from, to, { epochS, kernel: o.kernel === false ? undefined : scanKernel() });
  });
  const byLb = parts.map(() => new Float64Array(lbs));
  const envs: ClientEnv[] = parts.map((_, w) => ({
    store,
    endpoint: 0,
    baseLatencyUs: (o.baseLatencyMs ?? 4) * 1000,
    attemptsByLb: byLb[w],
    // The store: the harness changes it only between epochs.
    lbs: store,
  }));
  const events = [...(o.events ?? [])].sort((a, b) => a.atS - b.atS);
  let next = 0;
  const windows: ClientWindow[] = [];
  const epochsPerWindow = Math.round(windowS / epochS);
  const epochs = Math.round(o.durationS / epochS);
  let attempts = 0;
  if (o.fixedOfferedPerS !== undefined) store.lbOfferedPerS.fill(o.fixedOfferedPerS);
  for (let e = 0; e < epochs; e++) {
    const t0 = e * epochS;
    const t1 = (e + 1) * epochS;
    // Control phase: events due by the epoch start.
    while (next < events.length && events[next].atS <= t0) {
      const ev = events[next++];
      if (ev.do === 'empty') {
        store.deletePlan(slot);
      } else if (ev.do === 'restore') {
        gen++;
        publishFullPlan(store, gen, t0, o.weights);
        slot = gen % store.dims.planSlots;
      } else if (ev.do === 'lb-down') store.lbInService[ev.lb] = 0;
      else store.lbInService[ev.lb] = 1;
    }
    // Client phase: shards in turn (threads in the engine), each against the same store.
    for (let w = 0; w < shards; w++) {
      byLb[w].fill(0);
      attempts += parts[w].runEpoch(t0, t1, envs[w]);
    }
    if (o.fixedOfferedPerS === undefined) {
      for (let lb = 0; lb < lbs; lb++) {
        let a = 0;
        for (let w = 0; w < shards; w++) a += byLb[w][lb];
        store.lbOfferedPerS[lb] = a / epochS;
      }
    }
    if ((e + 1) % epochsPerWindow === 0) {
      const wi = (e + 1) / epochsPerWindow - 1;
      windows.push(mergeClientWindows(parts.map((p) => p.closeWindow(wi, wi * windowS, t1))));
    }
  }
  const phases = o.phases ?? [{ name: 'all', fromS: 0, toS: o.durationS }];
  const scan = parts[0].kernel ? 'webassembly' : 'javascript';
  return { windows, summary: summarizeClients(count, windows, phases), attempts, scan };
}
