"""Blocks: many records stacked leaf by leaf, the internal fast path of every stage.

A *block* is a record tree whose leaves all carry a leading axis of the same
length ``n >= 1`` (n records stacked, exactly like a batch). Stages pass blocks
to each other (``Stage.iterate_blocks``) so that per-record Python work -- a
``yield`` and a numpy slice per row -- is paid only where a user function
needs one record at a time. Blocks never change values or order: unstacking
them gives the records of the record path, and the property tests hold the
two paths to identical digests.

The JS twin is ``js/src/core/block.mjs``.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import numpy as np

from .record import _sorted_keys

Block = Any

BLOCK_BYTES = 4 << 20
"""Target size of a block grouped from records: big enough to amortise the per-block
work, small enough that a few of them (a prefetch queue) stay cheap in memory."""

MAX_ROWS = 4096
"""Most records grouped into one block, whatever their size."""


def leaves(block: Block) -> list[np.ndarray]:
    """Leaves in SPEC §2.3 flatten order (no copies)."""
    if isinstance(block, tuple):
        return [leaf for item in block for leaf in leaves(item)]
    if isinstance(block, dict):
        return [leaf for k in _sorted_keys(block) for leaf in leaves(block[k])]
    return [block]


def rows(block: Block) -> int:
    """Number of records in ``block`` (its leading axis)."""
    while isinstance(block, (tuple, dict)):
        block = block[0] if isinstance(block, tuple) else block[_sorted_keys(block)[0]]
    return int(block.shape[0])


def apply(fn: Any, block: Block) -> Block:
    """``fn`` on every leaf, keeping the tree (tuples stay tuples, dict keys sorted)."""
    if isinstance(block, tuple):
        return tuple(apply(fn, item) for item in block)
    if isinstance(block, dict):
        return {k: apply(fn, block[k]) for k in _sorted_keys(block)}
    return fn(block)


def cut(block: Block, lo: int, hi: int) -> Block:
    """Records ``lo..hi-1`` of ``block`` as a block (views, no copy)."""
    return apply(lambda a: a[lo:hi], block)


def select(block: Block, mask: np.ndarray) -> Block:
    """The records where ``mask`` is true (a copy)."""
    return apply(lambda a: a[mask], block)


def unstack(block: Block) -> Iterator[Any]:
    """The records of ``block`` in order; a scalar record comes out as a 0-d array.

    Example::

        list(unstack((np.zeros((2, 3)), np.arange(2))))   # [(x0, y0), (x1, y1)]
    """
    n = rows(block)
    if isinstance(block, np.ndarray):
        for i in range(n):
            yield block[i, ...]
        return
    if isinstance(block, tuple) and len(block) == 2 and all(isinstance(b, np.ndarray) for b in block):
        x, y = block  # the common (x, y) pair: no tree walk per record
        for i in range(n):
            yield x[i, ...], y[i, ...]
        return
    for i in range(n):
        yield apply(lambda a: a[i, ...], block)


def signature(tree: Any, lead: int) -> Any:
    """Structure, dtypes and record shapes of a record (``lead=0``) or block (``lead=1``).

    Two blocks can be concatenated, and two records stacked, exactly when their
    signatures are equal.
    """
    if isinstance(tree, (tuple, list)):
        return tuple(signature(t, lead) for t in tree)
    if isinstance(tree, dict):
        return ("dict",) + tuple((k, signature(tree[k], lead)) for k in _sorted_keys(tree))
    a = tree if isinstance(tree, np.ndarray) else np.asarray(tree)
    return (a.dtype.str, a.shape[lead:])


def concat(blocks: list[Block]) -> Block:
    """Blocks of one signature joined along the record axis."""
    if len(blocks) == 1:
        return blocks[0]
    first = blocks[0]
    if isinstance(first, tuple):
        return tuple(concat([b[i] for b in blocks]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: concat([b[k] for b in blocks]) for k in _sorted_keys(first)}
    return np.concatenate(blocks, axis=0)


def _stack(records: list[Any]) -> Block:
    first = records[0]
    if isinstance(first, (tuple, list)):
        return tuple(_stack([r[i] for r in records]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([r[k] for r in records]) for k in _sorted_keys(first)}
    return np.stack([np.asarray(r) for r in records])


def _limit(record: Any) -> int:
    size = sum(np.asarray(leaf).nbytes for leaf in leaves(record if not isinstance(record, list)
                                                           else tuple(record)))
    return max(1, min(MAX_ROWS, BLOCK_BYTES // max(size, 1)))


def group(records: Iterable[Any], limit: int | None = None) -> Iterator[Block]:
    """Stack consecutive records into blocks (the base ``iterate_blocks``).

    A record whose structure, dtype or shape differs from the block's starts a
    new block, so grouping never fails where the record path would not. If the
    upstream raises, the records read before the error are yielded first and
    the error is raised on the next read: a consumer that stops early (``take``)
    sees exactly what the record path gives.

    Example::

        list(group(iter([np.int32(1), np.int32(2)])))   # [array([1, 2], dtype=int32)]
    """
    it = iter(records)
    pending: list[Any] = []
    sig = None
    cap = limit
    while True:
        try:
            record = next(it)
        except StopIteration:
            break
        except BaseException:
            if pending:
                yield _stack(pending)
            raise
        s = signature(record, 0)
        if pending and (s != sig or len(pending) >= cap):  # type: ignore[operator]
            yield _stack(pending)
            pending = []
        if not pending:
            sig = s
            cap = limit if limit is not None else _limit(record)
        pending.append(record)
    if pending:
        yield _stack(pending)


def one(record: Any) -> Block:
    """A block holding the single ``record``."""
    return _stack([record])
