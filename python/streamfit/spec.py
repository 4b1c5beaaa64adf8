"""Spec files (SPEC §5): load, validate strictly, build the pipeline.

Example::

    spec = load_spec("examples/csv_xy.json")
    pipe = pipeline_from_spec(spec)
"""

from __future__ import annotations

import json
import os
from typing import Any

from .core.pipeline import Pipeline
from .errors import raise_error
from .ops import builtins
from .spec_schema import (BACKUP, CHECKPOINT, EARLY_STOPPING, FILTER_ARGS, LAYERS, MAP_ARGS, MODEL, OPS, OPTIMIZERS, SOURCES,
                          TOP, TRAIN, VALIDATION_PIPELINE, VALIDATION_SUBSET, check_choice, check_object)


def validate_spec(spec: Any) -> dict[str, Any]:
    """Check a spec dict's structure (unknown/missing keys, JSON types); ``SF_SPEC`` if wrong.

    Example::

        validate_spec({"source": {"type": "range", "n": 5}, "ops": []})
    """
    check_object(spec, TOP, "the spec (top level)")
    _validate_pipeline(spec, "")
    if "model" in spec:
        model = spec["model"]
        check_object(model, MODEL, "model")
        for k, layer in enumerate(model["layers"]):
            where = f"model.layers[{k}]"
            kind = check_choice(layer, "type", LAYERS, where, "layer type") if isinstance(layer, dict) \
                else raise_error("SF_SPEC", f"spec: {where} must be an object", kind="type")
            check_object(layer, LAYERS[kind], where, fixed=("type",), what=f" (a {kind} layer)")
    if "train" in spec:
        train = spec["train"]
        check_object(train, TRAIN, "train")
        opt = train["optimizer"]
        kind = check_choice(opt, "type", OPTIMIZERS, "train.optimizer", "optimizer")
        check_object(opt, OPTIMIZERS[kind], "train.optimizer", fixed=("type",), what=f" ({kind})")
        _validate_train_extras(train)
    return spec


def _validate_pipeline(spec: dict[str, Any], at: str) -> None:
    """``source`` and ``ops`` of a pipeline spec; ``at`` prefixes the names in messages."""
    src = spec["source"]
    kind = check_choice(src, "type", SOURCES, f"{at}source", "source type")
    check_object(src, SOURCES[kind], f"{at}source", fixed=("type",), what=f" (a {kind} source)")
    if not isinstance(spec.get("ops", []), list):
        raise_error("SF_SPEC", f"spec: {at}ops must be a list of ops", kind="type")
    for k, op in enumerate(spec.get("ops", [])):
        where = f"{at}ops[{k}]"
        name = check_choice(op, "op", OPS, where, "op") if isinstance(op, dict) else None
        if name is None:
            raise_error("SF_SPEC", f"spec: {where} must be an object like {{\"op\": \"batch\", ...}}",
                        kind="type")
        extra: dict[str, Any] = {}
        if name == "map":
            fn = check_choice(op, "fn", MAP_ARGS, where, "map function")
            extra = MAP_ARGS[fn]
        elif name == "filter":
            pred = check_choice(op, "predicate", FILTER_ARGS, where, "filter predicate")
            extra = FILTER_ARGS[pred]
        check_object(op, {**OPS[name], **extra}, where, fixed=("op",), what=f" (a {name} op)")


def _validate_train_extras(train: dict[str, Any]) -> None:
    """``validation``, ``early_stopping`` and ``checkpoint`` of ``train`` (SPEC §5.4), ``backup`` (§5.6)."""
    val = train.get("validation")
    if val is not None:
        if not isinstance(val, dict):
            raise_error("SF_SPEC", "spec: train.validation must be an object: {\"source\": ..., \"ops\": [...]} or "
                        "{\"subset\": \"validation\"}", kind="type")
        if "subset" in val:
            check_object(val, VALIDATION_SUBSET, "train.validation")
            if val["subset"] != "validation":
                raise_error("SF_SPEC", f"spec: train.validation.subset must be \"validation\", got {val['subset']!r}")
        else:
            check_object(val, VALIDATION_PIPELINE, "train.validation")
            _validate_pipeline(val, "train.validation.")
    if "early_stopping" in train:
        check_object(train["early_stopping"], EARLY_STOPPING, "train.early_stopping")
    if "checkpoint" in train:
        check_object(train["checkpoint"], CHECKPOINT, "train.checkpoint")
    if "backup" in train:
        check_object(train["backup"], BACKUP, "train.backup")


