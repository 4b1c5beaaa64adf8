"""Throughput of ``packed -> batch`` for 128x128x3 uint8 images (not a test: run it by hand).

    .venv/bin/python bench/packed_orders_py.py [--records 20000] [--batch 32] [--dir /tmp/sf_bench]

Writes a pack of synthetic images once (kept in ``--dir`` for later runs), then
reads it in each order, with and without ``verify``, and prints images/s per epoch.
Epoch 0 with ``verify`` includes the sha256 of every shard (about 1.5 GB/s per core).
"""

import argparse
import os
import time

import numpy as np

import streamfit as sf


def make(folder: str, records: int) -> None:
    base = np.random.RandomState(0).randint(0, 256, (64, 128, 128, 3)).astype(np.uint8)

    def image(r):
        k = int(r)
        return base[k % 64] ^ np.uint8(k % 251), np.int32(k % 10)

    t = time.perf_counter()
    info = sf.from_range(records).map(image).pack(folder, shard_bytes=64 << 20, key="bench", progress=True)
    dt = time.perf_counter() - t
    print(f"pack: {info['records']} records, {len(info['shards'])} shards, {dt:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--dir", default="/tmp/sf_bench")
    args = ap.parse_args()
    folder = os.path.join(args.dir, f"images128_{args.records}")
    make(folder, args.records)  # a no-op when the pack is there
    for kw in ({}, {"order": "global", "seed": 1}, {"order": "shards", "seed": 1, "window": 2}):
        for verify in (True, False):
            pipe = sf.packed(folder, verify=verify, **kw).batch(args.batch)
            for epoch in range(3):
                t = time.perf_counter()
                n = sum(int(y.shape[0]) for _, y in pipe.iterate(epoch))
                dt = time.perf_counter() - t
                print(f"{kw.get('order', 'sequential'):10s} verify={verify!s:5s} B={args.batch} epoch {epoch}: "
                      f"{n / dt:10,.0f} img/s")


if __name__ == "__main__":
    main()
