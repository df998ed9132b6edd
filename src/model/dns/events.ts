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

/** Collects one worker's events; the coordinator merges all workers' logs by (seq, sub). */
export class EventLog {
  readonly events: SimEvent[] = [];
  private seq = 0;
  private sub = 0;

  /** Called at the start of each turn this worker owns. */
  beginTurn(seq: number): void {
    this.seq = seq;
    this.sub = 0;
  }

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

export function compareEvents(a: SimEvent, b: SimEvent): number {
  return a.seq - b.seq || a.sub - b.sub;
}

/** Seconds with millisecond precision, for messages. */
export function fmtS(s: number): string {
  return `${s.toFixed(3)}s`;
}
