"""The trainer SavedModel (SPEC §5.7) from Python: its step is Keras's, and the export is careful."""

import json
import os

import numpy as np
import pytest

from streamfit import StreamfitError
from streamfit.tf.model import build_model, make_loss, make_optimizer
from streamfit.tf.trainer import export_trainer, load_trainer, trainer_key

SPEC = {"source": {"type": "range", "n": 8},
        "model": {"seed": 4, "input_shape": [2], "layers": [{"type": "dense", "units": 5, "activation": "tanh"},
                                                            {"type": "dense", "units": 1}]},
        "train": {"epochs": 1, "loss": "mse", "optimizer": {"type": "adam", "learning_rate": 0.05}}}


@pytest.fixture(scope="module")
def trainer(tmp_path_factory):
    out = tmp_path_factory.mktemp("t") / "trainer"
    info = export_trainer(SPEC, str(out))
    return out, info


def test_the_exported_step_is_keras_train_on_batch(trainer):
    out, info = trainer
    t = load_trainer(str(out))
    model, _, _ = build_model(SPEC["model"])
    model.compile(loss=make_loss("mse"), optimizer=make_optimizer(SPEC["train"]["optimizer"]))
    g = np.random.default_rng(0)  # test data only
    for step in range(5):
        x = g.normal(size=(6, 2)).astype(np.float32)
        y = g.normal(size=(6, 1)).astype(np.float32)
        ours = float(t.signatures["train_step"](x=x, y=y)["loss"])
        keras = float(model.train_on_batch(x, y))
        assert ours == keras, step
    got = t.signatures["get_weights"]()
    for i, w in enumerate(model.get_weights()):
        assert np.array_equal(got[f"w{i:03d}"].numpy(), w)
    assert int(t.signatures["step_count"]()["step"]) == 5
    assert info["parameters"] == model.count_params() and info["key"] == trainer_key(SPEC)


def test_the_key_covers_the_model_loss_optimizer_and_metrics_only():
    other_data = dict(SPEC, source={"type": "range", "n": 100}, train=dict(SPEC["train"], epochs=9))
    assert trainer_key(other_data) == trainer_key(SPEC)
    for change in ({"loss": "mae"}, {"optimizer": {"type": "sgd", "learning_rate": 0.05}}, {"metrics": ["accuracy"]}):
        assert trainer_key(dict(SPEC, train=dict(SPEC["train"], **change))) != trainer_key(SPEC)
    assert trainer_key(dict(SPEC, model=dict(SPEC["model"], seed=5))) != trainer_key(SPEC)


def test_a_current_trainer_is_kept_and_a_foreign_folder_refused(trainer, tmp_path):
    out, info = trainer
    before = os.stat(out / "saved_model.pb").st_mtime_ns
    assert export_trainer(SPEC, str(out)) == info  # same key: nothing written
    assert os.stat(out / "saved_model.pb").st_mtime_ns == before
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "cat.jpg").write_bytes(b"not ours")
    with pytest.raises(StreamfitError) as err:
        export_trainer(SPEC, str(mine))
    assert err.value.code == "SF_ARG" and str(mine) in str(err.value)
    assert (mine / "cat.jpg").read_bytes() == b"not ours" and sorted(os.listdir(mine)) == ["cat.jpg"]
    assert json.loads((out / "trainer.json").read_text())["format"] == "streamfit-trainer"


def test_two_exports_into_one_folder_at_once_both_succeed(tmp_path):
    """Two runs sharing the default cache may export the same trainer together: each writes its own
    temporary folder, and the second to finish keeps the first's (the same key)."""
    import subprocess
    import sys

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    out = tmp_path / "trainer"
    procs = [subprocess.Popen([sys.executable, "-m", "streamfit", "export-trainer", str(spec), str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), results
    assert json.loads((out / "trainer.json").read_text())["key"] == trainer_key(SPEC)
    assert sorted(os.listdir(tmp_path)) == ["spec.json", "trainer"]  # no temporary folder left
    t = load_trainer(str(out))
    assert int(t.signatures["step_count"]()["step"]) == 0
