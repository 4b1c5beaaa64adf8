"""The training history files (SPEC §8 ``--history``, ``--history-csv``), rewritten after every epoch.

Node's twin: js/src/tfjs/history.mjs. Both write the same bytes for the same
values: numbers as the shortest text that reads back to the same double.

Example::

    write_history_csv("build/h.csv", [{"epoch": 1, "loss": 0.5, "samples": 100, "seconds": 1.2, "skipped": {}}])
    # epoch,loss,samples,seconds,skipped
    # 1,0.5,100,1.2,0
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from ..pack.format import js_number

CSV_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "samples", "seconds", "skipped")
"""Every column a history row may have, in the CSV's order; a column is written when any row has it."""


def atomic_write(path: str, text: str) -> None:
    """``text`` into ``path`` (folders made) through a temporary file and a rename."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:  # then renamed: a reader never sees half a file
        f.write(text)
    os.replace(tmp, path)


def write_history(path: str, history: dict[str, Any]) -> None:
    """The history object as JSON (indent 1)."""
    atomic_write(path, json.dumps(history, indent=1) + "\n")


def _cell(key: str, value: Any) -> str:
    if key == "skipped":
        return "" if value is None else str(sum(value.values()))
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    value = float(value)
    if not math.isfinite(value):  # a diverged loss: written as JavaScript's String() writes it
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return js_number(value)


def history_csv(epochs: list[dict[str, Any]]) -> str:
    """One row per epoch; ``skipped`` is the epoch's total skipped records (empty when not known)."""
    columns = [c for c in CSV_COLUMNS if any(c in row for row in epochs)] or ["epoch", "loss"]
    lines = [",".join(columns)]
    lines += [",".join(_cell(c, row.get(c)) for c in columns) for row in epochs]
    return "\n".join(lines) + "\n"


def write_history_csv(path: str, epochs: list[dict[str, Any]]) -> None:
    """``history_csv(epochs)`` into ``path``."""
    atomic_write(path, history_csv(epochs))
