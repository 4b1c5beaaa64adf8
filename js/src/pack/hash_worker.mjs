// Worker thread body of hash_pool.mjs: sha256 of a file's first `size` bytes,
// read in chunks (the next chunk is read while this one is hashed), so
// checking a shard (SPEC.md §3.7 verify) costs the reading thread nothing.
// Messages in: {id, path, size}; out: {id, hex}, {id, short: true} or {id, error}.
import { parentPort } from 'node:worker_threads';
import { close, open, read } from 'node:fs';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const pOpen = promisify(open);
const pRead = promisify(read);
const pClose = promisify(close);
const CHUNK = 8 << 20;
const bufs = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];

async function sha256(path, size) {
  const fd = await pOpen(path, 'r');
  try {
    const h = createHash('sha256');
    const readChunk = (k, pos) => pRead(fd, bufs[k], 0, Math.min(CHUNK, size - pos), pos);
    let pos = 0;
    let k = 0;
    let reading = size > 0 ? readChunk(0, 0) : null;
    while (reading !== null) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) return { short: true };
      const chunk = bufs[k].subarray(0, bytesRead);
      pos += bytesRead;
      k ^= 1;
      reading = pos < size ? readChunk(k, pos) : null;
      h.update(chunk);
    }
    return { hex: h.digest('hex') };
  } finally {
    await pClose(fd);
  }
}

// one request at a time: the chunk buffers are shared
let queue = Promise.resolve();
parentPort.on('message', ({ id, path, size }) => {
  queue = queue.then(() => sha256(path, size))
    .then((got) => parentPort.postMessage({ id, ...got }), (err) => parentPort.postMessage({ id, error: String(err?.message ?? err) }));
});
