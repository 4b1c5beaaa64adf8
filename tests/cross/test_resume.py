"""Backup and exact resume (SPEC §5.6) through both train CLIs: a run killed by SIGKILL and resumed
from its backup ends bit-identical to an uninterrupted run of the same language."""

import json
import os
import signal
import subprocess

import numpy as np
import pytest

from test_cross import ENV, ROOT, node

XY = os.path.join(ROOT, "shared_fixtures", "data", "xy.csv")
LANGS = ("python", "node")


def _spec(**train):
    """20 steps an epoch (1000 rows, batches of 50, a new shuffle every epoch); Adam, so the step count
    and both slots matter; validation, early stopping with kept weights and a checkpoint, so their
    state has to come back too."""
    csv = {"type": "csv", "path": XY, "features": ["x"], "label": "y"}
    return {
        "source": csv,
        "ops": [{"op": "shuffle", "buffer_size": 300, "seed": 11}, {"op": "batch", "batch_size": 50}],
        "model": {"seed": 3, "input_shape": [1], "layers": [{"type": "dense", "units": 8, "activation": "relu"},
                                                            {"type": "dense", "units": 1}]},
        "train": dict({"epochs": 4, "loss": "mse", "optimizer": {"type": "adam", "learning_rate": 0.02},
                       "validation": {"source": csv, "ops": [{"op": "batch", "batch_size": 250}]},
                       "early_stopping": {"monitor": "val_loss", "patience": 3, "restore_best_weights": True},
                       "checkpoint": {"path": "best.weights.json", "save_best_only": False}}, **train),
    }


def _cmd(lang, spec, folder, *extra):
    args = [str(spec), "--history", str(folder / "h.json"), "--weights", str(folder / "final.json"), *extra]
    if lang == "python":
        return [os.environ.get("PYTHON", os.path.join(ROOT, ".venv", "bin", "python")), "-m", "streamfit", "train",
                *args]
    return [node(), os.path.join("js", "train.mjs"), *args]


