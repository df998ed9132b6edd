/**
 * The one way cascadesim reads a user's file (scenarios, result files): with a size cap, so an endless source
 * (/dev/zero, a pipe that never closes its write end after a flood) or a huge file is refused after a bounded read
 * instead of filling memory; and a helper that cuts quoted input short, so a message never echoes megabytes back.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.ts';

/** Scenarios are hand-written: the largest shipped one is about 6 KB. */
export const MAX_SCENARIO_BYTES = 1 << 20;
/** Result files: the 15-hour incident writes 22 MB (measured with 2,000 clients); room for far longer runs. */
export const MAX_RESULT_BYTES = 512 << 20;

const CHUNK = 1 << 16;

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(0)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

function ioCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/**
 * Read at most maxBytes of `file`. A regular file larger than that is refused from its size, before reading;
 * anything else (a device, a FIFO) is read in chunks until it ends or passes the cap. checkHead, if given, sees
 * the first chunk read and may refuse the file at once. Problems are InputErrors under `heading` (exit code 2).
 */
export function readCapped(file: string, maxBytes: number, heading: string, checkHead?: (head: Buffer) => string | null): Buffer {
  const refuse = (why: string) => new InputError([`${file}: ${why}`], heading);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw refuse(`cannot read (${ioCode(err)})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw refuse('is a directory');
    if (st.isFile() && st.size > maxBytes) throw refuse(`too large: ${mib(st.size)} (at most ${mib(maxBytes)})`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw refuse(`cannot read (${ioCode(err)})`);
      }
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      // A file that is plainly not what was asked for is refused from its first bytes, not after maxBytes of them.
      if (checkHead && chunks.length === 1) {
        const why = checkHead(chunks[0]);
        if (why !== null) throw refuse(why);
      }
      if (total > maxBytes) throw refuse(`too large: more than ${mib(maxBytes)} (an endless source such as /dev/zero?)`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Text in UTF-8; a leading byte-order mark (some Windows editors write one) is not part of the text. */
export function readTextCapped(file: string, maxBytes: number, heading: string): string {
  const text = readCapped(file, maxBytes, heading).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** At most `max` characters of `s` on one line: quoted input stays short and control characters visible. */
export function clip(s: string, max = 200): string {
  // biome-ignore lint: control characters are what this replaces.
  const one = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?').replace(/\r?\n/g, ' ');
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}
