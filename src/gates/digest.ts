/**
 * The exact-output gate: a run's digest against an expected one. The digest covers four parts of a result, and
 * each has its own SHA-256 here, so a mismatch says which parts moved (control-plane events, client windows, EC2
 * windows, the summary) and, given the expected result itself, the first difference in each: a deliberate model
 * change (say, the summary and client windows move, the event log does not) is told apart from an accident.
 *
 * The digest itself is one SHA-256 over the whole encoding (its bytes are those of every result written so far),
 * so the parts cannot be read back out of it. A run therefore also prints its digest key: the digest followed by
 * the first 16 hex digits of each part's SHA-256 (`DIGEST:EVENTS:CLIENTWINDOWS:EC2WINDOWS:SUMMARY`). Pinned in
 * CI instead of the bare digest, the key names the parts that differ without the expected result file; the file
 * (`--expect-digest RESULT`) adds the first difference in each.
 */
import { DIGEST_FIELDS, DIGEST_PARTS, type DigestField, type DigestPart, digestHashes, PART_OF } from '../engine/digest-encoding.ts';
import { assembledDigestParts, type RunResult } from '../engine/result.ts';

export { DIGEST_PARTS, type DigestPart } from '../engine/digest-encoding.ts';

export const PART_LABELS: Record<DigestPart, string> = {
  events: 'control-plane events',
  clientWindows: 'client windows',
  ec2Windows: 'EC2 windows',
  summary: 'summary',
};

/** What each part holds, from DIGEST_FIELDS in its order; the four together are everything digestOf hashes. */
function partsOf(r: RunResult): Record<DigestPart, unknown> {
  const summary: Partial<Record<DigestField, unknown>> = {};
  const parts: Record<DigestPart, unknown> = { events: null, clientWindows: null, ec2Windows: null, summary };
  for (const k of DIGEST_FIELDS) {
    const p = PART_OF[k];
    if (p === 'windows') {
      parts.clientWindows = r.windows.clients;
      parts.ec2Windows = r.windows.ec2;
    } else if (p === 'summary') summary[k] = r[k];
    else parts[p] = r[k];
  }
  return parts;
}

/**
 * SHA-256 of each part's msgpack encoding (the same encoding the whole digest uses): those of a result this process
 * assembled were hashed with its digest; any other result (read from a file, a changed copy) is hashed now.
 */
export function digestParts(r: RunResult): Record<DigestPart, string> {
  return assembledDigestParts(r) ?? digestHashes(r).parts;
}

/** Hex digits of each part's SHA-256 in a digest key: 64 bits, plenty to tell two outputs apart (not a signature). */
const KEY_PART_HEX = 16;
const DIGEST_HEX = /^[0-9a-f]{64}$/i;
const DIGEST_KEY = new RegExp(`^([0-9a-f]{64})((?::[0-9a-f]{${KEY_PART_HEX}}){${DIGEST_PARTS.length}})$`, 'i');

/** The digest and its parts' digests, as `--expect-digest` takes them: DIGEST:EVENTS:CLIENTWINDOWS:EC2WINDOWS:SUMMARY. */
export function digestKey(r: RunResult): string {
  const parts = digestParts(r);
  return [r.digest, ...DIGEST_PARTS.map((p) => parts[p].slice(0, KEY_PART_HEX))].join(':');
}

/** Is `text` a digest (64 hex digits) or a digest key? */
export function isDigestOrKey(text: string): boolean {
  const t = text.trim();
  return DIGEST_HEX.test(t) || DIGEST_KEY.test(t);
}

/** 'client windows differ', 'summary differs'. */
export function partDiffers(p: { part: DigestPart; label: string }): string {
  return `${p.label} ${p.part === 'summary' ? 'differs' : 'differ'}`;
}

export interface PartDifference {
  part: DigestPart;
  label: string;
  /** The first difference, readable: where, and the two values. null when only the digest is known. */
  first: string | null;
}

