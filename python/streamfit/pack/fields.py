"""The fields of a pack, taken from its first record, and the check of every later block (SPEC §9.1).

Fields are the leaves of the first record in flatten order (SPEC §2.3), named
``"0"``, ``"1"``, ...; each keeps its dtype and shape. A field listed in
``variable`` is a 1-d array whose length may change from record to record.
Anything else that changes -- the tree, a dtype, a fixed shape -- is
``SF_PACK_SHAPE`` naming the record and the field.

Example::

    fields = Fields.of(first_block, variable=("0",))
    fields.structure        # ["0", "1"] for (x, y) records
    fields.check(block, 12) # raises SF_PACK_SHAPE if block's records differ
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core import block as blk
from ..core.record import _sorted_keys
from ..errors import raise_error
from .format import DTYPES


def _shape(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


class Fields:
    """Names, dtypes and shapes of the leaves, and the record tree (``structure``) they fill."""

    def __init__(self, structure: Any, leaves: list[tuple[str, str, tuple[int, ...] | None, str]]) -> None:
        self.structure = structure
        self.leaves = leaves  # (name, dtype, shape or None when variable, path in the record)

    @staticmethod
    def of(block: Any, variable: Sequence[str]) -> "Fields":
        """The fields of the first record of ``block``; ``SF_ARG`` for a dtype a pack cannot hold
        or a ``variable`` name that is no field, ``SF_PACK_SHAPE`` for a variable field that is not 1-d."""
        counter = [0]
        leaves: list[tuple[str, str, tuple[int, ...] | None, str]] = []

        def walk(node: Any, path: str) -> Any:
            if isinstance(node, tuple):
                return [walk(item, f"{path}[{i}]") for i, item in enumerate(node)]
            if isinstance(node, dict):
                return {k: walk(node[k], f"{path}[{k!r}]") for k in _sorted_keys(node)}
            name = str(counter[0])
            counter[0] += 1
            a = np.asarray(node)
            if a.dtype.name not in DTYPES:
                raise_error("SF_ARG", f"pack: field {name} ({path or 'record'}) has dtype {a.dtype.name}, which a pack "
                            f"cannot hold ({', '.join(DTYPES)}); cast it with a map first")
            shape = tuple(int(d) for d in a.shape[1:])
            if name in variable:
                if len(shape) != 1:
                    raise_error("SF_PACK_SHAPE", f"pack: record 0 field {name} ({path or 'record'}) is listed in "
                                f"variable but has shape {_shape(shape)}; a variable field is 1-d")
                leaves.append((name, a.dtype.name, None, path or "record"))
            else:
                leaves.append((name, a.dtype.name, shape, path or "record"))
            return name

        structure = walk(block, "")
        names = {name for name, _, _, _ in leaves}
        unknown = [v for v in variable if v not in names]
        if unknown:
            raise_error("SF_ARG", f"pack: variable names {unknown} are not fields; the fields are "
                        f"{sorted(names, key=int)} (the leaves of a record in flatten order)")
        return Fields(structure, leaves)

    def index_fields(self) -> list[dict[str, Any]]:
        """The ``fields`` list of ``index.json`` (SPEC §9.2): ``shape`` ``[null]`` for a variable field."""
        return [{"name": n, "dtype": d, "shape": [None] if s is None else list(s)} for n, d, s, _ in self.leaves]

    def check(self, block: Any, first: int) -> list[np.ndarray]:
        """The leaves of ``block`` (whose records start at record ``first``), after checking they
        match the fields; ``SF_PACK_SHAPE`` naming the record and field otherwise."""
        got = blk.leaves(block)
        if not _same_tree(block, self.structure) or len(got) != len(self.leaves):
            raise_error("SF_PACK_SHAPE", f"pack: record {first} has another structure than the first record "
                        f"(fields {self.structure}); every record of a pack has the same tree")
        for a, (name, dtype, shape, path) in zip(got, self.leaves):
            rec = tuple(a.shape[1:])
            ok = a.dtype.name == dtype and (rec == shape if shape is not None else len(rec) == 1)
            if not ok:
                want = f"{dtype} {_shape(shape)}" if shape is not None else f"{dtype} [n] (variable)"
                raise_error("SF_PACK_SHAPE", f"pack: record {first} field {name} ({path}) is {a.dtype.name} "
                            f"{_shape(rec)} but the first record's is {want}; make the records the same shape "
                            f"(e.g. image_size=[h, w]), or pack a 1-d field with variable=[\"{name}\"]")
        return got


def _same_tree(block: Any, structure: Any) -> bool:
    if isinstance(structure, list):
        return isinstance(block, tuple) and len(block) == len(structure) and all(
            _same_tree(b, s) for b, s in zip(block, structure))
    if isinstance(structure, dict):
        return isinstance(block, dict) and sorted(block) == sorted(structure) and all(
            _same_tree(block[k], structure[k]) for k in structure)
    return not isinstance(block, (tuple, dict))
