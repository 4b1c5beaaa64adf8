"""CSV, the hand-written way: a Python generator reads xy.csv line by line (header skipped), splits
each line and yields numpy batches of 250 rows (x (250, 1), y (250,)), wrapped in
`tf.data.Dataset.from_generator` (+ prefetch). File order, as a stream is read."""
import os

import numpy as np

from common import CSV_BATCH, parse_args, run_dataset

import tensorflow as tf  # noqa: E402  (after common, which quiets TensorFlow's log)


def main():
    args = parse_args(__doc__)
    path = os.path.join(args.data_dir, "xy.csv")

    def batches():
        with open(path) as f:
            next(f)  # header
            xs, ys = [], []
            for line in f:
                a, b = line.split(",")
                xs.append(float(a))
                ys.append(float(b))
                if len(xs) == CSV_BATCH:
                    yield np.array(xs, np.float32)[:, None], np.array(ys, np.float32)
                    xs, ys = [], []
            if xs:
                yield np.array(xs, np.float32)[:, None], np.array(ys, np.float32)

    dataset = tf.data.Dataset.from_generator(batches, output_signature=(
        tf.TensorSpec((None, 1), tf.float32), tf.TensorSpec((None,), tf.float32))).prefetch(tf.data.AUTOTUNE)
    run_dataset(args, dataset, "csv")

if __name__ == "__main__":
    main()
