"""CSV through streamfit: `csv(xy.csv, features=["x"], label="y")` -> batch(250) -> prefetch(4)
-> `.to_tf()`. File order. With `--batches` (alone only): the pipeline's own numpy batches, no
tensors made (the "CSV -> batches alone" figure)."""
import os

import streamfit as sf

from common import CSV_BATCH, emit, parse_args, run_alone, run_dataset


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
    else:
        run_dataset(args, dataset, "csv")


if __name__ == "__main__":
    main()
