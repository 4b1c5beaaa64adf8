"""Early stopping and the best checkpoint (SPEC §5.4) on scripted epoch values.

The expected epochs are worked out by hand from SPEC §5.4 in the shared case file
(read by the JS suite too), not computed by the code under test.
"""

import json

import pytest

from conftest import FIXTURES
from streamfit import StreamfitError
from streamfit.tf.callbacks import BestCheckpoint, EarlyStopping

CASES = json.loads((FIXTURES / "by_hand" / "callbacks.json").read_text())


def _values(c, v):
    return {c["params"]["monitor"]: v}


@pytest.mark.parametrize("case", CASES["early_stopping"], ids=lambda c: c["name"])
def test_early_stopping(case):
    stop = EarlyStopping(case["params"], [case["params"]["monitor"]])
    stopped = None
    for epoch, v in enumerate(case["values"], start=1):
        if stop.after_epoch(epoch, _values(case, v), weights=lambda e=epoch: f"weights of epoch {e}"):
            stopped = epoch
            break
    assert stopped == case["stopped_epoch"] == stop.stopped_epoch
    assert (stop.best_epoch, stop.best) == (case["best_epoch"], case["best"])


def test_restore_keeps_the_best_epochs_weights():
    stop = EarlyStopping({"monitor": "loss", "patience": 1, "restore_best_weights": True}, ["loss"])
    for epoch, v in enumerate([1.0, 0.5, 0.7], start=1):
        stop.after_epoch(epoch, {"loss": v}, weights=lambda e=epoch: f"weights of epoch {e}")
    assert stop.best_weights == "weights of epoch 2" and stop.summary()["restored"] is True


@pytest.mark.parametrize("case", CASES["checkpoint"], ids=lambda c: c["name"])
def test_best_checkpoint(case):
    ckpt = BestCheckpoint(case["params"], [case["params"]["monitor"]])
    written = []
    for epoch, v in enumerate(case["values"], start=1):
        ckpt.after_epoch(epoch, _values(case, v), write=lambda path, e=epoch: written.append((e, path)))
    assert [e for e, _ in written] == case["saved_epochs"] == ckpt.saved
    assert {p for _, p in written} == {case["params"]["path"]}


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda c: c["says"])
def test_bad_settings_are_named(case):
    with pytest.raises(StreamfitError) as e:
        EarlyStopping(case["params"], case["available"])
    assert e.value.code == case["code"] and case["says"] in str(e.value)
