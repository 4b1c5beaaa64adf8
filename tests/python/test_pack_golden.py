"""Writer golden cases (SPEC §7): packing ``spec`` with the case's key, shard_bytes and variable
writes exactly the reference's shard files, and an index equal to its one but for ``producer``."""

import json

import pytest

from conftest import FIXTURES
from streamfit import pipeline_from_spec

CASES = sorted((FIXTURES / "cases" / "pack").glob("*.json"))


def test_there_are_writer_cases():
    assert len(CASES) >= 3


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_pack_writes_the_reference_bytes(path, tmp_path):
    case = json.loads(path.read_text())
    pipe = pipeline_from_spec(case["spec"], path.parent)
    assert pipe.summary() == case["summary"]
    out = tmp_path / case["name"]
    info = pipe.pack(str(out), shard_bytes=case["shard_bytes"], variable=case["variable"], key=case["key"],
                     progress=False)
    want_dir = (path.parent / case["pack"]).resolve()
    want_index = json.loads((want_dir / "index.json").read_text())
    got_index = json.loads((out / "index.json").read_text())
    assert {k: v for k, v in got_index.items() if k != "producer"} == \
        {k: v for k, v in want_index.items() if k != "producer"}
    assert got_index["producer"]["language"] == "python" and got_index["producer"]["pipeline"] == case["summary"]
    assert info == got_index
    want_files = sorted(p.name for p in want_dir.iterdir())
    assert sorted(p.name for p in out.iterdir()) == want_files
    for name in want_files:
        if name != "index.json":
            assert (out / name).read_bytes() == (want_dir / name).read_bytes(), name
