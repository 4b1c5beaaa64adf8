"""In-memory reference for the fit figures (Python): prints one JSON line.

Loads the whole CSV (or the whole pack, mapped as the spec's `map(divide)` says)
into numpy arrays first (what you do when it fits in RAM),
builds the spec's model with the same initial weights, and times epochs 2..E of
`model.fit` on those arrays (E = the spec's train.epochs, at least 2) with the spec's batch size.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402

from streamfit import load_spec  # noqa: E402
from streamfit.tf import import_tf  # noqa: E402
from streamfit.tf.model import build_model, make_loss, make_optimizer  # noqa: E402


def main(spec_path):
    spec = load_spec(spec_path)
    src = spec["source"]
    if src["type"] == "packed":
        import streamfit as sf

        pairs = list(sf.packed(src["path"]).iterate(0))
        x, y = np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])
        for op in spec["ops"]:
            if op["op"] == "map" and op["fn"] == "divide":
                x = x.astype(np.float32) / np.float32(op["value"])
    else:
        data = np.loadtxt(src["path"], delimiter=",", skiprows=1, dtype=np.float32)
        x, y = data[:, :1], data[:, 1]
    batch = next(op["batch_size"] for op in spec["ops"] if op["op"] == "batch")
    model, _, _ = build_model(spec["model"])
    tr = spec["train"]
    model.compile(loss=make_loss(tr["loss"]), optimizer=make_optimizer(tr["optimizer"]))
    tf = import_tf()
    times = []

    class Timer(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t)

    epochs = max(2, int(tr.get("epochs", 2)))
    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0, callbacks=[Timer()])
    seconds = sum(times[1:])
    records = len(x) * (epochs - 1)
    print(json.dumps({"language": "python", "records": records, "seconds": seconds,
                      "records_per_s": records / seconds}))


if __name__ == "__main__":
    main(sys.argv[1])
