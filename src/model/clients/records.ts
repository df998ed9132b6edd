/**
 * Models: nothing by itself; the memory layout of the client population's state, 48 bytes per record slot of the
 * calendar's pages (one slot per client and a few spare), 64 with the multi-region extension.
 *
 * One record per client in one ArrayBuffer (array of structs), not one array per field: an epoch reads a due
 * client's whole state at once. The records live in the pages of a calendar of epochs (calendar.ts), so an epoch
 * reads the due records in page order and nothing else; with regions or chains each record slot also has a
 * 16-byte extension record at the same index in a second pool, which moves with it (Ext below).
 * (Measured before the calendar, with every record at its client's index: a separate array of next-event times
 * made every due client a cache miss, 8 instead of 13M attempts/s; groups of 8 times beside their clients' fields, and
 * separate times with the due clients' fields fetched in a second pass, were 1.3-1.5x slower.)
 * The buffer may be a SharedArrayBuffer: the engine keeps the whole population in one, so that any worker can
 * run any chunk of it (work sharing, see src/engine/worker-loop.ts).
 * 48 bytes = 6 Float64 slots, viewed also as 12 Uint32/Int32/Float32 slots:
 *
 *   f64 [0] evS        time of the client's next event: its next attempt, or the start of its next request
 *   f64 [1] arrS       arrival time of the next request not yet started (a waiting request's intended start)
 *   f64 [2] reqS       intended start (arrival time) of the request in progress
 *   u32 [6] rng        mulberry32 state (seeded from the GLOBAL client index)
 *   i32 [7] serial     cached answer: a serial in the worker's AnswerRing, Serial.EMPTY (negative entry),
 *                      Serial.NONE or Serial.WARM
 *   u32 [8] expMs      cache entry expiry, whole milliseconds of simulated time (rounded up); caps a run at 49 days
 *   f32 [9] tokens     retry-budget tokens (only with a budget: without one the field is not carried when the
 *                      record moves, and holds whatever the slot held before)
 *   f32 [10] sleepS    previous backoff sleep (decorrelated jitter only, likewise)
 *   u32 [11] attempt   attempts made for the request in progress, 0 = idle
 */
import { calendarMetaBytes, calendarPages, Page } from './calendar.ts';

export const RECORD_BYTES = 48;
// Enums, not constants: the bundler (esbuild) writes an enum member into the code that uses it as a literal, while
// a module constant is bundled as a variable that V8 loads and checks at every use in the hot loops (measured on the
// default scenario, 1,200 s, 1 worker: about 12% less user CPU for the whole run, three alternating pairs at load 6-7).
// Under tsx (tests) enum members are read from the enum object instead; only the bundle inlines them. One enum per
// view of the record, so each says which typed array its offsets index.
/** Record strides, and the fields of the Float64 view. */
export enum Rec {
  F64_PER_RECORD = 6,
  U32_PER_RECORD = 12,
  F_EV = 0,
  F_ARR = 1,
  F_REQ = 2,
  /** MAX_RECORD_SLOTS - 1, as a literal the bundle inlines (the scan masks slots with it: see MAX_RECORD_SLOTS). */
  SLOT_MASK = 0x7ffffff,
}
/** Fields in the Uint32 / Int32 / Float32 views of a record. */
export enum RecU32 {
  U_RNG = 6,
  U_SERIAL = 7,
  U_EXP_MS = 8,
  U_TOKENS = 9,
  U_SLEEP = 10,
  U_ATTEMPT = 11,
}

/**
 * Record slots one population may have. The client scan indexes the records' typed arrays with 32-bit integer
 * arithmetic that V8 compiles without an overflow check only where it can see the bound: the scan masks each slot
 * with MAX_RECORD_SLOTS - 1, so slot x 12 words + field stays below 2^31 (5% fewer instructions per attempt,
 * scripts/visit-instructions.mjs). 134M slots are 6 GiB of records, 13 times the benchmark's largest population.
 */
export const MAX_RECORD_SLOTS = Rec.SLOT_MASK + 1;

/** Largest value the millisecond expiry can hold. */
export const MAX_EXPIRY_MS = 0xffffffff;

export class ClientRecords {
  readonly count: number;
  readonly buffer: ArrayBufferLike;
  /** Byte offset of record slot 0 in the buffer. */
  readonly at: number;
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;

  /**
   * `buffer`, when given, holds the records from byte `at` (8-byte aligned): count * RECORD_BYTES bytes (the
   * engine passes the population's shared memory, src/memory/population.ts).
   */
  constructor(count: number, buffer?: ArrayBufferLike, at = 0) {
    if (count > MAX_RECORD_SLOTS) throw new Error(`client records: ${count} slots, over the ${MAX_RECORD_SLOTS} the client scan can index`);
    this.count = count;
    const bytes = count * RECORD_BYTES;
    if (buffer && (at % 8 !== 0 || at + bytes > buffer.byteLength))
      throw new Error(`client records: ${bytes} bytes at ${at} do not fit a buffer of ${buffer.byteLength} bytes`);
    this.buffer = buffer ?? new ArrayBuffer(bytes);
    this.at = buffer ? at : 0;
    this.f64 = new Float64Array(this.buffer, this.at, count * Rec.F64_PER_RECORD);
    this.u32 = new Uint32Array(this.buffer, this.at, count * Rec.U32_PER_RECORD);
    this.i32 = new Int32Array(this.buffer, this.at, count * Rec.U32_PER_RECORD);
    this.f32 = new Float32Array(this.buffer, this.at, count * Rec.U32_PER_RECORD);
  }

