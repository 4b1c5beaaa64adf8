"""CSV through streamfit: `csv(xy.csv, features=["x"], label="y")` -> batch(250) -> prefetch(4)
-> `.to_tf()`. File order. With `--batches` (alone only): the pipeline's own numpy batches, no
tensors made (the "CSV -> batches alone" figure)."""
import os

import streamfit as sf

from common import CSV_BATCH, csv_model, csv_rows, emit, parse_args, run_alone, run_fit


def main():
    args = parse_args(__doc__, lambda ap: ap.add_argument(
        "--batches", action="store_true", help="alone: the pipeline's own numpy batches"))
    path = os.path.join(args.data_dir, "xy.csv")
    pipe = sf.csv(path, features=["x"], label="y").batch(CSV_BATCH).prefetch(4)
    dataset = pipe.to_tf()
    if args.batches:
        if args.mode != "alone":
            raise SystemExit("--batches is a mode alone option")
        emit(run_alone(lambda epoch: pipe.iterate(epoch), args.min_seconds))
    elif args.mode == "alone":
        emit(run_alone(lambda epoch: dataset, args.min_seconds))
    else:
        model = csv_model(args.steps_per_execution)
        emit(run_fit(lambda cb: model.fit(dataset, epochs=args.epochs, callbacks=cb, verbose=0), csv_rows(path)))


if __name__ == "__main__":
    main()
