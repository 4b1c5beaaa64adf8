"""CSV held in memory (the reference): xy.csv read once, untimed, with `np.loadtxt` into float32
arrays x (n, 1) and y (n,). alone: numpy batches of 250 through a new random order each epoch (what
fit's default shuffle does); fit: `model.fit(x, y, batch_size=250)` (Keras shuffles by default)."""
from common import CSV_BATCH, csv_arrays, csv_model, parse_args, run_arrays


def main():
    args = parse_args(__doc__)
    x, y = csv_arrays(args.data_dir)
    run_arrays(args, x, y, CSV_BATCH, lambda: csv_model(args.steps_per_execution))

if __name__ == "__main__":
    main()
