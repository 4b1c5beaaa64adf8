"""The training half of ``crosscheck`` (SPEC §8): losses step by step, final weights, tolerance.

Both languages start from the same weights file and read the same batches;
float rounding still differs a little between the backends' gradient code, and
the difference grows with run length. So the verdict depends on the length
(SPEC §8): up to ``STRICT_STEPS`` steps every step's loss and every final weight
must satisfy ``|py - node| <= atol + rtol * |py|`` with ``STRICT``; beyond
that the figures are reported the same way, and only epoch losses further
apart than ``LONG_SHARE`` of the first epoch's loss count as a divergence: a
one-ulp difference (a ReLU or max-pool tie broken the other way) can grow by
~3x a step once training is in a sensitive region (the demo CNN: 6e-8 at step
127, 3.6e-6 at 128, 6e-3 at 132), so far-apart step values alone do not mean
the two implementations differ. The first step outside ``STRICT`` is always
printed, so the reader sees where the runs parted.

Example::

    ok = compare_training(py_hist, node_hist, py_weights, node_weights, sys.stdout, plot="loss.png")
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

STRICT_STEPS = 200
STRICT = (1e-5, 1e-6)  # rtol, atol
LONG_SHARE = 0.05  # long runs: epoch losses within 5% of the first epoch's loss
SHOWN = 10


def _excess(a: np.ndarray, b: np.ndarray, tol: tuple[float, float]) -> np.ndarray:
    """``|a - b| / (atol + rtol |a|)``: at most 1 where the pair is within tolerance."""
    rtol, atol = tol
    return np.abs(a - b) / (atol + rtol * np.abs(a))


def _steps(hist: dict[str, Any]) -> list[tuple[int, float]]:
    return [(e["epoch"], float(v)) for e in hist.get("epochs", []) for v in e.get("batch_losses", [])]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-30))) if a.size else 0.0


def compare_training(py: dict[str, Any], node: dict[str, Any], py_w: Sequence[np.ndarray],
                     node_w: Sequence[np.ndarray], out: Any, plot: str | None = None,
                     show_all: bool = False, exact: bool = False) -> bool:
    """Print the comparison; True when training agrees within the tolerance for its length, or with
    ``exact`` (Node's graph engine, SPEC §5.7: Keras's own step) when every step's loss, epoch value
    and final weight is equal."""
    w = lambda s="": print(s, file=out)  # noqa: E731
    ok = True
    pe, ne = py.get("epochs", []), node.get("epochs", [])
    w(f"{'epoch':>5}  {'python loss':>14}  {'node loss':>14}  {'|diff|':>9}  samples (py/node)")
    for k in range(max(len(pe), len(ne))):
        a, b = (pe[k] if k < len(pe) else None), (ne[k] if k < len(ne) else None)
        diff = f"{abs(a['loss'] - b['loss']):.2e}" if a and b else "-"
        w(f"{k + 1:>5}  {a['loss'] if a else '-':>14.8}  {b['loss'] if b else '-':>14.8}  {diff:>9}  "
          f"{a['samples'] if a else '-'}/{b['samples'] if b else '-'}")
    ps, ns = _steps(py), _steps(node)
    n = len(ps)
    if n != len(ns) or len(pe) != len(ne):
        w(f"steps: python {n}, node {len(ns)}: DIFFERENT (the two runs did not train on the same batches)")
        return False
    strict = n <= STRICT_STEPS
    tol = STRICT
    a = np.array([v for _, v in ps])
    b = np.array([v for _, v in ns])
    w()
    w(f"{'step':>5}  {'epoch':>5}  {'python loss':>14}  {'node loss':>14}  {'|diff|':>9}")
    worst = int(np.argmax(np.abs(a - b))) if n else 0
    hidden = 0
    for i in range(n):
        if show_all or i < SHOWN or i in (worst, n - 1):
            if hidden:
                w(f"{'':>5}  ... {hidden} more steps (--all shows every step)")
                hidden = 0
            w(f"{i + 1:>5}  {ps[i][0]:>5}  {a[i]:>14.8}  {b[i]:>14.8}  {abs(a[i] - b[i]):>9.2e}"
              + ("  <- largest" if i == worst and n > 1 else ""))
        else:
            hidden += 1
    if n:
        w(f"per-step loss ({n} steps): max |diff| {np.max(np.abs(a - b)):.2e}, max rel {_rel(a, b):.2e}")
        outside = np.flatnonzero(_excess(a, b, STRICT) > 1)
        w(f"first step outside rtol {STRICT[0]:g} / atol {STRICT[1]:g}: "
          + (f"{int(outside[0]) + 1} (epoch {ps[int(outside[0])][0]})" if outside.size else "none"))
    shapes_same = [x.shape for x in py_w] == [y.shape for y in node_w]
    if not shapes_same:
        w("final weights: DIFFERENT shapes")
        return False
    fa = np.concatenate([x.ravel() for x in py_w]) if py_w else np.zeros(0)
    fb = np.concatenate([y.ravel() for y in node_w]) if node_w else np.zeros(0)
    if fa.size:
        w(f"final weights ({fa.size} values): max |diff| {np.max(np.abs(fa - fb)):.2e}, max rel {_rel(fa, fb):.2e}")
    rtol, atol = tol
    if exact:
        fields = ("loss", "accuracy", "val_loss", "val_accuracy")
        epochs_same = all(x.get(f) == y.get(f) or (x.get(f) != x.get(f) and y.get(f) != y.get(f))
                          for x, y in zip(pe, ne) for f in fields)
        ok = bool(np.array_equal(a, b)) and bool(np.array_equal(fa, fb)) and epochs_same
        w(f"tolerance (engine graph: Keras's own step in both): none; every step's loss, epoch value and final "
          f"weight must be equal: " + ("equal" if ok else "DIFFERENT"))
    elif strict:
        over_steps = int(np.sum(_excess(a, b, tol) > 1))
        over_weights = int(np.sum(_excess(fa, fb, tol) > 1))
        ok = over_steps == 0 and over_weights == 0
        w(f"tolerance ({n} steps <= {STRICT_STEPS}): rtol {rtol:g}, atol {atol:g} on every step's loss and every "
          f"final weight: " + ("within" if ok else f"DIFFERENT ({over_steps} steps, {over_weights} weights outside)"))
    else:
        ea = np.array([e["loss"] for e in pe])
        eb = np.array([e["loss"] for e in ne])
        bound = LONG_SHARE * abs(ea[0]) + STRICT[1]
        over = int(np.sum(np.abs(ea - eb) > bound))
        ok = over == 0
        w(f"tolerance ({n} steps > {STRICT_STEPS}: rounding differences grow with run length): the figures above "
          f"are reported; every epoch's losses must agree within {LONG_SHARE:g} x the first epoch's loss "
          f"({bound:.3g}): " + ("within" if ok else f"DIVERGED ({over} epochs outside)"))
    if plot:
        from .plot import loss_plot

        loss_plot(plot, {"python": a.tolist(), "node": b.tolist()}, f"crosscheck: loss per step ({n} steps)")
        w(f"loss plot: {plot}")
    return ok
