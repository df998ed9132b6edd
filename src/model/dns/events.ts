/**
 * The control-plane event log: what the Planner, the Enactors and the operators did, in the one global order
 * that the turn counter gives (seq), so the log is identical whatever the number of worker threads.
 */

/** Every kind of control-plane event (the result file's shape check reads this list too). */
export const EVENT_KINDS = [
  'plan-created',
  'planner-skip',
  'lb-down',
  'lb-up',
  'check',
  'fault-stall',
  'adversarial-stall',
  'adversarial-wake',
  'random-stall',
  'apply',
  'apply-refused',
  'apply-failed',
  'cleanup-delete',
  'cleanup-skip-active',
  'endpoint-empty',
  'endpoint-restored',
  'violation',
  'dns-repair',
  'action',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const INVARIANTS = ['never-delete-active', 'monotonic', 'non-empty'] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface SimEvent {
  /** Global order: the turn in which the event happened, then its place within that turn. */
  seq: number;
  sub: number;
  atS: number;
  /** 'planner', 'operator', 'enactor-N'. */
  actor: string;
  kind: EventKind;
  /** Endpoint index, -1 for none. */
  endpoint: number;
  /** Plan generation concerned, 0 for none. */
  gen: number;
  detail: string;
  /** For violations: which invariant, and the chain of events behind it. */
  invariant?: Invariant;
  chain?: string[];
}

/** What the actors log through (DnsContext.log): EventLog keeps objects, PackedEventLog keeps them packed. */
export interface EventSink {
  add(
    atS: number,
    actor: string,
    kind: EventKind,
    endpoint: number,
    gen: number,
    detail: string,
    extra?: { invariant: Invariant; chain: string[] },
  ): void;
}

/** The turn an event sink is in, and the events it logged in that turn so far: each event's seq and sub. */
abstract class Turns {
  protected seq = 0;
  protected sub = 0;

  /** Called at the start of each turn this worker owns. */
  beginTurn(seq: number): void {
    this.seq = seq;
    this.sub = 0;
  }
}

/** Collects events as objects (the checker and the free-running race read them one step at a time). */
export class EventLog extends Turns implements EventSink {
  readonly events: SimEvent[] = [];

  add(
    atS: number,
    actor: string,
    kind: EventKind,
    endpoint: number,
    gen: number,
    detail: string,
    extra?: { invariant: Invariant; chain: string[] },
  ): void {
    const ev: SimEvent = { seq: this.seq, sub: this.sub++, atS, actor, kind, endpoint, gen, detail };
    if (extra) {
      ev.invariant = extra.invariant;
      ev.chain = extra.chain;
    }
    this.events.push(ev);
  }
}

/**
 * A worker's events packed for the trip to the coordinator: numbers in one Float64Array, actor and kind as indices
 * into small tables, and every text (details, then violations' chains) in one string with its parts' lengths.
 * Cloning 100k events as objects (eight named fields each) cost the 64-Enactor run about a fifth of its time, and
 * 100k separate strings still a tenth; one string and two typed arrays cost about a copy of their bytes.
 */
export interface PackedEvents {
  /** Per event: seq, sub, atS, actor index, kind index, endpoint, gen. */
  numbers: Float64Array;
  actors: string[];
  /** Every detail, then each violation's chain strings, in event order, concatenated; `lengths` cuts it. */
  text: string;
  lengths: Int32Array;
  /** Violations' extras, by event index, with how many chain strings each has in `text`. */
  extras: { i: number; invariant: Invariant; chainLength: number }[];
}

const PACKED_FIELDS = 7;

/** The order of the engine's live counts (liveCounts, the progress line, abortOnFail): each invariant's violations, then endpoint-empty events. */
export const LIVE_ORDER = [...INVARIANTS, 'endpoint-empty'] as const;

/**
 * The engine's log: events go straight into the packed form (PackedEvents), with no object per event. With 64
 * Enactors (96k events, 21k violations) the objects, and a pass that packed them at the end, were a third of the
 * control worker's time, much of it in collections. It also counts what thresholds watch while the run goes on
 * (liveCounts).
 */
export class PackedEventLog extends Turns implements EventSink {
  private numbers = new Float64Array(PACKED_FIELDS * 4096);
  private n = 0;
  private readonly actors: string[] = [];
  private readonly actorIndex = new Map<string, number>();
  private readonly details: string[] = [];
  private readonly detailLengths: number[] = [];
  private readonly chains: string[] = [];
  private readonly chainLengths: number[] = [];
  private readonly extras: PackedEvents['extras'] = [];
  private readonly violations = new Float64Array(INVARIANTS.length);
  private empties = 0;

  add(
    atS: number,
    actor: string,
    kind: EventKind,
    endpoint: number,
    gen: number,
    detail: string,
    extra?: { invariant: Invariant; chain: string[] },
  ): void {
    let a = this.actorIndex.get(actor);
    if (a === undefined) {
      a = this.actors.length;
      this.actors.push(actor);
      this.actorIndex.set(actor, a);
    }
    if ((this.n + 1) * PACKED_FIELDS > this.numbers.length) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    const o = this.n * PACKED_FIELDS;
    const nums = this.numbers;
    nums[o] = this.seq;
    nums[o + 1] = this.sub++;
    nums[o + 2] = atS;
    nums[o + 3] = a;
    nums[o + 4] = KIND_INDEX[kind];
    nums[o + 5] = endpoint;
    nums[o + 6] = gen;
    // Flatten the texts now: a template literal leaves a tree of cons strings, and every event's tree would
    // otherwise survive young-generation collections piece by piece until the result is packed (64 Enactors:
    // 10.7M characters of details and violation chains; through the CLI, 4 alternating pairs at load 6: process
    // CPU 2.69-2.87 s against 2.95-3.42 s without, perf.wallS lower in each pair). charCodeAt flattens a cons string.
    detail.charCodeAt(0);
    this.details.push(detail);
    this.detailLengths.push(detail.length);
    if (extra) {
      for (const c of extra.chain) {
        c.charCodeAt(0);
        this.chains.push(c);
        this.chainLengths.push(c.length);
      }
      this.extras.push({ i: this.n, invariant: extra.invariant, chainLength: extra.chain.length });
    }
    if (kind === 'violation' && extra) this.violations[INVARIANT_INDEX[extra.invariant]]++;
    else if (kind === 'endpoint-empty') this.empties++;
    this.n++;
  }

  /** What thresholds watch, in LIVE_ORDER. */
  liveCounts(out: Float64Array): void {
    out.set(this.violations);
    out[INVARIANTS.length] = this.empties;
  }

  pack(): PackedEvents {
    const lengths = new Int32Array(this.detailLengths.length + this.chainLengths.length);
    lengths.set(this.detailLengths);
    lengths.set(this.chainLengths, this.detailLengths.length);
    return {
      numbers: this.numbers.slice(0, this.n * PACKED_FIELDS),
      actors: this.actors.slice(),
      text: this.details.join('') + this.chains.join(''),
      lengths,
      extras: this.extras.slice(),
    };
  }
}

const KIND_INDEX = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, i])) as Record<EventKind, number>;
const INVARIANT_INDEX = Object.fromEntries(INVARIANTS.map((k, i) => [k, i])) as Record<Invariant, number>;

