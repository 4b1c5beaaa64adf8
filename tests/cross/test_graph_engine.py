"""Node's graph engine (SPEC §5.7): Python exports the spec's training step as a SavedModel, Node
trains with it. Same graph, same kernels: its batch losses and weights are Python Keras fit's, bit
for bit; its backups continue in Python and Python's in it."""

import json
import os
import shutil
import signal
import subprocess

import pytest

from test_cross import ENV, ROOT, node
from test_resume import _spec as csv_spec
from test_resume import _train

PY = os.environ.get("PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))
IMAGES = os.path.join(ROOT, "shared_fixtures", "data", "images_same_size")
PROBE = os.path.join(ROOT, "tests", "cross", "graph_probe.mjs")


def image_spec():
    """uint8 pixels (no scale): the trainer's raw-bytes signatures; sparse classes with accuracy, SGD momentum."""
    src = {"type": "image_folder", "path": IMAGES, "image_size": [16, 16]}
    return {
        "source": src,
        "ops": [{"op": "shuffle", "seed": 5}, {"op": "batch", "batch_size": 3}],
        "model": {"seed": 2, "input_shape": [16, 16, 3],
                  "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"},
                             {"type": "max_pooling2d"}, {"type": "flatten"}, {"type": "dense", "units": 3}]},
        "train": {"epochs": 3, "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
                  "optimizer": {"type": "sgd", "learning_rate": 0.001, "momentum": 0.9},
                  "validation": {"source": src, "ops": [{"op": "batch", "batch_size": 4}]}},
    }


def binary_spec():
    """RMSprop with momentum (the update a TF1 session's Grappler used to rewrite by an ulp: SPEC §5.7),
    binary cross-entropy from one logit, accuracy on it."""
    spec = csv_spec()
    spec["model"]["layers"][0]["activation"] = "sigmoid"
    spec["train"] = {"epochs": 2, "loss": "binary_crossentropy", "metrics": ["accuracy"],
                     "optimizer": {"type": "rmsprop", "learning_rate": 0.01, "momentum": 0.3},
                     "validation": spec["train"]["validation"]}
    return spec


SPECS = {"csv": csv_spec, "images": image_spec, "binary": binary_spec}


