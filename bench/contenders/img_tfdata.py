"""Images, tf.data native: `list_files(shuffle=True, seed=1)` (a new order each epoch) -> map(read_file,
decode_jpeg, /255, label from the file name through a lookup table; parallel) -> batch(32) -> prefetch."""
import os

from common import CLASSES, IMAGE_BATCH, parse_args, run_dataset

import tensorflow as tf  # noqa: E402  (after common, which quiets TensorFlow's log)


def main():
    args = parse_args(__doc__)
    s = args.size
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(CLASSES), tf.range(len(CLASSES), dtype=tf.int32)), -1)

    def load(path):
        image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
        image = tf.cast(image, tf.float32) / 255.0
        image.set_shape((s, s, 3))
        name = tf.strings.split(path, os.sep)[-1]
        return image, table.lookup(tf.strings.split(name, "_")[0])

    dataset = (tf.data.Dataset.list_files(os.path.join(args.data_dir, "flat", "*.jpg"), shuffle=True, seed=1)
               .map(load, num_parallel_calls=tf.data.AUTOTUNE)
               .batch(IMAGE_BATCH)
               .prefetch(tf.data.AUTOTUNE))
    run_dataset(args, dataset, "images")

if __name__ == "__main__":
    main()
