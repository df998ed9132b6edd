/**
 * What a result's digest covers, and the hashing of it: one SHA-256 over the msgpack encoding of the digest's
 * fields (the digest), and one over each part's encoding (the digest key's parts, gates/digest.ts), all fed from a
 * single pass over a single encoding. The bytes hashed are exactly those `new Encoder({ ignoreUndefined: true })`
 * gives for the whole (and for each part), so every digest stays what it was; only the work changes:
 * - the encoding is done once for the digest and the parts (it was done twice, once for each);
 * - long arrays (a 64-Enactor run logs 96k events, 29 MB encoded) are encoded in chunks that go to the hashes
 *   one by one, instead of into one buffer grown by doubling to the size of the whole (allocations and copies
 *   of tens of megabytes, about a third of the encoding's time).
 */
import { createHash, type Hash } from 'node:crypto';
import { Encoder } from '@msgpack/msgpack';

/**
 * What the digest covers: everything deterministic in a result, in the order of its encoding (the order is part of
 * the digest: changing it changes every digest). The exact-output gate (src/gates/digest.ts) splits the same list
 * into its parts.
 */
export const DIGEST_FIELDS = [
  'formatVersion',
  'partial',
  'scenario',
  'seed',
  'reachedS',
  'phases',
  'dns',
  'events',
  'clients',
  // Absent (undefined, so not encoded) without scenario regions / chains: older results' digests are unchanged.
  'regions',
  'services',
  'windows',
  'ec2',
  'timeline',
] as const;
export type DigestField = (typeof DIGEST_FIELDS)[number];

export const DIGEST_PARTS = ['events', 'clientWindows', 'ec2Windows', 'summary'] as const;
export type DigestPart = (typeof DIGEST_PARTS)[number];

/**
 * The part each of the digest's fields falls in (`windows` holds two: client and EC2 windows). A field added to
 * DIGEST_FIELDS must be placed here (the type says so), so the parts always cover exactly what the digest does.
 */
export const PART_OF: Record<DigestField, DigestPart | 'windows'> = {
  formatVersion: 'summary',
  partial: 'summary',
  scenario: 'summary',
  seed: 'summary',
  reachedS: 'summary',
  phases: 'summary',
  dns: 'summary',
  events: 'events',
  clients: 'summary',
  regions: 'summary',
  services: 'summary',
  windows: 'windows',
  ec2: 'summary',
  timeline: 'summary',
};

const encoder = new Encoder({ ignoreUndefined: true });

/** Elements of a long array encoded at a time: a few hundred kilobytes of events, well inside the caches. */
const CHUNK = 512;
/** How deep plain objects are walked (their long arrays chunked); below that a value is encoded whole. */
const WALK_DEPTH = 3;

/** The hashes a piece of the encoding goes to: the digest's, and its part's. */
type Sink = readonly Hash[];

function feed(sink: Sink, bytes: Uint8Array): void {
  for (const h of sink) h.update(bytes);
}

/** A msgpack array or map header for n elements (fix, 16-bit or 32-bit), as the Encoder writes it. */
function header(kind: 'array' | 'map', n: number): Uint8Array {
  const [fix, b16, b32] = kind === 'array' ? [0x90, 0xdc, 0xdd] : [0x80, 0xde, 0xdf];
  if (n < 16) return Uint8Array.of(fix + n);
  if (n < 0x10000) return Uint8Array.of(b16, n >>> 8, n & 0xff);
  return Uint8Array.of(b32, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function headerBytes(n: number): number {
  return n < 16 ? 1 : n < 0x10000 ? 3 : 5;
}

/** An object the Encoder writes as a map of its own enumerable keys (not an array, a typed array or a Date). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function presentKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

/** Feed the encoding of `v` to the sink: a long array in chunks, a plain object key by key, anything else whole. */
function stream(v: unknown, sink: Sink, depth: number): void {
  if (Array.isArray(v) && v.length > CHUNK) {
    feed(sink, header('array', v.length));
    for (let i = 0; i < v.length; i += CHUNK) {
      // A chunk is encoded as an array of its own: its elements' bytes are those that follow its header.
      const chunk = v.slice(i, i + CHUNK);
      feed(sink, encoder.encodeSharedRef(chunk).subarray(headerBytes(chunk.length)));
    }
  } else if (depth < WALK_DEPTH && isPlainObject(v)) {
    const keys = presentKeys(v);
    feed(sink, header('map', keys.length));
    for (const k of keys) {
      feed(sink, encoder.encodeSharedRef(k));
      stream(v[k], sink, depth + 1);
    }
  } else {
    feed(sink, encoder.encodeSharedRef(v));
  }
}

export interface DigestHashes {
  /** SHA-256 (hex) of the encoding of every digest field. */
  digest: string;
  /** SHA-256 (hex) of each part's encoding. */
  parts: Record<DigestPart, string>;
}

/** The digest and its parts' digests, in one pass (see the top of this file). */
export function digestHashes(r: Partial<Record<DigestField, unknown>>): DigestHashes {
  const whole = createHash('sha256');
  const parts = {
    events: createHash('sha256'),
    clientWindows: createHash('sha256'),
    ec2Windows: createHash('sha256'),
    summary: createHash('sha256'),
  } satisfies Record<DigestPart, Hash>;
  const present = DIGEST_FIELDS.filter((k) => r[k] !== undefined);
  whole.update(header('map', present.length));
  parts.summary.update(header('map', present.filter((k) => PART_OF[k] === 'summary').length));
  for (const k of DIGEST_FIELDS) {
    const v: unknown = r[k];
    const part = PART_OF[k];
    if (part === 'windows') {
      // The digest has the windows object; the parts have its two lists, each encoded on its own.
      const w = v as Record<string, unknown> | undefined;
      let fedClients = false;
      let fedEc2 = false;
      if (w !== undefined) {
        feed([whole], encoder.encodeSharedRef(k));
        if (isPlainObject(w)) {
          const keys = presentKeys(w);
          whole.update(header('map', keys.length));
          for (const wk of keys) {
            whole.update(encoder.encodeSharedRef(wk));
            const sink = wk === 'clients' ? [whole, parts.clientWindows] : wk === 'ec2' ? [whole, parts.ec2Windows] : [whole];
            stream(w[wk], sink, 2);
            fedClients ||= wk === 'clients';
            fedEc2 ||= wk === 'ec2';
          }
        } else {
          stream(w, [whole], 1);
        }
      }
      if (!fedClients) stream(isPlainObject(w) ? w.clients : undefined, [parts.clientWindows], 1);
      if (!fedEc2) stream(isPlainObject(w) ? w.ec2 : undefined, [parts.ec2Windows], 1);
    } else if (v === undefined) {
      // Not in the digest (ignoreUndefined); a part that is this field alone is the encoding of nothing (nil).
      if (part !== 'summary') stream(undefined, [parts[part]], 1);
    } else {
      const sink = [whole, parts[part]];
      feed(part === 'summary' ? sink : [whole], encoder.encodeSharedRef(k));
      stream(v, sink, 1);
    }
  }
  return {
    digest: whole.digest('hex'),
    parts: {
      events: parts.events.digest('hex'),
      clientWindows: parts.clientWindows.digest('hex'),
      ec2Windows: parts.ec2Windows.digest('hex'),
      summary: parts.summary.digest('hex'),
    },
  };
}