/** The events as they were packed: the same fields in the same order (the digest hashes them). */
export function unpackEvents(p: PackedEvents): SimEvent[] {
  const n = p.numbers.length / PACKED_FIELDS;
  const out: SimEvent[] = new Array(n);
  const nums = p.numbers;
  const { text, lengths } = p;
  // Details come first in `text`; the chains after them.
  let at = 0;
  const details: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    details[i] = text.slice(at, at + lengths[i]);
    at += lengths[i];
  }
  let part = n;
  let x = 0;
  for (let i = 0; i < n; i++) {
    const o = i * PACKED_FIELDS;
    const ev: SimEvent = {
      seq: nums[o],
      sub: nums[o + 1],
      atS: nums[o + 2],
      actor: p.actors[nums[o + 3]],
      kind: EVENT_KINDS[nums[o + 4]],
      endpoint: nums[o + 5],
      gen: nums[o + 6],
      detail: details[i],
    };
    if (x < p.extras.length && p.extras[x].i === i) {
      ev.invariant = p.extras[x].invariant;
      const chain: string[] = new Array(p.extras[x].chainLength);
      for (let k = 0; k < chain.length; k++) {
        chain[k] = text.slice(at, at + lengths[part]);
        at += lengths[part++];
      }
      ev.chain = chain;
      x++;
    }
    out[i] = ev;
  }
  return out;
}

export function compareEvents(a: SimEvent, b: SimEvent): number {
  return a.seq - b.seq || a.sub - b.sub;
}

/** Seconds with millisecond precision, for messages. */
export function fmtS(s: number): string {
  return `${s.toFixed(3)}s`;
}
