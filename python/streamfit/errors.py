"""Error types carrying the shared SPEC §6 codes.

Every error raised on purpose by streamfit is an instance of
:class:`StreamfitError` *and* of a built-in type (``ValueError``,
``TypeError``, ``FileNotFoundError`` or ``ImportError``), so callers can catch
either. ``err.code`` is the language-independent code of SPEC.md §6.

Example::

    try:
        streamfit.from_range(10).batch(0)
    except streamfit.StreamfitError as err:
        assert err.code == "SF_ARG"
"""

from __future__ import annotations

from typing import NoReturn

ERROR_CODES: tuple[str, ...] = (
    "SF_SPEC",
    "SF_ARG",
    "SF_SEED",
    "SF_FILE_NOT_FOUND",
    "SF_CSV_EMPTY_LINE",
    "SF_CSV_COLUMNS",
    "SF_CSV_NUMBER",
    "SF_CSV_HEADER",
    "SF_IMAGE_LABEL",
    "SF_IMAGE_DECODE",
    "SF_LAYOUT",
    "SF_PAIR_MISSING",
    "SF_EMPTY_SOURCE",
    "SF_SHUFFLE_BUFFER",
    "SF_PACK_FORMAT",
    "SF_PACK_CHECKSUM",
    "SF_PACK_SHAPE",
    "SF_BATCH_SHAPE",
    "SF_BACKUP",
    "SF_DEPENDENCY",
    "SF_TRAINER",
)


class StreamfitError(Exception):
    """Base of every streamfit error; ``code`` is one of :data:`ERROR_CODES`.

    Example::

        except StreamfitError as err:
            print(err.code)   # e.g. "SF_CSV_COLUMNS"
    """

    code: str = "SF_ARG"

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:  # internal invariant, not data validation
            raise AssertionError(f"unknown error code {code!r}")
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.detail = message


class StreamfitValueError(StreamfitError, ValueError):
    """A value is out of range or a file's content is malformed."""


class StreamfitTypeError(StreamfitError, TypeError):
    """An argument has the wrong type."""


class StreamfitFileNotFoundError(StreamfitError, FileNotFoundError):
    """A source path does not exist (``SF_FILE_NOT_FOUND``)."""

    def __str__(self) -> str:  # OSError would otherwise print its args tuple
        return str(self.args[0]) if self.args else ""


class StreamfitDependencyError(StreamfitError, ImportError):
    """TensorFlow cannot be imported (``SF_DEPENDENCY``)."""


_KINDS = {
    "value": StreamfitValueError,
    "type": StreamfitTypeError,
    "file": StreamfitFileNotFoundError,
    "dependency": StreamfitDependencyError,
}

_DEFAULT_KIND = {"SF_FILE_NOT_FOUND": "file", "SF_DEPENDENCY": "dependency"}


def make_error(code: str, message: str, kind: str | None = None) -> StreamfitError:
    """Build (not raise) the error for ``code``; ``kind`` picks the built-in base.

    Example::

        raise make_error("SF_ARG", "batch_size must be >= 1, got 0")
    """
    cls = _KINDS[kind or _DEFAULT_KIND.get(code, "value")]
    return cls(code, message)


def raise_error(code: str, message: str, kind: str | None = None) -> NoReturn:
    """Raise the error for ``code`` (see :func:`make_error`).

    Example::

        raise_error("SF_SEED", "seed must be an integer in [0, 2**32), got -1")
    """
    raise make_error(code, message, kind)
