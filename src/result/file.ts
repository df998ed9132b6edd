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
 * code relies on is checked (schema.ts), so a file that passes the checksum but was written by something else
 * still gets a one-line reason instead of a crash. Reads are capped (io/input.ts); writes go through io/output.ts
 * (atomic for regular files).
 */
import { createHash } from 'node:crypto';
import { decode, Encoder } from '@msgpack/msgpack';
import type { RunResult } from '../engine/result.ts';
import { FORMAT_VERSION } from '../engine/result.ts';
import { zodProblems } from '../config/load.ts';
import { InputError } from '../errors.ts';
import { clip, MAX_RESULT_BYTES, readCapped } from '../io/input.ts';
import { writePath } from '../io/output.ts';
import { resultSchema } from './schema.ts';

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

/** Write a result: atomically to a file, as a stream to a device or pipe (io/output.ts). */
export function writeResultFile(file: string, r: RunResult): void {
  writePath(file, encodeResult(r), 'the result');
}

export function readResultFile(file: string): RunResult {
  return decodeResult(readCapped(file, MAX_RESULT_BYTES, 'bad result file', signatureProblem), file);
}

function signatureProblem(bytes: Uint8Array): string | null {
  const sigLen = Math.min(bytes.length, SIGNATURE.length);
  for (let i = 0; i < sigLen; i++) {
    if (bytes[i] !== SIGNATURE[i]) return 'not a cascadesim result file (no cascadesim signature at the start)';
  }
  return null;
}

export function decodeResult(bytes: Uint8Array, file = 'result'): RunResult {
  const bad = (why: string) => new InputError([`${file}: ${why}`], 'bad result file');
  if (bytes.length === 0) throw bad('empty file');
  const sig = signatureProblem(bytes);
  if (sig !== null) throw bad(sig);
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
  const shape = resultSchema.safeParse(obj);
  if (!shape.success) {
    const problems =
      shape.error.issues.length === 1 && shape.error.issues[0].path.length === 0
        ? ['the payload is not a result object']
        : zodProblems(shape.error);
    throw bad(`not a valid result: ${clip(problems[0], 160)}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`);
  }
  // The checked object itself, not the schema's copy: extra keys a newer writer added stay as they were.
  const r = obj as RunResult;
  if (r.formatVersion !== format) throw bad(`corrupted: header says format ${format}, the result says ${String(r.formatVersion)}`);
  return r;
}
