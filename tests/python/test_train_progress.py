"""The training progress bar and summary (SPEC §8) and the shared status line under it.

The expected strings are worked out by hand in shared_fixtures/by_hand/progress.json
(read by the JS suite too), not printed by the code under test; the clock is a fake.
"""

import io
import json
import math

import pytest

from conftest import FIXTURES
from streamfit.core.progress_line import duration, fixed, round_half_up
from streamfit.pack.progress import Progress
from streamfit.tf.progress import TrainProgress, bar_text, summary_text

CASES = json.loads((FIXTURES / "by_hand" / "progress.json").read_text())


class FakeClock:
    def __init__(self, t=0.0):
        self.t = t

    def __call__(self):
        return self.t


class FakeStream:
    """Keeps each write; a terminal or not as told."""

    def __init__(self, tty):
        self.tty, self.writes = tty, []

    def isatty(self):
        return self.tty

    def write(self, text):
        self.writes.append(text)

    def flush(self):
        pass


@pytest.mark.parametrize("x, digits, expected", CASES["formats"]["fixed"])
def test_fixed(x, digits, expected):
    assert fixed(x, digits) == expected


def test_fixed_non_finite():
    assert [fixed(v, 6) for v in (math.nan, math.inf, -math.inf)] == ["nan", "inf", "-inf"]


@pytest.mark.parametrize("x, expected", CASES["formats"]["round_half_up"])
def test_round_half_up(x, expected):
    assert round_half_up(x) == expected


@pytest.mark.parametrize("seconds, expected", CASES["formats"]["duration"])
def test_duration(seconds, expected):
    assert duration(seconds) == expected


@pytest.mark.parametrize("case", CASES["bar"], ids=lambda c: c["name"])
def test_bar_text(case):
    assert bar_text(**case["input"]) == case["expected"]


@pytest.mark.parametrize("case", CASES["summary"], ids=lambda c: c["name"])
def test_summary_text(case):
    assert summary_text(**case["input"]) == case["expected"]


def _play(case):
    clock, stream = FakeClock(), FakeStream(case["tty"])
    progress = TrainProgress(case["epochs"], stream=stream, enabled=case["enabled"], clock=clock)
    for kind, t, *args in case["events"]:
        clock.t = t
        if kind == "begin":
            progress.begin_epoch(*args)
        elif kind == "batch":
            progress.batch(*args)
        else:
            progress.end_epoch()
    return progress, stream


@pytest.mark.parametrize("case", CASES["runs"], ids=lambda c: c["name"])
def test_runs(case):
    progress, stream = _play(case)
    assert stream.writes == case["writes"]
    stopped, expected = case["summary"]
    assert progress.summary(stopped_epoch=stopped) == expected


def test_a_nan_loss_prints_nan():
    clock, stream = FakeClock(), FakeStream(True)
    progress = TrainProgress(1, stream=stream, clock=clock)
    progress.begin_epoch(1, None)
    clock.t = 1.0
    progress.batch(4, float("nan"), 0.0)
    assert stream.writes[-1] == "\r\x1b[Kepoch 1/1  1 step  loss nan  4 samples/s  input-bound 0%"
    progress.end_epoch()
    assert progress.summary().endswith(", final loss nan")


def test_numpy_losses_and_sizes_are_plain_numbers():
    np = pytest.importorskip("numpy")
    clock, stream = FakeClock(), FakeStream(False)
    progress = TrainProgress(1, stream=stream, clock=clock)
    progress.begin_epoch(1, np.int64(2))
    clock.t = 5.0
    progress.batch(np.int64(4), np.float32(0.5), 0.0)
    assert stream.writes == ["epoch 1/1  [=========>          ] 1/2  loss 0.500000  1 samples/s  ETA 0:00:05  input-bound 0%\n"]


def test_default_stream_is_stderr(capsys):
    clock = FakeClock()
    progress = TrainProgress(2, clock=clock)
    progress.begin_epoch(1, None)
    clock.t = 5.0
    progress.batch(10, 1.0, 0.0)
    progress.end_epoch()
    out = capsys.readouterr()
    assert out.out == "" and out.err == "epoch 1/2  1 step  loss 1.000000  2 samples/s  input-bound 0%\n"


def test_end_epoch_without_begin_is_ignored():
    progress = TrainProgress(1, stream=FakeStream(True), clock=FakeClock())
    progress.end_epoch()
    assert progress.summary() == "trained 0 epochs: 0 samples in 0.0 s, 0 samples/s, input-bound 0%"


# pack's progress sits on the same status line: its output, worked out by hand


def test_pack_progress_on_a_terminal():
    clock, stream = FakeClock(100.0), FakeStream(True)
    p = Progress(True, total=1000, start=200, stream=stream, clock=clock)
    clock.t = 100.125
    p.update(300)  # 0.125 s < 0.2 s: not yet
    clock.t = 100.25
    p.update(400)
    clock.t = 100.375
    p.update(450)  # 0.125 s after the last draw
    p.note("pack: a note")
    clock.t = 104.0
    p.finish(1000, 3, "out")
    assert stream.writes == [
        "\r\x1b[Kpack: resuming after 200 records already packed\n",
        "\r\x1b[Kpack: 400/1,000 records  800 records/s  ETA 0:00:01",
        "\r\x1b[Kpack: a note\n",
        "\r\x1b[Kpack: 1,000 records in 3 shards at out (0:00:04)\n",
    ]


def test_pack_progress_in_a_log_and_quiet():
    clock, stream = FakeClock(), FakeStream(False)
    p = Progress(True, total=None, start=0, stream=stream, clock=clock)
    clock.t = 4.0
    p.update(4000)
    clock.t = 5.0
    p.update(5000)
    clock.t = 9.5
    p.update(9000)
    clock.t = 10.0
    p.update(12000)
    p.finish(12000, 1, "out")
    assert stream.writes == [
        "pack: 5,000 records  1,000 records/s\n",
        "pack: 12,000 records  1,200 records/s\n",
        "pack: 12,000 records in 1 shard at out (0:00:10)\n",
    ]
    quiet = FakeStream(True)
    p = Progress(False, total=10, start=5, stream=quiet, clock=clock)
    p.update(6)
    p.note("x")
    p.finish(10, 1, "out")
    assert quiet.writes == []
