"""Progress of a pack run on stderr: records, records/s and, when the count is known, an ETA.

On a terminal the line is rewritten in place (``\\r``) a few times a second;
in a log (not a TTY) a new line is printed every 5 seconds, so CI logs stay
short (core/progress_line.py). ``enabled=False`` prints nothing.

Example::

    p = Progress(True, total=50000, start=0)
    p.update(1200); ...; p.finish(50000, shards=12, folder="out")
"""

from __future__ import annotations

import time
from typing import IO, Any, Callable

from ..core.progress_line import StatusLine, duration


class Progress:
    """Throttled progress lines for one pack run (``start`` records were kept from an earlier run)."""

    def __init__(self, enabled: Any, total: int | None, start: int, stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = bool(enabled)
        self.total, self.start, self.clock = total, start, clock
        self.t0 = clock()
        self.out = StatusLine(stream, last=self.t0)
        if self.enabled and start:
            self.out.write(f"pack: resuming after {start:,} records already packed", final=True)

    def line(self, done: int) -> str:
        """``pack: 1,200/50,000 records  2,345 records/s  ETA 0:00:21``."""
        rate = (done - self.start) / max(self.clock() - self.t0, 1e-9)
        count = f"{done:,}" if self.total is None else f"{done:,}/{self.total:,}"
        text = f"pack: {count} records  {rate:,.0f} records/s"
        if self.total is not None and rate > 0 and done < self.total:
            text += f"  ETA {duration((self.total - done) / rate)}"
        return text

    def update(self, done: int) -> None:
        """Report ``done`` records packed, if it is time to."""
        if not self.enabled:
            return
        now = self.clock()
        if self.out.due(now):
            self.out.show(self.line(done), now)

    def note(self, text: str) -> None:
        """A one-off line (e.g. "already packed")."""
        if self.enabled:
            self.out.write(text, final=True)

    def finish(self, done: int, shards: int, folder: str) -> None:
        """The closing line."""
        if self.enabled:
            took = self.clock() - self.t0
            self.out.write(f"pack: {done:,} records in {shards} shard{'s' if shards != 1 else ''} at {folder} "
                           f"({duration(took)})", final=True)
