"""Images held in memory (the reference): every JPEG decoded once, untimed, into one float32 array
/255 plus int labels. alone: numpy batches of 32 through a new random order each epoch (a gather per
batch); fit: `model.fit(x, y, batch_size=32, shuffle=True)`."""
from common import IMAGE_BATCH, image_arrays, image_model, parse_args, run_arrays


def main():
    args = parse_args(__doc__)
    x, y = image_arrays(args.data_dir)
    run_arrays(args, x, y, IMAGE_BATCH, lambda: image_model(args.size, args.steps_per_execution))

if __name__ == "__main__":
    main()
