"""Images through streamfit: `image_folder(flat/, scale=True)` -> shuffle(seed=1) (global, a new order
each epoch) -> batch(32) -> prefetch(4) -> `.to_tf()`. With `--packed`: the pack of flat/ in DATA_DIR/pack
(uint8 pixels decoded once), global order with seed 1, batch(32), the spec's built-in `divide` by 255,
prefetch(4), `.to_tf()`. With `--packed --uint8` (alone only): no divide, and the pipeline's own uint8
numpy batches are read, no tensors made (the "packed -> batches alone" figure of the pack issue)."""
import os

import streamfit as sf

from common import IMAGE_BATCH, emit, parse_args, run_alone, run_dataset


def pipeline(args, repeat=1):
    """The contender's pipeline; with --packed, ``repeat`` > 1 passes over the pack in one epoch (the
    epoch pairs, img_fit_pairs.py)."""
    if not args.packed:
        return (sf.image_folder(os.path.join(args.data_dir, "flat"), scale=True)
                .shuffle(seed=1).batch(IMAGE_BATCH).prefetch(4))
    return sf.pipeline_from_spec({
        "source": {"type": "packed", "path": os.path.join(args.data_dir, "pack"), "order": "global", "seed": 1},
        "ops": ([{"op": "repeat", "count": repeat}] if repeat > 1 else [])
        + [{"op": "batch", "batch_size": IMAGE_BATCH}]
        + ([] if args.uint8 else [{"op": "map", "fn": "divide", "value": 255}])
        + [{"op": "prefetch", "buffer_size": 4}]})


def main():
    def options(ap):
        ap.add_argument("--packed", action="store_true", help="read DATA_DIR/pack (a streamfit pack of flat/)")
        ap.add_argument("--uint8", action="store_true", help="with --packed, alone: the pipeline's uint8 batches")

    args = parse_args(__doc__, options)
    if args.uint8 and not (args.packed and args.mode == "alone"):
        raise SystemExit("--uint8 reads the pack alone: give --packed and mode alone")
    pipe = pipeline(args)
    dataset = pipe.to_tf()  # its k-th iterator runs epoch k
    if args.uint8:
        emit(run_alone(lambda epoch: pipe.iterate(epoch), args.min_seconds))
    else:
        run_dataset(args, dataset, "images")  # the pack holds flat/'s files: the same count


if __name__ == "__main__":
    main()
