"""The training progress bar on stderr and the final summary line (SPEC §8).

Node twin: js/src/tfjs/progress.mjs; both print the same characters for the same
inputs (the number formats are core/progress_line.py's ``fixed``,
``round_half_up`` and ``duration``).

The bar, ``W = 20`` cells::

    epoch 2/5  [===========>        ] 120/200  loss 0.125000  768 samples/s  ETA 0:00:03  input-bound 12%
    epoch 2/5  120 steps  loss 0.125000  768 samples/s  input-bound 12%        (steps not known)

- ``done`` = ``first_step`` (steps a resumed epoch had already done) + ``run`` (steps since
  ``begin_epoch``); "1 step", otherwise "N steps".
- bar: ``n = floor(20 * done / steps)`` clamped to [0, 20] cells, the last of them ``>``
  while ``done < steps``, all ``=`` once ``done >= steps``; spaces fill the 20 (Keras' rule).
- Before the first step of the epoch (``run == 0``) the text ends after the count.
- loss: ``sum(size * loss) / sum(size)`` over this epoch's steps, ``fixed(., 6)``
  (``nan`` when no sample yet).
- samples/s: ``round_half_up(samples / elapsed)``, 0 when ``elapsed <= 0``; ``elapsed`` is
  seconds since ``begin_epoch``, ``samples`` only those since ``begin_epoch``.
- ETA (steps known): ``duration(max(steps - done, 0) * elapsed / run)``.
- input-bound: ``round_half_up(100 * sum(waited) / elapsed)`` clamped to [0, 100], 0 when
  ``elapsed <= 0``.

The summary::

    trained 3 epochs: 6000 samples in 12.3 s, 488 samples/s, input-bound 12%, final loss 0.123456

over the epochs that ended (``end_epoch``): samples and seconds are their sums (seconds from
each ``begin_epoch`` to its ``end_epoch``, ``fixed(., 1)``), samples/s and input-bound as above
on those sums, final loss the last ended epoch's loss (left out when none ended); "1 epoch";
``summary(stopped_epoch=4)`` appends `` (stopped early after epoch 4)``.

Output (nothing at all with ``enabled=False``; everything to ``stream``, default stderr):
on a terminal ``begin_epoch`` draws the bar, the first step of the epoch always redraws it,
later steps when 0.2 s passed since the last draw, each draw ``"\\r\\x1b[K" + text``;
``end_epoch`` erases it (``"\\r\\x1b[K"``) so the trainer's epoch line starts on a clean
line. In a log (not a TTY) ``begin_epoch`` prints nothing and a step prints ``text + "\\n"``
when 5 s passed since the epoch began or since the last line, whichever is later.
The clock (seconds) is read once per ``begin_epoch``, ``batch`` and ``end_epoch`` call.

Example::

    progress = TrainProgress(epochs=3)
    progress.begin_epoch(1, steps=200)
    progress.batch(32, 0.52, waited=0.001)      # per step: its batch size, its loss, its input wait
    progress.end_epoch()
    print(progress.summary())
"""

from __future__ import annotations

import time
from typing import IO, Callable

from ..core.progress_line import StatusLine, duration, fixed, round_half_up

WIDTH = 20


def _rate(amount: float, seconds: float) -> int:
    return round_half_up(amount / seconds) if seconds > 0 else 0


def _percent(waited: float, seconds: float) -> int:
    return min(100, max(0, round_half_up(100 * waited / seconds))) if seconds > 0 else 0


