"""Progress of a pack run on stderr: records, records/s and, when the count is known, an ETA.

On a terminal the line is rewritten in place (``\\r``) a few times a second;
in a log (not a TTY) a new line is printed every ``LOG_EVERY_S`` seconds, so
CI logs stay short. ``enabled=False`` prints nothing.

Example::

    p = Progress(True, total=50000, start=0)
    p.update(1200); ...; p.finish(50000, shards=12, folder="out")
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

TTY_EVERY_S = 0.2
LOG_EVERY_S = 5.0


def _duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class Progress:
    """Throttled progress lines for one pack run (``start`` records were kept from an earlier run)."""

    def __init__(self, enabled: Any, total: int | None, start: int, stream: IO[str] | None = None) -> None:
        self.enabled = bool(enabled)
        self.stream = stream if stream is not None else sys.stderr
        self.total, self.start = total, start
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = self.last = time.monotonic()
        if self.enabled and start:
            self._print(f"pack: resuming after {start:,} records already packed", final=True)

    def line(self, done: int) -> str:
        """``pack: 1,200/50,000 records  2,345 records/s  ETA 0:00:21``."""
        rate = (done - self.start) / max(time.monotonic() - self.t0, 1e-9)
        count = f"{done:,}" if self.total is None else f"{done:,}/{self.total:,}"
        text = f"pack: {count} records  {rate:,.0f} records/s"
        if self.total is not None and rate > 0 and done < self.total:
            text += f"  ETA {_duration((self.total - done) / rate)}"
        return text

    def update(self, done: int) -> None:
        """Report ``done`` records packed, if it is time to."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < (TTY_EVERY_S if self.tty else LOG_EVERY_S):
            return
        self.last = now
        self._print(self.line(done), final=False)

    def note(self, text: str) -> None:
        """A one-off line (e.g. "already packed")."""
        if self.enabled:
            self._print(text, final=True)

    def finish(self, done: int, shards: int, folder: str) -> None:
        """The closing line."""
        if self.enabled:
            took = time.monotonic() - self.t0
            self._print(f"pack: {done:,} records in {shards} shard{'s' if shards != 1 else ''} at {folder} "
                        f"({_duration(took)})", final=True)

    def _print(self, text: str, final: bool) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
