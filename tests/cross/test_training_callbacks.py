"""Validation, early stopping and the best checkpoint (SPEC §5.4) through both train CLIs."""

import json
import os

import numpy as np

from test_cross import ROOT, js_cli, py_cli

XY = os.path.join(ROOT, "shared_fixtures", "data", "xy.csv")


def _weights(path):
    return [np.array(w["values"]).reshape(w["shape"]) for w in json.loads(path.read_text())["weights"]]


def _train_both(tmp_path, spec):
    out = {}
    for lang in ("python", "node"):
        folder = tmp_path / lang
        folder.mkdir()
        (folder / "spec.json").write_text(json.dumps(spec))
        args = [str(folder / "spec.json"), "--history", str(folder / "h.json"), "--weights", str(folder / "final.json")]
        p = py_cli("train", *args) if lang == "python" else js_cli("train.mjs", *args)
        out[lang] = (json.loads((folder / "h.json").read_text()), folder, p.stdout)
    return out


def test_early_stopping_restores_the_checkpointed_best_in_both(tmp_path):
    spec = {
        "source": {"type": "csv", "path": XY, "features": ["x"], "label": "y"},
        "ops": [{"op": "shuffle", "buffer_size": 200, "seed": 7}, {"op": "batch", "batch_size": 50}],
        "model": {"seed": 1, "input_shape": [1], "layers": [{"type": "dense", "units": 16, "activation": "relu"},
                                                            {"type": "dense", "units": 1}]},
        "train": {"epochs": 12, "loss": "mae", "optimizer": {"type": "sgd", "learning_rate": 0.3},
                  "validation": {"source": {"type": "csv", "path": XY, "features": ["x"], "label": "y"},
                                 "ops": [{"op": "batch", "batch_size": 100}]},
                  "early_stopping": {"monitor": "val_loss", "patience": 1, "restore_best_weights": True},
                  "checkpoint": {"path": "best.weights.json"}},
    }
    got = _train_both(tmp_path, spec)
    stops = {}
    for lang, (hist, folder, stdout) in got.items():
        val = [e["val_loss"] for e in hist["epochs"]]
        # SPEC §5.4 by hand: patience 1 stops at the first epoch that is no new best
        best, best_epoch, stop = None, None, None
        for epoch, v in enumerate(val, start=1):
            if best is None or v < best:
                best, best_epoch = v, epoch
            else:
                stop = epoch
                break
        assert stop is not None and stop < 12, val  # the scripted rate overshoots: it does stop early
        assert len(val) == stop and hist["early_stopping"]["stopped_epoch"] == stop
        assert hist["early_stopping"]["best_epoch"] == best_epoch and hist["early_stopping"]["restored"]
        assert hist["checkpoint"]["saved_epochs"][-1] == best_epoch
        assert f"early stopping after epoch {stop}: val_loss did not improve" in stdout
        # the checkpoint holds the best epoch's weights, which are also what training ends with
        for a, b in zip(_weights(folder / "best.weights.json"), _weights(folder / "final.json")):
            assert np.array_equal(a, b)
        assert hist["validation"] == "csv(xy.csv) -> batch(100)"
        assert all(e["samples"] == 1000 for e in hist["epochs"])
        stops[lang] = [e["val_loss"] for e in hist["epochs"]]
    assert len(stops["python"]) == len(stops["node"])
    np.testing.assert_allclose(stops["node"], stops["python"], rtol=1e-5, atol=1e-6)


def test_validation_subset_of_a_class_folder_split(tmp_path):
    spec = json.loads(open(os.path.join(ROOT, "examples", "class_folder.json")).read())
    spec["source"]["path"] = os.path.join(ROOT, "shared_fixtures", "data", "classes")
    spec["train"].update({"metrics": ["accuracy"], "validation": {"subset": "validation"}})
    got = _train_both(tmp_path, spec)
    (py, _, _), (js, _, _) = got["python"], got["node"]
    assert py["validation"] == js["validation"] != py["pipeline"]
    assert "validation" in py["validation"] and "training" in py["pipeline"]
    for a, b in zip(py["epochs"], js["epochs"]):
        assert set(a) >= {"val_loss", "val_accuracy", "accuracy"} and set(b) >= {"val_loss", "val_accuracy"}
        assert abs(a["val_loss"] - b["val_loss"]) <= 1e-5 * abs(a["val_loss"]) + 1e-6
        # accuracies: the same count of right answers (Python keeps float32, Node a double)
        assert abs(a["val_accuracy"] - b["val_accuracy"]) < 1e-6 and abs(a["accuracy"] - b["accuracy"]) < 1e-6


def test_an_endless_pipeline_needs_steps(tmp_path):
    spec = {"source": {"type": "range", "n": 8}, "ops": [{"op": "repeat"}, {"op": "batch", "batch_size": 4}],
            "model": {"seed": 1, "input_shape": [1], "layers": [{"type": "dense", "units": 1}]},
            "train": {"epochs": 1, "loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 0.1}}}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    for p in (py_cli("train", str(path), check=False), js_cli("train.mjs", str(path), check=False)):
        assert p.returncode == 1
        assert "error SF_ARG: train.steps_per_epoch:" in p.stderr and "never ends" in p.stderr, p.stderr
