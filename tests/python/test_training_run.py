"""TrainingRun (SPEC §5, §5.6, §8): a loop of your own keeps fit's semantics, callbacks and backups."""

import json
import os

import numpy as np
import pytest

import streamfit as sf
from streamfit import StreamfitError
from streamfit.tf.run import TrainingRun

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
XY = os.path.join(ROOT, "shared_fixtures", "data", "xy.csv")


def _spec(**train):
    csv = {"type": "csv", "path": XY, "features": ["x"], "label": "y"}
    return {"source": csv,
            "ops": [{"op": "shuffle", "buffer_size": 300, "seed": 5}, {"op": "batch", "batch_size": 64}],
            "model": {"seed": 2, "input_shape": [1], "layers": [{"type": "dense", "units": 8, "activation": "relu"},
                                                                {"type": "dense", "units": 1}]},
            "train": dict({"epochs": 3, "loss": "mse", "optimizer": {"type": "adam", "learning_rate": 0.01}}, **train)}


def _loop(run, stop_after_steps=None):
    """The README's loop; with ``stop_after_steps`` it walks away after that many steps (a crash)."""
    steps = 0
    for _ in run.epochs():
        for _, (x, y) in run.batches():
            run.step_end(run.train_on_batch(x, y))
            steps += 1
            if steps == stop_after_steps:
                return None
        run.end_epoch()
    return run.finish()


def _weights(run):
    return [w for layer in run.model.layers for w in layer.get_weights()]


def test_a_custom_loop_takes_the_same_steps_as_fit():
    fitted = TrainingRun(_spec(), quiet=True)
    h_fit = fitted.fit()
    looped = TrainingRun(_spec(), quiet=True)
    h_loop = _loop(looped)
    # 1000 rows in batches of 64: 16 steps an epoch, the last of 40 rows
    assert [len(e["batch_losses"]) for e in h_loop["epochs"]] == [16, 16, 16]
    assert [e["samples"] for e in h_loop["epochs"]] == [1000, 1000, 1000]
    # the same step function on the same batches: the same losses and weights, bit for bit
    assert [e["batch_losses"] for e in h_loop["epochs"]] == [e["batch_losses"] for e in h_fit["epochs"]]
    assert h_loop["final_weights_digest"] == h_fit["final_weights_digest"]
    assert int(looped.model.optimizer.iterations.numpy()) == 48
    # the epoch loss is the batch losses' mean weighted by batch size, summed in float32 as Keras's
    # Mean does (SPEC §5.2): so the loop's epoch values are fit's, exactly
    f32 = np.float32
    for e, ef in zip(h_loop["epochs"], h_fit["epochs"]):
        sizes = [64] * 15 + [40]
        total = f32(0)
        for loss, n in zip(e["batch_losses"], sizes):
            total = f32(total + f32(f32(loss) * f32(n)))
        assert e["loss"] == float(f32(total / f32(1000))) == ef["loss"]


def test_a_custom_loop_resumes_from_its_backup_bit_identical(tmp_path):
    whole = TrainingRun(_spec(), quiet=True)
    h_whole = _loop(whole)
    spec = _spec(backup={"dir": str(tmp_path / "backup"), "save_freq": 5})
    crashed = TrainingRun(spec, quiet=True)
    assert _loop(crashed, stop_after_steps=23) is None  # 20 steps backed up: epoch 2 after 4 steps
    assert (tmp_path / "backup" / "backup.safetensors").exists()
    again = TrainingRun(spec, quiet=True)
    h = _loop(again)
    assert h["resumed"] == {"epoch": 2, "step": 4}
    strip = lambda hist: [{k: v for k, v in e.items() if k != "seconds"} for e in hist["epochs"]]  # noqa: E731
    assert strip(h) == strip(h_whole)
    for a, b in zip(_weights(again), _weights(whole)):
        assert np.array_equal(a, b)
    assert not (tmp_path / "backup" / "backup.safetensors").exists()
    # a fit backup is not resumed by a loop, nor the reverse: their epoch sums are kept differently
    TrainingRun(dict(spec, train=dict(spec["train"], backup=dict(spec["train"]["backup"], delete_checkpoint=False))),
                quiet=True).fit()
    with pytest.raises(StreamfitError) as e:
        _loop(TrainingRun(spec, quiet=True))
    assert e.value.code == "SF_BACKUP" and "fit run" in str(e.value)


