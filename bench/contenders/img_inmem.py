"""Images held in memory (the reference): every JPEG decoded once, untimed, into one float32 array
/255 plus int labels. alone: numpy batches of 32 through a new random order each epoch (a gather per
batch); fit: `model.fit(x, y, batch_size=32, shuffle=True)`."""
import os

import numpy as np
from PIL import Image

from common import CLASSES, IMAGE_BATCH, emit, image_files, image_model, parse_args, run_alone, run_fit


def main():
    args = parse_args(__doc__)
    files = image_files(args.data_dir)
    x = np.stack([np.asarray(Image.open(p).convert("RGB"), np.float32) / 255.0 for p in files])
    y = np.array([CLASSES.index(os.path.basename(p).split("_")[0]) for p in files], np.int32)
    if args.mode == "alone":
        rng = np.random.default_rng(1)

        def batches(epoch):
            order = rng.permutation(len(x))
            for start in range(0, len(x), IMAGE_BATCH):
                i = order[start:start + IMAGE_BATCH]
                yield x[i], y[i]

        emit(run_alone(batches, args.min_seconds))
    else:
        model = image_model(args.size, args.steps_per_execution)
        emit(run_fit(lambda cb: model.fit(x, y, batch_size=IMAGE_BATCH, epochs=args.epochs, shuffle=True,
                                          callbacks=cb, verbose=0), len(x)))


if __name__ == "__main__":
    main()
