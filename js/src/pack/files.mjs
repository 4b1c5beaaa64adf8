// Positional file I/O for packs: reads at an offset into a caller's buffer
// (fs.read through libuv's thread pool, several in flight at once), a bounded
// set of open shard files, whole-file hashing in chunks, and the fsync'ed
// writes the pack writer needs (SPEC.md §9.1: atomic). No whole-file
// readFile: a shard may be larger than memory.
import { close, fstat, fsync, open, read, write, openSync, fsyncSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const pOpen = promisify(open);
const pClose = promisify(close);
const pFstat = promisify(fstat);
const pRead = promisify(read);
const pWrite = promisify(write);
const pFsync = promisify(fsync);

/** fs.read reads at most this much per call (a signed 32-bit length). */
const MAX_READ = 1 << 30;
/** Chunk of a whole-file read: several in flight keep the thread pool's threads busy. */
const CHUNK = 16 << 20;

export { pOpen as openFile, pClose as closeFile, pFstat as statFd, pFsync as fsyncFd };

/**
 * Fills `dst` with the file's bytes from `position`; a short file (fewer
 * bytes than asked) calls `short()` for the error to throw.
 * @example await readAt(fd, new Uint8Array(8), 0, () => new Error('short'))
 * @param {number} fd
 * @param {Uint8Array} dst
 * @param {number} position
 * @param {() => Error} short
 */
export async function readAt(fd, dst, position, short) {
  let done = 0;
  while (done < dst.length) {
    const len = Math.min(dst.length - done, MAX_READ);
    const { bytesRead } = await pRead(fd, dst, done, len, position + done);
    if (bytesRead === 0) throw short();
    done += bytesRead;
  }
}

/**
 * The first `size` bytes of a file in one Buffer (`into`, or a new one), read in chunks in parallel.
 * @example const bytes = await readWhole(fd, 4096, () => new Error('short'));
 */
export async function readWhole(fd, size, short, into = null) {
  const buf = into ?? Buffer.allocUnsafeSlow(size);
  const parts = [];
  for (let pos = 0; pos < size; pos += CHUNK) parts.push(readAt(fd, buf.subarray(pos, Math.min(size, pos + CHUNK)), pos, short));
  await Promise.all(parts);
  return buf;
}

/**
 * Hex sha256 of the first `size` bytes of a file, read in chunks (constant memory).
 * @example await sha256File(fd, 1 << 30, () => new Error('short'))
 */
export async function sha256File(fd, size, short) {
  const h = createHash('sha256');
  const bufs = [Buffer.allocUnsafeSlow(Math.min(CHUNK, size)), Buffer.allocUnsafeSlow(Math.min(CHUNK, size))];
  let pending = null;
  for (let pos = 0, k = 0; pos < size; pos += CHUNK, k ^= 1) {
    const part = bufs[k].subarray(0, Math.min(CHUNK, size - pos));
    const reading = readAt(fd, part, pos, short);
    // hash the previous chunk while this one is read
    if (pending !== null) h.update(pending);
    await reading;
    pending = part;
  }
  if (pending !== null) h.update(pending);
  return h.digest('hex');
}

/** Writes all of `data` at the file's current position. */
export async function writeAll(fd, data) {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await pWrite(fd, data, done, Math.min(data.length - done, MAX_READ));
    done += bytesWritten;
  }
}

/** Flushes a folder's entries (the renames) to disk where the OS allows it. */
export function fsyncFolder(folder) {
  let fd;
  try {
    fd = openSync(folder, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a folder: the rename is still atomic
  } finally {
    closeSync(fd);
  }
}

/**
 * Open files by key, at most `max` at once (least recently used closed
 * first, once no read holds it), so a pack of thousands of shards never runs
 * out of file descriptors.
 * @example
 * const files = new OpenFiles(64);
 * const f = await files.acquire(3, 'pack/shard-00003.safetensors');
 * try { await readAt(f.fd, buf, 0, short); } finally { f.release(); }
 */
export class OpenFiles {
  constructor(max = 64) {
    this.max = max;
    /** @type {Map<number, {fd: Promise<number>, busy: number, evicted: boolean}>} */
    this.open = new Map();
  }

  /**
   * An fd for `key` (opening `path` if needed), held open until release().
   * @returns {Promise<{fd: number, release: () => void}>}
   */
  async acquire(key, path) {
    let h = this.open.get(key);
    if (h === undefined) {
      const opened = { fd: pOpen(path, 'r'), busy: 0, evicted: false };
      h = opened;
      this.open.set(key, h);
      h.fd.catch(() => {
        if (this.open.get(key) === opened) this.open.delete(key);
      });
    } else {
      this.open.delete(key); // most recently used last
      this.open.set(key, h);
    }
    h.busy++;
    this.trim();
    const held = h;
    let fd;
    try {
      fd = await held.fd;
    } catch (err) {
      this.done(held);
      throw err;
    }
    let released = false;
    return {
      fd,
      release: () => {
        if (released) return;
        released = true;
        this.done(held);
      },
    };
  }

  /** Closes every file no read holds (the rest close when released). */
  closeAll() {
    for (const [key, h] of this.open) this.evict(key, h);
  }

  done(h) {
    h.busy--;
    if (h.evicted && h.busy === 0) h.fd.then((fd) => pClose(fd)).catch(() => {});
  }

  evict(key, h) {
    this.open.delete(key);
    h.evicted = true;
    if (h.busy === 0) h.fd.then((fd) => pClose(fd)).catch(() => {});
  }

  trim() {
    for (const [key, h] of this.open) {
      if (this.open.size <= this.max) break;
      if (h.busy === 0) this.evict(key, h);
    }
  }
}
