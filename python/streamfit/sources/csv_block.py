"""One block of CSV lines into columns (SPEC §3.1), vectorised with numpy.

A block is the bytes of complete lines (``csv.py`` cuts them). The fast path
checks every line at once -- each has exactly the header's field count, none
is empty -- and parses the selected columns (``csv_number``). Only a block
that fails that check looks at its lines one by one (as arrays still).

``on_error="raise"``: the records before the first bad line come back and the
error is kept in the state, raised by the caller after them.
``on_error="skip"`` (SPEC §4.6): bad lines are dropped and counted by code in
the state, with the message of the first one; the order of the rest is kept.

The JS twin is ``js/src/sources/csv_block.mjs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import make_error
from .csv_number import field_text, parse_fields, to_dtype


class BlockState:
    """What one block's parse needs and leaves: its first line number, the header flag,
    and either the error (raise) or the skip counts and first skipped line (skip)."""

    __slots__ = ("line_no", "skip_header", "error", "skip", "counts", "first")

    def __init__(self, line_no: int, skip_header: bool, skip: bool = False) -> None:
        self.line_no, self.skip_header, self.skip = line_no, skip_header, skip
        self.error: Exception | None = None
        self.counts: dict[str, int] = {}
        self.first: tuple[int, str] | None = None  # (line, message) of the first skipped line

    def skipped(self, code: str, n: int, line: int, message: Any) -> None:
        """Count ``n`` skipped lines of ``code``; ``line`` is the first, ``message()`` its message."""
        if n == 0:
            return
        self.counts[code] = self.counts.get(code, 0) + n
        if self.first is None or line < self.first[0]:
            self.first = (line, message())


def _empty_message(src: Any, line: int) -> str:
    return (f"csv: {src.path}, line {line} is empty; remove empty lines (a file may end with one newline, "
            "not with a blank line)")


def _columns_message(src: Any, line: int, nfields: int) -> str:
    first_kind = "the header" if src.header else "the first line"
    return (f"csv: {src.path}, line {line} has {nfields} fields but {first_kind} has {src.ncols}; fix the row "
            f"or the delimiter ({src.delimiter!r})")


def parse_block(src: Any, chunk: bytes | memoryview, final: bool, st: BlockState) -> Any:
    """``(x [m, features], y [m, labels] or None)`` of the good lines of ``chunk``, or ``None``.

    Example::

        st = BlockState(line_no=1, skip_header=True)
        parse_block(src, b"x,y\\n1,2\\n", final=False, st=st)   # (array([[1.]]), array([[2.]]))
    """
    a = np.frombuffer(chunk, dtype=np.uint8)
    seps = np.flatnonzero((a == 10) | (a == ord(src.delimiter)))  # one pass finds lines and fields
    nl = seps[a[seps] == 10]
    starts = np.concatenate(([0], nl[:-1] + 1)).astype(np.int64) if nl.size else np.zeros(0, np.int64)
    ends = nl.astype(np.int64)
    if final and a.size and (not nl.size or nl[-1] != a.size - 1):
        starts = np.append(starts, nl[-1] + 1 if nl.size else 0)
        ends = np.append(ends, a.size)
        seps = np.append(seps, a.size)
    raw_ends = ends
    if a.size:
        cr = (ends > starts) & (a[np.maximum(ends - 1, 0)] == 13)
        ends = ends - cr
    first_line = st.line_no
    st.line_no += starts.size
    m, nc = starts.size, src.ncols
    # Fast check: each line has exactly nc separators, the last being its own end.
    regular = seps.size == m * nc and bool(np.array_equal(seps.reshape(m, nc)[:, -1], raw_ends)) \
        and not bool((ends == starts).any())
    if st.skip_header and starts.size:
        starts, ends, first_line = starts[1:], ends[1:], first_line + 1
        seps = seps[nc:]
        st.skip_header = False
    if not starts.size:
        return None
    if regular:
        return _parse_rows(src, a, starts, ends, seps.reshape(-1, nc)[:, :-1], first_line, st)

    empty = ends == starts
    delim = np.concatenate(([0], np.cumsum(a == ord(src.delimiter), dtype=np.int64)))
    nfields = delim[ends] - delim[starts] + 1
    bad = np.flatnonzero(empty | (nfields != src.ncols))
    if st.skip:
        return _skip_bad_lines(src, a, starts, ends, empty, nfields, bad, delim, first_line, st)
    good = int(bad[0]) if bad.size else starts.size
    if bad.size:
        k = good
        st.error = make_error("SF_CSV_EMPTY_LINE", _empty_message(src, first_line + k)) if empty[k] else \
            make_error("SF_CSV_COLUMNS", _columns_message(src, first_line + k, int(nfields[k])))
    if good == 0:
        return None
    starts, ends = starts[:good], ends[:good]
    lo, hi = int(starts[0]), int(ends[-1])
    d = (np.flatnonzero(a[lo:hi] == ord(src.delimiter)) + lo).reshape(good, src.ncols - 1)
    return _parse_rows(src, a, starts, ends, d, first_line, st)


def _skip_bad_lines(src: Any, a: np.ndarray, starts: np.ndarray, ends: np.ndarray, empty: np.ndarray,
                    nfields: np.ndarray, bad: np.ndarray, delim: np.ndarray, first_line: int,
                    st: BlockState) -> Any:
    """Count the empty and wrong-width lines ``bad``, then parse the others (SPEC §4.6 skip)."""
    is_empty = empty[bad]
    for code, rows in (("SF_CSV_EMPTY_LINE", bad[is_empty]), ("SF_CSV_COLUMNS", bad[~is_empty])):
        if rows.size:
            k = int(rows[0])
            st.skipped(code, int(rows.size), first_line + k,
                       (lambda k=k: _empty_message(src, first_line + k)) if code == "SF_CSV_EMPTY_LINE"
                       else (lambda k=k: _columns_message(src, first_line + k, int(nfields[k]))))
    keep = np.ones(starts.size, dtype=bool)
    keep[bad] = False
    kept = np.flatnonzero(keep)
    if not kept.size:
        return None
    # delimiter positions of each kept line: the (ncols - 1) delimiters after its start
    positions = np.flatnonzero(a == ord(src.delimiter))
    d = positions[delim[starts[kept]][:, None] + np.arange(src.ncols - 1)]
    return _parse_rows(src, a, starts[kept], ends[kept], d, first_line, st, kept)


def _parse_rows(src: Any, a: np.ndarray, starts: np.ndarray, ends: np.ndarray, d: np.ndarray,
                first_line: int, st: BlockState, kept: np.ndarray | None = None) -> Any:
    """Parse the selected columns of well-formed lines; ``d[k]`` = delimiter positions of line k.

    Line ``k`` is file line ``first_line + k``, or ``first_line + kept[k]`` when bad lines
    were dropped before.
    """
    m, nc = starts.size, src.ncols
    parsed: dict[tuple[int, str], np.ndarray] = {}
    ok_all = np.ones(m, dtype=bool)
    first_bad = (m, nc)  # (row, column) of the first bad field in file order
    where = (0, 0, "float32")
    wanted = [(j, src.dtype) for j in src.features] + [(j, src.label_dtype) for j in src.labels]
    for j, dtype in wanted:
        if (j, dtype) in parsed:
            continue
        fs = starts if j == 0 else d[:, j - 1] + 1
        fe = ends if j == nc - 1 else d[:, j]
        values, ok = parse_fields(a, fs, fe)
        values, ok = to_dtype(values, ok, dtype)
        parsed[(j, dtype)] = values
        badrows = np.flatnonzero(~ok)
        if badrows.size:
            ok_all &= ok
            if (int(badrows[0]), j) < first_bad:
                first_bad = (int(badrows[0]), j)
                where = (int(fs[badrows[0]]), int(fe[badrows[0]]), dtype)
    rows = first_bad[0]
    if rows < m:
        s, e, dtype = where
        need = "a number" if dtype == "float32" else "an integer in int32 range (dtype int32)"
        line = first_line + (rows if kept is None else int(kept[rows]))
        message = (f"csv: {src.path}, line {line}, {src.column_title(first_bad[1])}: "
                   f"{field_text(a, s, e)!r} is not {need}; fix the value, or leave the column out of "
                   "features/label")
        if st.skip:
            st.skipped("SF_CSV_NUMBER", int(m - ok_all.sum()), line, lambda: message)
            return _stack(src, parsed, ok_all) if ok_all.any() else None
        st.error = make_error("SF_CSV_NUMBER", message)
        if rows == 0:
            return None
    return _stack(src, parsed, slice(0, rows))


def _stack(src: Any, parsed: dict[tuple[int, str], np.ndarray], rows: Any) -> Any:
    """``(x, y)`` from the parsed columns, keeping ``rows`` (a slice or a mask)."""
    if src.features:
        x = np.stack([parsed[(j, src.dtype)][rows] for j in src.features], axis=1)
    else:
        n = int(np.count_nonzero(rows)) if isinstance(rows, np.ndarray) else rows.stop - rows.start
        x = np.zeros((n, 0), dtype=src.dtype)
    if not src.labels:
        return x, None
    y = np.stack([parsed[(j, src.label_dtype)][rows] for j in src.labels], axis=1)
    return x, y
