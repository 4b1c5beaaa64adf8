"""``python -m streamfit pack SPEC OUT_DIR`` (SPEC §9.1): pack a spec's leading packable part.

The spec's source and its ops before the first ``shuffle``, ``batch``,
``repeat`` (or ``cache``) are packed; the ops from there on are returned so
the command can print them: they belong after a ``packed`` source. The
``pack_key`` holds the packed spec part with the source path made absolute,
so the same spec packs to the same key from any working folder.

Example::

    index, left = pack_spec_file("examples/flowers.json", "flowers_pack")
    left     # [{"op": "shuffle", "seed": 7}, {"op": "batch", "batch_size": 32}]
"""

from __future__ import annotations

from typing import Any, Sequence

from .writer import DEFAULT_SHARD_BYTES, pack_stage

NOT_PACKED = ("shuffle", "batch", "repeat", "cache")


def split_ops(ops: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(ops packed, ops left for reading)``: the cut is the first op a pack does not store.

    Example::

        split_ops([{"op": "map", "fn": "cast", "dtype": "int32"}, {"op": "batch", "batch_size": 2}])
    """
    for k, op in enumerate(ops):
        if op.get("op") in NOT_PACKED:
            return list(ops[:k]), list(ops[k:])
    return list(ops), []


def pack_spec_file(path: str, out_dir: str, shard_bytes: int = DEFAULT_SHARD_BYTES, variable: Sequence[str] = (),
                   progress: Any = True) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """Pack the spec file's packable part into ``out_dir``: ``(index, ops left, summary packed)``."""
    from ..spec import load_spec, packed_part, pipeline_from_spec

    spec = load_spec(path)
    ops, left = split_ops(spec.get("ops", []))
    part = packed_part(spec, ops, ".")
    pipe = pipeline_from_spec(part)
    index = pack_stage(pipe.stages[-1], out_dir, shard_bytes, variable, progress=progress, spec=part)
    return index, left, pipe.summary()
