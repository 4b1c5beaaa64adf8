"""The shape of a spec file (SPEC §5): allowed keys, required keys, JSON types.

Only structure and JSON types are checked here (``SF_SPEC``); value ranges are
checked by the sources and ops themselves (``SF_ARG``, ``SF_SEED``).
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

from .errors import raise_error

Check = Callable[[Any], bool]


def _num(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _any(v: Any) -> bool:
    return True


def _opt(check: Check) -> Check:
    return lambda v: v is None or check(v)


def _list_of(check: Check) -> Check:
    return lambda v: isinstance(v, list) and all(check(i) for i in v)


def _column(v: Any) -> bool:
    return _str(v) or _num(v)


_TYPE_NAMES = {_num: "a number", _str: "a string", _bool: "true or false"}

# key -> (check, required, description of the expected JSON type)
Schema = dict[str, tuple[Check, bool, str]]

# SPEC §4.6: any value other than "raise"/"skip" is SF_ARG, which the source itself raises
_ON_ERROR = (_any, False, "\"raise\" or \"skip\"")

SOURCES: dict[str, Schema] = {
    "csv": {
        "path": (_str, True, "a string"), "on_error": _ON_ERROR, "header": (_bool, False, "true or false"),
        "features": (_opt(_list_of(_column)), False, "a list of column names/indices or null"),
        "label": (_opt(lambda v: _column(v) or _list_of(_column)(v)), False,
                  "a column name/index, a list of them, or null"),
        "delimiter": (_str, False, "a string"), "dtype": (_str, False, "a string"),
        "label_dtype": (_str, False, "a string"),
    },
    "image_folder": {
        "path": (_str, True, "a string"), "on_error": _ON_ERROR, "pattern": (_str, False, "a string"),
        "classes": (_opt(_list_of(_str)), False, "a list of strings or null"),
        "label_mode": (_str, False, "a string"), "channels": (_num, False, "a number"),
        "image_size": (_opt(_list_of(_num)), False, "[height, width] or null"),
        "scale": (_bool, False, "true or false"),
        "extensions": (_opt(_list_of(_str)), False, "a list of strings"),
        "decode": (_bool, False, "true or false"),
    },
    "class_folder": {
        "path": (_str, True, "a string"), "on_error": _ON_ERROR,
        "class_names": (_opt(_list_of(_str)), False, "a list of strings or null"),
        "label_mode": (_str, False, "a string"), "color_mode": (_str, False, "a string"),
        "image_size": (_opt(_list_of(_num)), False, "[height, width] or null"),
        "crop_to_aspect_ratio": (_bool, False, "true or false"),
        "pad_to_aspect_ratio": (_bool, False, "true or false"),
        "scale": (_bool, False, "true or false"),
        "validation_split": (_opt(_num), False, "a number or null"),
        "subset": (_opt(_str), False, "\"training\", \"validation\" or null"),
        "seed": (_any, False, "a seed"), "split_mode": (_str, False, "a string"),
        "extensions": (_opt(_list_of(_str)), False, "a list of strings"),
        "decode": (_bool, False, "true or false"),
    },
    "paired_folders": {
        "path": (_str, True, "a string"), "on_error": _ON_ERROR,
        "inputs": (lambda v: isinstance(v, list) and len(v) >= 1 and all(_str(i) for i in v), False,
                   "a non-empty list of folder names"),
        "label": (_opt(_str), False, "a folder name or null"), "channels": (_num, False, "a number"),
        "image_size": (_opt(_list_of(_num)), False, "[height, width] or null"),
        "scale": (_bool, False, "true or false"),
        "extensions": (_opt(_list_of(_str)), False, "a list of strings"),
    },
    "range": {"n": (_num, True, "a number")},
    "packed": {
        "path": (_str, True, "a string"), "order": (_str, False, "\"sequential\", \"global\" or \"shards\""),
        "seed": (_any, False, "a seed"), "window": (_num, False, "a number"),
        "verify": (_bool, False, "true or false"), "prefetch_bytes": (_num, False, "a number"),
    },
}

OPS: dict[str, Schema] = {
    "map": {"fn": (_str, True, "a string"), "on": (_str, False, "\"x\" or \"y\"")},
    "filter": {"predicate": (_str, True, "a string")},
    "shuffle": {"buffer_size": (_opt(_num), False, "a number or null"), "seed": (_any, False, "a seed"),
                "reshuffle_each_iteration": (_bool, False, "true or false")},
    "batch": {"batch_size": (_num, True, "a number"), "drop_remainder": (_bool, False, "true or false")},
    "take": {"count": (_num, True, "a number")},
    "skip": {"count": (_num, True, "a number")},
    "repeat": {"count": (_opt(_num), False, "a number or null")},
    "prefetch": {"buffer_size": (_num, False, "a number")},
    "cache": {"path": (_str, True, "a string")},
}

MAP_ARGS: dict[str, Schema] = {
    "divide": {"value": (lambda v: _num(v) or _list_of(_num)(v), True, "a number or a list of numbers")},
    "normalize": {"mean": (lambda v: _num(v) or _list_of(_num)(v), True, "a number or a list of numbers"),
                  "std": (lambda v: _num(v) or _list_of(_num)(v), True, "a number or a list of numbers")},
    "one_hot": {"depth": (_num, True, "a number")},
    "cast": {"dtype": (_str, True, "a string")},
    "decode_image": {"channels": (_num, False, "a number"),
                     "image_size": (_opt(_list_of(_num)), False, "[height, width] or null"),
                     "scale": (_bool, False, "true or false")},
}
FILTER_ARGS: dict[str, Schema] = {
    "label_in": {"values": (_list_of(_num), True, "a list of numbers")},
    "finite": {},
}

_ACT = (_str, False, "an activation name")
LAYERS: dict[str, Schema] = {
    "dense": {"units": (_num, True, "a number"), "activation": _ACT},
    "conv2d": {"filters": (_num, True, "a number"),
               "kernel_size": (lambda v: _num(v) or _list_of(_num)(v), True, "a number or [h, w]"),
               "strides": (lambda v: _num(v) or _list_of(_num)(v), False, "a number or [h, w]"),
               "padding": (_str, False, "\"valid\" or \"same\""), "activation": _ACT},
    "max_pooling2d": {"pool_size": (lambda v: _num(v) or _list_of(_num)(v), False, "a number or [h, w]"),
                      "strides": (lambda v: v is None or _num(v) or _list_of(_num)(v), False,
                                  "a number or [h, w]")},
    "global_average_pooling2d": {},
    "flatten": {},
    "dropout": {"rate": (_num, True, "a number")},
}
LAYERS["average_pooling2d"] = LAYERS["max_pooling2d"]

MODEL: Schema = {"seed": (_any, False, "a seed"), "input_shape": (_list_of(_num), True, "a list of numbers"),
                 "layers": (lambda v: isinstance(v, list), True, "a list of layers")}
TRAIN: Schema = {
    "epochs": (_num, True, "a number"), "loss": (_str, True, "a string"),
    "optimizer": (lambda v: isinstance(v, dict), True, "an object"),
    "steps_per_epoch": (_opt(_num), False, "a number or null"),
    "steps_per_execution": (_num, False, "a number"),
    "metrics": (_list_of(_str), False, "a list of strings"),
    "validation": (lambda v: isinstance(v, dict), False, "an object"),
    "validation_steps": (_opt(_num), False, "a number or null"),
    "early_stopping": (lambda v: isinstance(v, dict), False, "an object"),
    "checkpoint": (lambda v: isinstance(v, dict), False, "an object"),
    "backup": (lambda v: isinstance(v, dict), False, "an object"),
}
VALIDATION_SUBSET: Schema = {"subset": (_str, True, "a string")}
VALIDATION_PIPELINE: Schema = {"source": (lambda v: isinstance(v, dict), True, "an object"),
                               "ops": (lambda v: isinstance(v, list), False, "a list of ops")}
EARLY_STOPPING: Schema = {"monitor": (_str, False, "a string"), "mode": (_str, False, "a string"),
                          "patience": (_num, False, "a number"), "min_delta": (_num, False, "a number"),
                          "restore_best_weights": (_bool, False, "true or false")}
CHECKPOINT: Schema = {"path": (_str, True, "a string"), "monitor": (_str, False, "a string"),
                      "mode": (_str, False, "a string"), "save_best_only": (_bool, False, "true or false")}
BACKUP: Schema = {"dir": (_str, True, "a string"),
                  "save_freq": (lambda v: v == "epoch" or _num(v), False, "\"epoch\" or a number of steps"),
                  "delete_checkpoint": (_bool, False, "true or false")}
OPTIMIZERS: dict[str, Schema] = {
    "sgd": {"learning_rate": (_num, True, "a number"), "momentum": (_num, False, "a number")},
    "adam": {"learning_rate": (_num, True, "a number"), "beta_1": (_num, False, "a number"),
             "beta_2": (_num, False, "a number"), "epsilon": (_num, False, "a number")},
    "rmsprop": {"learning_rate": (_num, True, "a number"), "rho": (_num, False, "a number"),
                "momentum": (_num, False, "a number"), "epsilon": (_num, False, "a number")},
}
TOP: Schema = {"source": (lambda v: isinstance(v, dict), True, "an object"),
               "ops": (lambda v: isinstance(v, list), False, "a list of ops"),
               "model": (lambda v: isinstance(v, dict), False, "an object"),
               "train": (lambda v: isinstance(v, dict), False, "an object")}


def check_object(obj: Any, schema: Schema, where: str, fixed: tuple[str, ...] = (),
                 what: str = "") -> None:
    """Raise ``SF_SPEC`` for unknown keys, missing required keys or wrong JSON types.

    ``fixed`` keys (like ``"op"`` or ``"type"``) are allowed and checked by the caller.
    """
    if not isinstance(obj, dict):
        raise_error("SF_SPEC", f"spec: {where} must be a JSON object, got {obj!r}", kind="type")
    allowed = set(schema) | set(fixed)
    for key in obj:
        if key not in allowed:
            raise_error("SF_SPEC", f"spec: unknown key \"{key}\" in {where}{what}; allowed keys: "
                        f"{', '.join(sorted(allowed))}")
    for key, (check, required, expected) in schema.items():
        if key not in obj:
            if required:
                raise_error("SF_SPEC", f"spec: {where}{what} is missing the required key \"{key}\" "
                            f"({expected})")
            continue
        if not check(obj[key]):
            raise_error("SF_SPEC", f"spec: {where}.{key} must be {expected}, got {obj[key]!r}", kind="type")


def check_choice(obj: dict, key: str, choices: dict, where: str, noun: str) -> str:
    """The value of ``obj[key]`` if it names one of ``choices``, else ``SF_SPEC``."""
    if key not in obj:
        raise_error("SF_SPEC", f"spec: {where} is missing the required key \"{key}\" "
                    f"(one of {', '.join(choices)})")
    value = obj[key]
    if not isinstance(value, str) or value not in choices:
        raise_error("SF_SPEC", f"spec: {where}.{key}: unknown {noun} {value!r}; use one of "
                    f"{', '.join(choices)}")
    return value
