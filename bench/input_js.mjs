// Time a spec's pipeline alone (no training) in Node: prints one JSON line.
// `input_js.mjs SPEC [EPOCHS] [WARM]`: the clock starts when the first batch has
// arrived (start-up such as loading tfjs-node is not counted); the first batch's
// records are not counted either. With WARM > 0 the first WARM epochs are read
// but not timed (a pack's first epoch also checks every shard's sha256).
import path from 'node:path';
import { loadSpec, pipelineFromSpec } from '../js/index.mjs';

const [specPath, epochsArg, warmArg] = process.argv.slice(2);
const epochs = Number(epochsArg ?? 1);
const warm = Number(warmArg ?? 0);
const spec = await loadSpec(specPath);
const pipe = pipelineFromSpec(spec, path.dirname(path.resolve(specPath)));
let records = 0, batches = 0;
let t0 = null;
for (let e = 0; e < epochs; e++) {
  for await (const batch of pipe.iterate(e)) {
    if (e < warm) continue;
    if (t0 === null) {
      t0 = process.hrtime.bigint();
      continue;
    }
    let first = batch;
    while (Array.isArray(first)) first = first[0];
    records += first.shape[0];
    batches += 1;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ language: 'node', records, batches, seconds, records_per_s: records / seconds }));