export interface DigestCheck {
  expected: string;
  actual: string;
  ok: boolean;
  /** The parts that differ (empty when ok, or when only the expected digest was given). */
  parts: PartDifference[];
  /** Why parts could not be named, when they could not. */
  note: string;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'absent' : s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** The first place where two JSON-like values differ (keys in sorted order), or null. */
export function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown } | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return { path: path || '(root)', a, b };
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return { path: `${path}[${i}]`, a: a[i], b: b[i] };
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].filter((k) => ra[k] !== undefined || rb[k] !== undefined).sort();
  for (const k of keys) {
    const d = firstDifference(ra[k], rb[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return null;
}

/** The first difference in one part, said the way a reader looks for it (an event by its time and actor). */
function describe(part: DigestPart, expected: RunResult, actual: RunResult): string | null {
  const e = partsOf(expected)[part];
  const a = partsOf(actual)[part];
  const d = firstDifference(e, a);
  if (!d) return null;
  const m = /^\[(\d+)\]/.exec(d.path);
  if (m && (part === 'events' || part === 'clientWindows' || part === 'ec2Windows')) {
    const i = Number(m[1]);
    const list = (x: unknown) => (Array.isArray(x) ? (x as Record<string, unknown>[]) : []);
    const ei = list(e)[i];
    const ai = list(a)[i];
    if (part === 'events') {
      const ev = (x: Record<string, unknown> | undefined) =>
        x ? `${Number(x.atS).toFixed(3)}s ${String(x.actor)} ${String(x.kind)}: ${String(x.detail)}` : 'none';
      return `event #${i}: expected ${ev(ei)}; got ${ev(ai)}`;
    }
    const span = (x: Record<string, unknown> | undefined) => (x ? `[${String(x.fromS)}s, ${String(x.toS)}s)` : '');
    const field = d.path.slice(m[0].length).replace(/^\./, '') || '(window)';
    return `window ${i} ${span(ei ?? ai)}: ${field} expected ${show(d.a)}, got ${show(d.b)}`;
  }
  return `${d.path}: expected ${show(d.a)}, got ${show(d.b)}`;
}

/**
 * Check `actual` against an expected digest, or against an expected result (then the differing parts and the
 * first difference in each are named).
 */
export function checkDigest(actual: RunResult, expected: string | RunResult): DigestCheck {
  if (typeof expected === 'string') {
    const want = expected.trim().toLowerCase();
    const key = DIGEST_KEY.exec(want);
    const wantDigest = key ? key[1] : want;
    const ok = wantDigest === actual.digest;
    if (ok || !key) {
      return {
        expected: wantDigest,
        actual: actual.digest,
        ok,
        parts: [],
        note: ok
          ? ''
          : `a bare digest cannot be split into parts: pin the expected run's digest key instead (run prints it; this run's is ${digestKey(actual)}) to name the parts that differ, or give its result file (--expect-digest RESULT) to see the first difference in each`,
      };
    }
    const wantParts = key[2].slice(1).split(':');
    const got = digestParts(actual);
    const parts = DIGEST_PARTS.filter((p, i) => !got[p].startsWith(wantParts[i])).map((p) => ({
      part: p,
      label: PART_LABELS[p],
      first: null,
    }));
    return {
      expected: wantDigest,
      actual: actual.digest,
      ok,
      parts,
      note: "give the expected run's result file (--expect-digest RESULT) to see the first difference in each part",
    };
  }
  const ok = expected.digest === actual.digest;
  const pe = digestParts(expected);
  const pa = digestParts(actual);
  const parts: PartDifference[] = ok
    ? []
    : DIGEST_PARTS.filter((p) => pe[p] !== pa[p]).map((p) => ({ part: p, label: PART_LABELS[p], first: describe(p, expected, actual) }));
  return { expected: expected.digest, actual: actual.digest, ok, parts, note: '' };
}
