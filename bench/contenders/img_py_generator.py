"""Images, the hand-written way: a Python generator opens each JPEG with PIL, batches of 32,
reshuffled each epoch with `random.shuffle`, wrapped in `tf.data.Dataset.from_generator` (+ prefetch)."""
import os
import random

import numpy as np
from PIL import Image

from common import CLASSES, IMAGE_BATCH, image_files, parse_args, run_dataset

import tensorflow as tf  # noqa: E402  (after common, which quiets TensorFlow's log)


def main():
    args = parse_args(__doc__)
    files = image_files(args.data_dir)
    label_of = {name: i for i, name in enumerate(CLASSES)}
    random.seed(1)

    def batches():
        random.shuffle(files)
        for start in range(0, len(files), IMAGE_BATCH):
            chunk = files[start:start + IMAGE_BATCH]
            x = np.stack([np.asarray(Image.open(p).convert("RGB"), np.float32) / 255.0 for p in chunk])
            y = np.array([label_of[os.path.basename(p).split("_")[0]] for p in chunk], np.int32)
            yield x, y

    s = args.size
    dataset = tf.data.Dataset.from_generator(batches, output_signature=(
        tf.TensorSpec((None, s, s, 3), tf.float32), tf.TensorSpec((None,), tf.int32))).prefetch(tf.data.AUTOTUNE)
    run_dataset(args, dataset, "images")


if __name__ == "__main__":
    main()
