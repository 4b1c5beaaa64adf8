// Typed usage of the public surface, imported as a user would ('streamfit');
// checked by `tsc --noEmit -p js/tsconfig.json` (tsconfig maps the name to index.d.ts).
import { csv, fromRange, imageFolder, classFolder, pairedFolders, packed, fromGenerator, NdArray, Pipeline, permute, Prng, mix32, combine, digest, loadSpec, pipelineFromSpec, ERROR_CODES, TrainingRun, saveTfjs, loadTfjs } from 'streamfit';
import type { Record, StreamfitError, Spec, ElementSpec, SkipCounts, OnError, PackIndex, PackedOptions, TrainingHistory, EpochRow } from 'streamfit';

async function usage(): Promise<void> {
  const p: Pipeline = csv('xy.csv', { features: ['x'], label: 'y', blockSize: 1 << 20 })
    .shuffle({ bufferSize: 1000, seed: 7 })
    .batch(250, { dropRemainder: false })
    .prefetch(2);
  for await (const batch of p.iterate(1)) {
    const d: string = digest(batch);
    void d;
  }
  const r = fromRange(10).shuffle({ seed: 1 }).map((x: NdArray<'int32'>) => new NdArray('float32', [], [x.data[0] / 2]), { name: 'half' });
  const first: NdArray = await r.get(0, 0);
  const n: number | null = r.cardinality();
  const images = imageFolder('photos', { imageSize: [32, 32], scale: true, labelMode: 'categorical' });
  const [train, val]: [Pipeline, Pipeline] = classFolder('flowers', { imageSize: [8, 8], validationSplit: 0.2, subset: 'both', seed: 1 });
  const one: Pipeline = classFolder('flowers', { labelMode: 'binary', cropToAspectRatio: true, imageSize: [4, 4] });
  const paths: string[] | null = one.filePaths;
  void [train, val, paths];
  const pairs: Pipeline = pairedFolders('levir', { inputs: ['a', 'b'], label: null, imageSize: [64, 64], scale: true, channels: 3 });
  const pairBatch: Record = await pairs.batch(8).batchAt(0, 1);
  const elementSpec: ElementSpec = [{ dtype: 'float32', shape: [null, 2] }, { y: { dtype: 'int32', shape: [] } }];
  const gen: Pipeline = fromGenerator(function* rows() {
    yield [Float32Array.of(1, 2), { y: 3 }];
  }, { elementSpec, name: 'rows' }).shuffle({ bufferSize: 10, seed: 1 });
  const agen: Pipeline = fromGenerator(async function* more() {
    yield { x: new NdArray('uint8', [2], [1, 2]) };
  });
  void [pairBatch, gen, agen];
  const policy: OnError = 'skip';
  const messy: Pipeline = csv('messy.csv', { label: 'y', onError: policy });
  const counts: SkipCounts | null = messy.skipped(0);
  const skipping = [
    imageFolder('photos', { onError: 'skip' }), classFolder('flowers', { onError: 'raise' }),
    pairedFolders('levir', { label: null, onError: 'skip' }), fromGenerator(function* g() { yield 1; }, { onError: 'skip' }),
  ];
  void [counts, skipping.map((s) => s.skipped())];
  const g = new Prng(42);
  const words: number[] = g.state;
  g.state = words;
  const k: number = permute(3, 10, 7, 0) + g.below(5) + g.uniform() + mix32(1) + combine(1, 2);
  const spec: Spec = loadSpec('spec.json');
  const q: Pipeline = pipelineFromSpec(spec, '.');
  const ds = await q.toTfData();
  const codes: readonly string[] = ERROR_CODES;
  const rec: Record = [first, { a: first }];
  try {
    fromRange(1).batch(0);
  } catch (e) {
    const err = e as StreamfitError;
    if (err.code === 'SF_ARG') console.log(err.message);
  }
  const raw: Pipeline = imageFolder('photos', { decode: false });
  const index: PackIndex = await raw.pack('photos_pack', { shardBytes: 64 << 20, variable: ['0'], key: 'v1', progress: false });
  const options: PackedOptions = { order: 'shards', seed: 7, window: 4, verify: true, prefetchBytes: 1 << 28 };
  const fromPack: Pipeline = packed('photos_pack', options).batch(32);
  const cached: Pipeline = classFolder('flowers', { decode: false }).cache('flowers_cache', { key: 'v1' }).shuffle({ seed: 1 });
  const stored: number = index.records + index.shards.length;
  void [fromPack, cached, stored];
  const run = await TrainingRun.create(spec, { backupDir: 'build/backup', progress: true, log: console.log });
  for await (const epoch of run.epochs()) {
    for await (const [step, { xs, ys }] of run.batches()) {
      await run.stepEnd(await run.trainOnBatch(xs, ys));
      void step;
    }
    const row: EpochRow = await run.endEpoch();
    void [epoch, row.val_loss];
  }
  const done: TrainingHistory = await run.finish();
  void done.final_weights_digest;
  const modelJson: string = await saveTfjs(run.model, 'build/m');
  const again = await loadTfjs(modelJson);
  void again;
  void [n, images.summary(), k, ds, codes, rec];
}
void usage;
