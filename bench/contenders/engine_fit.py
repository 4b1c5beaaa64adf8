"""Python's trainer on the engines spec (the reference of the Node engines' rows): `python -m streamfit
train`'s own TrainingRun (Keras model.fit) on DATA_DIR/engine_spec.json, which bench/suite.py writes
(the packed images, batch 32, divided by 255; the reference CNN with logits). fit mode only; epochs
2..E timed, from the history's epoch seconds."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, parse_args  # noqa: E402

from streamfit.spec import load_spec  # noqa: E402
from streamfit.tf.run import TrainingRun  # noqa: E402


def history_result(epochs):
    """The contract's result from the history's epochs (SPEC §8 rows): the first is not timed."""
    timed = epochs[1:]
    seconds = sum(e["seconds"] for e in timed)
    records = sum(e["samples"] for e in timed)
    return {"records": records, "seconds": seconds, "records_per_s": records / seconds, "epochs": len(timed),
            "first_epoch_s": epochs[0]["seconds"]}


if __name__ == "__main__":
    args = parse_args(__doc__, lambda ap: ap.add_argument("--packed", action="store_true", help="(the suite's mark: "
                                                          "the spec reads the pack)"))
    if args.mode != "fit":
        raise SystemExit("engine_fit trains: mode fit only")
    spec_path = os.path.join(args.data_dir, "engine_spec.json")
    history = TrainingRun(load_spec(spec_path), base_dir=args.data_dir, epochs=args.epochs, quiet=True).fit()
    emit(history_result(history["epochs"]))
