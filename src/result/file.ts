/**
 * Result files: a fixed header, then the result as msgpack.
 *
 *   offset  size  field
 *        0     8  signature 89 'C' 'S' 'R' 0D 0A 1A 0A (PNG-style: a non-ASCII first byte, and CR LF / ^Z / LF
 *                 that text-mode transfers mangle visibly)
 *        8     4  container version, u32 little-endian (this layout)
 *       12     4  result format version (RunResult.formatVersion), u32 LE: refused before decoding anything
 *       16     8  payload length in bytes, u64 LE
 *       24    32  SHA-256 of the payload
 *       56     -  payload: msgpack of the RunResult
 *
 * The length tells a truncated file from a corrupted one and the checksum catches any flipped byte (msgpack
 * alone decodes many corruptions into a different, plausible result). After decoding, the shape the report
 * code relies on is checked, so a file that passes the checksum but was written by something else still gets
 * a one-line reason instead of a crash. Writes are atomic: a temporary file beside the target, fsync, rename,
 * fsync of the directory; a reader sees the old file or the whole new one.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { decode, Encoder } from '@msgpack/msgpack';
import type { RunResult } from '../engine/result.ts';
import { FORMAT_VERSION } from '../engine/result.ts';
import { InputError } from '../errors.ts';

export const SIGNATURE = Uint8Array.of(0x89, 0x43, 0x53, 0x52, 0x0d, 0x0a, 0x1a, 0x0a);
export const CONTAINER_VERSION = 1;
export const HEADER_BYTES = 56;

export function encodeResult(r: RunResult): Uint8Array {
  const payload = new Encoder({ ignoreUndefined: true }).encode(r);
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  out.set(SIGNATURE, 0);
  view.setUint32(8, CONTAINER_VERSION, true);
  view.setUint32(12, r.formatVersion, true);
  view.setBigUint64(16, BigInt(payload.length), true);
  out.set(createHash('sha256').update(payload).digest(), 24);
  out.set(payload, HEADER_BYTES);
  return out;
}

function writeAll(fd: number, bytes: Uint8Array | string): void {
  if (typeof bytes === 'string') bytes = Buffer.from(bytes, 'utf8');
  let off = 0;
  // writeSync may write less than asked (large buffers, some file systems): loop until all is out.
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    unlinkSync(tmp);
    throw err;
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  // The rename is durable only once the directory entry is on disk.
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the data itself is already synced.
  }
}

export function writeResultFile(file: string, r: RunResult): void {
  writeFileAtomic(file, encodeResult(r));
}

export function readResultFile(file: string): RunResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new InputError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`], 'bad result file');
  }
  return decodeResult(bytes, file);
}

export function decodeResult(bytes: Uint8Array, file = 'result'): RunResult {
  const bad = (why: string) => new InputError([`${file}: ${why}`], 'bad result file');
  if (bytes.length === 0) throw bad('empty file');
  const sigLen = Math.min(bytes.length, SIGNATURE.length);
  for (let i = 0; i < sigLen; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw bad('not a cascadesim result file (no cascadesim signature at the start)');
  }
  if (bytes.length < HEADER_BYTES) throw bad(`truncated: ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const container = view.getUint32(8, true);
  if (container !== CONTAINER_VERSION) throw bad(`file layout version ${container}, this cascadesim reads version ${CONTAINER_VERSION}`);
  const format = view.getUint32(12, true);
  if (format !== FORMAT_VERSION) throw bad(`result format version ${format}, this cascadesim reads version ${FORMAT_VERSION}`);
  const length = view.getBigUint64(16, true);
  const have = BigInt(bytes.length - HEADER_BYTES);
  if (have < length) throw bad(`truncated: ${have} of ${length} payload bytes`);
  if (have > length) throw bad(`corrupted: ${have - length} unexpected bytes after the result`);
  const payload = bytes.subarray(HEADER_BYTES);
  const sum = createHash('sha256').update(payload).digest();
  for (let i = 0; i < 32; i++) {
    if (sum[i] !== bytes[24 + i]) throw bad('corrupted: checksum mismatch (the file changed after it was written)');
  }
  let obj: unknown;
  try {
    obj = decode(payload);
  } catch (err) {
    throw bad(`corrupted: ${(err as Error).message.split('\n')[0]}`);
  }
  const problem = shapeProblem(obj);
  if (problem) throw bad(`corrupted: ${problem}`);
  const r = obj as RunResult;
  if (r.formatVersion !== format) throw bad(`corrupted: header says format ${format}, the result says ${String(r.formatVersion)}`);
  return r;
}

type Check = (v: unknown) => boolean;
const isObj: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isStr: Check = (v) => typeof v === 'string';
const isBool: Check = (v) => typeof v === 'boolean';
const isArr: Check = (v) => Array.isArray(v);
const orNull = (c: Check): Check => (v) => v === null || c(v);

function get(v: unknown, path: string): unknown {
  let cur = v;
  for (const k of path.split('.')) {
    if (!isObj(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The fields the CLI and the reports read, with the type each must have. */
