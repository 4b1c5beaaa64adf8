"""CSV, tf.data native: `tf.data.experimental.CsvDataset(xy.csv, [float32, float32], header=True)`
-> batch(250) -> map to (x[:, None], y) -> prefetch. File order."""
import os

from common import CSV_BATCH, csv_model, csv_rows, emit, parse_args, run_alone, run_fit

import tensorflow as tf  # noqa: E402  (after common, which quiets TensorFlow's log)


def main():
    args = parse_args(__doc__)
    path = os.path.join(args.data_dir, "xy.csv")
    dataset = (tf.data.experimental.CsvDataset(path, [tf.float32, tf.float32], header=True)
               .batch(CSV_BATCH)
               .map(lambda x, y: (x[:, None], y))
               .prefetch(tf.data.AUTOTUNE))
    if args.mode == "alone":
        emit(run_alone(lambda epoch: dataset, args.min_seconds))
    else:
        model = csv_model(args.steps_per_execution)
        emit(run_fit(lambda cb: model.fit(dataset, epochs=args.epochs, callbacks=cb, verbose=0), csv_rows(path)))


if __name__ == "__main__":
    main()
