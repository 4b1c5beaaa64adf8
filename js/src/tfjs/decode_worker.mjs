// Worker thread body of decode_pool.mjs: reads an image file (or takes its
// bytes) and runs image.mjs's decodeImage, the code an in-process decode runs,
// so the pixels are the same (SPEC.md §3.2, §3.4, §3.5). tfjs-node is loaded
// before the first request is taken: a worker that cannot load it fails to
// start, and the pool then decodes in-process. Before taking requests it also
// runs decode_pool.mjs's warm-up (every op and attribute name decodeImage
// uses, once, under the lock shared by every thread that decodes): tfjs-node's
// binding adds attribute names to a set shared by the threads, without a lock.
//
// Messages in: {id, path, options} or {id, bytes, options}; out: first
// {ready: true, addons} (the native addons it loaded, which decode_pool.mjs
// loads too), then {id, dtype, shape, data} (data's buffer moved, not copied),
// {id, error: {kind, code, message, cause}} or, for a file it cannot read,
// {id, readError: {message, code, errno, syscall, path}}.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { loadTf } from './load.mjs';
import { decodeImage } from './image.mjs';
import { warmUpLocked } from './decode_pool.mjs';

await loadTf();
await warmUpLocked(workerData.lock);
parentPort.postMessage({ ready: true, addons: Object.keys(createRequire(import.meta.url).cache).filter((f) => f.endsWith('.node')) });

/** What the pool needs to rebuild `err` with the same class, code and message. */
function errorData(err) {
  if (!(err instanceof Error)) return { kind: 'Error', message: String(err) };
  const kind = err instanceof RangeError ? 'RangeError' : err instanceof TypeError ? 'TypeError' : 'Error';
  const out = { kind, message: err.message };
  if (typeof err.code === 'string') out.code = err.code;
  if (err.cause !== undefined) out.cause = String(err.cause?.message ?? err.cause);
  return out;
}

/** The fields of an fs error the pool rebuilds it from. */
function fsErrorData(err) {
  const out = { message: String(err?.message ?? err) };
  for (const k of ['code', 'errno', 'syscall', 'path']) if (err?.[k] !== undefined) out[k] = err[k];
  return out;
}

parentPort.on('message', async ({ id, path, bytes, options }) => {
  if (bytes === undefined) {
    try {
      // read synchronously: this thread has nothing else to do meanwhile, and a
      // promise read's several round trips cost more than the read of a small file
      bytes = readFileSync(path);
    } catch (err) {
      parentPort.postMessage({ id, readError: fsErrorData(err) });
      return;
    }
  }
  let img;
  try {
    img = await decodeImage(bytes, options);
  } catch (err) {
    parentPort.postMessage({ id, error: errorData(err) });
    return;
  }
  const d = img.data;
  const data = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice();
  parentPort.postMessage({ id, dtype: img.dtype, shape: img.shape, data }, [data.buffer]);
});
