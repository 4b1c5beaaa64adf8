"""A pack killed with SIGKILL mid-way and run again gives the bytes of an uninterrupted pack (SPEC §9.1).

The killed run is a child process packing through a slow map into small shards;
it is killed once a few shards exist. Resuming (here, in-process, without the
delay) must keep those shards and write the rest: every file byte-identical to
a pack written in one go. An indexable pipeline fetches from the next record;
a CSV stream is read again and the packed records dropped.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from conftest import ROOT
from streamfit import csv, from_range

SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import streamfit as sf

    kind, path, out = sys.argv[1], sys.argv[2], sys.argv[3]

    def slow(r):
        time.sleep(0.01)
        return np.full(32768, r if kind == "range" else r[1], np.float32)

    pipe = sf.from_range(N) if kind == "range" else sf.csv(path, label="y")
    pipe.map(slow).pack(out, shard_bytes=SHARD, key="resume-test", progress=False)
""")
N = 300
SHARD = 512 << 10  # 4 records of 128 KiB: big records make small blocks, so shards appear one by one


def fast(kind):
    def slow(r):  # the child's map without the delay, with its name: the same summary, so the same pack_key
        return np.full(32768, r if kind == "range" else r[1], np.float32)

    return slow


def _write_csv(path, n):
    rows = "\n".join(f"{k * 0.5},{k % 7}" for k in range(n))
    path.write_text("x,y\n" + rows + "\n")


def _shards(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".safetensors"))


def _kill_after_shards(tmp_path, kind, csv_path, out, at_least=3):
    script = tmp_path / "pack_child.py"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    script.write_text(SCRIPT.replace("N)", f"{N})").replace("SHARD,", f"{SHARD},"))
    child = subprocess.Popen([sys.executable, str(script), kind, str(csv_path), str(out)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if out.exists() and len(_shards(out)) >= at_least:
                break
            if child.poll() is not None:
                pytest.fail(f"the child ended before it was killed: {child.stderr.read().decode()[-2000:]}")
            time.sleep(0.01)
        else:
            pytest.fail("no shards appeared")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert not (out / "index.json").exists()


@pytest.mark.parametrize("kind", ["range", "csv"])
def test_killed_pack_resumes_to_the_same_bytes(tmp_path, kind):
    csv_path = tmp_path / "data.csv"
    _write_csv(csv_path, N)
    out = tmp_path / "killed"
    _kill_after_shards(tmp_path, kind, csv_path, out)
    kept = _shards(out)
    assert len(kept) >= 3

    source = from_range(N) if kind == "range" else csv(str(csv_path), label="y")
    whole = tmp_path / "whole"
    ref = source.map(fast(kind)).pack(str(whole), shard_bytes=SHARD, key="resume-test", progress=False)

    seen = []
    inner = fast(kind)

    def watch(r):
        seen.append(1)
        return inner(r)

    watch.__name__ = "slow"
    info = source.map(watch).pack(str(out), shard_bytes=SHARD, key="resume-test", progress=False)
    files = sorted(p.name for p in whole.iterdir())
    assert sorted(p.name for p in out.iterdir()) == files
    for name in files:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert info == ref and len(kept) < len(ref["shards"])  # killed mid-way
    if kind == "range":  # fetched from the record after the kept shards (+ record 0 for the fields)
        kept_records = sum(s["records"] for s in ref["shards"] if s["file"] in kept)
        assert kept_records > 0 and len(seen) == N - kept_records + 1
    else:  # a stream is read again from its start
        assert len(seen) == N
