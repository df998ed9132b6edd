/**
 * The static endpoints (other regions, then static services) in load-balancer id order. Apart from the schemas
 * (regions-schema.ts) so that the simulation worker, which needs the order but validates nothing, loads no zod:
 * zod and the schemas were about 80 ms of CPU of every worker's start, inside a run's wall time.
 */

/** What an endpoint of the `regions` and `chains` sections (regions-schema.ts) brings to the store. */
interface EndpointShape {
  name: string;
  loadBalancers: number;
  capacityPerS: number;
  baseLatencyMs: number;
}

/** A static endpoint as the store and the clients see it: its load balancers are global ids [lbBase, lbBase + lbs). */
export interface StaticEndpoint {
  /** The region's or the service's name. */
  readonly name: string;
  readonly kind: 'region' | 'service';
  readonly lbBase: number;
  readonly lbs: number;
  readonly capacityPerS: number;
  readonly baseLatencyMs: number;
}

/**
 * The static endpoints the store holds load balancers for, in id order: other regions, then static services
 * (chains services without an endpoint), from global id `firstLbId` (the layout's dnsLbCount). The one place
 * that orders them: the store's sizes, the coordinator's capacities and the clients' endpoints all come from it.
 */
export function staticEndpoints(
  regions: { others?: readonly EndpointShape[] } | undefined,
  chains: { services?: readonly (EndpointShape & { endpoint?: string })[] } | undefined,
  firstLbId = 0,
): StaticEndpoint[] {
  const out: StaticEndpoint[] = [];
  let lbBase = firstLbId;
  const add = (kind: StaticEndpoint['kind'], e: EndpointShape) => {
    out.push({ name: e.name, kind, lbBase, lbs: e.loadBalancers, capacityPerS: e.capacityPerS, baseLatencyMs: e.baseLatencyMs });
    lbBase += e.loadBalancers;
  };
  for (const r of regions?.others ?? []) add('region', r);
  for (const x of chains?.services ?? []) if (x.endpoint === undefined) add('service', x);
  return out;
}
