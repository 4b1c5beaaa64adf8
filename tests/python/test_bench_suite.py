"""bench/suite.py's schedule: every contender once per round, but an epoch-pairs contender (its ratio
is taken inside its own process) once, in the last round, with a round's pairs times the rounds."""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import suite  # noqa: E402


def args(repeats):
    return argparse.Namespace(size=128, epochs=2, min_seconds=1.0, repeats=repeats)


def pairs_of(cmd):
    return int(cmd[cmd.index("--pairs") + 1])


def test_pairs_contenders_run_once_with_every_rounds_pairs():
    once = [c for c in suite.CONTENDERS if c["once"]]
    assert {c["name"] for c in once} == {"img_pairs_py", "img_pairs_js", "csv_pairs_py", "csv_pairs_py_spe",
                                          "csv_pairs_js"}
    for c in once:
        per_round = int(c["args"][c["args"].index("--pairs") + 1])
        assert pairs_of(suite.command(c, "data", "fit", args(3))) == 3 * per_round
        assert pairs_of(suite.command(c, "data", "fit", args(1))) == per_round
        assert c["args"][c["args"].index("--pairs") + 1] == str(per_round)  # the contender itself is not changed
    other = suite.BY_NAME["img_packed_py"]
    assert suite.command(other, "data", "fit", args(3))[-1] == "--packed"
    assert not other["once"]


def test_schedule_runs_pairs_contenders_in_the_last_round_only():
    chosen = [suite.BY_NAME[n] for n in ("img_inmem_py", "img_packed_u8_py", "img_pairs_py", "csv_pairs_js")]
    runs = list(suite.schedule(chosen, ["alone", "fit"], 3))
    count = {}
    for rnd, mode, c in runs:
        count.setdefault((c["name"], mode), []).append(rnd)
    assert count == {("img_inmem_py", "alone"): [0, 1, 2], ("img_inmem_py", "fit"): [0, 1, 2],
                     ("img_packed_u8_py", "alone"): [0, 1, 2], ("img_pairs_py", "fit"): [2], ("csv_pairs_js", "fit"): [2]}
    assert [r for r, _, _ in runs] == sorted(r for r, _, _ in runs)  # round by round
