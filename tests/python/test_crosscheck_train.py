"""crosscheck's training verdict (SPEC §8): strict up to 200 steps, epoch losses only beyond."""

import io

import numpy as np
from PIL import Image

from streamfit.crosscheck_train import compare_training


def _hist(steps_per_epoch, epochs, f):
    out = []
    for e in range(epochs):
        losses = [f(e * steps_per_epoch + i) for i in range(steps_per_epoch)]
        out.append({"epoch": e + 1, "loss": float(np.mean(losses)), "samples": 10 * steps_per_epoch,
                    "batch_losses": losses})
    return {"epochs": out}


def _run(py, node, wa=None, wb=None, plot=None):
    wa = [np.array([[0.5, -0.25]]), np.array([0.125])] if wa is None else wa
    wb = [x.copy() for x in wa] if wb is None else wb
    out = io.StringIO()
    return compare_training(py, node, wa, wb, out, plot=plot), out.getvalue()


def loss(i):
    return 2.0 / (1 + i)


def test_equal_runs_agree_and_the_plot_is_a_png(tmp_path):
    ok, text = _run(_hist(20, 3, loss), _hist(20, 3, loss), plot=str(tmp_path / "p.png"))
    assert ok and "within" in text and "per-step loss (60 steps): max |diff| 0.00e+00" in text
    assert "first step outside rtol 1e-05 / atol 1e-06: none" in text
    with Image.open(tmp_path / "p.png") as img:
        assert img.format == "PNG" and img.size == (900, 480)


def test_short_runs_are_strict_on_every_step_and_weight():
    ok, text = _run(_hist(20, 3, loss), _hist(20, 3, lambda i: loss(i) + (1e-7 if i == 30 else 0)))
    assert ok  # 1e-7 on a loss near 0.065 is inside atol 1e-6 + rtol 1e-5
    ok, text = _run(_hist(20, 3, loss), _hist(20, 3, lambda i: loss(i) * (1 + 1e-4 if i == 30 else 1)))
    assert not ok and "DIFFERENT (1 steps, 0 weights outside)" in text and "<- largest" in text
    w = [np.array([[0.5, -0.25]]), np.array([0.125])]
    ok, text = _run(_hist(20, 1, loss), _hist(20, 1, loss), w, [np.array([[0.5, -0.2501]]), np.array([0.125])])
    assert not ok and "0 steps, 1 weights outside" in text


def test_long_runs_flag_only_epoch_losses_beyond_the_bound():
    noisy = lambda i: loss(i) * (1 + 1e-4 * (-1) ** i)  # noqa: E731 - per-step noise, epoch means close
    ok, text = _run(_hist(100, 3, loss), _hist(100, 3, noisy))
    assert ok and "300 steps > 200" in text and "within" in text
    assert "first step outside rtol 1e-05 / atol 1e-06: 1 (epoch 1)" in text
    first = _hist(100, 3, loss)["epochs"][0]["loss"]
    ok, text = _run(_hist(100, 3, loss), _hist(100, 3, lambda i: loss(i) + (0.06 * first if i >= 200 else 0)))
    assert not ok and "DIVERGED (1 epochs outside)" in text
    ok, text = _run(_hist(100, 3, loss), _hist(100, 3, lambda i: loss(i) + (0.04 * first if i >= 200 else 0)))
    assert ok and "first step outside rtol 1e-05 / atol 1e-06: 201 (epoch 3)" in text


def test_different_step_counts_are_different():
    ok, text = _run(_hist(20, 2, loss), _hist(19, 2, loss))
    assert not ok and "steps: python 40, node 38: DIFFERENT" in text
