// Image decoding on worker threads (decode_worker.mjs) while a pack is
// written. Packing (SPEC.md §9.1, and a spec's cache) is the one-time heavy
// job: every image is decoded once, and on the thread that also cuts and
// writes the shards that keeps one core busy. The sources already read several
// records ahead (getInOrder in ops/stage.mjs), so their decodes go to a few
// workers in parallel; this thread only posts a file's path (or its bytes)
// and receives the pixels, a worker reads the file and decodes it. The pixels
// are the same either way: a worker runs image.mjs's decodeImage, the very
// code run in-process.
//
// Scope: packStage (pack/writer.mjs) runs inside withDecodePool(), an
// AsyncLocalStorage context that follows its awaits, generators and read-ahead
// down to the sources' reads; decodeFileAnywhere() and decodeImageAnywhere()
// use the pool there and decode in-process everywhere else (iteration,
// training, tests), so a small run never pays the workers' start-up (loading
// tfjs-node, about a second). A worker only keeps the process alive while it
// owes a decode, and one left idle for a while is stopped. If a worker cannot
// start or dies, its decodes (and every later one) run in-process: same
// result, never a hang. Errors come back as data and are rebuilt here with
// errors.mjs's helpers: same class, code and message as in-process.
//
// Two hazards of tfjs-node's native binding on worker threads:
// - Loaded by workers only, the binding (and libtensorflow) is unloaded when
//   the last of them stops, under TF's own threads: the process dies with
//   SIGSEGV when a worker stops or at exit. So a worker reports the native
//   addons it loaded and this thread loads them too (the library is already
//   mapped then; tfjs-node's JavaScript is not loaded here), which keeps them
//   until the process ends.
// - The binding keeps the attribute names of the ops it has run in one
//   std::set shared by every thread, with no lock (ATTR_NAME_SET in its
//   tfjs_backend.cc): a thread adding a name the set does not hold yet while
//   another runs an op crashes the process; looking names up at once is safe.
//   So every thread's first decode is a warm-up (warmUpLocked) that runs every
//   op and attribute name decodeImage uses on a tiny image, holding a lock
//   shared by the threads (a SharedArrayBuffer): the first warm-up adds the
//   names while no other thread runs an op, and every decode after it only
//   looks them up. A new op or attribute in image.mjs must be added to warmUp().
//   Not covered: other TF ops run on this thread while workers decode (a
//   user's map calling tfjs inside a pack) may add names at the wrong time.
// Python twin: python/streamfit/core/parallel.py (decodes on a thread pool).
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { NdArray } from '../core/ndarray.mjs';
import { ERROR_CODES, plainError, rangeError, typeError } from '../errors.mjs';

const WORKER_URL = new URL('./decode_worker.mjs', import.meta.url);
// A worker idle this long is stopped (it holds a TF runtime); the next pack spawns it again.
const IDLE_MS = 10_000;
// A worker not ready this long after it was started (loading tfjs-node takes about a second) counts as failed.
const START_MS = 120_000;
const KNOWN = new Set(ERROR_CODES);

/** The decode pool of the pack being written in this async context (none outside a pack). */
export const decodeContext = new AsyncLocalStorage();

// The warm-up lock of every thread that decodes (0 free, 1 held), passed to the workers.
const LOCK = new Int32Array(new SharedArrayBuffer(4));
const LOCK_WAIT_MS = 60_000;

function acquire(lock) {
  const until = Date.now() + LOCK_WAIT_MS;
  while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) {
    if (Date.now() > until) throw new Error('internal: the image decode warm-up lock was never released');
    Atomics.wait(lock, 0, 1, 100);
  }
}

function release(lock) {
  Atomics.store(lock, 0, 0);
  Atomics.notify(lock, 0);
}

/** A 2x2 24-bit BMP (bottom-up rows of 2 BGR pixels, each row padded to 8 bytes). */
function tinyBmp() {
  const b = Buffer.alloc(70);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(70, 2); // file size
  b.writeUInt32LE(54, 10); // pixel data offset
  b.writeUInt32LE(40, 14); // BITMAPINFOHEADER size
  b.writeInt32LE(2, 18); // width
  b.writeInt32LE(2, 22); // height
  b.writeUInt16LE(1, 26); // planes
  b.writeUInt16LE(24, 28); // bits per pixel
  b.writeUInt32LE(16, 34); // pixel data size
  for (let k = 54; k < 70; k++) b[k] = (k * 37) & 0xff;
  return new Uint8Array(b); // its own buffer (image.mjs reads the whole of it)
}

