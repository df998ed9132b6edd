/**
 * The buffers a worker's outcome can hand over instead of copying. The outcome's metrics windows hold hundreds of
 * small typed arrays (a default run: 480 windows, two sparse latency histograms each, about 56 MB per worker).
 * Cloned, the worker wrote a fresh copy of them and the coordinator read it into another, all after the last
 * epoch and inside perf.wallS: 510 ms from the workers' return to the coordinator's receipt on 2 workers, against
 * 60 ms moved (109-194 ms against 7-12 ms at 1,200 s). Moved, they change owner without a copy.
 */

/**
 * Every ArrayBuffer in `value` (plain objects and arrays, walked to any depth) that one typed array or DataView
 * views whole: transferring it detaches nothing else. Left out: SharedArrayBuffers (shared, not transferable),
 * views of part of a buffer (a Node Buffer from the allocation pool, a subarray), and duplicates.
 */
export function ownedBuffers(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      const b = v.buffer;
      if (b instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === b.byteLength) found.add(b);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  walk(value);
  return [...found];
}
