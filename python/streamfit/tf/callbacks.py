"""Early stopping and the best checkpoint (SPEC §5.4), as plain state machines over epoch values.

They read one epoch's values (``{"loss": ..., "val_loss": ...}``) at a time and
say what to do; the Keras callback in ``train.py`` (and a custom loop) calls
them, so the rule is the same whoever trains. Node's twin:
js/src/tfjs/callbacks.mjs.

Example::

    stop = EarlyStopping({"monitor": "val_loss", "patience": 2}, available=["loss", "val_loss"])
    for epoch, values in enumerate(epochs, start=1):
        if stop.after_epoch(epoch, values, weights=model.get_weights):
            break
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from ..errors import raise_error


def _mode(monitor: str, mode: str, where: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise_error("SF_ARG", f"{where}.mode must be \"auto\", \"min\" or \"max\", got {mode!r}")
    if mode == "auto":
        return "max" if monitor.endswith("accuracy") else "min"
    return mode


def _monitor(cfg: dict[str, Any], available: Iterable[str], where: str) -> str:
    monitor = cfg.get("monitor", "val_loss")
    names = list(available)
    if monitor not in names:
        hint = "; add train.validation to get val_ values" if monitor.startswith("val_") else ""
        raise_error("SF_ARG", f"{where}.monitor {monitor!r} is not one of this run's epoch values "
                    f"({', '.join(names)}){hint}")
    return monitor


class EarlyStopping:
    """SPEC §5.4 ``early_stopping``: stop after ``patience`` epochs without improvement."""

    def __init__(self, cfg: dict[str, Any], available: Iterable[str]) -> None:
        where = "train.early_stopping"
        self.monitor = _monitor(cfg, available, where)
        self.mode = _mode(self.monitor, cfg.get("mode", "auto"), where)
        self.patience = cfg.get("patience", 0)
        if not isinstance(self.patience, int) or isinstance(self.patience, bool) or self.patience < 0:
            raise_error("SF_ARG", f"{where}.patience must be an integer >= 0, got {self.patience!r}")
        self.min_delta = cfg.get("min_delta", 0)
        if not isinstance(self.min_delta, (int, float)) or not math.isfinite(self.min_delta) or self.min_delta < 0:
            raise_error("SF_ARG", f"{where}.min_delta must be a number >= 0, got {self.min_delta!r}")
        self.restore = bool(cfg.get("restore_best_weights", False))
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_weights: Any = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def improves(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def after_epoch(self, epoch: int, values: dict[str, float], weights: Callable[[], Any]) -> bool:
        """Record epoch ``epoch`` (1-based); True when training should stop after it."""
        value = float(values[self.monitor])
        if self.improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore:
                self.best_weights = weights()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def message(self) -> str:
        """The line printed when training stopped early."""
        return (f"early stopping after epoch {self.stopped_epoch}: {self.monitor} did not improve for {self.wait} "
                f"epoch{'s' if self.wait != 1 else ''} (best {self.best:.6f} at epoch {self.best_epoch})")

    def state(self) -> dict[str, Any]:
        """What a backup keeps (SPEC §5.6); the kept weights travel as arrays beside it."""
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch}

    def load_state(self, state: dict[str, Any], best_weights: Any) -> None:
        """Back to ``state()``'s values, with ``best_weights`` (None when none were kept)."""
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.wait, self.stopped_epoch = state["wait"], state["stopped_epoch"]
        self.best_weights = best_weights

    def summary(self) -> dict[str, Any]:
        """The history's ``early_stopping`` object (SPEC §8)."""
        return {"monitor": self.monitor, "stopped_epoch": self.stopped_epoch, "best_epoch": self.best_epoch,
                "best": self.best, "restored": self.restore and self.best_weights is not None}


class BestCheckpoint:
    """SPEC §5.4 ``checkpoint``: write the weights after each epoch that beats every earlier one."""

    def __init__(self, cfg: dict[str, Any], available: Iterable[str]) -> None:
        where = "train.checkpoint"
        self.path = cfg["path"]
        self.monitor = _monitor(cfg, available, where)
        self.mode = _mode(self.monitor, cfg.get("mode", "auto"), where)
        self.best_only = bool(cfg.get("save_best_only", True))
        self.best: float | None = None
        self.saved: list[int] = []

    def after_epoch(self, epoch: int, values: dict[str, float], write: Callable[[str], None]) -> bool:
        """Write through ``write(path)`` when epoch ``epoch`` is the best so far (or always); True if written."""
        value = float(values[self.monitor])
        better = self.best is None or (value < self.best if self.mode == "min" else value > self.best)
        if better:
            self.best = value
        if better or not self.best_only:
            write(self.path)
            self.saved.append(epoch)
            return True
        return False

    def state(self) -> dict[str, Any]:
        """What a backup keeps (SPEC §5.6)."""
        return {"best": self.best, "saved": list(self.saved)}

    def load_state(self, state: dict[str, Any]) -> None:
        """Back to ``state()``'s values."""
        self.best, self.saved = state["best"], list(state["saved"])

    def summary(self) -> dict[str, Any]:
        """The history's ``checkpoint`` object (SPEC §8)."""
        return {"path": self.path, "monitor": self.monitor, "saved_epochs": self.saved}