/** Runs every op and attribute name decodeImage has: DecodeImage, Cast, Slice, Reshape, ResizeBilinear, ResizeNearestNeighbor. */
async function warmUp(decodeImage) {
  const bytes = tinyBmp();
  const file = '(image decode warm-up)';
  await decodeImage(bytes, { channels: 3, imageSize: null, scale: false, file });
  await decodeImage(bytes, { channels: 3, imageSize: [1, 1], scale: false, file, fit: 'crop' });
  await decodeImage(bytes, { channels: 3, imageSize: [1, 1], scale: false, file, resize: 'nearest' });
}

/**
 * A thread's first decodes (see the header), holding `lock`; tfjs-node must be
 * loaded already (loading takes a second and runs no op, so it is not held for that).
 * @example await loadTf(); await warmUpLocked(workerData.lock);
 * @param {Int32Array} lock
 */
export async function warmUpLocked(lock) {
  const { decodeImage } = await import('./image.mjs');
  acquire(lock);
  try {
    await warmUp(decodeImage);
  } finally {
    release(lock);
  }
}

let warmHere = null;

/** decodeImage on this thread, after this thread's warm-up. */
async function decodeHere(bytes, options) {
  const { decodeImage } = await import('./image.mjs');
  warmHere ??= (async () => {
    const { loadTf } = await import('./load.mjs');
    await loadTf();
    await warmUpLocked(LOCK);
  })();
  try {
    await warmHere;
  } catch {
    // tfjs-node did not load: decodeImage below throws its SF_DEPENDENCY, as it always has
    warmHere = null;
  }
  return decodeImage(bytes, options);
}

const requireHere = createRequire(import.meta.url);
const keptAddons = new Set();

/** Loads on this thread the native addons a worker loaded (see the header); false if one cannot be. */
function keepLoaded(addons) {
  for (const file of addons) {
    if (keptAddons.has(file)) continue;
    try {
      requireHere(file);
    } catch {
      return false;
    }
    keptAddons.add(file);
  }
  return true;
}

/** The Error a worker sent as {kind, code, message, cause}, rebuilt with the helper that made it. */
function rebuildError({ kind, code, message, cause }) {
  const causeErr = cause === undefined ? undefined : new Error(cause);
  if (typeof code === 'string' && KNOWN.has(code)) {
    const make = kind === 'RangeError' ? rangeError : kind === 'TypeError' ? typeError : plainError;
    return make(code, message, causeErr);
  }
  const Ctor = kind === 'RangeError' ? RangeError : kind === 'TypeError' ? TypeError : Error;
  const err = causeErr === undefined ? new Ctor(message) : new Ctor(message, { cause: causeErr });
  if (code !== undefined) err.code = code;
  return err;
}

/** The fs error a worker sent as {message, code, errno, syscall, path}, rebuilt as an Error with those fields. */
function rebuildFsError({ message, ...fields }) {
  return Object.assign(new Error(message), fields);
}

// Decodes a ready worker holds at once: one running, one waiting, so it never
// waits for a message from this thread; the rest wait in the pool's queue and
// go to whichever worker is free first (a worker still loading tfjs-node, or
// busy with a large image, holds up no other decode).
const PER_WORKER = 2;

/**
 * Up to `size` decode workers, started as decodes are asked for.
 * @example const pool = new DecodePool(2); await withDecodePool(() => pack(...), pool);
 */
export class DecodePool {
  /**
   * @param {number} size the most workers
   * @param {{url?: URL, idleMs?: number, startMs?: number}} [options] the worker module (tests), how long an
   *   idle worker lives, how long a worker may take to start
   */
  constructor(size, { url = WORKER_URL, idleMs = IDLE_MS, startMs = START_MS } = {}) {
    this.size = size;
    this.url = url;
    this.idleMs = idleMs;
    this.startMs = startMs;
    /** @type {{worker: Worker, ready: boolean, state: 'busy'|'idle'|'waiting'|null, pending: Map<number, object>, timer: any, stopping: boolean}[]} */
    this.workers = [];
    /** @type {{id: number, message: object, transfer: ArrayBuffer[], resolve: Function, reject: Function, notReadable?: Function}[]} */
    this.queue = [];
    this.nextId = 0;
    this.broken = false;
    this.requests = 0; // decodes sent to a worker
    this.fallbacks = 0; // decodes run in-process because no worker could
  }

