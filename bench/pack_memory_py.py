"""Peak-memory probe for packs (Python): `pack_memory_py.py pack|stream DIR RECORDS`.

`pack` packs RECORDS synthetic records (uint8 [64, 64, 3] pictures + an int32 label,
made by a generator, so no input data has to exist) into DIR with 32 MiB shards;
`stream` reads DIR back in global order in batches of 64. Each prints one JSON line;
bench/packed.py runs both at 1x and 10x the records and compares peak RSS.
"""
import json
import sys
import time

import numpy as np

import streamfit as sf


def records(n):
    def gen():
        base = np.arange(64 * 64 * 3, dtype=np.uint32).reshape(64, 64, 3)
        for i in range(n):
            yield ((base + i) % 251).astype(np.uint8), np.int32(i % 10)
    return gen


def main(mode, folder, n):
    t0 = time.perf_counter()
    if mode == "pack":
        sf.from_generator(records(n), name="pictures").pack(folder, shard_bytes=32 * 2**20, progress=False)
        count = n
    else:
        count = 0
        for x, _ in sf.packed(folder, order="global", seed=1).batch(64).iterate(0):
            count += x.shape[0]
    dt = time.perf_counter() - t0
    print(json.dumps({"language": "python", "mode": mode, "records": count, "seconds": dt,
                      "records_per_s": count / dt}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
