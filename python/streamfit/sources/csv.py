"""CSV source (SPEC §3.1): block reads, vectorised parsing, constant memory.

The file is read in ``block_size`` pieces; each piece's complete lines are
split and checked with numpy at once (``csv_block``), rows are parsed column by column
(``csv_number``), and each piece becomes one block (``core/block.py``);
records are unstacked from blocks only when a stage asks for them. Errors name the
file and the 1-based physical line. With ``on_error="skip"`` bad lines are
dropped and counted instead (SPEC §4.6).

``block_size`` is 1 MiB by default: parsing a piece takes ~4x its size in numpy temporaries on each
parse thread, so 4 MiB pieces doubled the peak RSS (107 -> 53 MB over 2M rows) and made it climb
with the file, for the same rows/s (BENCHMARKS.md, suite run 11).
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import numpy as np

from ..core.args import as_int
from ..core.on_error import Read, SkipLog, check_on_error, skip_suffix
from ..core.parallel import ordered_map, workers
from ..core.pipeline import Pipeline
from ..core.stage import BlockStage, Cardinality
from ..errors import raise_error
from .csv_block import BlockState, parse_block
from .csv_columns import resolve_columns

_BOM = b"\xef\xbb\xbf"
_DTYPES = ("float32", "int32")
_PARALLEL_MIN = 64 << 10  # block_size from which pieces are parsed on a thread pool


def _lines(path: str, block_size: int, slots: int = 1) -> Iterator[tuple[memoryview, bool, int]]:
    """``(chunk, final, newlines)``: chunks that end at a ``\\n`` (the last one may not), and how
    many ``\\n`` each holds.

    A chunk is a view of one of ``slots`` buffers, filled in turn and reused: it stays valid while
    the next ``slots - 1`` chunks are read (the parse pieces in flight, ``CsvSource.blocks``).
    Three fresh ``bytes`` of a piece's size per piece (the read, the join with the carry, the slice) made the
    peak RSS climb with the file; reused buffers take that part away (BENCHMARKS.md, run 10).
    """
    ring = [bytearray() for _ in range(max(1, slots))]
    k = 0
    with open(path, "rb") as f:
        head = f.read(3)
        while len(head) < 3:
            more = f.read(3 - len(head))
            if not more:
                break
            head += more
        carry = head[3:] if head.startswith(_BOM) and len(head) >= 3 else head
        while True:
            c = len(carry)
            buf = ring[k]
            if len(buf) < c + block_size:  # a new buffer: an older one may still be viewed
                buf = ring[k] = bytearray(c + block_size)
            k = (k + 1) % len(ring)
            view = memoryview(buf)
            view[:c] = carry
            n = f.readinto(view[c:c + block_size])
            end = c + n
            if n == 0:
                yield view[:end], True, buf.count(b"\n", 0, end)
                return
            cut = buf.rfind(b"\n", 0, end)
            if cut < 0:  # a line longer than the block: read on
                carry = bytes(view[:end])
                continue
            carry = bytes(view[cut + 1:end])
            yield view[:cut + 1], False, buf.count(b"\n", 0, cut + 1)


def _first_line(path: str, block_size: int) -> bytes | None:
    """The first line without its line ending, or ``None`` for an empty file."""
    for chunk, _final, newlines in _lines(path, block_size):
        if not chunk:
            return None
        # a chunk views its buffer from byte 0: search the bytearray itself, no copy
        end = chunk.obj.find(b"\n", 0, len(chunk)) if newlines else len(chunk)
        raw = bytes(chunk[:end])
        return raw[:-1] if raw.endswith(b"\r") else raw
    return None


class CsvSource(BlockStage):
    """Rows of a CSV file as ``(x, y)`` (or ``x``) records; a stream."""

    def __init__(self, path: str, header: bool = True, features: Any = None, label: Any = None,
                 delimiter: str = ",", dtype: str = "float32", label_dtype: str = "float32",
                 block_size: int = 1 << 20, on_error: str = "raise") -> None:
        self.on_error = check_on_error(on_error, "csv")
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
        self.skips = SkipLog(self.label)

    def label(self) -> str:
        return f"csv({self.name}{skip_suffix(self.on_error)})"

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
        read = self.skips.begin(epoch)
        for x, y in self.blocks(read):
            read.kept += x.shape[0]
            if y is None:
                yield x
            elif self.label_scalar:
                yield x, np.ascontiguousarray(y[:, 0])
            else:
                yield x, y
        if read.kept == 0 and not read.counts:
            raise_error("SF_EMPTY_SOURCE", f"csv: {self.path} has no data rows; add rows below the header")
        read.finish()  # with every line skipped: SF_EMPTY_SOURCE naming the counts

    def blocks(self, read: Read | None = None) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        """Row blocks ``(x [m, features], y [m, labels] or None)`` in file order.

        Pieces are parsed on every core (numpy releases the GIL in its passes):
        a piece's first line number is known from the newlines before it, so
        pieces are independent. Results, errors and skip counts (into ``read``)
        still come in file order.
        """
        if self.block_size >= _PARALLEL_MIN:
            window = workers() + 1
            # ordered_map reads piece i + window only after piece i is parsed: one buffer more
            results = ordered_map(self._parse_piece, self._pieces(window + 1), window=window)
        else:  # tiny pieces (tests): a thread hand-off would cost more than the parse
            results = map(self._parse_piece, self._pieces(1))
        for out, st in results:
            if st.counts and read is not None:
                read.tally.merge(st.counts, st.first[1] if st.first else None)
            if out is not None:
                yield out
            if st.error is not None:
                raise st.error

    def _pieces(self, slots: int) -> Iterator[tuple[memoryview, bool, int, bool]]:
        line_no, skip = 1, self.header
        for chunk, final, newlines in _lines(self.path, self.block_size, slots):
            yield chunk, final, line_no, skip
            lines = newlines + (1 if final and chunk and chunk[-1] != 10 else 0)
            line_no += lines
            skip = skip and lines == 0

    def _parse_piece(self, piece: tuple[memoryview, bool, int, bool]) -> tuple[Any, BlockState]:
        chunk, final, line_no, skip = piece
        state = BlockState(line_no=line_no, skip_header=skip, skip=self.on_error == "skip")
        return parse_block(self, chunk, final, state), state


def csv(path: str, header: bool = True, features: Any = None, label: Any = None, delimiter: str = ",",
        dtype: str = "float32", label_dtype: str = "float32", block_size: int = 1 << 20,
        on_error: str = "raise") -> Pipeline:
    """A pipeline over the rows of a CSV file (SPEC §3.1).

    Records are ``(x, y)`` with ``x`` the feature columns (1-d) and ``y`` a scalar
    (one label column) or 1-d (a list); ``x`` alone without ``label``.
    ``on_error="skip"`` drops empty, wrong-width and non-numeric lines and counts
    them (SPEC §4.6, ``Pipeline.skipped``).

    Example::

        pipe = csv("xy.csv", features=["x"], label="y").batch(250)
        messy = csv("messy.csv", label="y", on_error="skip")   # csv(messy.csv, on_error=skip)
    """
    return Pipeline(CsvSource(path, header, features, label, delimiter, dtype, label_dtype, block_size,
                              on_error))
