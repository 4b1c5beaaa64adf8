"""Time a spec's pipeline alone (no training) in Python: prints one JSON line.

`input_py.py SPEC [EPOCHS] [WARM]`: the clock starts when the first batch has
arrived, so one-time start-up (importing TensorFlow, its first kernel call) is
not counted; the first batch's records are not counted either. With WARM > 0,
the first WARM epochs are read but not timed (e.g. a pack's first epoch, which
also checks every shard's sha256), and the clock starts with epoch WARM.
"""
import json
import os
import sys
import time

import streamfit


def main(spec_path, epochs=1, warm=0):
    spec = streamfit.load_spec(spec_path)
    pipe = streamfit.pipeline_from_spec(spec, os.path.dirname(os.path.abspath(spec_path)))
    records = batches = 0
    t0 = None
    for e in range(epochs):
        for batch in pipe.iterate(e):
            if e < warm:
                continue
            if t0 is None:
                t0 = time.perf_counter()
                continue
            first = batch[0] if isinstance(batch, tuple) else batch
            while isinstance(first, (tuple, list)):
                first = first[0]
            records += first.shape[0]
            batches += 1
    dt = time.perf_counter() - t0
    print(json.dumps({"language": "python", "records": records, "batches": batches, "seconds": dt,
                      "records_per_s": records / dt}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1, int(sys.argv[3]) if len(sys.argv) > 3 else 0)
