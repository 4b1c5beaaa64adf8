"""Resolving ``features`` / ``label`` column references against a CSV header (SPEC §3.1)."""

from __future__ import annotations

import numbers
from typing import Any

from ..errors import raise_error


def _resolve_one(path: str, ncols: int, names: list[str] | None, ref: Any, what: str) -> int:
    if isinstance(ref, bool) or not isinstance(ref, (str, numbers.Integral)):
        if isinstance(ref, float) and ref.is_integer():
            ref = int(ref)
        else:
            raise_error("SF_ARG", f"csv {what}: a column is a name or a 0-based index, got {ref!r}",
                        kind="type")
    if isinstance(ref, str):
        if names is None:
            raise_error("SF_CSV_HEADER", f"csv: {path}, line 1: {what} names column {ref!r} but header=false; "
                        "use 0-based indices or set header=true")
        hits = [j for j, name in enumerate(names) if name == ref]
        if not hits:
            raise_error("SF_CSV_HEADER", f"csv: {path}, line 1: {what} column {ref!r} is not in the header "
                        f"{names!r}; check the spelling")
        if len(hits) > 1:
            raise_error("SF_CSV_HEADER", f"csv: {path}, line 1: {what} column {ref!r} appears "
                        f"{len(hits)} times in the header (indices {hits}); rename it or use an index")
        return hits[0]
    j = int(ref)
    if not 0 <= j < ncols:
        raise_error("SF_CSV_HEADER", f"csv: {path}, line 1: {what} column index {j} is out of range; the file "
                    f"has {ncols} columns (0..{ncols - 1})")
    return j


def resolve_columns(path: str, ncols: int, names: list[str] | None, features: Any, label: Any
                    ) -> tuple[list[int], list[int], bool]:
    """``(feature indices, label indices, label_is_scalar)``.

    Example::

        resolve_columns("xy.csv", 2, ["x", "y"], None, "y")   # ([0], [1], True)
    """
    if label is None:
        labels: list[int] = []
        scalar = False
    elif isinstance(label, (list, tuple)):
        labels = [_resolve_one(path, ncols, names, r, "label") for r in label]
        scalar = False
    else:
        labels = [_resolve_one(path, ncols, names, label, "label")]
        scalar = True
    if features is None:
        feats = [j for j in range(ncols) if j not in labels]
    elif isinstance(features, (list, tuple)):
        feats = [_resolve_one(path, ncols, names, r, "features") for r in features]
    else:
        raise_error("SF_ARG", f"csv features must be a list of column names or indices, got {features!r}",
                    kind="type")
    return feats, labels, scalar
