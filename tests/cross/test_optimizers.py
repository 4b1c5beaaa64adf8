"""SPEC §5.5: every optimizer gives the same weights in Python (Keras's own optimizers) and
Node (js/src/tfjs/optimizers.mjs), within the cross-check tolerance (rtol 1e-5, atol 1e-6).

Keras is the reference here, independent of our Node code. The pipeline is a CSV stream
through a shuffle buffer (unknown length), over 3 epochs: Keras counts one extra step at each
such epoch's end, which Adam's bias correction would feel from epoch 2 on (SPEC §5.5 `t`).
"""

import json
import os

import numpy as np
import pytest

from test_cross import ROOT, js_cli, py_cli

OPTIMIZERS = [
    {"type": "sgd", "learning_rate": 0.05},
    {"type": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    {"type": "adam", "learning_rate": 0.01},
    {"type": "adam", "learning_rate": 0.003, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
    {"type": "rmsprop", "learning_rate": 0.01},
    {"type": "rmsprop", "learning_rate": 0.005, "rho": 0.8, "momentum": 0.5},
]


def _weights(path):
    return [np.array(w["values"], dtype=np.float64).reshape(w["shape"]) for w in json.loads(path.read_text())["weights"]]


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_both_languages_end_with_the_same_weights(tmp_path, opt):
    spec = {
        "source": {"type": "csv", "path": os.path.join(ROOT, "shared_fixtures", "data", "xy.csv"),
                   "features": ["x"], "label": "y"},
        "ops": [{"op": "shuffle", "buffer_size": 200, "seed": 7}, {"op": "batch", "batch_size": 50}],
        "model": {"seed": 3, "input_shape": [1], "layers": [{"type": "dense", "units": 16, "activation": "relu"},
                                                            {"type": "dense", "units": 1}]},
        "train": {"epochs": 3, "loss": "mse", "optimizer": opt},
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    wp, wj, hp, hj = (tmp_path / n for n in ("wp.json", "wj.json", "hp.json", "hj.json"))
    py_cli("train", str(path), "--quiet", "--weights", str(wp), "--history", str(hp))
    js_cli("train.mjs", str(path), "--quiet", "--weights", str(wj), "--history", str(hj))
    py, js = _weights(wp), _weights(wj)
    assert [a.shape for a in py] == [b.shape for b in js] == [(1, 16), (16,), (16, 1), (1,)]
    initial = json.loads(hp.read_text())["initial_weights_digest"]
    assert initial == json.loads(hj.read_text())["initial_weights_digest"]
    assert json.loads(hp.read_text())["final_weights_digest"] != initial  # it trained
    for a, b in zip(py, js):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
