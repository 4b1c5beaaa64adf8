// Runs every shared golden fixture (SPEC.md §7) against the Node package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mix32, combine, Prng, permute, pipelineFromSpec, digest, NdArray } from '../../js/index.mjs';
import { bufferShuffle } from '../../js/src/ops/shuffle.mjs';
import { toValues } from '../../js/src/core/record.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared_fixtures');
const VECTORS = join(ROOT, 'vectors');
const CASES = join(ROOT, 'cases');

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function walk(dir) {
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run make golden`);
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return walk(p);
    return name.endsWith('.json') ? [p] : [];
  });
}

const vector = (name) => readJson(join(VECTORS, name)); // a missing vector file fails the test

test('vectors/prng.json', () => {
  const v = vector('prng.json');
  for (const [x, out] of v.mix32) assert.equal(mix32(x), out, `mix32(${x})`);
  for (const [h, w, out] of v.combine) assert.equal(combine(h, w), out, `combine(${h}, ${w})`);
  for (const c of v.next_u32) {
    const g = new Prng(c.seed);
    assert.deepEqual(c.values.map(() => g.nextU32()), c.values, `next_u32 seed ${c.seed}`);
  }
  for (const c of v.below) {
    const g = new Prng(c.seed);
    assert.deepEqual(c.values.map(() => g.below(c.n)), c.values, `below seed ${c.seed} n ${c.n}`);
  }
  for (const c of v.uniform) {
    const g = new Prng(c.seed);
    assert.deepEqual(c.values.map(() => g.uniform()), c.values, `uniform seed ${c.seed}`);
  }
});

test('vectors/permute.json', () => {
  for (const c of vector('permute.json').cases) {
    const where = `n=${c.n} seed=${c.seed} epoch=${c.epoch}`;
    if (c.order) assert.deepEqual(c.order.map((_, i) => permute(i, c.n, c.seed, c.epoch)), c.order, where);
    for (const [i, out] of c.samples ?? []) assert.equal(permute(i, c.n, c.seed, c.epoch), out, `${where} i=${i}`);
  }
});

test('vectors/buffer_shuffle.json', async () => {
  for (const c of vector('buffer_shuffle.json').cases) {
    async function* input() {
      for (let i = 0; i < c.n; i++) yield i;
    }
    const out = [];
    for await (const x of bufferShuffle(input(), c.buffer_size, c.seed, c.epoch)) out.push(x);
    assert.deepEqual(out, c.order, `n=${c.n} B=${c.buffer_size} seed=${c.seed} epoch=${c.epoch}`);
  }
});

// The buffer keeps its own copies of records of 1 KiB or more (shuffle.mjs): the
// same vectors over such records, their layout changing every third record.
test('vectors/buffer_shuffle.json over records the buffer copies', async () => {
  for (const c of vector('buffer_shuffle.json').cases) {
    async function* input() {
      for (let i = 0; i < c.n; i++) {
        const shape = i % 3 === 0 ? [600, 2] : [1200];
        yield [new NdArray('uint8', shape, new Uint8Array(1200).fill(i % 251)), NdArray.scalar('int32', i)];
      }
    }
    const order = [];
    for await (const [x, i] of bufferShuffle(input(), c.buffer_size, c.seed, c.epoch)) {
      const k = i.data[0];
      assert.deepEqual(x.shape, k % 3 === 0 ? [600, 2] : [1200]);
      assert.ok(x.data.every((v) => v === k % 251), `record ${k}'s bytes`);
      order.push(k);
    }
    assert.deepEqual(order, c.order, `n=${c.n} B=${c.buffer_size} seed=${c.seed} epoch=${c.epoch}`);
  }
});

async function runEpoch(pipeline, epoch, expect) {
  const out = [];
  for await (const element of pipeline.iterate(epoch)) out.push(expect === 'digests' ? digest(element) : toValues(element));
  return out;
}

/**
 * A writer case (SPEC.md §7, cases/pack): packing `spec` with the case's key,
 * shard_bytes and variable writes exactly the reference's shard files, and an
 * index.json equal to its one except for `producer`.
 */
async function runPackCase(c, baseDir) {
  const p = pipelineFromSpec(c.spec, baseDir);
  assert.equal(p.summary(), c.summary);
  const tmp = mkdtempSync(join(tmpdir(), 'streamfit-pack-case-'));
  try {
    const out = join(tmp, c.name);
    const info = await p.pack(out, { shardBytes: c.shard_bytes, variable: c.variable, key: c.key, progress: false });
    const want = join(baseDir, c.pack);
    const wantIndex = readJson(join(want, 'index.json'));
    const gotIndex = readJson(join(out, 'index.json'));
    const { producer, ...got } = gotIndex;
    const { producer: _ref, ...expected } = wantIndex;
    assert.deepEqual(got, expected, 'index.json without producer');
    assert.deepEqual(producer, { language: 'node', pipeline: c.summary, spec: null });
    assert.deepEqual(info, gotIndex, 'pack() resolves to the index it wrote');
    const files = readdirSync(want).sort();
    assert.deepEqual(readdirSync(out).sort(), files);
    for (const f of files) {
      if (f !== 'index.json') assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(want, f))), `${f} is byte-identical`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

for (const file of walk(CASES)) {
  const name = relative(CASES, file);
  test(`case ${name}`, async () => {
    const c = readJson(file);
    const baseDir = dirname(file);
    if (relative(CASES, dirname(file)) === 'pack') {
      await runPackCase(c, baseDir);
      return;
    }
    if (c.expect === 'error') {
      await assert.rejects(
        async () => {
          const p = pipelineFromSpec(c.spec, baseDir);
          await runEpoch(p, 0, 'values');
        },
        (err) => {
          assert.equal(err.code, c.error.code, `code (message: ${err.message})`);
          for (const s of c.error.message_contains) assert.ok(err.message.includes(s), `message ${JSON.stringify(err.message)} should contain ${JSON.stringify(s)}`);
          return true;
        },
      );
      return;
    }
    const p = pipelineFromSpec(c.spec, baseDir);
    for (const epoch of c.epochs) {
      const got = await runEpoch(p, epoch, c.expect);
      assert.deepEqual(got, c.expected[String(epoch)], `epoch ${epoch}`);
      // SPEC.md §7: after reading epoch e to its end, skipped(e) equals skipped[e] (SPEC.md §4.6).
      if (c.skipped !== undefined && c.skipped !== null && String(epoch) in c.skipped) {
        assert.deepEqual(p.skipped(epoch), c.skipped[String(epoch)], `skipped(${epoch})`);
      }
    }
  });
}
