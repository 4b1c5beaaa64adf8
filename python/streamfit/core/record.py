"""Record trees: flatten order, stacking into batches, digests (SPEC §2).

A record is a tree whose leaves are ``numpy.ndarray`` and whose inner nodes
are tuples (lists are read as tuples) or dicts with string keys.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import raise_error

Tree = Any


def _sorted_keys(d: dict) -> list[str]:
    # SPEC §2.3: dict keys compare as UTF-8 bytes (not Python's code-point order
    # of str, which differs for surrogate-range characters only, but be exact).
    return sorted(d, key=lambda k: str(k).encode("utf-8"))


def flatten_with_paths(tree: Tree, path: str = "") -> Iterator[tuple[str, Any]]:
    """Leaves with their paths, depth-first in SPEC §2.3 order.

    Paths read like Python indexing: ``[0]``, ``[1]['label']``; a bare leaf is ``x``.

    Example::

        list(flatten_with_paths((a, {"k": b})))  # [("[0]", a), ("[1]['k']", b)]
    """
    if isinstance(tree, (tuple, list)):
        for i, item in enumerate(tree):
            yield from flatten_with_paths(item, f"{path}[{i}]")
    elif isinstance(tree, dict):
        for k in _sorted_keys(tree):
            yield from flatten_with_paths(tree[k], f"{path}[{k!r}]")
    else:
        yield (path or "record"), tree


def flatten(tree: Tree) -> list[np.ndarray]:
    """Leaves of ``tree`` as arrays, in SPEC §2.3 order.

    Example::

        flatten((x, y))   # [x, y]
    """
    return [np.asarray(leaf) for _, leaf in flatten_with_paths(tree)]


def map_structure(fn: Callable[[Any], Any], tree: Tree) -> Tree:
    """Apply ``fn`` to each leaf, keeping the tree (lists come back as tuples).

    Example::

        map_structure(lambda a: a * 2, (x, y))
    """
    if isinstance(tree, (tuple, list)):
        return tuple(map_structure(fn, t) for t in tree)
    if isinstance(tree, dict):
        return {k: map_structure(fn, tree[k]) for k in _sorted_keys(tree)}
    return fn(tree)


def _shape_str(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def stack(records: list[Tree]) -> Tree:
    """Stack records leaf by leaf along a new axis 0 (SPEC §2.2).

    Leaves must agree in dtype and shape, else ``SF_BATCH_SHAPE``.

    Example::

        stack([(x0, y0), (x1, y1)])   # (array [2, ...], array [2])
    """
    first = records[0]

    def build(node: Tree, path: str, pick: Callable[[Tree], Tree]) -> Tree:
        if isinstance(node, (tuple, list)):
            return tuple(build(n, f"{path}[{i}]", lambda r, i=i: pick(r)[i]) for i, n in enumerate(node))
        if isinstance(node, dict):
            return {k: build(node[k], f"{path}[{k!r}]", lambda r, k=k: pick(r)[k]) for k in _sorted_keys(node)}
        leaves = [np.asarray(pick(r)) for r in records]
        ref = leaves[0]
        for j, leaf in enumerate(leaves):
            if leaf.dtype != ref.dtype or leaf.shape != ref.shape:
                raise_error(
                    "SF_BATCH_SHAPE",
                    f"batch: leaf {path or 'record'} of record {j} in the batch has "
                    f"{leaf.dtype.name} {_shape_str(leaf.shape)} but record 0 has "
                    f"{ref.dtype.name} {_shape_str(ref.shape)}; make the records the same "
                    "shape first (e.g. image_size=[h, w] or a map) or use batch_size=1",
                )
        return np.stack(leaves)

    try:
        return build(first, "", lambda r: r)
    except (IndexError, KeyError, TypeError) as exc:
        raise_error("SF_BATCH_SHAPE", f"batch: records do not share one tree structure ({exc})")


def _leaf_bytes(a: np.ndarray) -> bytes:
    a = np.asarray(a)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and np.little_endian is False):
        a = a.astype(a.dtype.newbyteorder("<"))
    return np.ascontiguousarray(a).tobytes(order="C")


def digest(tree: Tree) -> str:
    """SHA-256 of a record or batch per SPEC §2.3, lower-case hex.

    Example::

        digest(np.zeros((2, 3), np.float32))   # hashes b"float32:2,3;" + 24 bytes
    """
    h = hashlib.sha256()
    for leaf in flatten(tree):
        h.update(f"{leaf.dtype.name}:{','.join(str(s) for s in leaf.shape)};".encode("utf-8"))
        h.update(_leaf_bytes(leaf))
    return h.hexdigest()


def to_values(tree: Tree) -> Any:
    """Nested lists per SPEC §7: a leaf as ``ndarray.tolist()``, a tuple as a list.

    Example::

        to_values((np.array([1.5], np.float32), np.int32(2)))   # [[1.5], 2]
    """
    if isinstance(tree, (tuple, list)):
        return [to_values(t) for t in tree]
    if isinstance(tree, dict):
        return {k: to_values(tree[k]) for k in _sorted_keys(tree)}
    return np.asarray(tree).tolist()


def element_spec(tree: Tree) -> list[dict[str, Any]]:
    """``[{"dtype", "shape"}]`` of the leaves in flatten order (SPEC §8 ``element_spec``).

    Example::

        element_spec((x, y))   # [{"dtype": "float32", "shape": [250, 1]}, ...]
    """
    return [{"dtype": leaf.dtype.name, "shape": list(leaf.shape)} for leaf in flatten(tree)]