def load_spec(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a JSON spec file; relative source paths become relative to its folder.

    Example::

        spec = load_spec("examples/csv_xy.json")
        spec["source"]["path"]   # now joined with "examples/"
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise_error("SF_FILE_NOT_FOUND", f"spec file {path!r} does not exist")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        spec = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise_error("SF_SPEC", f"spec {path} is not UTF-8 text ({exc})")
    except json.JSONDecodeError as exc:
        raise_error("SF_SPEC", f"spec {path}, line {exc.lineno} column {exc.colno}: invalid JSON "
                    f"({exc.msg}); fix the syntax")
    try:
        validate_spec(spec)
    except Exception as exc:
        if hasattr(exc, "code") and hasattr(exc, "detail"):
            exc.args = (f"[{exc.code}] {path}: {exc.detail}",)  # name the file too
        raise
    folder = os.path.dirname(os.path.abspath(path))
    resolved = _resolve_paths(spec, folder)
    train = resolved.get("train")
    if isinstance(train, dict):  # the validation pipeline, the checkpoint file and the backup folder too (SPEC §5.4, §5.6)
        train = resolved["train"] = dict(train)
        if isinstance(train.get("validation"), dict) and "source" in train["validation"]:
            train["validation"] = _resolve_paths(train["validation"], folder)
        if isinstance(train.get("checkpoint"), dict):
            train["checkpoint"] = dict(train["checkpoint"], path=os.path.join(folder, train["checkpoint"]["path"]))
        if isinstance(train.get("backup"), dict):
            train["backup"] = dict(train["backup"], dir=os.path.join(folder, train["backup"]["dir"]))
    return resolved


def _resolve_paths(spec: dict[str, Any], folder: str) -> dict[str, Any]:
    """``spec`` with its source path and cache folders joined to ``folder`` (SPEC §4.7, §5)."""
    resolved = dict(spec, source=dict(spec["source"]))
    if "path" in resolved["source"]:
        resolved["source"]["path"] = os.path.join(folder, resolved["source"]["path"])
    if "ops" in resolved:  # a cache folder is relative to the spec file too (SPEC §4.7)
        resolved["ops"] = [dict(op, path=os.path.join(folder, op["path"])) if op.get("op") == "cache" else op
                           for op in resolved["ops"]]
    return resolved


def _source(src: dict[str, Any], base_dir: str) -> Pipeline:
    args = {k: v for k, v in src.items() if k != "type"}
    if "path" in args:
        args["path"] = os.path.join(base_dir, args["path"])
    if src["type"] == "csv":
        from .sources.csv import csv

        return csv(**args)
    if src["type"] == "image_folder":
        from .sources.image_folder import image_folder

        return image_folder(**args)
    if src["type"] == "class_folder":
        from .sources.class_folder import class_folder

        if args.get("subset") == "both":
            raise_error("SF_SPEC", "spec: source.subset \"both\" is not allowed in a spec: a spec describes one "
                        "pipeline; use \"training\" or \"validation\" (one spec each)")
        return class_folder(**args)  # type: ignore[return-value]
    if src["type"] == "packed":
        from .sources.packed import packed

        return packed(**args)
    if src["type"] == "paired_folders":
        from .sources.paired_folders import paired_folders

        return paired_folders(**args)
    from .sources.range import from_range

    return from_range(args["n"])


def packed_part(spec: dict[str, Any], ops: list[dict[str, Any]], base_dir: str) -> dict[str, Any]:
    """The spec part that goes into a ``pack_key`` (SPEC §9.1): the source, its ``path`` made
    absolute, and ``ops``.

    Example::

        packed_part({"source": {"type": "csv", "path": "xy.csv"}}, [], "/data")
        # {"source": {"type": "csv", "path": "/data/xy.csv"}, "ops": []}
    """
    source = dict(spec["source"])
    if "path" in source:
        source["path"] = os.path.abspath(os.path.join(base_dir, source["path"]))
    return {"source": source, "ops": [dict(op) for op in ops]}


def _op(pipe: Pipeline, op: dict[str, Any], part: dict[str, Any]) -> Pipeline:
    name = op["op"]
    args = {k: v for k, v in op.items() if k != "op"}
    if name == "cache":
        from .ops.cache import Cache

        return Pipeline(Cache(pipe.stages[-1], args["path"], spec=part))
    if name == "map":
        fn = args.pop("fn")
        return pipe.map(builtins.MAPS[fn](**args), name=fn)
    if name == "filter":
        pred = args.pop("predicate")
        return pipe.filter(builtins.FILTERS[pred](**args), name=pred)
    method = getattr(pipe, name)
    return method(**args)


def pipeline_from_spec(spec: dict[str, Any], base_dir: str | os.PathLike[str] = ".") -> Pipeline:
    """Build the pipeline of a spec dict (``source`` + ``ops``); paths resolve against ``base_dir``.

    Example::

        pipe = pipeline_from_spec({"source": {"type": "range", "n": 10},
                                   "ops": [{"op": "batch", "batch_size": 4}]})
        pipe.summary()   # "range(10) -> batch(4)"
    """
    validate_spec(spec)
    base = os.fspath(base_dir)
    pipe = _source(spec["source"], base)
    ops = spec.get("ops", [])
    for k, op in enumerate(ops):
        if op["op"] == "cache":
            op = dict(op, path=os.path.join(base, op["path"]))
        pipe = _op(pipe, op, packed_part(spec, ops[:k], base) if op["op"] == "cache" else {})
    return pipe
