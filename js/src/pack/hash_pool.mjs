// sha256 of shard files on worker threads (hash_worker.mjs): checking a
// shard reads and hashes all of it once (SPEC.md §3.7 verify), and done on
// the thread that gathers records it would stall the epoch. A few workers
// hash the shards ahead of the reader in parallel. A worker only keeps the
// process alive while it has work; if workers cannot run, the caller hashes
// in-process (the result is the same either way).
import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';

const WORKER_URL = new URL('./hash_worker.mjs', import.meta.url);

class HashPool {
  constructor(size) {
    this.size = size;
    /** @type {{worker: Worker, pending: Map<number, {resolve: Function, reject: Function}>}[]} */
    this.workers = [];
    this.nextId = 0;
    this.broken = false;
  }

  spawn() {
    const worker = new Worker(WORKER_URL);
    const entry = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', ({ id, hex, short, error }) => {
      const p = entry.pending.get(id);
      if (p === undefined) return;
      entry.pending.delete(id);
      if (entry.pending.size === 0) worker.unref();
      if (hex !== undefined) p.resolve({ hex });
      else if (short) p.resolve({ short: true });
      else p.reject(new Error(error));
    });
    const fail = (err) => {
      this.broken = true;
      this.workers = this.workers.filter((e) => e !== entry);
      for (const p of entry.pending.values()) p.reject(err instanceof Error ? err : new Error(`hash worker stopped (${err})`));
      entry.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(code));
    this.workers.push(entry);
    return entry;
  }

  /** {hex} of the file's first `size` bytes, or {short: true} when it has fewer. */
  hash(path, size) {
    let entry = this.workers.find((e) => e.pending.size === 0);
    if (entry === undefined && this.workers.length < this.size) entry = this.spawn();
    entry ??= this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (entry.pending.size === 0) entry.worker.ref(); // keep the process alive while a hash is owed
      entry.pending.set(id, { resolve, reject });
      entry.worker.postMessage({ id, path, size });
    });
  }
}

let pool = null;

/**
 * sha256 (hex) of a file's first `size` bytes on a worker thread, or null
 * when no worker can run (the caller then hashes itself). {short: true} when the file has fewer bytes.
 * @example const got = await sha256InWorker('pack/shard-00000.safetensors', 134217728); // {hex: '9f86...'}
 * @returns {Promise<{hex?: string, short?: boolean}|null>}
 */
export async function sha256InWorker(path, size) {
  if (pool === null) pool = new HashPool(Math.max(1, Math.min(4, cpus().length - 1)));
  if (pool.broken) return null;
  try {
    return await pool.hash(path, size);
  } catch {
    return null;
  }
}
