"""One status line on stderr, shared by the pack and the training progress (SPEC §8).

On a terminal (the stream's ``isatty()`` is true) the line is rewritten in place:
every draw writes ``"\\r\\x1b[K"`` (carriage return, erase to the end of the line)
and the text without a newline, at most every ``TTY_EVERY_S`` seconds. In a log
(not a TTY) every draw is a new line, at most every ``LOG_EVERY_S`` seconds, so
CI logs stay short. The caller owns the clock and passes ``now`` in, so the
throttle is plain arithmetic a test drives with a fake clock.

The number formats here are written out rather than left to ``format()``, so
that Python and Node (js/src/core/progress_line.mjs) print the same characters
for the same doubles: ``round_half_up`` is ``floor(x + 0.5)`` in both, and
``fixed`` rounds the exact binary value half away from zero, as JavaScript's
``toFixed`` does (Python's own ``f"{x:.6f}"`` rounds ties to even).

Example::

    line = StatusLine(sys.stderr, last=time.monotonic())
    if line.due(now):
        line.show("pack: 1,200 records", now)
    line.write("pack: done", final=True)
"""

from __future__ import annotations

import math
import sys
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import IO, Any

TTY_EVERY_S = 0.2
LOG_EVERY_S = 5.0
ERASE = "\r\x1b[K"

_CONTEXT = Context(prec=400)  # enough digits for any double with any small number of decimals


def round_half_up(x: float) -> int:
    """``floor(x + 0.5)``, the same double arithmetic as Node's ``Math.floor(x + 0.5)``.

    Example::

        round_half_up(2.5), round_half_up(812.49)   # (3, 812)
    """
    return math.floor(x + 0.5)


def fixed(x: float, digits: int) -> str:
    """``x`` with ``digits`` decimals, the exact binary value rounded half away from zero
    (JavaScript's ``toFixed``); ``nan``, ``inf``, ``-inf`` for non-finite values; ``-0.0`` as ``0``.

    Example::

        fixed(0.0078125, 6), fixed(12.25, 1), fixed(float("nan"), 6)   # ('0.007813', '12.3', 'nan')
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        x = 0.0  # -0.0 prints as 0, as in JavaScript
    return format(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=_CONTEXT), "f")


def duration(seconds: float) -> str:
    """``h:mm:ss`` of ``round_half_up(seconds)`` whole seconds (a negative time as 0); hours are
    not padded nor capped.

    Example::

        duration(4.5), duration(3725.2)   # ('0:00:05', '1:02:05')
    """
    s = max(0, round_half_up(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def is_tty(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (``isatty()``; a stream without one is not)."""
    return bool(getattr(stream, "isatty", lambda: False)())


class StatusLine:
    """A throttled status line on ``stream`` (default stderr); ``last`` is the time the
    throttle counts from.

    Example::

        line = StatusLine(None, last=0.0)
        line.due(0.1)          # False on a terminal until 0.2 s have passed, in a log until 5 s
    """

    def __init__(self, stream: IO[str] | None, last: float = 0.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = is_tty(self.stream)
        self.every = TTY_EVERY_S if self.tty else LOG_EVERY_S
        self.last = last
        self.open = False  # an unfinished line (no newline yet) is on the terminal

    def due(self, now: float) -> bool:
        """Whether a draw at ``now`` is allowed (``every`` seconds since ``last``)."""
        return now - self.last >= self.every

    def show(self, text: str, now: float) -> None:
        """Draw ``text`` (in place on a terminal, a new line in a log) and restart the throttle."""
        self.last = now
        self.write(text, final=False)

    def write(self, text: str, final: bool) -> None:
        """Write ``text``; ``final`` ends the line on a terminal too (a line that stays)."""
        if self.tty:
            self.stream.write(ERASE + text + ("\n" if final else ""))
            self.open = not final
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Erase an unfinished line on a terminal, so the next output starts on a clean line."""
        if self.tty and self.open:
            self.stream.write(ERASE)
            self.stream.flush()
            self.open = False
