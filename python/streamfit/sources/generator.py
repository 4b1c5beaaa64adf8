"""User generators as a source (SPEC §3.6); a stream: not indexable, cardinality unknown.

``fn()`` is called once per epoch it is iterated and must return a fresh
iterator. Each element is converted leaf by leaf (``int`` -> int32,
``float`` -> float32, ``bool`` -> uint8, numpy arrays and scalars kept when
their dtype is uint8/int32/float32) and checked against the element spec:
the declared one (leaves cast to its dtypes, ranks and fixed dimensions
checked) or, without one, the structure and dtypes of the first element.
With ``on_error="skip"`` (SPEC §4.6) an element that does not match is dropped and
counted as ``SF_ARG``; without a declared spec the first element that converts sets it.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any, Callable, Iterator

import numpy as np

from ..core.on_error import SkipLog, check_on_error, skip_suffix
from ..core.pipeline import Pipeline
from ..core.record import _sorted_keys
from ..core.stage import Stage
from ..errors import StreamfitError, raise_error
from ..ops.map import function_name

DTYPES = ("uint8", "int32", "float32")
_INT32 = (-(2**31), 2**31 - 1)


class LeafSpec:
    """``dtype`` and ``shape`` (``None`` entries match any size; ``shape=None``: any rank)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype: str, shape: tuple[int | None, ...] | None) -> None:
        self.dtype, self.shape = dtype, shape


def parse_spec(tree: Any, path: str = "") -> Any:
    """A user ``element_spec`` tree as ``LeafSpec`` leaves in tuples/dicts; ``SF_ARG`` if malformed.

    A leaf is a dict ``{"dtype": ..., "shape": [...]}`` (or anything with ``dtype`` and ``shape``
    attributes, such as ``tf.TensorSpec``); other dicts and tuples/lists are inner nodes.

    Example::

        parse_spec(({"dtype": "float32", "shape": [None, 3]}, {"dtype": "int32", "shape": []}))
    """
    where = path or "element_spec"
    if isinstance(tree, dict) and "dtype" in tree and set(tree) <= {"dtype", "shape"}:
        dtype, shape = tree["dtype"], tree.get("shape")
    elif not isinstance(tree, (dict, tuple, list)) and hasattr(tree, "dtype") and hasattr(tree, "shape"):
        dtype, shape = tree.dtype, tree.shape
        shape = None if getattr(shape, "rank", 0) is None else list(shape)
    elif isinstance(tree, (tuple, list)):
        return tuple(parse_spec(t, f"{path}[{i}]") for i, t in enumerate(tree))
    elif isinstance(tree, dict):
        return {k: parse_spec(tree[k], f"{path}[{k!r}]") for k in _sorted_keys(tree)}
    else:
        raise_error("SF_ARG", f"from_generator: {where} must be {{\"dtype\", \"shape\"}}, a tuple/list or a "
                    f"dict of them, got {tree!r}", kind="type")
    try:  # "float32", np.float32, np.dtype("float32") and tf.float32 all name float32
        name = np.dtype(getattr(dtype, "as_numpy_dtype", dtype)).name
    except TypeError:
        name = None
    if name not in DTYPES:
        raise_error("SF_ARG", f"from_generator: {where} dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if shape is not None:
        if not isinstance(shape, (list, tuple)) or not all(
                d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0)
                for d in shape):
            raise_error("SF_ARG", f"from_generator: {where} shape must be a list of sizes >= 0 or None, "
                        f"got {shape!r}")
        shape = tuple(None if d is None else int(d) for d in shape)
    return LeafSpec(name, shape)


def _leaf(value: Any, where: str) -> np.ndarray:
    """SPEC §3.6 leaf conversion (before any cast); float64/int64 and other types are ``SF_ARG``."""
    if isinstance(value, (bool, np.bool_)):
        return np.array(value, dtype=np.uint8)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        a = np.asarray(value)
        if a.dtype == np.bool_:
            return a.astype(np.uint8)
        if a.dtype.name not in DTYPES:
            raise_error("SF_ARG", f"{where} is a {a.dtype.name} array; streamfit records hold uint8, int32 or "
                        "float32: cast it (e.g. .astype(np.float32)) or declare its dtype in element_spec")
        return a
    if isinstance(value, numbers.Integral):
        v = int(value)
        if not _INT32[0] <= v <= _INT32[1]:
            raise_error("SF_ARG", f"{where} is the int {v}, outside the int32 range; yield a float or a "
                        "numpy array of a supported dtype")
        return np.array(v, dtype=np.int32)
    if isinstance(value, numbers.Real):
        return np.array(float(value), dtype=np.float32)
    raise_error("SF_ARG", f"{where} is a {type(value).__name__} ({value!r:.60}); a leaf must be a numpy array "
                "or scalar, int, float or bool, an inner node a tuple/list or dict", kind="type")


def _shape_str(shape: Any) -> str:
    return "[" + ", ".join("None" if d is None else str(d) for d in shape) + "]"


