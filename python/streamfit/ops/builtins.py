"""Built-in map functions and filter predicates usable from spec files (SPEC §4.3).

Each factory validates its arguments and returns a plain function on records.
Maps act on ``x`` unless ``on="y"``; a record is ``(x, y)`` or ``x`` alone.

Every function also carries a ``block`` attribute: the same computation on a
block of records (``core/block.py``), vectorised over the leading record axis.
Leaf functions take ``lead`` (0 for a record, 1 for a block) so shape checks
look at the record's shape, never the block's. A block function may raise
where some record of the block would; the ``map``/``filter`` stages then
redo that block record by record, so errors surface at the record (and with
the message) the record path gives.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, NamedTuple

import numpy as np

from ..core.args import as_channels, as_flag, as_image_size, as_int
from ..core.block import rows as block_rows
from ..core.record import flatten, map_structure
from ..errors import raise_error

Record = Any


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise_error("SF_ARG", f"{name} must be a number, got {value!r}", kind="type")
    return float(value)


def _operand(value: object, name: str) -> np.ndarray:
    """A float32 number, or a list with one number per position of the last axis (SPEC §4.3)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise_error("SF_ARG", f"{name} must be a number or a non-empty list of numbers, got []")
        return np.array([_number(v, name) for v in value], dtype=np.float64).astype(np.float32)
    return np.array(_number(value, name), dtype=np.float64).astype(np.float32)


def _fits(a: np.ndarray, v: np.ndarray, fn_name: str, lead: int) -> None:
    if v.ndim and (a.ndim == lead or a.shape[-1] != v.shape[0]):
        raise_error("SF_ARG", f"map({fn_name}): a list of {v.shape[0]} values needs a last axis of that "
                    f"length, but the leaf has shape {list(a.shape)}")


LeafFn = Callable[[np.ndarray, int], np.ndarray]


def on_part(record: Record, on: str, fn_name: str, leaf_fn: Callable[[Any], Any]) -> Record:
    """``record`` with ``leaf_fn`` applied to every leaf of its ``x`` (or ``y``) if it is a pair, or
    to every leaf of a bare record; any leaf type (arrays, tensors)."""
    if isinstance(record, tuple) and len(record) == 2:
        x, y = record
        return (map_structure(leaf_fn, x), y) if on == "x" else (x, map_structure(leaf_fn, y))
    if on == "y":
        raise_error("SF_ARG", f"map({fn_name}, on=\"y\"): records have no label y; "
                    "drop on=\"y\" or give the source a label")
    return map_structure(leaf_fn, record)


class TailForm(NamedTuple):
    """A built-in map's form for ``to_tf``'s tail (SPEC §1.7): ``inplace(a)`` runs the map on a float32
    array ``a`` (the leaf already cast to float32) in place and gives bit for bit what the map gives,
    each step being one correctly rounded float32 operation."""

    name: str
    on: str
    inplace: Callable[[np.ndarray], Any]
    per_last_axis: bool  # an operand is a list, one value per position of the last axis


def _on_part(fn_name: str, on: str, per_record: bool = False, inplace: Callable[[np.ndarray], Any] | None = None,
             operands: tuple[np.ndarray, ...] = ()) -> Callable[[LeafFn], Callable[[Record], Record]]:
    """Apply a leaf function to every leaf of ``x`` (or ``y``) of a pair, or of a bare record.

    ``per_record``: the function has no block version (its records change shape one by one)
    and may run on the thread pool (``parallel``), because its work releases the GIL.
    ``inplace``: the same leaf function on a float32 array, in place (``TailForm``).
    """
    if on not in ("x", "y"):
        raise_error("SF_ARG", f"map({fn_name}): on must be \"x\" or \"y\", got {on!r}")

    def wrap(leaf_fn: LeafFn) -> Callable[[Record], Record]:
        def run(record: Record, lead: int) -> Record:
            return on_part(record, on, fn_name, lambda a: np.asarray(leaf_fn(np.asarray(a), lead)))

        def apply(record: Record) -> Record:
            return run(record, 0)

        apply.__name__ = fn_name
        if per_record:
            apply.parallel = True  # type: ignore[attr-defined]
        else:
            apply.block = lambda block: run(block, 1)  # type: ignore[attr-defined]
        if inplace is not None:
            apply.tail = TailForm(fn_name, on, inplace,  # type: ignore[attr-defined]
                                  any(v.ndim > 0 for v in operands))
        return apply

    return wrap


