"""One epoch of one streamfit source, or one pack, for the memory proof (Python): prints one JSON line.

`memory_stream_py.py SOURCE DIR [--records N] [--prefetch-mb M] [--shard-mb M]`, SOURCE one of:
  csv             DIR/xy.csv (feature x, label y), shuffle(buffer_size=10000, seed=1)
  image_folder    DIR/flat (class in the file name), global shuffle(seed=1)
  class_folder    DIR/classes, global shuffle(seed=1)
  paired_folders  DIR/pairs (time1, time2 -> label masks), global shuffle(seed=1)
  generator       N synthetic records from a user generator (uint8 [64, 64, 3] + int label),
                  shuffle(buffer_size=1000, seed=1); DIR is not read
  packed          DIR/pack, order global, seed 1 (--prefetch-mb: its prefetch_bytes, default the library's)
  bare_generator  the control, no streamfit: the generator's N records stacked by hand into batches of
                  32 (a fresh array each), no shuffle; DIR is not read
then (streamfit sources) batch(32); every batch of epoch 0 is read (the pipeline's own numpy batches, no TensorFlow
tensors). SOURCE `pack` instead writes the generator's N records to DIR/pack (--shard-mb MiB
shards, default 32) with Pipeline.pack. bench/memory.py runs it in a fresh process at 1x and 10x
the data and compares the process's peak RSS. The twin is bench/memory_stream_js.mjs: the same
pipelines, the same records (and byte-identical packs).
Prints {"records", "seconds", "records_per_s"} (pack adds "shards"): the clock runs from building
the pipeline (the listing included) to the end of the epoch; the image sources load TensorFlow, which
decodes for them, before it starts (the process loads it either way: its peak RSS is the same).
"""
import argparse
import json
import os
import time

import numpy as np

import streamfit as sf

SOURCES = ("csv", "image_folder", "class_folder", "paired_folders", "generator", "packed")
IMAGES = ("image_folder", "class_folder", "paired_folders")
MODES = SOURCES + ("pack", "bare_generator")
SIDE = 64
PATTERN = (np.arange(SIDE * SIDE * 3 + 251) % 251).astype(np.uint8)


def pictures(n):
    """A user generator of n records: record i is bytes (k + i) % 251 (k = 0.. in C order), label i % 3."""
    def gen():
        for i in range(n):
            start = i % 251
            yield PATTERN[start:start + SIDE * SIDE * 3].reshape(SIDE, SIDE, 3).copy(), i % 3
    return gen


def bare_batches(n):
    """The control (memory.py): the same user generator's records stacked by hand into batches of 32
    (fresh arrays), no streamfit."""
    x = y = None
    k = 0
    for image, label in pictures(n)():
        if k == 0:
            x, y = np.empty((32, SIDE, SIDE, 3), np.uint8), np.empty(32, np.int64)
        x[k], y[k] = image, label
        k += 1
        if k == 32:
            yield x, y
            k = 0
    if k:
        yield x[:k], y[:k]


def pipeline(source, folder, records, prefetch_mb=None):
    if source == "csv":
        return sf.csv(os.path.join(folder, "xy.csv"), features=["x"], label="y").shuffle(buffer_size=10000, seed=1)
    if source == "image_folder":
        return sf.image_folder(os.path.join(folder, "flat")).shuffle(seed=1)
    if source == "class_folder":
        return sf.class_folder(os.path.join(folder, "classes")).shuffle(seed=1)
    if source == "paired_folders":
        return sf.paired_folders(os.path.join(folder, "pairs")).shuffle(seed=1)
    if source == "generator":
        return sf.from_generator(pictures(records), name="pictures").shuffle(buffer_size=1000, seed=1)
    budget = {} if prefetch_mb is None else {"prefetch_bytes": int(prefetch_mb * 2**20)}
    return sf.packed(os.path.join(folder, "pack"), order="global", seed=1, **budget)


def first_leaf(batch):
    while isinstance(batch, (tuple, list)):
        batch = batch[0]
    return batch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", choices=MODES)
    ap.add_argument("dir")
    ap.add_argument("--records", type=int, default=20000, help="records of the generator source")
    ap.add_argument("--prefetch-mb", type=float, default=None, help="prefetch_bytes of the packed source, MiB")
    ap.add_argument("--shard-mb", type=float, default=32, help="shard size of pack, MiB")
    args = ap.parse_args()
    if args.source == "pack":
        t0 = time.perf_counter()
        index = sf.from_generator(pictures(args.records), name="pictures").pack(
            os.path.join(args.dir, "pack"), shard_bytes=int(args.shard_mb * 2**20), progress=False)
        seconds = time.perf_counter() - t0
        print(json.dumps({"language": "python", "source": "pack", "records": index["records"],
                          "shards": len(index["shards"]), "seconds": seconds,
                          "records_per_s": index["records"] / seconds}))
        return
    if args.source in IMAGES:
        from streamfit.tf import import_tf

        import_tf()
    t0 = time.perf_counter()
    count = 0
    batches = bare_batches(args.records) if args.source == "bare_generator" else \
        pipeline(args.source, args.dir, args.records, args.prefetch_mb).batch(32).iterate(0)
    for batch in batches:
        count += first_leaf(batch).shape[0]
    seconds = time.perf_counter() - t0
    print(json.dumps({"language": "python", "source": args.source, "records": count, "seconds": seconds,
                      "records_per_s": count / seconds}))


if __name__ == "__main__":
    main()