def bar(done: int, steps: int) -> str:
    """The 20 cells between the brackets.

    Example::

        bar(120, 200)   # '===========>        '
    """
    n = min(WIDTH, max(0, WIDTH * done // steps)) if steps > 0 else WIDTH
    if n == 0:
        return " " * WIDTH
    return ("=" * n if done >= steps else "=" * (n - 1) + ">") + " " * (WIDTH - n)


def bar_text(*, epoch: int, epochs: int, steps: int | None, run: int, samples: int, loss_sum: float,
             waited: float, elapsed: float, first_step: int = 0) -> str:
    """The progress text of an epoch (module docstring), a pure function of its sums.

    Example::

        bar_text(epoch=2, epochs=5, steps=200, run=120, samples=3840, loss_sum=480.0,
                 waited=0.6, elapsed=5.0)
        # 'epoch 2/5  [===========>        ] 120/200  loss 0.125000  768 samples/s  ETA 0:00:03  input-bound 12%'
    """
    done = first_step + run
    if steps is None:
        text = f"epoch {epoch}/{epochs}  {done} step{'' if done == 1 else 's'}"
    else:
        text = f"epoch {epoch}/{epochs}  [{bar(done, steps)}] {done}/{steps}"
    if run == 0:
        return text
    loss = loss_sum / samples if samples > 0 else float("nan")
    text += f"  loss {fixed(loss, 6)}  {_rate(samples, elapsed)} samples/s"
    if steps is not None:
        text += f"  ETA {duration(max(steps - done, 0) * elapsed / run)}"
    return text + f"  input-bound {_percent(waited, elapsed)}%"


def summary_text(*, epochs_done: int, samples: int, seconds: float, waited: float,
                 final_loss: float | None, stopped_epoch: int | None = None) -> str:
    """The final summary line (module docstring), a pure function of the run's sums.

    Example::

        summary_text(epochs_done=3, samples=6000, seconds=12.3, waited=1.5, final_loss=0.123456)
        # 'trained 3 epochs: 6000 samples in 12.3 s, 488 samples/s, input-bound 12%, final loss 0.123456'
    """
    text = (f"trained {epochs_done} epoch{'' if epochs_done == 1 else 's'}: {samples} samples in "
            f"{fixed(seconds, 1)} s, {_rate(samples, seconds)} samples/s, input-bound {_percent(waited, seconds)}%")
    if final_loss is not None:
        text += f", final loss {fixed(final_loss, 6)}"
    if stopped_epoch is not None:
        text += f" (stopped early after epoch {stopped_epoch})"
    return text


class TrainProgress:
    """A progress bar per epoch and the run's summary (module docstring for the rules).

    Example::

        progress = TrainProgress(5, enabled=not quiet)
        progress.begin_epoch(2, steps=None, first_step=40)   # a resumed epoch, length unknown
    """

    def __init__(self, epochs: int, stream: IO[str] | None = None, enabled: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.epochs, self.enabled, self.clock = epochs, bool(enabled), clock
        self.out = StatusLine(stream)
        # the ended epochs
        self.epochs_done, self.samples, self.seconds, self.waited = 0, 0, 0.0, 0.0
        self.final_loss: float | None = None
        # the current epoch
        self.steps: int | None = None
        self.epoch, self.first_step, self.t0 = 0, 0, 0.0
        self.e_run, self.e_samples, self.e_loss_sum, self.e_waited = 0, 0, 0.0, 0.0
        self.open = False

    def begin_epoch(self, epoch: int, steps: int | None = None, first_step: int = 0) -> None:
        """Epoch ``epoch`` (1-based) starts; ``steps`` batches when known; ``first_step`` steps
        of it were done before a resume."""
        now = self.clock()
        self.epoch, self.steps, self.first_step, self.t0 = epoch, steps, first_step, now
        self.e_run, self.e_samples, self.e_loss_sum, self.e_waited = 0, 0, 0.0, 0.0
        self.open = True
        self.out.last = now
        if self.enabled and self.out.tty:
            self.out.show(self.text(now), now)

    def batch(self, size: int, loss: float, waited: float) -> None:
        """One step done: its batch ``size``, its own ``loss``, seconds it ``waited`` for input."""
        now = self.clock()
        self.e_run += 1
        self.e_samples += size
        self.e_loss_sum += size * float(loss)
        self.e_waited += waited
        if self.enabled and ((self.out.tty and self.e_run == 1) or self.out.due(now)):
            self.out.show(self.text(now), now)

    def end_epoch(self) -> None:
        """The epoch's steps are over: count it into the summary and erase the bar."""
        now = self.clock()
        if not self.open:
            return
        self.open = False
        self.epochs_done += 1
        self.samples += self.e_samples
        self.seconds += now - self.t0
        self.waited += self.e_waited
        self.final_loss = self.e_loss_sum / self.e_samples if self.e_samples > 0 else float("nan")
        if self.enabled:
            self.out.clear()

    def text(self, now: float) -> str:
        """The current epoch's bar text at time ``now``."""
        return bar_text(epoch=self.epoch, epochs=self.epochs, steps=self.steps, run=self.e_run,
                        samples=self.e_samples, loss_sum=self.e_loss_sum, waited=self.e_waited,
                        elapsed=now - self.t0, first_step=self.first_step)

    def summary(self, stopped_epoch: int | None = None) -> str:
        """The final summary line; ``stopped_epoch`` when early stopping ended the run."""
        return summary_text(epochs_done=self.epochs_done, samples=self.samples, seconds=self.seconds,
                            waited=self.waited, final_loss=self.final_loss, stopped_epoch=stopped_epoch)
