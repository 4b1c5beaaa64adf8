// One epoch of one streamfit source, or one pack, for the memory proof (Node): prints one JSON line.
// `node bench/memory_stream_js.mjs SOURCE DIR [--records N] [--prefetch-mb M] [--shard-mb M]`: the twin of
// bench/memory_stream_py.py, whose docstring lists the sources. The same pipelines (csv
// shuffle({bufferSize: 10000}), image sources a global shuffle, generator shuffle({bufferSize: 1000}),
// packed order global with prefetchBytes from --prefetch-mb, else the library's; seed 1; batch(32))
// over the same records. Every batch of epoch 0 is read (the pipeline's own NdArray batches, no tfjs
// tensors). The clock runs from building the pipeline to the end of the epoch; the image sources load
// tfjs-node, which decodes for them, before it starts. SOURCE `pack` writes the generator's N records
// to DIR/pack (--shard-mb MiB shards, default 32). SOURCE `bare_generator` is the control: the same
// user generator's N records stacked by hand into batches of 32 (a fresh array each), no streamfit.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { csv, imageFolder, classFolder, pairedFolders, fromGenerator, packed, NdArray } from '../js/index.mjs';
import { loadTf } from '../js/src/tfjs/load.mjs';

const SOURCES = ['csv', 'image_folder', 'class_folder', 'paired_folders', 'generator', 'packed', 'pack', 'bare_generator'];
const SIDE = 64;
const SIZE = SIDE * SIDE * 3;
const PATTERN = Uint8Array.from({ length: SIZE + 251 }, (_, k) => k % 251);

/** A user generator of n records: record i is bytes (k + i) % 251, label i % 3 (as in Python). */
function pictures(n) {
  return function* gen() {
    for (let i = 0; i < n; i++) {
      const start = i % 251;
      const x = PATTERN.slice(start, start + SIZE); // a fresh copy, as a user's generator would make
      yield [new NdArray('uint8', [SIDE, SIDE, 3], x), NdArray.scalar('int32', i % 3)];
    }
  };
}

/** The control (memory.py): the same user generator's records stacked by hand into batches of 32 (fresh arrays), no streamfit. */
function* bareBatches(n) {
  let x = null;
  let y = null;
  let k = 0;
  for (const [image, label] of pictures(n)()) {
    if (k === 0) {
      x = new Uint8Array(32 * SIZE);
      y = new Int32Array(32);
    }
    x.set(image.data, k * SIZE);
    y[k] = label.data[0];
    k += 1;
    if (k === 32) {
      yield [new NdArray('uint8', [32, SIDE, SIDE, 3], x), new NdArray('int32', [32], y)];
      k = 0;
    }
  }
  if (k > 0) yield [new NdArray('uint8', [k, SIDE, SIDE, 3], x.subarray(0, k * SIZE)), new NdArray('int32', [k], y.subarray(0, k))];
}

function pipeline(source, dir, records, prefetchMb) {
  switch (source) {
    case 'csv':
      return csv(path.join(dir, 'xy.csv'), { features: ['x'], label: 'y' }).shuffle({ bufferSize: 10000, seed: 1 });
    case 'image_folder': return imageFolder(path.join(dir, 'flat')).shuffle({ seed: 1 });
    case 'class_folder': return classFolder(path.join(dir, 'classes')).shuffle({ seed: 1 });
    case 'paired_folders': return pairedFolders(path.join(dir, 'pairs')).shuffle({ seed: 1 });
    case 'generator':
      return fromGenerator(pictures(records), { name: 'pictures' }).shuffle({ bufferSize: 1000, seed: 1 });
    default: {
      const budget = prefetchMb === undefined ? {} : { prefetchBytes: Math.floor(Number(prefetchMb) * 2 ** 20) };
      return packed(path.join(dir, 'pack'), { order: 'global', seed: 1, ...budget });
    }
  }
}

const { values, positionals } = parseArgs({ options: {
  records: { type: 'string', default: '20000' },
  'prefetch-mb': { type: 'string' },
  'shard-mb': { type: 'string', default: '32' },
}, allowPositionals: true });
const [source, dir] = positionals;
if (!SOURCES.includes(source) || dir === undefined) {
  console.error(`usage: memory_stream_js.mjs {${SOURCES.join(',')}} DIR [--records N] [--prefetch-mb M] `
    + '[--shard-mb M]');
  process.exit(2);
}
if (source === 'pack') {
  const start = process.hrtime.bigint();
  const index = await fromGenerator(pictures(Number(values.records)), { name: 'pictures' })
    .pack(path.join(dir, 'pack'), { shardBytes: Math.floor(Number(values['shard-mb']) * 2 ** 20), progress: false });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ language: 'node', source, records: index.records, shards: index.shards.length, seconds,
    records_per_s: index.records / seconds }));
  process.exit(0);
}
if (['image_folder', 'class_folder', 'paired_folders'].includes(source)) await loadTf();
const t0 = process.hrtime.bigint();
let count = 0;
const batches = source === 'bare_generator' ? bareBatches(Number(values.records))
  : pipeline(source, dir, Number(values.records), values['prefetch-mb']).batch(32).iterate(0);
for await (const batch of batches) {
  let first = batch;
  while (Array.isArray(first)) first = first[0];
  count += first.shape[0];
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ language: 'node', source, records: count, seconds, records_per_s: count / seconds }));
