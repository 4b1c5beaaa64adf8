"""What every Python contender shares (the contract is README.md in this folder).

A contender builds its input the way its users write it, then hands it to one of two runners:

    args = parse_args(__doc__)
    if args.mode == "alone":
        emit(run_alone(lambda epoch: dataset, args.min_seconds))     # one iterable of batches per epoch
    else:
        model = image_model(args.size, args.steps_per_execution)
        emit(run_fit(lambda cb: model.fit(dataset, epochs=args.epochs, callbacks=cb, verbose=0),
                     records_per_epoch=n))

- `run_alone` reads epoch 0 untimed (file cache, tracing, checksums), then times whole epochs
  until they add up to `min_seconds` or 30 epochs have been read in all; it counts the samples
  from each batch's first dimension.
- `run_fit` times epochs 2..E with a Keras callback (epoch 1 traces the graph); the samples are
  `records_per_epoch` per timed epoch (a streamed epoch has no length Keras could report).
- The reference models are built with `keras.utils.set_random_seed(1)`, so every contender of a
  kind starts from the same weights and the fit figures differ by their input only.
- `emit` prints the result as the last line of stdout, the one `bench/suite.py` reads.
"""
import argparse
import json
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402

CLASSES = ["circle", "square", "triangle"]  # labels 0, 1, 2: the prefix of each file name
IMAGE_BATCH = 32
CSV_BATCH = 250
MAX_EPOCHS = 30  # alone: epochs read in all, the untimed first one included


def parse_args(description, add_arguments=None):
    """`DATA_DIR MODE [--size S] [--epochs E] [--min-seconds T] [--steps-per-execution K]`."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("data_dir")
    ap.add_argument("mode", choices=["alone", "fit"])
    ap.add_argument("--size", type=int, default=128, help="image side in pixels")
    ap.add_argument("--epochs", type=int, default=2, help="fit: epochs, all but the first timed")
    ap.add_argument("--min-seconds", type=float, default=2.0, help="alone: timed seconds at least")
    ap.add_argument("--steps-per-execution", type=int, default=1, help="fit: Keras compile(steps_per_execution)")
    if add_arguments:
        add_arguments(ap)
    args = ap.parse_args()
    if args.mode == "fit" and args.epochs < 2:
        ap.error(f"--epochs must be at least 2 in fit mode (the first is not timed), got {args.epochs}")
    return args


def image_files(data_dir):
    """The flat folder's JPEG paths, sorted."""
    flat = os.path.join(data_dir, "flat")
    return sorted(os.path.join(flat, n) for n in os.listdir(flat) if n.endswith(".jpg"))


def image_arrays(data_dir):
    """flat/ decoded once (PIL) into one float32 [N, S, S, 3] array / 255 and int32 labels (the in-memory
    reference's data)."""
    from PIL import Image

    files = image_files(data_dir)
    x = np.stack([np.asarray(Image.open(p).convert("RGB"), np.float32) / 255.0 for p in files])
    y = np.array([CLASSES.index(os.path.basename(p).split("_")[0]) for p in files], np.int32)
    return x, y


def csv_arrays(data_dir):
    """xy.csv read with `np.loadtxt` into float32 x (n, 1) and y (n,) (the in-memory reference's data)."""
    data = np.loadtxt(os.path.join(data_dir, "xy.csv"), delimiter=",", skiprows=1, dtype=np.float32)
    return data[:, :1], data[:, 1]


def csv_rows(path):
    """Data rows of a CSV with a header line (newlines counted in 1 MiB blocks)."""
    lines = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
    return lines - 1


def image_model(size, steps_per_execution=1):
    """Conv2D(16) -> MaxPool -> Conv2D(32) -> MaxPool -> Flatten -> Dense(64) -> Dense(3) logits, SGD(0.01)."""
    keras.utils.set_random_seed(1)
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((size, size, 3)),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=steps_per_execution)
    return model


def csv_model(steps_per_execution=1):
    """Dense(16, relu) -> Dense(8, relu) -> Dense(1) on one feature; MAE, Adam(0.001)."""
    keras.utils.set_random_seed(1)
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((1,)), layers.Dense(16, activation="relu"), layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="mae", steps_per_execution=steps_per_execution)
    return model


def _samples(batch):
    first = batch
    while isinstance(first, (tuple, list, dict)):
        first = next(iter(first.values())) if isinstance(first, dict) else first[0]
    return int(first.shape[0])


def _result(records, seconds, epochs, first_epoch_s):
    return {"records": records, "seconds": seconds, "records_per_s": records / seconds,
            "epochs": epochs, "first_epoch_s": first_epoch_s}


def run_alone(make_epoch_iterable, min_seconds=2.0, max_epochs=MAX_EPOCHS):
    """Iterate `make_epoch_iterable(epoch)` (batches) epoch after epoch; epoch 0 is not timed."""
    t0 = time.perf_counter()
    for _ in make_epoch_iterable(0):
        pass
    first_epoch_s = time.perf_counter() - t0
    records, seconds, epoch = 0, 0.0, 1
    while epoch == 1 or (epoch < max_epochs and seconds < min_seconds):  # one timed epoch at least
        t0 = time.perf_counter()
        records += sum(_samples(batch) for batch in make_epoch_iterable(epoch))
        seconds += time.perf_counter() - t0
        epoch += 1
    return _result(records, seconds, epoch - 1, first_epoch_s)


class EpochTimer(keras.callbacks.Callback):
    """Seconds of each epoch, from Keras's own epoch callbacks."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.t0)


def run_fit(fit_callable, records_per_epoch):
    """Call `fit_callable(callbacks)` (a `model.fit(...)` passing them on); time epochs 2..E."""
    timer = EpochTimer()
    fit_callable([timer])
    timed = timer.seconds[1:]
    if not timed:
        raise SystemExit("fit ran fewer than 2 epochs: nothing was timed")
    return _result(records_per_epoch * len(timed), sum(timed), len(timed), timer.seconds[0])


def run_dataset(args, dataset, kind):
    """The usual end of a contender: read `dataset` alone, or train the kind's ("images" or "csv")
    reference model on it; prints the result."""
    if args.mode == "alone":
        emit(run_alone(lambda epoch: dataset, args.min_seconds))
        return
    if kind == "images":
        model, n = image_model(args.size, args.steps_per_execution), len(image_files(args.data_dir))
    else:
        model, n = csv_model(args.steps_per_execution), csv_rows(os.path.join(args.data_dir, "xy.csv"))
    emit(run_fit(lambda cb: model.fit(dataset, epochs=args.epochs, callbacks=cb, verbose=0), n))


def run_arrays(args, x, y, batch, model_fn):
    """The in-memory reference: alone, numpy batches gathered through a new permutation each epoch
    (what fit does for its input); fit, `model_fn().fit(x, y, batch_size=batch, shuffle=True)`."""
    if args.mode == "alone":
        rng = np.random.default_rng(1)  # benchmark order only: nothing is compared across languages

        def batches(epoch):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch):
                i = order[start:start + batch]
                yield x[i], y[i]

        emit(run_alone(batches, args.min_seconds))
        return
    model = model_fn()
    emit(run_fit(lambda cb: model.fit(x, y, batch_size=batch, epochs=args.epochs, shuffle=True, callbacks=cb,
                                      verbose=0), len(x)))


def emit(result):
    """The result as one JSON line, the last of stdout."""
    print(json.dumps(result), flush=True)
