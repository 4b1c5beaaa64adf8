"""CSV held in memory (the reference): xy.csv read once, untimed, with `np.loadtxt` into float32
arrays x (n, 1) and y (n,). alone: numpy batches of 250 through a new random order each epoch (what
fit's default shuffle does); fit: `model.fit(x, y, batch_size=250)` (Keras shuffles by default)."""
import os

import numpy as np

from common import CSV_BATCH, csv_model, emit, parse_args, run_alone, run_fit


def main():
    args = parse_args(__doc__)
    data = np.loadtxt(os.path.join(args.data_dir, "xy.csv"), delimiter=",", skiprows=1, dtype=np.float32)
    x, y = data[:, :1], data[:, 1]
    if args.mode == "alone":
        rng = np.random.default_rng(1)

        def batches(epoch):
            order = rng.permutation(len(x))
            for start in range(0, len(x), CSV_BATCH):
                i = order[start:start + CSV_BATCH]
                yield x[i], y[i]

        emit(run_alone(batches, args.min_seconds))
    else:
        model = csv_model(args.steps_per_execution)
        emit(run_fit(lambda cb: model.fit(x, y, batch_size=CSV_BATCH, epochs=args.epochs, callbacks=cb,
                                          verbose=0), len(x)))


if __name__ == "__main__":
    main()
