"""Backup and exact resume of a training run (SPEC §5.6); Node's twin: js/src/tfjs/backup.mjs.

A backup is one safetensors file, ``DIR/backup.safetensors``: the run's arrays
(weights, optimizer state, kept best weights, metric accumulators) as tensors
and everything else (position, history, callback state) as JSON in its
``__metadata__``. It is replaced through a temporary file and a rename, so a
kill at any moment leaves the previous backup or the new one, whole.

Example::

    b = Backup.from_spec(spec["train"]["backup"], spec)
    state, arrays = b.load() or ({}, {})
    b.save({"epoch": 1, "step": 20, ...}, {"model/0": kernel, ...})
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import numpy as np

from ..core.args import as_int
from ..errors import raise_error
from ..pack.format import canonical, encode_header, parse_header

FORMAT = "streamfit-backup"
VERSION = "1"
FILE = "backup.safetensors"
KILL_ENV = "STREAMFIT_KILL_AFTER_STEP"
"""Test hook (SPEC §5.6): the trainer SIGKILLs itself after this global step (and its backup)."""

_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64",
           np.dtype(np.int32): "I32", np.dtype(np.uint8): "U8"}
_NUMPY = {v: k for k, v in _DTYPES.items()}


def spec_key(spec: dict[str, Any]) -> str:
    """sha256 of the spec's canonical JSON without ``train.epochs`` and ``train.backup``: a backup
    resumes only the run it was written for (more epochs, or another backup folder, are the same run).

    Example::

        spec_key(load_spec("examples/demo_csv.json"))   # "3f1c..."
    """
    train = {k: v for k, v in spec.get("train", {}).items() if k not in ("epochs", "backup")}
    return hashlib.sha256(canonical(dict(spec, train=train)).encode("utf-8")).hexdigest()


class Backup:
    """``train.backup`` (SPEC §5.6): where the backup lives, how often it is written, and its I/O."""

    def __init__(self, folder: str, save_freq: Any, delete_checkpoint: bool, key: str, language: str) -> None:
        self.folder, self.key, self.language = folder, key, language
        self.path = os.path.join(folder, FILE)
        self.every = None if save_freq == "epoch" else as_int(save_freq, "train.backup.save_freq", minimum=1)
        self.delete_checkpoint = bool(delete_checkpoint)

    @classmethod
    def from_spec(cls, cfg: dict[str, Any] | None, spec: dict[str, Any], folder: str | None = None,
                  language: str = "python") -> "Backup | None":
        """The spec's ``train.backup`` (``folder``: the CLI's ``--backup DIR`` instead of ``dir``), or None."""
        if cfg is None and folder is None:
            return None
        cfg = dict(cfg or {})
        return cls(folder if folder is not None else cfg["dir"], cfg.get("save_freq", "epoch"),
                   cfg.get("delete_checkpoint", True), spec_key(spec), language)

    def due(self, global_step: int) -> bool:
        """True when the backup is written after global step ``global_step`` (1-based)."""
        return self.every is not None and global_step % self.every == 0

    def save(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Write ``state`` (JSON) and ``arrays`` atomically to ``DIR/backup.safetensors``."""
        meta = {"format": FORMAT, "version": VERSION,
                "state": json.dumps(dict(state, language=self.language, spec_key=self.key, optimizer_format="keras"))}
        tensors = {}
        arrays = {name: np.asarray(a, order="C") for name, a in arrays.items()}  # scalars stay 0-d
        for name, a in arrays.items():
            if a.dtype not in _DTYPES:
                raise_error("SF_ARG", f"backup: cannot store {name} of dtype {a.dtype}")
            tensors[name] = (_DTYPES[a.dtype], list(a.shape), a.nbytes)
        head, order = encode_header(tensors, meta)
        os.makedirs(self.folder, exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(head)
            for name in order:
                f.write(arrays[name].astype(arrays[name].dtype.newbyteorder("<")).tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def load(self) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """``(state, arrays)`` of the backup, or None when there is none; ``SF_BACKUP`` naming the file
        when it is damaged, from another spec, or holds tfjs's optimizer state (Node's layers engine)."""
        try:
            with open(self.path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return None

        def bad(why: str) -> None:
            raise_error("SF_BACKUP", f"backup {self.path}: {why}; delete the file to start the run afresh")

        header, start = parse_header(raw, len(raw), self.path, damaged=bad)
        meta = header.get("__metadata__") or {}
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            bad(f"not a {FORMAT} version {VERSION} file")
        try:
            state = json.loads(meta["state"])
        except (KeyError, ValueError):
            bad("its state is not JSON")
        fmt = optimizer_format(state)
        if fmt != "keras":  # Python's optimizer state is Keras's, as Node's graph engine's (SPEC §5.6, §5.7)
            bad(f"it was written by {state.get('language')} --engine layers, whose optimizer state is tfjs's; "
                "resume it with node js/train.mjs --engine layers")
        if state.get("spec_key") != self.key:
            bad("it was written for another spec (the model, pipeline or training settings differ)")
        arrays = {}
        for name, e in header.items():
            if name == "__metadata__":
                continue
            lo, hi = e["data_offsets"]
            arrays[name] = np.frombuffer(raw, dtype=_NUMPY[e["dtype"]].newbyteorder("<"), count=(hi - lo) // int(
                _NUMPY[e["dtype"]].itemsize), offset=start + lo).reshape(e["shape"]).astype(_NUMPY[e["dtype"]])
        return state, arrays

    def delete(self) -> None:
        """Remove the backup file (SPEC §5.6 ``delete_checkpoint``): only that file, never the folder's other files."""
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass


def optimizer_format(state: dict[str, Any]) -> str:
    """SPEC §5.6: the layout of a backup's optimizer tensors, ``"keras"`` (``optimizer/i``: Python, Node's
    graph engine) or ``"tfjs"`` (``optimizer/SLOT/i``: Node's layers engine); backups older than the
    field are the writing language's."""
    return state.get("optimizer_format") or ("keras" if state.get("language") == "python" else "tfjs")


def numbered(prefix: str, arrays: Any) -> dict[str, np.ndarray]:
    """``{"prefix/0": a0, "prefix/1": a1, ...}``."""
    return {f"{prefix}/{i}": np.asarray(a) for i, a in enumerate(arrays)}


def unnumbered(prefix: str, arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The arrays ``prefix/0``, ``prefix/1``, ... in order."""
    out = []
    while f"{prefix}/{len(out)}" in arrays:
        out.append(arrays[f"{prefix}/{len(out)}"])
    return out
