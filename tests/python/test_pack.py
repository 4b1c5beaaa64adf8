"""Writing packs (SPEC §9.1, §9.2): layout, closing rule, shape checks, refusals, progress, CLI.

Expected bytes and values are computed here with plain numpy / hashlib / json, or read
back with the official ``safetensors`` library, never with streamfit's own reader.
"""

import hashlib
import io
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import FIXTURES, ROOT
from streamfit import StreamfitError, csv, from_generator, from_range, packed


def _canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _index(folder):
    return json.loads((folder / "index.json").read_text())


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_layout_read_by_the_safetensors_library(tmp_path):
    rng = np.random.RandomState(0)  # test data only, not an order
    records = [{"img": rng.randint(0, 255, (2, 3, 3)).astype(np.uint8), "label": np.int32(k),
                "blob": np.arange(k + 1, dtype=np.uint8)} for k in range(5)]

    def gen():
        yield from records

    def widen(r):  # float64 and int64 fields only come from a map (SPEC §2.1)
        return {**r, "f64": np.float64(r["label"]) / 3, "i64": np.int64(r["label"]) * 2**40}

    pipe = from_generator(gen).map(widen)
    info = pipe.pack(str(tmp_path / "p"), shard_bytes=70, variable=["0"], key="layout", progress=False)
    # flatten order sorts dict keys: blob, f64, i64, img, label
    assert info["structure"] == {"blob": "0", "f64": "1", "i64": "2", "img": "3", "label": "4"}
    assert info["fields"] == [{"name": "0", "dtype": "uint8", "shape": [None]},
                              {"name": "1", "dtype": "float64", "shape": []},
                              {"name": "2", "dtype": "int64", "shape": []},
                              {"name": "3", "dtype": "uint8", "shape": [2, 3, 3]},
                              {"name": "4", "dtype": "int32", "shape": []}]
    # per record: blob (k+1) + 8, f64 8, i64 8, img 18, label 4 = 47 + k: shards close at >= 70
    assert [s["records"] for s in info["shards"]] == [2, 2, 1]
    first = 0
    for shard in info["shards"]:
        path = tmp_path / "p" / shard["file"]
        data = path.read_bytes()
        assert shard["bytes"] == len(data) and shard["sha256"] == hashlib.sha256(data).hexdigest()
        (n,) = struct.unpack("<Q", data[:8])
        assert (8 + n) % 8 == 0
        text = data[8:8 + n].decode()
        header = json.loads(text)
        assert text.rstrip(" ") == _canonical(header)  # sorted keys, no spaces, space padding
        names = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
        assert names == ["0.offsets", "1", "2", "4", "0.data", "3"]  # item size desc, then name
        assert header["__metadata__"] == {"format": "streamfit-pack", "version": "1", "pack_key": info["pack_key"],
                                          "shard": str(info["shards"].index(shard)), "first_record": str(first),
                                          "records": str(shard["records"])}
        t = load_file(str(path))
        rs = [widen(r) for r in records[first:first + shard["records"]]]
        assert np.array_equal(t["3"], np.stack([r["img"] for r in rs]))
        assert np.array_equal(t["4"], np.array([r["label"] for r in rs], np.int32))
        assert np.array_equal(t["1"], np.array([r["f64"] for r in rs])) and t["1"].dtype == np.float64
        assert np.array_equal(t["2"], np.array([r["i64"] for r in rs])) and t["2"].dtype == np.int64
        lengths = [len(r["blob"]) for r in rs]
        assert t["0.offsets"].tolist() == [0] + np.cumsum(lengths).tolist()
        assert np.array_equal(t["0.data"], np.concatenate([r["blob"] for r in rs]))
        first += shard["records"]
    back = list(packed(str(tmp_path / "p")))
    assert len(back) == 5 and np.array_equal(back[4]["blob"], records[4]["blob"])


