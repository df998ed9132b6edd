/**
 * The one way cascadesim writes a user's output file (result, HTML, CSV, histogram log).
 *
 * Users' files are sacred, and an output path is not always a file:
 * - a regular file (or a new name) is replaced atomically: a temporary file beside it, fsync, rename, fsync of the
 *   directory, so a reader sees the old file or the whole new one. A symlink to a file keeps the link and replaces
 *   its target.
 * - a device, FIFO or socket (/dev/null, /dev/full, a named pipe, /dev/tty) is written to as a stream: renaming a
 *   file over /dev/full would destroy the device node.
 * - /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N are this process's open descriptors: written directly,
 *   never opened anew (opening /dev/stdout with O_TRUNC would empty a log that stdout appends to).
 *
 * Everything that can be checked before a long run is checked by planOutput (the name, the directory, a probe
 * file created and removed, outputs naming an input or each other); what can only fail while writing (a full
 * disk, /dev/full) is an OutputError: an I/O failure, exit code 1, one line naming the option and the file.
 */
import {
  closeSync,
  constants as fsConstants,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { InputError, OutputError } from '../errors.ts';

export type OutputKind = 'file' | 'stream' | 'fd';

export interface OutputTarget {
  /** The option that named it (`--out`), for messages. */
  option: string;
  /** As the user wrote it. */
  file: string;
  kind: OutputKind;
  /** file: the path replaced (a symlink's target); stream: the path opened. */
  path: string;
  /** kind 'fd': the descriptor written to. */
  fd: number;
  /** Identity for "same file" checks: device and inode when it exists, else the resolved path. */
  identity: string;
  isCharDevice: boolean;
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** /dev/stdout and friends name descriptors this process already has. */
function descriptorOf(file: string): number | null {
  if (file === '/dev/stdout') return 1;
  if (file === '/dev/stderr') return 2;
  const m = /^\/(?:dev\/fd|proc\/self\/fd)\/(\d+)$/.exec(file);
  return m ? Number(m[1]) : null;
}

function identityOf(file: string): string | null {
  try {
    const st = statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/**
 * Check an output before the run and say how it will be written. Problems are pushed (bad input, exit 2); null
 * when the output cannot be used.
 */
export function planOutput(option: string, file: string, problems: string[]): OutputTarget | null {
  const problem = (why: string) => {
    problems.push(`${option} ${file === '' ? "''" : file}: ${why}`);
    return null;
  };
  if (file === '') return problem('needs a file name');
  const fd = descriptorOf(file);
  if (fd !== null) {
    try {
      const st = statSync(file);
      return { option, file, kind: 'fd', path: file, fd, identity: `fd:${fd}`, isCharDevice: st.isCharacterDevice() };
    } catch (err) {
      return problem(`descriptor ${fd} is not open (${code(err)})`);
    }
  }
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(file);
  } catch (err) {
    if (code(err) !== 'ENOENT') return problem(`cannot use (${code(err)})`);
  }
  if (st?.isDirectory()) return problem('is a directory');
  if (st && !st.isFile()) {
    // A device, FIFO or socket: written as a stream. Nothing to probe without side effects (opening a FIFO waits
    // for its reader), so a failure shows when writing.
    return { option, file, kind: 'stream', path: file, fd: -1, identity: `${st.dev}:${st.ino}`, isCharDevice: st.isCharacterDevice() };
  }
  // A regular file or a new name: replaced through a temporary file in the same directory, so that directory
  // must take a new file. Create and remove one now rather than find out after the run (read-only mounts, /proc,
  // a full inode table, permissions that root's access() would not show).
  let target: string;
  try {
    target = st ? realpathSync(file) : path.join(realpathSync(path.dirname(path.resolve(file))), path.basename(file));
  } catch (err) {
    return problem(`cannot write in ${path.dirname(path.resolve(file))} (${code(err)})`);
  }
  const dir = path.dirname(target);
  try {
    if (!statSync(dir).isDirectory()) return problem(`${dir} is not a directory`);
  } catch (err) {
    return problem(`cannot write in ${dir} (${code(err)})`);
  }
  const probe = tempName(target, 'probe');
  try {
    closeSync(openSync(probe, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600));
    unlinkSync(probe);
  } catch (err) {
    return problem(`cannot write in ${dir} (${code(err)})`);
  }
  return { option, file, kind: 'file', path: target, fd: -1, identity: st ? `${st.dev}:${st.ino}` : target, isCharDevice: false };
}

/**
 * Outputs must not name an input (`report R --csv R` would turn the result into CSV) or each other (the second
 * would silently replace the first). Character devices (/dev/null) may take any number of outputs.
 */
export function checkDistinct(targets: (OutputTarget | null)[], inputs: { what: string; file: string }[], problems: string[]): void {
  const seen = new Map<string, OutputTarget>();
  for (const t of targets) {
    if (!t || t.isCharDevice) continue;
    for (const input of inputs) {
      if (identityOf(input.file) === t.identity || (t.kind === 'file' && safeReal(input.file) === t.path)) {
        problems.push(`${t.option} ${t.file}: is the ${input.what} (${input.file}); an output must not overwrite an input`);
      }
    }
    const other = seen.get(t.identity);
    if (other) problems.push(`${t.option} ${t.file}: the same file as ${other.option} ${other.file}`);
    else seen.set(t.identity, t);
  }
}

function safeReal(file: string): string | null {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
}

function tempName(target: string, tag: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${tag}.tmp`);
}

/** Sleep without an event loop (a descriptor another process set non-blocking answers EAGAIN when full). */
const napCell = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  // writeSync may write less than asked (pipes, large buffers): loop until all is out.
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(napCell, 0, 0, 5);
    }
  }
}

export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dir = path.dirname(path.resolve(file));
  const tmp = tempName(path.resolve(file), 'write');
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
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

/** Write `data` to a planned output, the way its kind needs. Any failure is an OutputError (exit code 1). */
export function writeTarget(t: OutputTarget, data: Uint8Array | string, what: string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    if (t.kind === 'file') writeFileAtomic(t.path, bytes);
    else if (t.kind === 'fd') writeAll(t.fd, bytes);
    else {
      // O_TRUNC is ignored by devices and FIFOs; no O_CREAT: if the node vanished since the check, fail.
      const fd = openSync(t.path, fsConstants.O_WRONLY | fsConstants.O_NOCTTY);
      try {
        writeAll(fd, bytes);
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    throw ioFailure(t, `cannot write ${what}`, err);
  }
}

/**
 * Append `data` to a planned output (GitHub's job summary): a file or a stream is opened for appending, never
 * truncated or replaced; a descriptor of this process is written to. Any failure is an OutputError.
 */
export function appendTarget(t: OutputTarget, data: string, what: string): void {
  try {
    if (t.kind === 'fd') writeAll(t.fd, Buffer.from(data, 'utf8'));
    else {
      const flags = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_NOCTTY | (t.kind === 'file' ? fsConstants.O_CREAT : 0);
      const fd = openSync(t.path, flags, 0o644);
      try {
        writeAll(fd, Buffer.from(data, 'utf8'));
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    throw ioFailure(t, `cannot append ${what}`, err);
  }
}

/** `--out F: cannot write the result (ENOSPC: no space left on device)`. */
function ioFailure(t: OutputTarget, doing: string, err: unknown): OutputError {
  const e = err as NodeJS.ErrnoException;
  return new OutputError(`${t.option} ${t.file}: ${doing} (${e.code ?? e.message}${e.code ? `: ${ioText(e)}` : ''})`);
}

/** Node's errno message without the syscall and path it repeats ("ENOSPC: no space left on device, write"). */
function ioText(e: NodeJS.ErrnoException): string {
  const m = /^[A-Z]+: ([^,]+)/.exec(e.message);
  return m ? m[1] : e.message;
}

/** Where a target's text ends up, for "written to ..." lines: the absolute path of a file, the name otherwise. */
export function shownPath(t: OutputTarget): string {
  return t.kind === 'file' ? path.resolve(t.file) : t.file;
}

/**
 * Check and write one output in one step (library callers: the API's writeResult): a device stays a
 * device, a file is replaced atomically. A path that cannot be used is an InputError, a failed write an OutputError.
 */
export function writePath(file: string, data: Uint8Array | string, what: string): OutputTarget {
  const problems: string[] = [];
  const t = planOutput('file', file, problems);
  if (!t) throw new InputError(problems, 'cannot write');
  writeTarget(t, data, what);
  return t;
}

export interface OutputJob {
  target: OutputTarget;
  what: string;
  /** Built only when written: a failure to build one output must not cost the others. */
  data: () => Uint8Array | string;
  /** The line to print once written. */
  done: (t: OutputTarget) => string;
}

/**
 * Write every job; a failed one does not stop the rest. Returns the lines to print for those written and the
 * one-line reasons of those that failed.
 */
export function writeAllOutputs(jobs: OutputJob[]): { written: string[]; failed: string[] } {
  const written: string[] = [];
  const failed: string[] = [];
  for (const j of jobs) {
    try {
      writeTarget(j.target, j.data(), j.what);
      written.push(j.done(j.target));
    } catch (err) {
      if (err instanceof OutputError) failed.push(err.message);
      else throw err;
    }
  }
  return { written, failed };
}