def test_custom_loop_validation_early_stopping_and_checkpoint(tmp_path):
    csv = {"type": "csv", "path": XY, "features": ["x"], "label": "y"}
    spec = _spec(epochs=15, optimizer={"type": "sgd", "learning_rate": 0.4},
                 validation={"source": csv, "ops": [{"op": "batch", "batch_size": 250}]},
                 early_stopping={"patience": 1, "restore_best_weights": True},
                 checkpoint={"path": str(tmp_path / "best.json")})
    run = TrainingRun(spec, quiet=True, history_csv=str(tmp_path / "h.csv"))
    h = _loop(run)
    val = [e["val_loss"] for e in h["epochs"]]
    best = min(range(len(val)), key=val.__getitem__) + 1
    # SPEC §5.4, patience 1: the run stops at the first epoch that is no new best
    stop = next(i + 1 for i in range(1, len(val)) if val[i] >= min(val[:i]))
    assert len(val) == stop < 15 and h["early_stopping"]["stopped_epoch"] == stop
    assert h["early_stopping"]["best_epoch"] == best and h["checkpoint"]["saved_epochs"][-1] == best
    saved = [np.array(w["values"], np.float32).reshape(w["shape"]) for w in json.load(open(tmp_path / "best.json"))["weights"]]
    for a, b in zip(saved, _weights(run)):  # restored at the end: the checkpoint's weights
        assert np.array_equal(a, b)
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,val_loss,samples,seconds,skipped" and len(lines) == stop + 1


def test_custom_loop_misuse_is_an_error_that_says_what_to_call():
    run = TrainingRun(_spec(), quiet=True)
    with pytest.raises(StreamfitError, match="run.epochs"):
        next(run.batches())
    epochs = run.epochs()
    next(epochs)
    batches = run.batches()
    next(batches)
    with pytest.raises(StreamfitError, match=r"step_end"):
        next(batches)  # trained nothing, recorded nothing: the loop forgot step_end
    with pytest.raises(StreamfitError, match=r"end_epoch"):
        next(epochs)


def test_training_run_is_public():
    assert sf.TrainingRun is TrainingRun and "TrainingRun" in sf.__all__


def test_steps_per_execution_takes_the_same_steps_and_reports_each(tmp_path):
    # SPEC §5.2: Keras runs 3 steps a call (16 an epoch: the last call runs one); every step's loss
    # still reaches the history, the progress bar and the epoch values, bit for bit as one a call
    one = TrainingRun(_spec(validation={"source": _spec()["source"], "ops": [{"op": "batch", "batch_size": 100}]}),
                      quiet=True, progress=True).fit()
    three = TrainingRun(_spec(steps_per_execution=3,
                              validation={"source": _spec()["source"], "ops": [{"op": "batch", "batch_size": 100}]}),
                        quiet=True, progress=True).fit()
    assert [len(e["batch_losses"]) for e in three["epochs"]] == [16, 16, 16]
    for a, b in zip(one["epochs"], three["epochs"]):
        assert b["batch_losses"] == a["batch_losses"]
        assert (b["loss"], b["val_loss"], b["samples"]) == (a["loss"], a["val_loss"], a["samples"])
    assert three["final_weights_digest"] == one["final_weights_digest"]


def test_steps_per_execution_is_checked():
    with pytest.raises(StreamfitError, match="train.steps_per_execution") as e:
        TrainingRun(_spec(steps_per_execution=0), quiet=True)
    assert e.value.code == "SF_ARG"
    with pytest.raises(StreamfitError, match=r"save_freq 5 \(steps\) needs train.steps_per_execution 1, got 4") as e:
        TrainingRun(_spec(steps_per_execution=4, backup={"dir": "unused", "save_freq": 5}), quiet=True)
    assert e.value.code == "SF_ARG"