def divide(value: float | list[float], on: str = "x") -> Callable[[Record], Record]:
    """``x / value`` in float32 (SPEC §4.3 ``divide``); ``value`` may be a list per last-axis position.

    Example::

        pipe.map(divide(255.0))
    """
    v = _operand(value, "divide value")

    def leaf(a: np.ndarray, lead: int) -> np.ndarray:
        _fits(a, v, "divide", lead)
        return a.astype(np.float32) / v

    return _on_part("divide", on, inplace=lambda o: np.divide(o, v, out=o), operands=(v,))(leaf)


def normalize(mean: float | list[float], std: float | list[float], on: str = "x"
              ) -> Callable[[Record], Record]:
    """``(x - mean) / std`` in float32, each step rounded (SPEC §4.3 ``normalize``).

    ``mean`` and ``std`` may be lists with one entry per position of the last axis.

    Example::

        pipe.map(normalize(0.5, 0.25))
        pipe.map(normalize([0.1, 0.2, 0.3], [1.0, 2.0, 3.0]))   # per channel
    """
    m = _operand(mean, "normalize mean")
    s = _operand(std, "normalize std")

    def leaf(a: np.ndarray, lead: int) -> np.ndarray:
        _fits(a, m, "normalize", lead)
        _fits(a, s, "normalize", lead)
        return (a.astype(np.float32) - m) / s

    def inplace(o: np.ndarray) -> None:
        np.subtract(o, m, out=o)
        np.divide(o, s, out=o)

    return _on_part("normalize", on, inplace=inplace, operands=(m, s))(leaf)


def one_hot(depth: int, on: str = "x") -> Callable[[Record], Record]:
    """Integer leaf to a float32 one-hot of length ``depth`` (SPEC §4.3 ``one_hot``).

    Example::

        pipe.map(one_hot(10, on="y"))
    """
    d = as_int(depth, "one_hot depth", minimum=1)

    def leaf(a: np.ndarray, lead: int) -> np.ndarray:
        if not np.issubdtype(a.dtype, np.integer):
            raise_error("SF_ARG", f"map(one_hot) needs an integer leaf, got {a.dtype.name}; "
                        "read the label as int32 (label_dtype=\"int32\") or cast it first")
        if a.size and (a.min() < 0 or a.max() >= d):
            bad = a[(a < 0) | (a >= d)].flat[0]
            raise_error("SF_ARG", f"map(one_hot): value {int(bad)} is outside [0, {d}); "
                        "raise depth or fix the labels")
        return (a[..., None] == np.arange(d)).astype(np.float32)

    return _on_part("one_hot", on)(leaf)


def cast(dtype: str, on: str = "x") -> Callable[[Record], Record]:
    """Convert to ``float32`` or ``int32``; float to int truncates toward zero.

    A float that is not finite or falls outside int32 is ``SF_ARG``.

    Example::

        pipe.map(cast("int32", on="y"))
    """
    if dtype not in ("float32", "int32"):
        raise_error("SF_ARG", f"map(cast): dtype must be \"float32\" or \"int32\", got {dtype!r}")

    def leaf(a: np.ndarray, lead: int) -> np.ndarray:
        if dtype == "float32":
            return a.astype(np.float32)
        if np.issubdtype(a.dtype, np.floating):
            t = np.trunc(a.astype(np.float64))
            if not np.all(np.isfinite(t)) or (t.size and (t.min() < -2**31 or t.max() > 2**31 - 1)):
                raise_error("SF_ARG", "map(cast, int32): a value is not finite or is outside the "
                            "int32 range; filter it first (filter finite) or scale it")
            return t.astype(np.int32)
        return a.astype(np.int32)

    return _on_part("cast", on, inplace=(lambda o: None) if dtype == "float32" else None)(leaf)