def test_closing_rule_and_pack_key_by_hand(tmp_path):
    info = from_range(10).pack(str(tmp_path / "r"), shard_bytes=12, progress=False)
    assert [s["records"] for s in info["shards"]] == [3, 3, 3, 1]  # 4 bytes a record: closes at 12
    want = hashlib.sha256(_canonical({"pipeline": "range(10)", "spec": None, "shard_bytes": 12,
                                      "variable": []}).encode()).hexdigest()
    assert info["pack_key"] == want and info["records"] == 10 and info["skipped"] == {}
    assert info["structure"] == "0" and info["fields"] == [{"name": "0", "dtype": "int32", "shape": []}]
    assert [int(r) for r in packed(str(tmp_path / "r"))] == list(range(10))
    one = from_range(10).pack(str(tmp_path / "one"), shard_bytes=10**9, progress=False)
    assert [s["records"] for s in one["shards"]] == [10]


def test_same_key_is_a_no_op(tmp_path):
    calls = []

    def count(r):
        calls.append(1)
        return r

    pipe = from_range(20).map(count)
    first = pipe.pack(str(tmp_path / "p"), shard_bytes=16, progress=False)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "p").iterdir()}
    n = len(calls)
    again = pipe.pack(str(tmp_path / "p"), shard_bytes=16, progress=False)
    assert again == first and len(calls) == n
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "p").iterdir()} == before


def test_another_key_is_refused_and_nothing_is_touched(tmp_path):
    from_range(20).pack(str(tmp_path / "p"), shard_bytes=16, key="a", progress=False)
    before = _files(tmp_path / "p")
    for kw in ({"key": "b"}, {"key": "a", "shard_bytes": 17}, {"key": "a", "variable": []}):
        kw = {"shard_bytes": 16, **kw}
        if kw == {"shard_bytes": 16, "key": "a", "variable": []}:
            continue  # that one is the same pack
        with pytest.raises(StreamfitError) as info:
            from_range(20).pack(str(tmp_path / "p"), progress=False, **kw)
        assert info.value.code == "SF_ARG" and "another pack" in str(info.value)
    with pytest.raises(StreamfitError) as info:
        from_range(21).pack(str(tmp_path / "p"), shard_bytes=16, key="a", progress=False)
    assert info.value.code == "SF_ARG"
    assert _files(tmp_path / "p") == before


def test_unfinished_pack_of_another_key_is_refused(tmp_path):
    from_range(20).pack(str(tmp_path / "p"), shard_bytes=16, key="a", progress=False)
    (tmp_path / "p" / "index.json").unlink()
    before = _files(tmp_path / "p")
    with pytest.raises(StreamfitError) as info:
        from_range(20).pack(str(tmp_path / "p"), shard_bytes=16, key="b", progress=False)
    assert info.value.code == "SF_ARG" and "shard-00000.safetensors" in str(info.value)
    assert _files(tmp_path / "p") == before


def test_resume_keeps_good_shards_and_replaces_the_rest(tmp_path):
    calls = []

    def ident(r):
        calls.append(int(r))
        return r

    pipe = from_range(50).map(ident)
    ref = pipe.pack(str(tmp_path / "ref"), shard_bytes=40, key="k", progress=False)
    want = _files(tmp_path / "ref")
    part = tmp_path / "part"
    part.mkdir()
    for name in ("shard-00000.safetensors", "shard-00001.safetensors"):
        (part / name).write_bytes(want[name])
    (part / "shard-00002.safetensors").write_bytes(want["shard-00002.safetensors"][:-4])  # truncated: replaced
    (part / "shard-00003.safetensors.tmp").write_bytes(b"half a shard")
    (part / "index.json.tmp").write_bytes(b"{")
    calls.clear()
    info = pipe.pack(str(part), shard_bytes=40, key="k", progress=False)
    assert _files(part) == want and info["shards"] == ref["shards"]
    # indexable: the 20 records of the 2 kept shards are not fetched again (record 0 once, for the fields)
    assert calls == [0] + list(range(20, 50))