def _train(lang, folder, spec, *extra, kill_after=None):
    folder.mkdir(exist_ok=True)
    (folder / "spec.json").write_text(json.dumps(spec))
    env = dict(ENV)
    if kill_after is not None:
        env["STREAMFIT_KILL_AFTER_STEP"] = str(kill_after)
    return subprocess.run(_cmd(lang, folder / "spec.json", folder, *extra), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def _same_run(a, b):
    """Everything but the wall-clock figures is bit-identical."""
    ha, hb = (json.loads((f / "h.json").read_text()) for f in (a, b))
    for key in ("epochs", "final_weights_digest", "initial_weights_digest", "early_stopping", "checkpoint"):
        if key == "epochs":
            strip = [[{k: v for k, v in e.items() if k != "seconds"} for e in h["epochs"]] for h in (ha, hb)]
            assert strip[0] == strip[1]
        elif key == "checkpoint":  # the same epochs saved, each run into its own folder
            assert ha[key]["saved_epochs"] == hb[key]["saved_epochs"]
        else:
            assert ha[key] == hb[key], key
    assert (a / "final.json").read_bytes() == (b / "final.json").read_bytes()
    assert (a / "best.weights.json").read_bytes() == (b / "best.weights.json").read_bytes()
    return ha, hb


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = {}
    for lang in LANGS:
        folder = tmp_path_factory.mktemp(f"whole_{lang}")
        p = _train(lang, folder, _spec())
        assert p.returncode == 0, p.stderr
        out[lang] = folder
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("save_freq,kill_after,resumed", [
    (5, 27, {"epoch": 2, "step": 5}),       # mid-epoch: 25 steps backed up, 5 of epoch 2 replayed untrained
    (1, 40, {"epoch": 2, "step": 20}),      # every step of epoch 2 applied, its end (validation...) not reached
    ("epoch", 27, {"epoch": 2, "step": 0}),  # only epoch ends backed up: epoch 2 starts again
])
def test_killed_run_resumes_bit_identical(lang, save_freq, kill_after, resumed, tmp_path, uninterrupted):
    spec = _spec(backup={"dir": "backup", "save_freq": save_freq})
    folder = tmp_path / "run"
    p = _train(lang, folder, spec, kill_after=kill_after)
    assert p.returncode == -signal.SIGKILL, (p.returncode, p.stderr)
    backup = folder / "backup" / "backup.safetensors"
    assert backup.exists() and not (folder / "h.json").read_text().count('"final_weights_digest": "')
    killed = json.loads((folder / "h.json").read_text())  # rewritten after each epoch: the finished ones
    assert [e["epoch"] for e in killed["epochs"]] == list(range(1, (kill_after - 1) // 20 + 1))
    p = _train(lang, folder, spec)
    assert p.returncode == 0, p.stderr
    shown = (f"epoch {resumed['epoch']}, after {resumed['step']} steps" if resumed["step"]
             else f"after epoch {resumed['epoch'] - 1}")
    assert f"resumed   from {backup}: {shown}" in p.stdout
    _, hb = _same_run(uninterrupted[lang], folder)
    assert hb["resumed"] == resumed
    assert not backup.exists()  # delete_checkpoint defaults to true: the next run starts afresh


@pytest.mark.parametrize("lang", LANGS)
def test_a_finished_run_kept_trains_nothing_and_a_changed_spec_is_refused(lang, tmp_path, uninterrupted):
    spec = _spec(backup={"dir": "backup", "delete_checkpoint": False})
    folder = tmp_path / "run"
    assert _train(lang, folder, spec).returncode == 0
    assert (folder / "backup" / "backup.safetensors").exists()
    p = _train(lang, folder, spec)
    assert p.returncode == 0, p.stderr
    assert "(training had ended)" in p.stdout and "epoch 1/4" not in p.stdout
    _same_run(uninterrupted[lang], folder)
    # more epochs is the same run: it goes on from the end of epoch 4
    p = _train(lang, folder, spec, "--epochs", "5")
    assert p.returncode == 0, p.stderr
    assert "after epoch 4" in p.stdout and "epoch 5/5" in p.stdout and "epoch 4/5" not in p.stdout
    # another learning rate is another run
    other = _spec(backup={"dir": "backup", "delete_checkpoint": False})
    other["train"]["optimizer"]["learning_rate"] = 0.01
    p = _train(lang, folder, other)
    assert p.returncode == 1 and "SF_BACKUP" in p.stderr and "another spec" in p.stderr
    assert "backup.safetensors" in p.stderr


@pytest.mark.parametrize("lang", LANGS)
def test_damaged_or_foreign_backups_are_refused_by_name(lang, tmp_path):
    spec = _spec(backup={"dir": "backup"})
    folder = tmp_path / "run"
    (folder / "backup").mkdir(parents=True)
    target = folder / "backup" / "backup.safetensors"
    target.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    p = _train(lang, folder, spec)
    assert p.returncode == 1 and "SF_BACKUP" in p.stderr and str(target) in p.stderr, p.stderr
    assert target.read_bytes().startswith(b"\x10")  # a bad backup is reported, never removed
    # a backup the other language wrote
    other = "node" if lang == "python" else "python"
    theirs = tmp_path / "theirs"
    p = _train(other, theirs, spec, kill_after=25)
    assert p.returncode == -signal.SIGKILL
    target.write_bytes((theirs / "backup" / "backup.safetensors").read_bytes())
    p = _train(lang, folder, spec)
    assert p.returncode == 1 and f"written by {other}" in p.stderr, p.stderr


@pytest.mark.parametrize("lang", LANGS)
def test_history_csv_lists_the_epochs(lang, tmp_path, uninterrupted):
    folder = tmp_path / "csv"
    p = _train(lang, folder, _spec(), "--history-csv", str(folder / "h.csv"), "--epochs", "2")
    assert p.returncode == 0, p.stderr
    hist = json.loads((folder / "h.json").read_text())
    lines = (folder / "h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,val_loss,samples,seconds,skipped"
    assert len(lines) == 3
    for line, row in zip(lines[1:], hist["epochs"]):
        cells = line.split(",")
        assert int(cells[0]) == row["epoch"] and float(cells[1]) == row["loss"] and float(cells[2]) == row["val_loss"]
        assert int(cells[3]) == row["samples"] == 1000 and cells[5] == "0"
