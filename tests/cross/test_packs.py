"""Producer x consumer (SPEC §9): packs written by one language are read by the other.

Both `pack` CLIs pack the same spec; their shard files must be byte-identical (the
same pack_key, since both resolve the same absolute source path) and each language
must read the other's pack into the same batches the unpacked pipeline gives.
"""
import json
import os

import pytest

from test_cross import ROOT, js_cli, py_cli

DATA = os.path.join(ROOT, "shared_fixtures", "data")
MODEL = {"seed": 1, "input_shape": [8, 8, 3],
         "layers": [{"type": "flatten"}, {"type": "dense", "units": 3}]}
TRAIN = {"epochs": 2, "loss": "sparse_categorical_crossentropy",
         "optimizer": {"type": "sgd", "learning_rate": 0.05}}


def write(path, obj):
    path.write_text(json.dumps(obj))
    return str(path)


def shard_bytes(folder):
    return {f: open(os.path.join(folder, f), "rb").read() for f in sorted(os.listdir(folder)) if f.startswith("shard-")}


def index_without_producer(folder):
    index = json.load(open(os.path.join(folder, "index.json")))
    index.pop("producer")
    return index


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    """The class-folder fixture resized to 8x8, packed by each CLI (small shards: several files)."""
    tmp = tmp_path_factory.mktemp("packs")
    spec = write(tmp / "spec.json", {
        "source": {"type": "class_folder", "path": os.path.join(DATA, "classes"), "image_size": [8, 8]},
        "ops": [{"op": "map", "fn": "divide", "value": 255}, {"op": "shuffle", "seed": 3},
                {"op": "batch", "batch_size": 4}],
        "model": MODEL, "train": TRAIN})
    out = {"python": str(tmp / "py"), "node": str(tmp / "js")}
    p = py_cli("pack", spec, out["python"], "--shard-mb", "0.005", "--quiet")
    j = js_cli("pack.mjs", spec, out["node"], "--shard-mb", "0.005", "--quiet")
    return {"spec": spec, "out": out, "stdout": (p.stdout, j.stdout), "tmp": tmp}


def test_both_writers_write_the_same_bytes(packs):
    py, js = shard_bytes(packs["out"]["python"]), shard_bytes(packs["out"]["node"])
    assert len(py) >= 3, sorted(py)  # 17 records of 772 bytes, shards of ~5 KB
    assert py == js
    assert index_without_producer(packs["out"]["python"]) == index_without_producer(packs["out"]["node"])
    producers = [json.load(open(os.path.join(packs["out"][k], "index.json")))["producer"]["language"]
                 for k in ("python", "node")]
    assert producers == ["python", "node"]


def test_cli_says_which_ops_it_left(packs):
    for out in packs["stdout"]:
        assert "shuffle" in out and "batch" in out, out


@pytest.mark.parametrize("writer", ["python", "node"])
def test_each_language_reads_the_others_pack(packs, writer):
    """A global order over the pack (seed 3) is the shuffle(seed=3) of the unpacked pipeline."""
    tmp = packs["tmp"]
    packed = write(tmp / f"read_{writer}.json", {
        "source": {"type": "packed", "path": packs["out"][writer], "order": "global", "seed": 3},
        "ops": [{"op": "batch", "batch_size": 4}], "model": MODEL, "train": TRAIN})
    want = json.loads(py_cli("inspect", packs["spec"], "--json", "--batches", "0").stdout)
    py = json.loads(py_cli("inspect", packed, "--json", "--batches", "0").stdout)
    js = json.loads(js_cli("inspect.mjs", packed, "--json", "--batches", "0").stdout)
    assert py == js
    assert [b["digest"] for b in py["batches"]] == [b["digest"] for b in want["batches"]]
    assert py["cardinality"] == 5  # 17 records in batches of 4


def test_train_from_a_pack_in_both_clis(packs):
    tmp = packs["tmp"]
    packed = write(tmp / "train.json", {
        "source": {"type": "packed", "path": packs["out"]["node"], "order": "shards", "seed": 4, "window": 2},
        "ops": [{"op": "batch", "batch_size": 4}], "model": MODEL, "train": TRAIN})
    hp, hj = tmp / "hp.json", tmp / "hj.json"
    py_cli("train", packed, "--quiet", "--history", str(hp))
    js_cli("train.mjs", packed, "--quiet", "--history", str(hj))
    py, js = json.loads(hp.read_text()), json.loads(hj.read_text())
    assert [e["samples"] for e in py["epochs"]] == [e["samples"] for e in js["epochs"]] == [17, 17]
    assert py["initial_weights_digest"] == js["initial_weights_digest"]


def test_a_damaged_pack_is_the_same_error_in_both(packs, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(packs["out"]["python"], bad)
    shard = bad / "shard-00001.safetensors"
    data = bytearray(shard.read_bytes())
    data[-1] ^= 0xFF
    shard.write_bytes(bytes(data))
    spec = write(tmp_path / "spec.json", {"source": {"type": "packed", "path": str(bad)}, "ops": []})
    for p in (py_cli("inspect", spec, "--batches", "0", check=False),
              js_cli("inspect.mjs", spec, "--batches", "0", check=False)):
        assert p.returncode == 1
        last = p.stderr.strip().splitlines()[-1]
        assert last.startswith("error SF_PACK_CHECKSUM: ") and "shard-00001.safetensors" in last, last
