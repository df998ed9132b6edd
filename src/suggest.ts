/**
 * Near-name suggestions for messages about unknown names (metrics, threshold keys): "did you mean ...?".
 * Ranks by edit distance over the whole name, and also offers names that share the last dotted segment, so
 * `clients.p99` finds `clients.latencyMs.p99` although the two are far apart letter by letter.
 */

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** Up to `max` candidates close to `name`, best first. */
export function nearNames(name: string, candidates: readonly string[], max = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const segs = name.toLowerCase().split('.');
  const last = segs[segs.length - 1];
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const d = editDistance(name, c);
    const lc = c.toLowerCase();
    const sameLeaf = last !== '' && lc.endsWith(`.${last}`);
    const contains = name.length >= 4 && lc.includes(name.toLowerCase());
    if (d <= limit) scored.push([c, d]);
    else if (sameLeaf || contains) {
      // Far apart letter by letter: rank by the segments of `name` the candidate lacks, then by distance.
      const cs = new Set(lc.split('.'));
      const missing = segs.filter((sg) => !cs.has(sg)).length;
      scored.push([c, limit + 1 + missing + d / 1000]);
    }
  }
  return scored
    .sort((p, q) => p[1] - q[1] || p[0].localeCompare(q[0]))
    .slice(0, max)
    .map(([c]) => c);
}

/** ' (did you mean a, b?)' or ''. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = nearNames(name, candidates);
  return near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : '';
}
