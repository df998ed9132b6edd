/**
 * Where the client population's records and their calendar live: the one module that knows the offsets of the
 * population's memory (the plan store has its own, layout.ts).
 *
 * One shared buffer holds both, so that the client scan's WebAssembly kernel (src/model/clients/wasm/scan.ts) can
 * address them: when they fit, the buffer is a shared WebAssembly.Memory's, and each worker grows that memory by a
 * region of its own for the kernel's tables and counts (src/model/clients/kernel.ts). Otherwise (over
 * MAX_KERNEL_BYTES, about 80M clients) a plain SharedArrayBuffer with the same offsets, and the JavaScript scan.
 *
 *   [0, 64 KiB)                  unused: no kernel pointer is 0, and AssemblyScript's static area would be here
 *   records                      RECORD_BYTES per record slot (records.ts)
 *   calendar                     the calendar's metadata (calendar.ts), 64-byte aligned for its fill lines
 *   [end, ...)                   the workers' kernel regions, each added by WebAssembly.Memory.grow
 */

/** WebAssembly's page: memories are sized and grown in these. */
const WASM_PAGE_BYTES = 65536;
/** A 32-bit WebAssembly memory's largest size, in pages (4 GiB). */
const WASM_MAX_PAGES = 65536;
/** Room kept above the records for the workers' kernel regions (each well under 2 MiB; grown answer tables too). */
const REGIONS_RESERVE_BYTES = 256 * 1024 * 1024;
/** Largest records + calendar that still go in a WebAssembly memory. */
const MAX_KERNEL_BYTES = WASM_MAX_PAGES * WASM_PAGE_BYTES - REGIONS_RESERVE_BYTES;

const RECORDS_AT = WASM_PAGE_BYTES;

export interface PopulationMemory {
  /** The shared WebAssembly memory whose buffer this is; null when the population is too large for one. */
  readonly wasm: WebAssembly.Memory | null;
  /** Records and calendar metadata, at the offsets below. */
  readonly buffer: SharedArrayBuffer;
  readonly recordsAt: number;
  readonly recordsBytes: number;
  readonly calendarAt: number;
  readonly calendarBytes: number;
}

/**
 * Memory for `recordsBytes` of records and `calendarBytes` of calendar metadata, zeroed: a WebAssembly memory
 * when `kernel` (the scan kernel will run on it) and they fit, a SharedArrayBuffer otherwise.
 */
export function allocatePopulation(recordsBytes: number, calendarBytes: number, kernel: boolean): PopulationMemory {
  const calendarAt = RECORDS_AT + Math.ceil(recordsBytes / 64) * 64;
  const end = calendarAt + calendarBytes;
  if (!kernel || end > MAX_KERNEL_BYTES) {
    return { wasm: null, buffer: new SharedArrayBuffer(end), recordsAt: RECORDS_AT, recordsBytes, calendarAt, calendarBytes };
  }
  const pages = Math.ceil(end / WASM_PAGE_BYTES);
  // A shared memory's maximum is reserved up front (it cannot move when it grows): only what the regions need.
  const maximum = Math.min(WASM_MAX_PAGES, pages + REGIONS_RESERVE_BYTES / WASM_PAGE_BYTES);
  const wasm = new WebAssembly.Memory({ initial: pages, maximum, shared: true });
  return { wasm, buffer: wasm.buffer as unknown as SharedArrayBuffer, recordsAt: RECORDS_AT, recordsBytes, calendarAt, calendarBytes };
}

/**
 * A region of `bytes` for one worker's kernel (8-byte aligned, zeroed): its offset in the memory. Memory grows
 * atomically, so workers may do this at the same time.
 */
export function growRegion(wasm: WebAssembly.Memory, bytes: number): number {
  try {
    return wasm.grow(Math.ceil(bytes / WASM_PAGE_BYTES)) * WASM_PAGE_BYTES;
  } catch {
    // WebAssembly says only "Maximum memory size exceeded": say whose room ran out.
    throw new Error(
      `population memory: no room for a worker's kernel region of ${bytes} bytes (the ${REGIONS_RESERVE_BYTES / 2 ** 20} MiB kept for them is used up); CASCADESIM_SCAN=js runs without them`,
    );
  }
}
