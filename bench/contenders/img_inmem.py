"""Images held in memory (the reference): every JPEG decoded once, untimed, into one float32 array
/255 plus int labels. alone: numpy batches of 32 through a new random order each epoch (a gather per
batch); fit: `model.fit(x, y, batch_size=32, shuffle=True)`."""
import os

import numpy as np
from PIL import Image

from common import CLASSES, IMAGE_BATCH, image_files, image_model, parse_args, run_arrays


def main():
    args = parse_args(__doc__)
    files = image_files(args.data_dir)
    x = np.stack([np.asarray(Image.open(p).convert("RGB"), np.float32) / 255.0 for p in files])
    y = np.array([CLASSES.index(os.path.basename(p).split("_")[0]) for p in files], np.int32)
    run_arrays(args, x, y, IMAGE_BATCH, lambda: image_model(args.size, args.steps_per_execution))

if __name__ == "__main__":
    main()