def test_a_gap_ends_the_kept_shards(tmp_path):
    ref = from_range(50).pack(str(tmp_path / "ref"), shard_bytes=40, progress=False)
    want = _files(tmp_path / "ref")
    part = tmp_path / "part"
    part.mkdir()
    for name in ("shard-00000.safetensors", "shard-00002.safetensors"):  # shard 1 missing
        (part / name).write_bytes(want[name])
    assert from_range(50).pack(str(part), shard_bytes=40, progress=False) == ref
    assert _files(part) == want


def test_shape_changes_are_sf_pack_shape(tmp_path):
    def shapes():
        yield np.zeros(3, np.float32), np.int32(0)
        yield np.zeros(3, np.float32), np.int32(1)
        yield np.zeros(4, np.float32), np.int32(2)

    with pytest.raises(StreamfitError) as info:
        from_generator(shapes).pack(str(tmp_path / "s"), progress=False)
    assert info.value.code == "SF_PACK_SHAPE"
    assert "record 2" in str(info.value) and "field 0" in str(info.value)
    dtypes = from_range(5).map(lambda r: (r, np.float32(r) if int(r) == 3 else r))
    with pytest.raises(StreamfitError) as info:
        dtypes.pack(str(tmp_path / "d"), progress=False)
    assert info.value.code == "SF_PACK_SHAPE" and "record 3" in str(info.value) and "field 1" in str(info.value)
    assert "float32" in str(info.value) and "int32" in str(info.value)