def _export(spec, folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.json").write_text(json.dumps(spec))
    p = subprocess.run([PY, "-m", "streamfit", "export-trainer", str(folder / "spec.json"), str(folder / "trainer")],
                       cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return folder / "trainer"


def _probe(trainer, *commands, cwd=ROOT):
    """Runs graph_probe.mjs on a trainer folder; its JSON answer."""
    p = subprocess.run([node(), PROBE, str(trainer), *commands], cwd=cwd, env=ENV, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trainers(tmp_path_factory):
    root = tmp_path_factory.mktemp("trainers")
    return {kind: _export(make(), root / kind) for kind, make in SPECS.items()}


def _graph(folder, spec, trainer, *extra, kill_after=None):
    return _train("node", folder, spec, "--engine", "graph", "--trainer", str(trainer), *extra, kill_after=kill_after)


def _json(path):
    return json.loads(path.read_text())


def _history(folder):
    return json.loads((folder / "h.json").read_text())


def _steps(h):
    return [[e["loss"], e["batch_losses"], e.get("val_loss"), e.get("accuracy"), e.get("val_accuracy")]
            for e in h["epochs"]]


def test_trainer_json_names_the_spec_and_both_languages_key_it_alike(trainers):
    info = json.loads((trainers["images"] / "trainer.json").read_text())
    assert info["format"] == "streamfit-trainer" and info["version"] == "2"
    assert info["input_shape"] == [16, 16, 3] and info["label_shape"] == [] and info["metrics"] == ["accuracy"]
    assert [w["shape"] for w in info["weights"]] == [[3, 3, 3, 4], [4], [196, 3], [3]]
    assert info["parameters"] == 3 * 3 * 3 * 4 + 4 + 196 * 3 + 3
    assert info["optimizer"][0]["path"].endswith("iteration") and info["optimizer"][0]["dtype"] == "int64"
    assert "train_step_raw" in info["signatures"] and "restore" in info["signatures"]
    key = _probe(trainers["images"], "key", str(trainers["images"].parent / "spec.json"))["key"]
    assert key == info["key"]  # Node's trainerKey and Python's trainer_key: two implementations of SPEC §5.7


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_graph_engine_trains_bit_identical_to_python_keras_fit(kind, trainers, tmp_path):
    spec = SPECS[kind]()
    py, nd = tmp_path / "python", tmp_path / "node"
    p = _train("python", py, spec)
    assert p.returncode == 0, p.stderr
    p = _graph(nd, spec, trainers[kind])
    assert p.returncode == 0, p.stderr
    assert "engine graph" in p.stdout and "exporting" not in p.stdout  # the fixture's trainer is current
    hp, hn = _history(py), _history(nd)
    assert hn["initial_weights_digest"] == hp["initial_weights_digest"]
    assert _steps(hn) == _steps(hp)  # every batch loss, epoch value and validation value, exactly
    assert hn["final_weights_digest"] == hp["final_weights_digest"]
    assert _json(nd / "final.json") == _json(py / "final.json")  # every weight, exactly
    assert hn["epochs"][-1]["loss"] < hn["epochs"][0]["batch_losses"][0]  # and it learns
    if kind == "csv":  # early stopping's kept weights and the checkpoint came through the engine too
        assert hn["early_stopping"] == hp["early_stopping"]
        assert _json(nd / "best.weights.json") == _json(py / "best.weights.json")


def test_weights_round_trip_and_predictions_match_a_layers_model(trainers):
    r = _probe(trainers["images"], "weights")
    assert r["set_then_get_equal"] is True
    assert r["initial_equal_spec_seed"] is True  # SPEC §5.1 weights of the spec's seed, put in by Node
    assert r["max_abs_diff_vs_layers"] < 1e-5  # the same weights in a tfjs LayersModel predict the same
    assert r["steps"] == [0, 2]  # step_count after 0 and 2 train steps


def test_tf_checkpoint_save_and_restore(trainers, tmp_path):
    r = _probe(trainers["csv"], "checkpoint", str(tmp_path / "ckpt"))
    assert r["restored_step"] == 3 and r["weights_back"] is True and r["moved_after_save"] is True
    assert any(name.startswith("ckpt") for name in os.listdir(tmp_path))


def test_one_session_per_folder_whatever_its_spelling(trainers):
    rel = os.path.relpath(trainers["csv"], ROOT)
    r = _probe(trainers["csv"], "paths", rel)
    assert r["second_open"].startswith("SF_TRAINER") and "already open" in r["second_open"]
    assert r["reopened_initial"] is True  # closing frees the session: a reopen starts from the saved weights


@pytest.mark.parametrize("first,second", [("node", "python"), ("python", "node")])
def test_a_killed_run_continues_in_the_other_language(first, second, trainers, tmp_path):
    spec = csv_spec(backup={"dir": "backup", "save_freq": 5})
    whole = tmp_path / "whole"
    assert _train("python", whole, csv_spec()).returncode == 0
    folder = tmp_path / "run"

    def run(lang, kill_after=None):
        if lang == "node":
            return _graph(folder, spec, trainers["csv"], kill_after=kill_after)
        return _train("python", folder, spec, kill_after=kill_after)

    p = run(first, kill_after=27)  # 25 steps backed up: mid-epoch 2
    assert p.returncode == -signal.SIGKILL, p.stderr
    p = run(second, kill_after=47)  # from the other language's backup, killed again: 45 steps
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert "resumed   from" in p.stdout and "epoch 2, after 5 steps" in p.stdout
    p = run(first)  # back to the first language, to the end
    assert p.returncode == 0, p.stderr
    assert "epoch 3, after 5 steps" in p.stdout
    hw, hr = _history(whole), _history(folder)
    assert hr["final_weights_digest"] == hw["final_weights_digest"]
    assert _json(folder / "final.json") == _json(whole / "final.json")
    for a, b in zip(hr["epochs"], hw["epochs"]):
        assert a["batch_losses"] == b["batch_losses"]
        # an epoch that changed language mid-way sums its loss in float32 (Keras) and float64 (Node)
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6) and a["val_loss"] == b["val_loss"]


def test_a_layers_backup_is_refused_by_the_graph_engine(trainers, tmp_path):
    spec = csv_spec(backup={"dir": "backup", "save_freq": 5})
    folder = tmp_path / "run"
    p = _train("node", folder, spec, kill_after=7)
    assert p.returncode == -signal.SIGKILL
    p = _graph(folder, spec, trainers["csv"])
    assert p.returncode == 1 and "SF_BACKUP" in p.stderr and "written by node --engine layers" in p.stderr, p.stderr
    assert (folder / "backup" / "backup.safetensors").exists()


def test_a_stale_trainer_is_exported_again(trainers, tmp_path):
    spec = csv_spec(epochs=1)
    trainer = tmp_path / "trainer"
    shutil.copytree(trainers["csv"], trainer)
    spec["train"]["optimizer"]["learning_rate"] = 0.01  # another optimizer: another key
    p = _graph(tmp_path / "run", spec, trainer)
    assert p.returncode == 0, p.stderr
    assert f"trainer   stale, exporting again to {trainer}" in p.stdout
    assert json.loads((trainer / "trainer.json").read_text())["key"] != \
        json.loads((trainers["csv"] / "trainer.json").read_text())["key"]


def test_crosscheck_with_the_graph_engine_asks_for_equality(trainers, tmp_path):
    spec = image_spec()
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = dict(ENV, STREAMFIT_CACHE=str(tmp_path / "cache"))
    p = subprocess.run([PY, "-m", "streamfit", "crosscheck", str(tmp_path / "spec.json"), "--engine", "graph"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "every step's loss, epoch value and final weight must be equal: equal" in p.stdout
    assert p.stdout.rstrip().endswith("crosscheck: all digests equal, training equal")
    assert os.listdir(tmp_path / "cache" / "trainers")  # exported once into the cache
