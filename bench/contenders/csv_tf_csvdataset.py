"""CSV, tf.data native: `tf.data.experimental.CsvDataset(xy.csv, [float32, float32], header=True)`
-> batch(250) -> map to (x[:, None], y) -> prefetch. File order."""
import os

from common import CSV_BATCH, parse_args, run_dataset

import tensorflow as tf  # noqa: E402  (after common, which quiets TensorFlow's log)


def main():
    args = parse_args(__doc__)
    path = os.path.join(args.data_dir, "xy.csv")
    dataset = (tf.data.experimental.CsvDataset(path, [tf.float32, tf.float32], header=True)
               .batch(CSV_BATCH)
               .map(lambda x, y: (x[:, None], y))
               .prefetch(tf.data.AUTOTUNE))
    run_dataset(args, dataset, "csv")

if __name__ == "__main__":
    main()
