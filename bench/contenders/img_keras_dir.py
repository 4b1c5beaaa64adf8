"""Images, Keras's own loader: `image_dataset_from_directory(classes/, shuffle=True, seed=1)` (a new
order each epoch; classes in alphabetical order, so circle, square, triangle = 0, 1, 2), rescaled
with `.map(x / 255)`, prefetch."""
import os

from common import IMAGE_BATCH, parse_args, run_dataset

import keras  # noqa: E402  (after common, which quiets TensorFlow's log)
import tensorflow as tf  # noqa: E402


def main():
    args = parse_args(__doc__)
    s = args.size
    dataset = keras.utils.image_dataset_from_directory(
        os.path.join(args.data_dir, "classes"), image_size=(s, s), batch_size=IMAGE_BATCH, label_mode="int",
        shuffle=True, seed=1)
    dataset = dataset.map(lambda x, y: (x / 255.0, y)).prefetch(tf.data.AUTOTUNE)
    run_dataset(args, dataset, "images")

if __name__ == "__main__":
    main()