def test_shape_errors_name_record_and_field(tmp_path):
    pipe = from_range(6).map(lambda r: (np.zeros(int(r) // 4 + 1, np.float32), r))
    with pytest.raises(StreamfitError) as info:
        pipe.pack(str(tmp_path / "p"), progress=False)
    assert info.value.code == "SF_PACK_SHAPE" and "record 4" in str(info.value) and "field 0" in str(info.value)
    ok = pipe.pack(str(tmp_path / "v"), variable=["0"], progress=False)
    assert ok["fields"][0]["shape"] == [None]
    tree = from_range(4).map(lambda r: (r, r) if int(r) < 2 else (r,))
    with pytest.raises(StreamfitError) as info:
        tree.pack(str(tmp_path / "t"), progress=False)
    assert info.value.code == "SF_PACK_SHAPE" and "record 2" in str(info.value)
    with pytest.raises(StreamfitError) as info:
        from_range(4).map(lambda r: np.zeros((2, 2), np.uint8)).pack(str(tmp_path / "w"), variable=["0"],
                                                                    progress=False)
    assert info.value.code == "SF_PACK_SHAPE"


@pytest.mark.parametrize("make", [
    lambda: from_range(5).shuffle(seed=1), lambda: from_range(5).batch(2), lambda: from_range(5).repeat(2),
    lambda: from_range(5).take(3).shuffle(buffer_size=2, seed=1)])
def test_only_packable_pipelines(tmp_path, make):
    with pytest.raises(StreamfitError) as info:
        make().pack(str(tmp_path / "p"), progress=False)
    assert info.value.code == "SF_ARG" and "SPEC §9.1" in str(info.value)
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("kw", [{"variable": "0"}, {"variable": ["5"]}, {"variable": ["0", "0"]},
                                {"shard_bytes": 0}, {"key": 3}])
def test_bad_arguments(tmp_path, kw):
    with pytest.raises(StreamfitError) as info:
        from_range(5).pack(str(tmp_path / "p"), progress=False, **kw)
    assert info.value.code == "SF_ARG"


def test_packable_ops_and_skip_counts_in_the_index(tmp_path):
    pipe = csv(str(FIXTURES / "data" / "messy.csv"), on_error="skip").skip(1).take(100).prefetch(2)
    info = pipe.pack(str(tmp_path / "p"), shard_bytes=8, progress=False)
    assert info["skipped"] == {"SF_CSV_COLUMNS": 2, "SF_CSV_EMPTY_LINE": 1, "SF_CSV_NUMBER": 2}
    assert [r.tolist() for r in packed(str(tmp_path / "p"))] == [r.tolist() for r in pipe]


def test_empty_pipeline_is_sf_empty_source(tmp_path):
    with pytest.raises(StreamfitError) as info:
        from_range(5).filter(lambda r: False).pack(str(tmp_path / "p"), progress=False)
    assert info.value.code == "SF_EMPTY_SOURCE"


def test_progress_lines_and_quiet(tmp_path):
    out = io.StringIO()
    from_range(30).pack(str(tmp_path / "p"), shard_bytes=16, progress=out)
    lines = out.getvalue().splitlines()
    assert lines and lines[-1].startswith("pack: 30 records in 8 shards at ")
    out = io.StringIO()
    from_range(30).pack(str(tmp_path / "p"), shard_bytes=16, progress=out)
    assert "nothing to do" in out.getvalue()
    from streamfit.pack.progress import Progress

    p = Progress(True, total=100, start=0, stream=io.StringIO())
    assert "/100 records" in p.line(40) and "records/s" in p.line(40)
    assert "ETA" not in Progress(True, total=None, start=0, stream=io.StringIO()).line(40)


def test_truncated_or_tampered_shard_is_named(tmp_path):
    from_range(40).pack(str(tmp_path / "p"), shard_bytes=40, progress=False)
    shard = tmp_path / "p" / "shard-00002.safetensors"
    data = bytearray(shard.read_bytes())
    data[-1] ^= 1
    shard.write_bytes(bytes(data))
    with pytest.raises(StreamfitError) as info:
        list(packed(str(tmp_path / "p")))
    assert info.value.code == "SF_PACK_CHECKSUM" and "shard-00002.safetensors" in str(info.value)
    shard.write_bytes(bytes(data[:-3]))
    with pytest.raises(StreamfitError) as info:
        list(packed(str(tmp_path / "p")))
    assert info.value.code == "SF_PACK_CHECKSUM" and "shard-00002.safetensors" in str(info.value)


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    return subprocess.run([sys.executable, "-m", "streamfit", *args], capture_output=True, text=True, env=env,
                          cwd=str(ROOT))


def test_cli_packs_the_leading_part_and_prints_what_it_left(tmp_path):
    spec = {"source": {"type": "csv", "path": "data/xy.csv", "features": ["x"], "label": "y"},
            "ops": [{"op": "map", "fn": "normalize", "mean": 0.5, "std": 2.0}, {"op": "shuffle", "seed": 5},
                    {"op": "batch", "batch_size": 100}]}
    path = tmp_path / "spec.json"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "xy.csv").write_bytes((FIXTURES / "data" / "xy.csv").read_bytes())
    path.write_text(json.dumps(spec))
    run = _cli("pack", str(path), str(tmp_path / "out"), "--shard-mb", "0.0009765625", "--quiet")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert '[{"op": "shuffle", "seed": 5}, {"op": "batch", "batch_size": 100}]' in run.stdout
    index = _index(tmp_path / "out")
    part = {"source": dict(spec["source"], path=str(tmp_path / "data" / "xy.csv")), "ops": [
        {"op": "map", "fn": "normalize", "mean": 0.5, "std": 2}]}  # 2.0 is written as JSON writes it in JS: 2
    key_text = '{"pipeline":"csv(xy.csv) -> map(normalize)","shard_bytes":1024,"spec":' + _canonical(part) \
        + ',"variable":[]}'
    assert '"std":2}' in key_text
    assert index["pack_key"] == hashlib.sha256(key_text.encode()).hexdigest()
    assert index["producer"]["spec"] == part and index["records"] == 1000
    # the golden xy pack holds the same records (shard size differs): compare the values
    want = [[a.tolist() for a in r] for r in packed(str(FIXTURES / "packs" / "xy"))]
    assert [[a.tolist() for a in r] for r in packed(str(tmp_path / "out"))] == want
    again = _cli("pack", str(path), str(tmp_path / "out"), "--shard-mb", "0.0009765625")
    assert again.returncode == 0 and "nothing to do" in again.stderr
    other = _cli("pack", str(path), str(tmp_path / "out"), "--shard-mb", "1")
    assert other.returncode == 1 and other.stderr.startswith("error SF_ARG:")
    bad = _cli("pack", str(path), str(tmp_path / "x"), "--shard-mb", "0")
    assert bad.returncode == 1 and "SF_ARG" in bad.stderr
    assert _cli("pack", str(path)).returncode == 2


def test_resume_through_a_prefetch_fetches_from_the_next_record(tmp_path):
    calls = []

    def ident(r):
        calls.append(int(r))
        return r

    pipe = from_range(30).map(ident).prefetch(2)
    ref = pipe.pack(str(tmp_path / "ref"), shard_bytes=40, progress=False)
    want = _files(tmp_path / "ref")
    part = tmp_path / "part"
    part.mkdir()
    (part / "shard-00000.safetensors").write_bytes(want["shard-00000.safetensors"])
    calls.clear()
    assert pipe.pack(str(part), shard_bytes=40, progress=False) == ref
    assert _files(part) == want and calls == [0] + list(range(10, 30))


def test_an_error_mid_way_leaves_only_whole_shards_and_resume_matches(tmp_path):
    state = {"fail": True}

    def flaky(r):
        if state["fail"] and int(r) == 25:
            raise OSError("disk went away")  # a transient failure, not a shape problem
        return r

    pipe = from_range(40).map(flaky)
    with pytest.raises(OSError):
        pipe.pack(str(tmp_path / "p"), shard_bytes=40, progress=False)
    # shards close every 10 records: only whole shards were written, never the 5 pending records
    left = sorted(p.name for p in (tmp_path / "p").iterdir())
    assert "index.json" not in left and all(n.endswith(".safetensors") for n in left) and len(left) <= 2
    state["fail"] = False
    info = pipe.pack(str(tmp_path / "p"), shard_bytes=40, progress=False)
    ref = pipe.pack(str(tmp_path / "ref"), shard_bytes=40, progress=False)
    assert info == ref and _files(tmp_path / "p") == _files(tmp_path / "ref")


def test_writer_holds_two_shards_of_buffers_however_many_shards(tmp_path, monkeypatch):
    # fixed fields are copied into one buffer per field per shard, recycled once the shard is
    # written: a 12-shard pack must get by with the filling shard's and the in-flight shard's
    from streamfit.core import buffer_pool

    given = []
    take = buffer_pool.BufferPool.take

    def spy(self, shape, dtype):
        a = take(self, shape, dtype)
        given.append((a.ctypes.data, a.dtype.name))
        return a

    monkeypatch.setattr(buffer_pool.BufferPool, "take", spy)
    rows = [(np.full((4, 4), k % 251, dtype=np.uint8), np.int32(k), np.arange(k % 5, dtype=np.float32))
            for k in range(240)]
    pipe = from_generator(lambda: iter(rows), name="rows")
    index = pipe.pack(str(tmp_path / "p"), shard_bytes=500, variable=["2"], progress=False)
    assert len(index["shards"]) >= 12
    assert len(given) == 2 * len(index["shards"])  # one buffer per fixed field per shard
    assert len(set(given)) <= 4  # two fields x (filling + in flight)
    got = list(packed(str(tmp_path / "p")))
    assert len(got) == len(rows)
    assert all(np.array_equal(g[0], r[0]) and g[1] == r[1] and np.array_equal(g[2], r[2]) for g, r in zip(got, rows))
