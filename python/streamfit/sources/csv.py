"""CSV source (SPEC §3.1): block reads, vectorised parsing, constant memory.

The file is read in ``block_size`` pieces; each piece's complete lines are
split and checked with numpy at once, rows are parsed column by column
(``csv_number``), and each piece becomes one block (``core/block.py``);
records are unstacked from blocks only when a stage asks for them. Errors name the
file and the 1-based physical line.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import numpy as np

from ..core.args import as_int
from ..core.parallel import ordered_map, workers
from ..core.pipeline import Pipeline
from ..core.stage import BlockStage, Cardinality
from ..errors import raise_error
from .csv_columns import resolve_columns
from .csv_number import field_text, parse_fields, to_dtype

_BOM = b"\xef\xbb\xbf"
_DTYPES = ("float32", "int32")
_PARALLEL_MIN = 64 << 10  # block_size from which pieces are parsed on a thread pool


def _lines(path: str, block_size: int) -> Iterator[tuple[bytes, bool]]:
    """``(chunk, final)``: chunks that end at a ``\\n`` (the last one may not)."""
    with open(path, "rb") as f:
        head = f.read(3)
        while len(head) < 3:
            more = f.read(3 - len(head))
            if not more:
                break
            head += more
        carry = head[3:] if head.startswith(_BOM) and len(head) >= 3 else head
        while True:
            chunk = f.read(block_size)
            if not chunk:
                yield carry, True
                return
            data = carry + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            yield data[: cut + 1], False
            carry = data[cut + 1:]


def _first_line(path: str, block_size: int) -> bytes | None:
    """The first line without its line ending, or ``None`` for an empty file."""
    for chunk, _final in _lines(path, block_size):
        if not chunk:
            return None
        raw = chunk.split(b"\n", 1)[0]
        return raw[:-1] if raw.endswith(b"\r") else raw
    return None


class CsvSource(BlockStage):
    """Rows of a CSV file as ``(x, y)`` (or ``x``) records; a stream."""

    def __init__(self, path: str, header: bool = True, features: Any = None, label: Any = None,
                 delimiter: str = ",", dtype: str = "float32", label_dtype: str = "float32",
                 block_size: int = 4 << 20) -> None:
        self.path = os.fspath(path)
        self.name = os.path.basename(self.path)
        if not os.path.exists(self.path):
            raise_error("SF_FILE_NOT_FOUND", f"csv: file {self.path!r} does not exist; check the path "
                        "(relative paths in a spec resolve against the spec file's folder)")
        if os.path.isdir(self.path):
            raise_error("SF_ARG", f"csv: {self.path!r} is a folder, not a CSV file")
        if not isinstance(header, bool):
            raise_error("SF_ARG", f"csv header must be true or false, got {header!r}", kind="type")
        if not (isinstance(delimiter, str) and len(delimiter) == 1 and ord(delimiter) < 128
                and delimiter not in "\r\n"):
            raise_error("SF_ARG", f"csv delimiter must be one ASCII character other than CR/LF, "
                        f"got {delimiter!r}")
        for key, value in (("dtype", dtype), ("label_dtype", label_dtype)):
            if value not in _DTYPES:
                raise_error("SF_ARG", f"csv {key} must be \"float32\" or \"int32\", got {value!r}")
        self.header, self.delimiter = header, delimiter
        self.dtype, self.label_dtype = dtype, label_dtype
        self.block_size = as_int(block_size, "csv block_size", minimum=1)

        first = _first_line(self.path, self.block_size)
        if first is None:
            raise_error("SF_EMPTY_SOURCE", f"csv: {self.path} holds no lines; give it a header and rows")
        if first == b"":
            raise_error("SF_CSV_EMPTY_LINE", f"csv: {self.path}, line 1 is empty; remove empty lines")
        fields = first.split(delimiter.encode("ascii"))
        self.ncols = len(fields)
        names = [f.decode("utf-8", errors="replace") for f in fields] if header else None
        self.column_names = names
        self.features, self.labels, self.label_scalar = resolve_columns(
            self.path, self.ncols, names, features, label)

    def label(self) -> str:
        return f"csv({self.name})"

    def cardinality(self) -> Cardinality:
        return None

    def column_title(self, j: int) -> str:
        """How error messages name column ``j``."""
        if self.column_names is not None:
            return f"column \"{self.column_names[j]}\" (index {j})"
        return f"column {j}"

    def iterate_blocks(self, epoch: int) -> Iterator[Any]:
        """Records of ``epoch`` stacked in row blocks: the same tree as a record, with a
        leading row axis. ``batch`` slices these directly instead of stacking rows."""
        count = 0
        for x, y in self.blocks():
            count += x.shape[0]
            if y is None:
                yield x
            elif self.label_scalar:
                yield x, np.ascontiguousarray(y[:, 0])
            else:
                yield x, y
        if count == 0:
            raise_error("SF_EMPTY_SOURCE", f"csv: {self.path} has no data rows; add rows below the header")

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        """Row blocks ``(x [m, features], y [m, labels] or None)`` in file order.

        Pieces are parsed on every core (numpy releases the GIL in its passes):
        a piece's first line number is known from the newlines before it, so
        pieces are independent. Results and errors still come in file order.
        """
        pieces = self._pieces()
        if self.block_size >= _PARALLEL_MIN:
            results = ordered_map(self._parse_piece, pieces, window=workers() + 1)
        else:  # tiny pieces (tests): a thread hand-off would cost more than the parse
            results = map(self._parse_piece, pieces)
        for out, error in results:
            if out is not None:
                yield out
            if error is not None:
                raise error

    def _pieces(self) -> Iterator[tuple[bytes, bool, int, bool]]:
        line_no, skip = 1, self.header
        for chunk, final in _lines(self.path, self.block_size):
            yield chunk, final, line_no, skip
            lines = chunk.count(b"\n") + (1 if final and chunk and not chunk.endswith(b"\n") else 0)
            line_no += lines
            skip = skip and lines == 0

    def _parse_piece(self, piece: tuple[bytes, bool, int, bool]) -> tuple[Any, Exception | None]:
        chunk, final, line_no, skip = piece
        state = _State(line_no=line_no, skip_header=skip)
        return _parse_block(self, chunk, final, state), state.error


class _State:
    __slots__ = ("line_no", "skip_header", "error")

    def __init__(self, line_no: int, skip_header: bool) -> None:
        self.line_no, self.skip_header = line_no, skip_header
        self.error: Exception | None = None


def _parse_block(src: CsvSource, chunk: bytes, final: bool, st: _State
                 ) -> tuple[np.ndarray, np.ndarray | None] | None:
    from ..errors import make_error

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
    where = f"csv: {src.path}, line"
    delim = np.concatenate(([0], np.cumsum(a == ord(src.delimiter), dtype=np.int64)))
    nfields = delim[ends] - delim[starts] + 1
    bad = np.flatnonzero(empty | (nfields != src.ncols))
    good = int(bad[0]) if bad.size else starts.size
    if bad.size:
        k = good
        if empty[k]:
            st.error = make_error("SF_CSV_EMPTY_LINE", f"{where} {first_line + k} is empty; remove empty "
                                  "lines (a file may end with one newline, not with a blank line)")
        else:
            first_kind = "the header" if src.header else "the first line"
            st.error = make_error("SF_CSV_COLUMNS", f"{where} {first_line + k} has {int(nfields[k])} "
                                  f"fields but {first_kind} has {src.ncols}; fix the row or the delimiter "
                                  f"({src.delimiter!r})")
    if good == 0:
        return None
    starts, ends = starts[:good], ends[:good]
    lo, hi = int(starts[0]), int(ends[-1])
    d = (np.flatnonzero(a[lo:hi] == ord(src.delimiter)) + lo).reshape(good, src.ncols - 1)
    return _parse_rows(src, a, starts, ends, d, first_line, st)


def _parse_rows(src: CsvSource, a: np.ndarray, starts: np.ndarray, ends: np.ndarray, d: np.ndarray,
                first_line: int, st: _State) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Parse the selected columns of well-formed lines; ``d[k]`` = delimiter positions of line k."""
    from ..errors import make_error

    m, nc = starts.size, src.ncols
    parsed: dict[int, tuple[np.ndarray, np.ndarray, str]] = {}
    first_bad = (m, nc)  # (row, column) of the first bad field in file order
    wanted = [(j, src.dtype) for j in src.features] + [(j, src.label_dtype) for j in src.labels]
    for j, dtype in wanted:
        if (j, dtype) in parsed:
            continue
        fs = starts if j == 0 else d[:, j - 1] + 1
        fe = ends if j == nc - 1 else d[:, j]
        values, ok = parse_fields(a, fs, fe)
        values, ok = to_dtype(values, ok, dtype)
        parsed[(j, dtype)] = (values, ok, dtype)  # type: ignore[index]
        badrows = np.flatnonzero(~ok)
        if badrows.size and (int(badrows[0]), j) < first_bad:
            first_bad = (int(badrows[0]), j)
            where = (int(fs[badrows[0]]), int(fe[badrows[0]]), dtype)
    rows = first_bad[0]
    if rows < m:
        s, e, dtype = where
        need = "a number" if dtype == "float32" else "an integer in int32 range (dtype int32)"
        st.error = make_error("SF_CSV_NUMBER", f"csv: {src.path}, line {first_line + rows}, "
                              f"{src.column_title(first_bad[1])}: {field_text(a, s, e)!r} is not {need}; "
                              "fix the value, or leave the column out of features/label")
        if rows == 0:
            return None
    x = np.stack([parsed[(j, src.dtype)][0][:rows] for j in src.features], axis=1) \
        if src.features else np.zeros((rows, 0), dtype=src.dtype)
    if not src.labels:
        return x, None
    y = np.stack([parsed[(j, src.label_dtype)][0][:rows] for j in src.labels], axis=1)
    return x, y


def csv(path: str, header: bool = True, features: Any = None, label: Any = None, delimiter: str = ",",
        dtype: str = "float32", label_dtype: str = "float32", block_size: int = 4 << 20) -> Pipeline:
    """A pipeline over the rows of a CSV file (SPEC §3.1).

    Records are ``(x, y)`` with ``x`` the feature columns (1-d) and ``y`` a scalar
    (one label column) or 1-d (a list); ``x`` alone without ``label``.

    Example::

        pipe = csv("xy.csv", features=["x"], label="y").batch(250)
    """
    return Pipeline(CsvSource(path, header, features, label, delimiter, dtype, label_dtype, block_size))