  spawn() {
    // A worker's own process.env is a copy: TF's native logging reads the real environment.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    const worker = new Worker(this.url, { workerData: { lock: LOCK } });
    const entry = { worker, ready: false, state: null, pending: new Map(), timer: null, stopping: false };
    const starting = setTimeout(() => {
      worker.terminate().catch(() => {});
      gone();
    }, this.startMs);
    starting.unref();
    worker.on('message', ({ id, dtype, shape, data, error, readError, ready, addons }) => {
      if (ready) {
        clearTimeout(starting);
        entry.ready = true;
        if (!keepLoaded(addons)) this.fail(); // cannot keep the workers' addons loaded: stop using them
        this.pump();
        return;
      }
      const job = entry.pending.get(id);
      if (job === undefined) return;
      entry.pending.delete(id);
      this.pump();
      if (error !== undefined) job.reject(rebuildError(error));
      else if (readError !== undefined) job.reject(job.notReadable(rebuildFsError(readError)));
      else job.resolve(new NdArray(dtype, shape, data));
    });
    const gone = () => {
      clearTimeout(starting);
      if (!this.workers.includes(entry)) return;
      this.workers = this.workers.filter((e) => e !== entry);
      clearTimeout(entry.timer);
      for (const job of entry.pending.values()) job.resolve(null); // decoded in-process instead
      entry.pending.clear();
      if (!entry.stopping) this.fail();
      else this.pump();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    this.workers.push(entry);
    return entry;
  }

  /** A worker failed: every queued decode, and every later one, runs in-process (null: "no worker could"). */
  fail() {
    this.broken = true;
    for (const job of this.queue.splice(0)) job.resolve(null);
    for (const e of this.workers) this.keepAlive(e);
  }

  /** Gives queued decodes to free ready workers; starts a worker while none is free and the pool is not full. */
  pump() {
    while (this.queue.length > 0) {
      let entry = null;
      for (const e of this.workers) {
        if (e.ready && e.pending.size < PER_WORKER && (entry === null || e.pending.size < entry.pending.size)) entry = e;
      }
      if (entry === null) {
        // one more worker while the queue holds more than the starting ones will take
        const starting = this.workers.filter((e) => !e.ready).length;
        if (this.workers.length < this.size && this.queue.length > starting * PER_WORKER) {
          try {
            this.spawn();
          } catch {
            this.fail(); // no thread can be started here
            return;
          }
        }
        break;
      }
      const job = this.queue.shift();
      try {
        entry.worker.postMessage(job.message, job.transfer);
      } catch {
        job.resolve(null);
        continue;
      }
      entry.pending.set(job.id, job);
      this.requests++;
    }
    for (const e of this.workers) this.keepAlive(e);
  }

  /**
   * A worker keeps the process alive while it is busy: it owes a decode, or
   * it is starting and decodes are queued. Idle (ready, owing nothing) it lets
   * the process exit and is stopped after idleMs.
   */
  keepAlive(entry) {
    const busy = entry.pending.size > 0 || (!entry.ready && this.queue.length > 0);
    const state = busy ? 'busy' : entry.ready ? 'idle' : 'waiting';
    if (state === entry.state) return;
    entry.state = state;
    clearTimeout(entry.timer);
    entry.timer = null;
    if (busy) {
      entry.worker.ref();
      return;
    }
    entry.worker.unref();
    if (state !== 'idle') return;
    entry.timer = setTimeout(() => {
      if (entry.pending.size > 0) return;
      entry.stopping = true;
      this.workers = this.workers.filter((e) => e !== entry);
      entry.worker.terminate().catch(() => {});
    }, this.idleMs);
    entry.timer.unref();
  }

  /**
   * Decoded pixels from a worker, or null when no worker could decode them.
   * `what`: {bytes} (the worker gets a copy, moved, not cloned: the caller's
   * stay whole for an in-process decode should the worker die), or {path,
   * notReadable} (the worker reads the file; notReadable(fs error) makes the
   * error of a file it cannot read).
   * @param {{bytes: Uint8Array}|{path: string, notReadable: (cause: Error) => Error}} what
   * @param {object} options decodeImage's
   * @returns {Promise<NdArray|null>}
   */
  decode(what, options) {
    if (this.broken) return Promise.resolve(null);
    const id = this.nextId++;
    let message;
    let transfer = [];
    if ('path' in what) {
      message = { id, path: what.path, options };
    } else {
      // a copy in its own buffer (Buffer#slice would be a view; a view would send all of its buffer)
      const sent = new Uint8Array(what.bytes);
      message = { id, bytes: sent, options };
      transfer = [sent.buffer];
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id, message, transfer, resolve, reject, notReadable: what.notReadable });
      this.pump();
    });
  }

  /** requests (decodes sent to a worker), fallbacks (run in-process: no worker could), workers (running now), broken. */
  stats() {
    return { requests: this.requests, fallbacks: this.fallbacks, workers: this.workers.length, broken: this.broken };
  }
}

