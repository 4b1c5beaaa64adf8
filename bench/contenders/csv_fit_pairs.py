"""streamfit CSV fit against in-memory fit in one process, epoch against epoch (the CSV target's ratio).

Two copies of the CSV reference model (same seeded weights): one trains on the in-memory arrays
(as csv_inmem.py: `np.loadtxt` before any clock, `model.fit(x, y, batch_size=250)`, Keras's
shuffle), the other on streamfit (as csv_streamfit.py: csv -> batch(250) -> prefetch(4) ->
`.to_tf()`, file order). They train in epoch pairs (pairs.py). `--steps-per-execution K` compiles
both with it. Fit mode only.

Output: the usual JSON line with the streamfit model's rows/s, plus `pair_ratios` (streamfit /
in-memory rows/s of each pair), `streamed_rates` and `inmem_rates`."""
import os

import streamfit as sf

from common import CSV_BATCH, csv_arrays, csv_model, emit, parse_args
from pairs import run_pairs


def main():
    args = parse_args(__doc__, lambda ap: ap.add_argument("--pairs", type=int, default=4, help="timed epoch pairs"))
    if args.mode != "fit":
        raise SystemExit("csv_fit_pairs.py measures fit only")
    x, y = csv_arrays(args.data_dir)
    pipe = sf.csv(os.path.join(args.data_dir, "xy.csv"), features=["x"], label="y").batch(CSV_BATCH).prefetch(4)
    dataset = pipe.to_tf()
    models = {"inmem": csv_model(args.steps_per_execution), "streamed": csv_model(args.steps_per_execution)}

    def train_epoch(which, callbacks):
        if which == "inmem":
            models[which].fit(x, y, batch_size=CSV_BATCH, epochs=1, callbacks=callbacks, verbose=0)
        else:
            models[which].fit(dataset, epochs=1, callbacks=callbacks, verbose=0)

    emit(run_pairs(train_epoch, len(x), args.pairs, "streamed"))


if __name__ == "__main__":
    main()
