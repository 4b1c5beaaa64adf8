"""Packed fit against in-memory fit in one process, epoch against epoch (the pack issue's ratio).

Two copies of the reference image model (same seeded weights): one trains on the in-memory arrays
(`model.fit(x, y, batch_size=32, shuffle=True)`, as img_inmem.py), the other on the pack (as
`img_streamfit.py --packed`: global order, batch 32, divide by 255, prefetch 4, `.to_tf()`). An epoch
is --repeat passes over the images (default 5: the suite's 320 images make 1,600 an epoch, 50 steps;
the arrays are concatenated that many times, the pipeline gets a `repeat` before its batch), so that
starting an epoch (to_tf's new iterator and the pipeline's first block: ~25 ms here with
from_generator, less since to_tf's own bridge) weighs on the ratio as it does in an epoch of
realistic length, not 5x as much. They train in epoch pairs (pairs.py). Fit mode only.

Output: the usual JSON line with the packed model's samples/s, plus `pair_ratios` (packed / in-memory
samples/s of each pair), `packed_rates` and `inmem_rates`."""
import numpy as np

from common import IMAGE_BATCH, emit, image_arrays, image_model, parse_args
from img_streamfit import pipeline
from pairs import run_pairs


def main():
    def options(ap):
        ap.add_argument("--pairs", type=int, default=4, help="timed epoch pairs")
        ap.add_argument("--repeat", type=int, default=5, help="passes over the images in one epoch")

    args = parse_args(__doc__, options)
    if args.mode != "fit":
        raise SystemExit("img_fit_pairs.py measures fit only")
    if args.repeat < 1:
        raise SystemExit(f"--repeat must be at least 1, got {args.repeat}")
    x, y = image_arrays(args.data_dir)
    x, y = np.concatenate([x] * args.repeat), np.concatenate([y] * args.repeat)
    args.packed, args.uint8 = True, False
    dataset = pipeline(args, args.repeat).to_tf()
    models = {"inmem": image_model(args.size, args.steps_per_execution),
              "packed": image_model(args.size, args.steps_per_execution)}

    def train_epoch(which, callbacks):
        if which == "inmem":
            models[which].fit(x, y, batch_size=IMAGE_BATCH, epochs=1, shuffle=True, callbacks=callbacks, verbose=0)
        else:
            models[which].fit(dataset, epochs=1, callbacks=callbacks, verbose=0)

    emit(run_pairs(train_epoch, len(x), args.pairs, "packed"))


if __name__ == "__main__":
    main()