def decode_image(channels: int = 3, image_size: list[int] | None = None, scale: bool = False,
                 on: str = "x") -> Callable[[Record], Record]:
    """Encoded image bytes (a ``uint8 [n]`` leaf) to the pixels SPEC §3.2 gives for that file
    with these options (SPEC §4.3 ``decode_image``); undecodable bytes are ``SF_IMAGE_DECODE``.

    Example::

        packed("flowers_pack").map(decode_image(image_size=[64, 64], scale=True)).batch(32)
    """
    ch = as_channels(channels, "map(decode_image)")
    size = as_image_size(image_size, "map(decode_image)")
    as_flag(scale, "map(decode_image) scale")

    def leaf(a: np.ndarray, lead: int) -> np.ndarray:
        from ..tf import image

        if a.dtype != np.uint8 or a.ndim != 1:
            raise_error("SF_ARG", f"map(decode_image) needs a uint8 [n] leaf of encoded image bytes, got "
                        f"{a.dtype.name} {list(a.shape)}; read the files with decode=false, or pack them so")
        try:
            x = image.decode(a.tobytes(), ch)
        except Exception as exc:  # noqa: BLE001 - TensorFlow's own error types; SF_DEPENDENCY passes
            if getattr(exc, "code", None) == "SF_DEPENDENCY":
                raise
            text = str(exc).strip()
            raise_error("SF_IMAGE_DECODE", f"map(decode_image): cannot decode a record of {a.size} bytes with "
                        f"channels={ch} ({text.splitlines()[0] if text else type(exc).__name__}); check that the "
                        "field holds a whole image file (a map is not a source: on_error does not skip it)")
        if size is not None:
            x = image.resize(x, *size)
        return x.astype(np.float32) / np.float32(255) if scale else x

    return _on_part("decode_image", on, per_record=True)(leaf)


def label_in(values: list[Any]) -> Callable[[Record], bool]:
    """Keep records whose scalar label ``y`` is one of ``values`` (SPEC §4.3).

    For records without a label (``x`` alone, e.g. ``range``) the record itself is tested.

    Example::

        pipe.filter(label_in([0, 1]))
    """
    if not isinstance(values, (list, tuple)):
        raise_error("SF_ARG", f"filter(label_in): values must be a list, got {values!r}", kind="type")
    allowed = [_number(v, "label_in value") for v in values]

    def label_in(record: Record) -> bool:
        # SPEC §4.3: the label is y, or the record itself when it is one scalar leaf (e.g. range).
        y = np.asarray(record[1] if isinstance(record, tuple) and len(record) == 2 else record)
        if y.shape != ():
            raise_error("SF_ARG", f"filter(label_in) needs a scalar label, got shape {list(y.shape)}")
        v = y.item()
        return any(v == a for a in allowed)

    exact = np.array(allowed, dtype=np.float64)

    def block(b: Record) -> np.ndarray:
        y = b[1] if isinstance(b, tuple) and len(b) == 2 else b
        if not isinstance(y, np.ndarray) or y.ndim != 1 or y.dtype.kind not in "biuf" or y.dtype.itemsize > 4 \
                and y.dtype != np.float64:
            raise TypeError("label_in: not a block of small scalars; go record by record")
        # float64 holds every int32/float32 value exactly, so == matches Python's int/float ==.
        return np.isin(y.astype(np.float64), exact)

    label_in.block = block  # type: ignore[attr-defined]
    return label_in


def finite() -> Callable[[Record], bool]:
    """Keep records whose every float value of ``x`` is finite (SPEC §4.3).

    Example::

        pipe.filter(finite())
    """

    def finite(record: Record) -> bool:
        x = record[0] if isinstance(record, tuple) and len(record) == 2 else record
        return all(bool(np.all(np.isfinite(a))) for a in flatten(x) if np.issubdtype(a.dtype, np.floating))

    def block(b: Record) -> np.ndarray:
        x = b[0] if isinstance(b, tuple) and len(b) == 2 else b
        keep = np.ones(block_rows(b), dtype=bool)
        for a in flatten(x):
            if np.issubdtype(a.dtype, np.floating):
                keep &= np.isfinite(a).reshape(a.shape[0], -1).all(axis=1)
        return keep

    finite.block = block  # type: ignore[attr-defined]
    return finite


MAPS: dict[str, Callable[..., Callable[[Record], Record]]] = {
    "divide": divide, "normalize": normalize, "one_hot": one_hot, "cast": cast, "decode_image": decode_image,
}
FILTERS: dict[str, Callable[..., Callable[[Record], bool]]] = {"label_in": label_in, "finite": finite}