def convert(value: Any, spec: Any, declared: bool, where: str) -> Any:
    """``value`` as a record matching ``spec`` (a ``parse_spec`` tree), or ``SF_ARG`` naming ``where``."""
    if isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise_error("SF_ARG", f"{where} should be a tuple of {len(spec)}, got {type(value).__name__}"
                        + (f" of {len(value)}" if isinstance(value, (tuple, list)) else "")
                        + "; yield the structure of element_spec (or of the first element)")
        return tuple(convert(v, s, declared, f"{where}[{i}]") for i, (v, s) in enumerate(zip(value, spec)))
    if isinstance(spec, dict):
        if not isinstance(value, dict) or sorted(value) != sorted(spec):
            got = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise_error("SF_ARG", f"{where} should be a dict with keys {sorted(spec)}, got {got}")
        return {k: convert(value[k], spec[k], declared, f"{where}[{k!r}]") for k in _sorted_keys(spec)}
    if isinstance(value, (tuple, list, dict)):
        raise_error("SF_ARG", f"{where} should be a leaf ({spec.dtype}), got a {type(value).__name__}")
    if declared and isinstance(value, (np.ndarray, np.generic)) and np.asarray(value).dtype.kind in "iuf":
        a = np.asarray(value)  # declared: any numeric dtype (float64, int64 too) is cast (SPEC §3.6)
    else:
        a = _leaf(value, where)
    if a.dtype.name != spec.dtype:
        if spec.dtype in ("int32", "uint8") and a.dtype.kind == "f":
            info = np.iinfo(spec.dtype)
            if not (np.isfinite(a).all() and (a >= info.min).all() and (a <= info.max).all()):
                raise_error("SF_ARG", f"{where}: a float value is NaN, infinite or outside the {spec.dtype} range "
                            f"[{info.min}, {info.max}]; clip or fix it before yielding (SPEC §3.6)")
            a = np.trunc(a)
        a = a.astype(spec.dtype)
    if spec.shape is not None:
        fits = a.ndim == len(spec.shape) and all(d is None or d == s for d, s in zip(spec.shape, a.shape))
        if not fits:
            raise_error("SF_ARG", f"{where} has shape {_shape_str(a.shape)}, element_spec says "
                        f"{_shape_str(spec.shape)}; yield that shape or change element_spec")
    return a


def infer_spec(value: Any, where: str) -> Any:
    """The spec of the first element: its structure and converted dtypes, shapes free."""
    if isinstance(value, (tuple, list)):
        return tuple(infer_spec(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise_error("SF_ARG", f"{where} has the dict key {k!r}; record dict keys must be strings",
                            kind="type")
        return {k: infer_spec(value[k], f"{where}[{k!r}]") for k in _sorted_keys(value)}
    return LeafSpec(_leaf(value, where).dtype.name, None)


class GeneratorSource(Stage):
    """Elements of ``fn()``, a fresh iterator per epoch, converted per SPEC §3.6."""

    def __init__(self, fn: Callable[[], Any], element_spec: Any = None, name: str | None = None,
                 on_error: str = "raise") -> None:
        self.on_error = check_on_error(on_error, "from_generator")
        if inspect.isgenerator(fn) or (not callable(fn) and hasattr(fn, "__next__")):
            raise_error("SF_ARG", "from_generator(fn): pass the generator function, not a generator object "
                        "(from_generator(make_records), not from_generator(make_records())): every epoch "
                        "needs a fresh iterator", kind="type")
        if not callable(fn):
            raise_error("SF_ARG", f"from_generator(fn): fn must be callable, got {fn!r}", kind="type")
        self.fn = fn
        self.name = function_name(fn, name)
        self.declared = element_spec is not None
        self.spec = parse_spec(element_spec) if self.declared else None
        self.skips = SkipLog(self.label)

    def label(self) -> str:
        return f"generator({self.name}{skip_suffix(self.on_error)})"

    def iterate(self, epoch: int) -> Iterator[Any]:
        it = self.fn()
        try:
            it = iter(it)
        except TypeError:
            raise_error("SF_ARG", f"from_generator: {self.name}() returned {type(it).__name__}, not an "
                        "iterator; make it a generator function (use yield)", kind="type")
        read = self.skips.begin(epoch)
        skip = self.on_error == "skip"
        spec = self.spec
        for k, value in enumerate(it):
            where = f"from_generator: element {k} of {self.label()}: record"
            try:
                # the first (good) element of every epoch sets the spec when none is declared
                element_spec = infer_spec(value, where) if spec is None else spec
                record = convert(value, element_spec, self.declared, where)
            except StreamfitError as err:
                if not skip or err.code != "SF_ARG":
                    raise
                read.skip(err)
                continue
            spec = element_spec
            read.kept += 1
            yield record
        read.finish()


def from_generator(fn: Callable[[], Any], element_spec: Any = None, name: str | None = None,
                   on_error: str = "raise") -> Pipeline:
    """A pipeline over a user generator function, called once per epoch (SPEC §3.6).

    ``on_error="skip"`` drops (and counts as ``SF_ARG``) elements that do not match the spec (SPEC §4.6).

    Example::

        def records():
            for i in range(100):
                yield np.full(3, i, np.float32), i % 2

        pipe = from_generator(records).shuffle(buffer_size=50, seed=1).batch(10)
        pipe = from_generator(records, element_spec=({"dtype": "float32", "shape": [3]},
                                                     {"dtype": "int32", "shape": []}))
    """
    return Pipeline(GeneratorSource(fn, element_spec, name, on_error))