let shared = null;

/** The process's decode pool (no worker starts until a decode is asked for). */
function sharedPool() {
  shared ??= new DecodePool(Math.max(1, Math.min(4, cpus().length)));
  return shared;
}

/**
 * Runs `fn` with image decodes on worker threads: every decodeFileAnywhere()
 * and decodeImageAnywhere() reached from it (through awaits, generators,
 * read-ahead) uses `pool` (the process's own unless given).
 * @example const index = await withDecodePool(() => writePack(last, outDir, options));
 * @template T
 * @param {() => T} fn
 * @param {DecodePool} [pool]
 * @returns {T}
 */
export function withDecodePool(fn, pool = sharedPool()) {
  return decodeContext.run(pool, fn);
}

/**
 * decodeImage (image.mjs) of encoded bytes, on a worker inside
 * withDecodePool(), in-process elsewhere or when no worker can run; the same
 * pixels and errors either way.
 * @example const x = await decodeImageAnywhere(leaf.data, { channels: 3, imageSize: null, scale: false, file: '(a record of 1234 bytes)' });
 * @param {Uint8Array} bytes the encoded file
 * @param {{channels: number, imageSize: [number, number]|null, scale: boolean, file: string, fit?: 'stretch'|'crop'|'pad', resize?: 'bilinear'|'nearest'}} options decodeImage's
 * @returns {Promise<NdArray>}
 */
export async function decodeImageAnywhere(bytes, options) {
  const pool = decodeContext.getStore();
  if (pool !== undefined && !pool.broken) {
    const got = await pool.decode({ bytes }, options);
    if (got !== null) return got;
    pool.fallbacks++;
  }
  return decodeHere(bytes, options);
}

/**
 * The file at `path` read and decoded with decodeImage (image.mjs): inside
 * withDecodePool() a worker reads and decodes it, elsewhere (or when no worker
 * can run) this thread does; the same pixels and errors either way. A file
 * that cannot be read throws notReadable(the fs error).
 * @example const x = await decodeFileAnywhere('shapes/a.png', { channels: 3, imageSize: null, scale: false, file: 'shapes/a.png' }, (cause) => plainError('SF_FILE_NOT_FOUND', `...${cause.code}`, cause));
 * @param {string} path
 * @param {{channels: number, imageSize: [number, number]|null, scale: boolean, file: string, fit?: 'stretch'|'crop'|'pad', resize?: 'bilinear'|'nearest'}} options decodeImage's
 * @param {(cause: Error) => Error} notReadable
 * @returns {Promise<NdArray>}
 */
export async function decodeFileAnywhere(path, options, notReadable) {
  const pool = decodeContext.getStore();
  if (pool !== undefined && !pool.broken) {
    const got = await pool.decode({ path, notReadable }, options);
    if (got !== null) return got;
    pool.fallbacks++;
  }
  let bytes;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw notReadable(cause);
  }
  return decodeHere(bytes, options);
}

/**
 * Counters of the process's decode pool (DecodePool#stats), for tests and measurements.
 * @example decodePoolStats() // { requests: 2000, fallbacks: 0, workers: 2, broken: false }
 * @returns {{requests: number, fallbacks: number, workers: number, broken: boolean}}
 */
export function decodePoolStats() {
  return sharedPool().stats();
}