const TOP: [string, Check, string][] = [
  ['formatVersion', isNum, 'a number'],
  ['partial', isBool, 'true or false'],
  ['seed', isNum, 'a number'],
  ['digest', isStr, 'a string'],
  ['reachedS', isNum, 'a number'],
  ['phases', isArr, 'a list'],
  ['events', isArr, 'a list'],
  ['scenario', isObj, 'an object'],
  ['scenario.name', isStr, 'a string'],
  ['scenario.durationS', isNum, 'a number'],
  ['scenario.sim.windowS', isNum, 'a number'],
  ['scenario.dns.endpoints', isArr, 'a list'],
  ['scenario.actions', isArr, 'a list'],
  ['dns', isObj, 'an object'],
  ['dns.protocol', isStr, 'a string'],
  ['dns.violations', isArr, 'a list'],
  ['dns.emptyIntervals', isArr, 'a list'],
  ['dns.stuckIntervals', isArr, 'a list'],
  ['windows', isObj, 'an object'],
  ['windows.clients', isArr, 'a list'],
  ['windows.ec2', isArr, 'a list'],
  ['clients', orNull(isObj), 'an object or null'],
  ['perf', isObj, 'an object'],
];

const CLIENT_WINDOW: [string, Check, string][] = [
  ['fromS', isNum, 'a number'],
  ['toS', isNum, 'a number'],
  ['counters', isObj, 'an object'],
  ['errors', isObj, 'an object'],
  ['errorRate', isNum, 'a number'],
  ['latencyMs.intended', isObj, 'an object'],
  ['latencyMs.attempt', isObj, 'an object'],
  ['hdr.intended', isStr, 'a string'],
  ['hdr.attempt', isStr, 'a string'],
];

function shapeProblem(obj: unknown): string | null {
  if (!isObj(obj)) return 'the payload is not a result object';
  for (const [p, check, what] of TOP) if (!check(get(obj, p))) return `${p} is not ${what}`;
  const wins = get(obj, 'windows.clients') as unknown[];
  for (let i = 0; i < wins.length; i++) {
    for (const [p, check, what] of CLIENT_WINDOW) if (!check(get(wins[i], p))) return `windows.clients[${i}].${p} is not ${what}`;
  }
  const clients = get(obj, 'clients');
  if (clients !== null) {
    for (const [p, check, what] of [
      ['phases', isArr, 'a list'],
      ['latencyMs', isObj, 'an object'],
      ['errors', isObj, 'an object'],
    ] as const) {
      if (!check(get(clients, p))) return `clients.${p} is not ${what}`;
    }
  }
  const events = get(obj, 'events') as unknown[];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (!isObj(e) || !isNum(get(e, 'atS')) || !isStr(get(e, 'kind')) || !isStr(get(e, 'detail')) || !isNum(get(e, 'endpoint'))) return `events[${i}] is not an event`;
  }
  for (const [i, p] of (get(obj, 'phases') as unknown[]).entries()) {
    if (!isObj(p) || !isStr(get(p, 'name')) || !isNum(get(p, 'fromS')) || !isNum(get(p, 'toS'))) return `phases[${i}] is not a phase`;
  }
  return null;
}
