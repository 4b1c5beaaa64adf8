// Peak-memory probe for packs (Node): `node bench/pack_memory_js.mjs pack|stream DIR RECORDS`.
// The twin of bench/pack_memory_py.py: the same synthetic records (uint8 [64, 64, 3] + int32
// label from a generator), 32 MiB shards, global order in batches of 64; prints one JSON line.
import { fromGenerator, packed, NdArray } from '../js/index.mjs';

const [mode, folder, nArg] = process.argv.slice(2);
const n = Number(nArg);

function* pictures() {
  for (let i = 0; i < n; i++) {
    const x = new Uint8Array(64 * 64 * 3);
    for (let k = 0; k < x.length; k++) x[k] = (k + i) % 251;
    yield [new NdArray('uint8', [64, 64, 3], x), NdArray.scalar('int32', i % 10)];
  }
}

const t0 = performance.now();
let count = 0;
if (mode === 'pack') {
  await fromGenerator(pictures, { name: 'pictures' }).pack(folder, { shardBytes: 32 * 2 ** 20, progress: false });
  count = n;
} else {
  for await (const [x] of packed(folder, { order: 'global', seed: 1 }).batch(64).iterate(0)) count += x.shape[0];
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ language: 'node', mode, records: count, seconds, records_per_s: count / seconds }));
