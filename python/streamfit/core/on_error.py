"""The ``on_error`` policy (SPEC §4.6): skip bad records, count them, report each finished read.

Every source owns one :class:`SkipLog`. Skips found when the source is built
(file names, extensions, pairs) are its ``listing`` counts; each read of an
epoch starts a :class:`Read` from a copy of them, adds the records it drops
while reading (CSV lines, undecodable images, generator elements), and, when
the read reaches the source's end, ``finish()`` stores the counts for
``Pipeline.skipped(epoch)`` and logs one warning if anything was skipped.
A read that stops early (a ``take``, a consumer that breaks) is never
finished, so it stores nothing.

Example::

    log = SkipLog(lambda: "csv(messy.csv, on_error=skip)")
    read = log.begin(0)
    read.skip(make_error("SF_CSV_NUMBER", "csv: messy.csv, line 3, ..."))
    read.kept += 5
    read.finish()        # logs "skipped 1 record in epoch 0 of csv(...): SF_CSV_NUMBER 1; first: ..."
    log.get(0)           # {"SF_CSV_NUMBER": 1}
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any, Callable

from ..errors import raise_error

POLICIES = ("raise", "skip")

KEEP_EPOCHS = 4096
"""Finished reads remembered per source: ``repeat()`` runs endless epochs, so the oldest are forgotten."""

logger = logging.getLogger("streamfit")


def check_on_error(value: Any, who: str) -> str:
    """``value`` if it is ``"raise"`` or ``"skip"``, else ``SF_ARG`` naming the option.

    Example::

        check_on_error("skip", "csv")   # "skip"
    """
    if not isinstance(value, str) or value not in POLICIES:
        raise_error("SF_ARG", f"{who} on_error must be \"raise\" or \"skip\", got {value!r}; \"skip\" drops "
                    "bad records and counts them (SPEC §4.6)")
    return value


def skip_suffix(on_error: str) -> str:
    """What a source adds to its summary part (SPEC §4.4): ``", on_error=skip"`` or nothing."""
    return ", on_error=skip" if on_error == "skip" else ""


def format_counts(counts: dict[str, int]) -> str:
    """``"SF_CSV_COLUMNS 1, SF_CSV_NUMBER 2"``: codes in sorted order."""
    return ", ".join(f"{code} {counts[code]}" for code in sorted(counts))


class Tally:
    """Counts by code and the first message, in the order records were skipped."""

    __slots__ = ("counts", "first")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: str | None = None

    def add(self, code: str, message: str) -> None:
        """Count one skipped record; the first message is kept for the report."""
        self.counts[code] = self.counts.get(code, 0) + 1
        if self.first is None:
            self.first = message

    def add_error(self, err: Any) -> None:
        """Count a streamfit error (its code; its message without the ``[CODE]`` prefix)."""
        self.add(err.code, getattr(err, "detail", str(err)))

    def merge(self, counts: dict[str, int], first: str | None) -> None:
        """Add counts found elsewhere (a CSV block parsed on another thread), in read order."""
        for code, n in counts.items():
            self.counts[code] = self.counts.get(code, 0) + n
        if self.first is None:
            self.first = first

    def copy(self) -> "Tally":
        out = Tally()
        out.counts, out.first = dict(self.counts), self.first
        return out


def report(counts: dict[str, int], epoch: int, label: str, first: str | None) -> str:
    """The SPEC §4.6 report line.

    Example::

        report({"SF_CSV_NUMBER": 2, "SF_CSV_COLUMNS": 1}, 0, "csv(messy.csv, on_error=skip)", "csv: ...")
        # "skipped 3 records in epoch 0 of csv(messy.csv, on_error=skip): SF_CSV_COLUMNS 1, SF_CSV_NUMBER 2;
        #  first: csv: ..."
    """
    n = sum(counts.values())
    return (f"skipped {n} record{'' if n == 1 else 's'} in epoch {epoch} of {label}: {format_counts(counts)}; "
            f"first: {first}")


class Read:
    """One read of one epoch of a source: ``skip`` what it drops, ``kept`` what it yields."""

    def __init__(self, log: "SkipLog", epoch: int) -> None:
        self.log, self.epoch = log, epoch
        self.tally = log.listing.copy()
        self.kept = 0

    def skip(self, err: Any) -> None:
        """Count the streamfit error ``err`` of a record dropped while reading."""
        self.tally.add_error(err)

    @property
    def counts(self) -> dict[str, int]:
        return self.tally.counts

    def finish(self) -> None:
        """The read reached the source's end: keep its counts and report them (SPEC §4.6).

        An epoch that skipped records and kept none is ``SF_EMPTY_SOURCE`` with the counts.
        """
        label = self.log.label()
        if self.kept == 0 and self.tally.counts:
            raise_error("SF_EMPTY_SOURCE", f"{label}: epoch {self.epoch} has no record left, every one was "
                        f"skipped ({format_counts(self.tally.counts)}; first: {self.tally.first}); fix or "
                        "replace the bad records")
        self.log.store(self.epoch, self.tally.counts)
        if self.tally.counts:
            logger.warning(report(self.tally.counts, self.epoch, label, self.tally.first))


class SkipLog:
    """A source's listing-time skips and the counts of its finished reads, by epoch."""

    def __init__(self, label: Callable[[], str], listing: Tally | None = None) -> None:
        self.label = label
        self.listing = listing or Tally()
        self._done: OrderedDict[int, dict[str, int]] = OrderedDict()
        self._lock = threading.Lock()  # reads finish on prefetch threads; skipped() asks on another

    def begin(self, epoch: int) -> Read:
        """A new read of ``epoch``, starting from the listing-time counts."""
        return Read(self, epoch)

    def store(self, epoch: int, counts: dict[str, int]) -> None:
        with self._lock:
            self._done.pop(epoch, None)
            self._done[epoch] = {code: counts[code] for code in sorted(counts)}
            while len(self._done) > KEEP_EPOCHS:
                self._done.popitem(last=False)

    def get(self, epoch: int) -> dict[str, int] | None:
        """Counts of the last finished read of ``epoch`` (a copy), or ``None``."""
        with self._lock:
            done = self._done.get(epoch)
            return None if done is None else dict(done)
