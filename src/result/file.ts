/**
 * Result files: msgpack, written atomically (a temporary file beside the target, fsync, rename), so a reader
 * sees either the old file or the whole new one. A file that is truncated, corrupted or not ours is refused
 * with a one-line reason.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { decode, Encoder } from '@msgpack/msgpack';
import type { RunResult } from '../engine/result.ts';
import { FORMAT_VERSION } from '../engine/result.ts';
import { InputError } from '../errors.ts';

export const MAGIC = 'cascadesim-result';

export function encodeResult(r: RunResult): Uint8Array {
  return new Encoder({ ignoreUndefined: true }).encode({ magic: MAGIC, ...r });
}

export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    if (typeof bytes === 'string') writeSync(fd, bytes);
    else writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
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
  let obj: unknown;
  try {
    obj = decode(bytes);
  } catch (err) {
    const msg = (err as Error).message;
    if (/Insufficient data|out of range|RangeError/i.test(msg)) throw bad('truncated (the data ends early)');
    throw bad(`corrupted (${msg.split('\n')[0]})`);
  }
  if (typeof obj !== 'object' || obj === null || (obj as { magic?: unknown }).magic !== MAGIC) {
    throw bad('not a cascadesim result file');
  }
  const r = obj as RunResult & { magic?: string };
  if (r.formatVersion !== FORMAT_VERSION) {
    throw bad(`format version ${String(r.formatVersion)}, this cascadesim reads version ${FORMAT_VERSION}`);
  }
  for (const key of ['scenario', 'dns', 'events', 'windows', 'digest'] as const) {
    if (!(key in r)) throw bad(`corrupted (no ${key})`);
  }
  delete r.magic;
  return r;
}