  /**
   * Copy record slot `from` to slot `to`, word for word: a record the calendar moves on without running it (not
   * due yet). The scans write the records they run field by field instead, from their locals.
   */
  move(from: number, to: number): void {
    const u32 = this.u32;
    const s = from * Rec.U32_PER_RECORD;
    const d = to * Rec.U32_PER_RECORD;
    for (let k = 0; k < Rec.U32_PER_RECORD; k++) u32[d + k] = u32[s + k];
  }

  /** Bytes of state held: RECORD_BYTES per record slot (per client, or per place in the calendar's pages). */
  get bytes(): number {
    return this.count * RECORD_BYTES;
  }
}

/**
 * The multi-region and chain extension (scenarios with `regions` or `chains`, src/model/clients/multi.ts): 16
 * more bytes per record slot in a pool of its own, indexed by the same slot as the 48-byte record and moved with
 * it, allocated only when the scenario has regions or chains, so the records and the single-region scan are
 * untouched.
 *
 *   f64 [0] untilS   end of the client's stay in the other region (meaningful while ExtFlag.X_AWAY is set)
 *   u32 [2] streak   consecutive failed attempts at home (the `failures` trigger)
 *   u32 [3] flags    ExtFlag.X_MULTI (can fail over), ExtFlag.X_AWAY (in the other region now), ExtFlag.X_PROBE (back home on probation);
 *                    bits 8 and up: the call of a chain the request in progress is at (scenario `chains`)
 */
export const EXT_BYTES = 16;
/** Extension size and Float64 fields (enums for the reason given at Rec). */
export enum Ext {
  F64_PER_EXT = 2,
  U32_PER_EXT = 4,
  X_UNTIL = 0,
}
/** Fields in the Uint32 view of an extension record. */
export enum ExtU32 {
  X_STREAK = 2,
  X_FLAGS = 3,
}
/** Bits of the flags field, and where the chain's call index starts. */
export enum ExtFlag {
  X_MULTI = 1,
  X_AWAY = 2,
  X_PROBE = 4,
  X_FLAG_MASK = 0xff,
  X_HOP_SHIFT = 8,
}

/** Fixed cost of one worker's shard besides its records: two latency count arrays, answer ring, counters. */
export const SHARD_OVERHEAD_BYTES = 2 * 23552 * 4 + 256 * 1024;

/** What a population's state is sized for, besides its count. */
export interface ClientMemoryOptions {
  /** Shards, one per worker, each with its fixed SHARD_OVERHEAD_BYTES. Default 1. */
  workers?: number;
  /** Each record slot also has the multi-region / chain extension record (EXT_BYTES). Default false. */
  extended?: boolean;
  /** The process baseline (V8 heap, code, the engine's other buffers) the state comes on top of. Default 256 MiB. */
  overheadBytes?: number;
}

/**
 * Bytes of simulator state for `count` clients split over `workers` shards. The engine compares this with the
 * machine's memory before allocating anything (see checkClientMemory).
 */
export function estimateClientBytes(count: number, { workers = 1, extended = false }: ClientMemoryOptions = {}): number {
  const shards = workers * SHARD_OVERHEAD_BYTES;
  // The records are in the calendar's pages, a few more than the clients fill (calendar.ts calendarPages); with
  // the extension each page's slots have one more in the extension pool.
  const pages = calendarPages(count, workers);
  const slotBytes = RECORD_BYTES + (extended ? EXT_BYTES : 0);
  return pages * Page.SIZE * slotBytes + calendarMetaBytes(pages, workers) + shards;
}

/**
 * Refuse a population with more record slots (clients and the calendar's room to move) than MAX_RECORD_SLOTS.
 */
export function checkClientSlots(count: number, workers = 1): void {
  const slots = calendarPages(count, workers) * Page.SIZE;
  if (slots > MAX_RECORD_SLOTS) {
    throw new Error(
      `clients: ${count} clients need ${slots} record slots (with room to move), over the ${MAX_RECORD_SLOTS} one population can have (its records are indexed with 32-bit integers); lower clients.count`,
    );
  }
}

/**
 * Refuse a population whose state would not fit: throws with the estimate. `availableBytes` is what the caller
 * allows (the engine passes the machine's memory minus its own needs).
 */
export function checkClientMemory(count: number, availableBytes: number, options: ClientMemoryOptions = {}): number {
  const overheadBytes = options.overheadBytes ?? 256 * 1024 * 1024;
  const need = estimateClientBytes(count, options);
  if (need + overheadBytes > availableBytes) {
    const gib = (b: number) => (b / 2 ** 30).toFixed(2);
    throw new Error(
      `clients: ${count} clients need ~${gib(need)} GiB of state (${RECORD_BYTES + (options.extended ? EXT_BYTES : 0)} B each, with room to move) + ${gib(overheadBytes)} GiB baseline, ` +
        `over the ${gib(availableBytes)} GiB available; lower clients.count`,
    );
  }
  return need;
}
