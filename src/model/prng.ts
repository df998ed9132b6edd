/**
 * Deterministic pseudo-random numbers for the model.
 *
 * Models: nothing of the incident; this is the only source of randomness the model may use (no Math.random,
 * no clock). Every actor and every client draws from its own stream, derived from (scenario seed, stream kind,
 * index) alone, so what an actor draws never depends on which worker thread runs it or in what order.
 *
 * Generator: mulberry32 (32-bit state, passes gjrand/PractRand to 2^32 outputs). Its state fits one Uint32 slot,
 * which is what lets a million clients each carry an independent stream in 4 bytes.
 */

/** Streams, so that the planner, an enactor and client 0 never share a sequence. */
export const Stream = {
  planner: 1,
  enactor: 2,
  client: 3,
  lb: 4,
  ec2: 5,
  operator: 6,
  /** Which clients can fail over to another region (scenario `regions`): one hash per client, no stream drawn. */
  failover: 7,
  /** DynamoDB callers outside the client population (DWFM hosts). */
  ddbCaller: 16,
} as const;

/** Avalanche a 32-bit value (murmur3 fmix32). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Seed of stream `stream`, element `index`, for scenario seed `seed`. Never 0 (mulberry32 copes, but 0 is a smell). */
export function seedFor(seed: number, stream: number, index: number): number {
  const s = mix32(mix32(mix32(seed >>> 0) ^ Math.imul(stream, 0x9e3779b1)) ^ Math.imul(index + 1, 0x7feb352d));
  return s === 0 ? 0x6d2b79f5 : s;
}

/** One mulberry32 step: returns [0, 2^32) and the caller stores `state + 0x6d2b79f5`. Inlined copies live in hot loops. */
export function mulberry32Next(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** mulberry32's constants. */
// An enum so that the bundle inlines its members in the hot loops (see Rec in model/clients/records.ts).
export enum Prng {
  MULBERRY_INCREMENT = 0x6d2b79f5,
  /** 2^-32: a 32-bit draw times this is a uniform in [0, 1). */
  INV_2_32 = 1 / 4294967296,
}

/** A stream as an object, for the control plane (planner, enactors, operators), where a few draws per event are cheap. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextU32(): number {
    this.state = (this.state + Prng.MULBERRY_INCREMENT) >>> 0;
    return mulberry32Next(this.state);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() * Prng.INV_2_32;
  }

  /** Uniform in (0, 1]: safe under log(). */
  nextOpen(): number {
    return (this.nextU32() + 1) * Prng.INV_2_32;
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(this.nextOpen()) * mean;
  }

  /** Standard normal (Box-Muller; the second value is dropped so the stream stays one draw pair per call). */
  normal(): number {
    const u = this.nextOpen();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  snapshot(): number {
    return this.state;
  }

  /** Back to a state snapshot() returned (the protocol checker rewinds actors to explore another schedule). */
  restore(state: number): void {
    this.state = state >>> 0;
  }
}

/** A duration distribution in seconds, as written in scenarios. */
export type DurationDist =
  | { dist: 'const'; valueS: number }
  | { dist: 'uniform'; minS: number; maxS: number }
  | { dist: 'exponential'; meanS: number }
  | { dist: 'lognormal'; medianS: number; sigma: number };

export function sampleDuration(d: DurationDist, rng: Rng): number {
  switch (d.dist) {
    case 'const':
      return d.valueS;
    case 'uniform':
      return d.minS + (d.maxS - d.minS) * rng.next();
    case 'exponential':
      return rng.exp(d.meanS);
    case 'lognormal':
      return d.medianS * Math.exp(d.sigma * rng.normal());
  }
}

/** Mean of a duration distribution, for estimates and for tests. */
export function meanDuration(d: DurationDist): number {
  switch (d.dist) {
    case 'const':
      return d.valueS;
    case 'uniform':
      return (d.minS + d.maxS) / 2;
    case 'exponential':
      return d.meanS;
    case 'lognormal':
      return d.medianS * Math.exp((d.sigma * d.sigma) / 2);
  }
}
