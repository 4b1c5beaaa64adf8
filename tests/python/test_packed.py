"""The ``packed`` source (SPEC §3.7) over the reference's packs in shared_fixtures/packs/.

Expected records come from the official ``safetensors`` library reading the same
files (and the index's structure), never from streamfit's reader.
"""

import json
import shutil
import threading

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import FIXTURES
from streamfit import StreamfitError, digest, packed, pipeline_from_spec

PACKS = FIXTURES / "packs"


def _reference_records(name):
    """Stored records of a pack, read with the safetensors library: list of leaf lists."""
    folder = PACKS / name
    index = json.loads((folder / "index.json").read_text())
    out = []
    for shard in index["shards"]:
        tensors = load_file(str(folder / shard["file"]))
        for k in range(shard["records"]):
            leaves = []
            for f in index["fields"]:
                if f["shape"] == [None]:
                    offs = tensors[f["name"] + ".offsets"]
                    leaves.append(tensors[f["name"] + ".data"][int(offs[k]):int(offs[k + 1])])
                else:
                    leaves.append(tensors[f["name"]][k])
            out.append(leaves)
    return out


def _leaves(record):
    return list(record) if isinstance(record, tuple) else [record]


def _same(got, want):
    return len(got) == len(want) and all(
        a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b) for a, b in zip(got, want))


@pytest.mark.parametrize("name", ["images16", "xy", "encoded"])
def test_sequential_reads_the_stored_records(name):
    want = _reference_records(name)
    pipe = packed(str(PACKS / name))
    got = [_leaves(r) for r in pipe]
    assert len(got) == len(want) == pipe.cardinality() == len(pipe)
    assert all(_same(g, w) for g, w in zip(got, want))
    # get(i) gives fresh, writable copies of the same values
    r = _leaves(pipe.get(len(want) - 1))
    assert _same(r, want[-1]) and all(a.flags.writeable for a in r)


def test_summaries():
    assert str(packed(str(PACKS / "xy"))) == "packed(xy)"
    assert str(packed(str(PACKS / "xy"), order="global", seed=7)) == "packed(xy, order=global, seed=7)"
    assert (str(packed(str(PACKS / "xy"), order="shards", seed=7, window=2).batch(4))
            == "packed(xy, order=shards, seed=7, window=2) -> batch(4)")


def test_global_order_is_a_shuffle_of_the_sequential_records():
    seq = packed(str(PACKS / "xy"))
    for epoch in (0, 1):
        glob = [digest(r) for r in packed(str(PACKS / "xy"), order="global", seed=5).iterate(epoch)]
        shuffled = [digest(r) for r in seq.shuffle(seed=5).iterate(epoch)]
        assert glob == shuffled
    assert sorted(glob) == sorted(digest(r) for r in seq)


def test_global_order_over_a_one_shard_pack_is_the_shuffle_of_its_records(tmp_path):
    # one shard: a block's scattered records are gathered straight into the block (np.take)
    from streamfit import from_generator
    from streamfit.order.permute import order

    def records():
        for i in range(300):
            yield (np.full((8, 8, 3), i % 256, np.uint8) + np.arange(3, dtype=np.uint8), np.int32(i))

    index = from_generator(records).pack(str(tmp_path / "p"), progress=False)
    assert len(index["shards"]) == 1
    for epoch in (0, 1):
        glob = list(packed(str(tmp_path / "p"), order="global", seed=5).batch(32).iterate(epoch))
        assert np.concatenate([y for _, y in glob]).tolist() == order(300, 5, epoch).tolist()  # SPEC §3.7
        for x, y in glob:  # each image is the one its label was stored with
            assert np.array_equal(x, (y[:, None, None, None] % 256 + np.arange(3)).astype(np.uint8)
                                  + np.zeros((1, 8, 8, 3), np.uint8))


@pytest.mark.parametrize("window", [1, 2, 3, 8])
def test_shards_order_reads_whole_windows_of_shards(window):
    index = json.loads((PACKS / "xy" / "index.json").read_text())
    counts = [s["records"] for s in index["shards"]]
    starts = np.cumsum([0] + counts)
    seq = [digest(r) for r in packed(str(PACKS / "xy"))]
    where = {d: i for i, d in enumerate(seq)}  # xy's records are distinct
    assert len(where) == len(seq)
    pipe = packed(str(PACKS / "xy"), order="shards", seed=7, window=window)
    orders = []
    for epoch in (0, 1):
        stored = [where[digest(r)] for r in pipe.iterate(epoch)]
        assert sorted(stored) == list(range(len(seq)))
        shard_of = np.searchsorted(starts, stored, side="right") - 1
        assert len(set(counts)) == 1  # xy's shards are equal, so every full window has window * 125 records
        seen = set()
        for pos in range(0, len(stored), window * counts[0]):
            shards = set(shard_of[pos:pos + window * counts[0]].tolist())
            assert len(shards) == min(window, len(counts) - len(seen)) and not seen & shards
            seen |= shards
        orders.append(stored)
    assert orders[0] != orders[1]  # a new epoch, a new order


def test_batch_at_and_iteration_agree_in_every_order():
    for kw in ({}, {"order": "global", "seed": 3}, {"order": "shards", "seed": 3, "window": 2}):
        pipe = packed(str(PACKS / "xy"), **kw).batch(64)
        for epoch in (0, 2):
            batches = list(pipe.iterate(epoch))
            assert len(batches) == pipe.cardinality() == 16
            for i in (0, 7, 15):
                assert digest(pipe.batch_at(i, epoch)) == digest(batches[i])


def test_concurrent_batch_at_from_threads():
    pipe = packed(str(PACKS / "images16"), order="global", seed=1).batch(3)
    want = [digest(pipe.batch_at(i)) for i in range(3)]
    got = {}

    def work(i):
        got[i] = digest(packed(str(PACKS / "images16"), order="global", seed=1).batch(3).batch_at(i % 3))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(got[i] == want[i % 3] for i in range(12))


def test_few_open_shards_give_the_same_records():
    pipe = packed(str(PACKS / "xy"), order="global", seed=2)
    want = [digest(r) for r in pipe]
    pipe.stages[0].shards.max_open = 1
    pipe.stages[0].shards._open.clear()
    assert [digest(r) for r in pipe] == want


def test_encoded_pack_has_free_shapes_and_feeds_tf():
    pipe = packed(str(PACKS / "encoded")).take(3)
    want = _reference_records("encoded")[:3]
    got = [[t.numpy() for t in r] for r in pipe.to_tf()]
    assert all(_same(g, w) for g, w in zip(got, want))


@pytest.mark.parametrize("kw, code", [({"order": "random", "seed": 1}, "SF_ARG"), ({"seed": 1}, "SF_ARG"),
                                      ({"order": "global"}, "SF_SEED"), ({"order": "shards", "seed": -1}, "SF_SEED"),
                                      ({"order": "shards", "seed": 1, "window": 0}, "SF_ARG"),
                                      ({"verify": "yes"}, "SF_ARG"), ({"prefetch_bytes": -1}, "SF_ARG")])
def test_argument_errors(kw, code):
    with pytest.raises(StreamfitError) as info:
        packed(str(PACKS / "xy"), **kw)
    assert info.value.code == code


def test_verify_false_skips_the_hash_but_never_the_size():
    tampered = list(packed(str(PACKS / "tampered"), verify=False))
    good = list(packed(str(PACKS / "images16")))
    assert len(tampered) == len(good) and [digest(r) for r in tampered] != [digest(r) for r in good]
    with pytest.raises(StreamfitError) as info:
        list(packed(str(PACKS / "truncated"), verify=False))
    assert info.value.code == "SF_PACK_CHECKSUM" and "shard-00001.safetensors" in str(info.value)


def test_checksum_error_comes_when_the_shard_is_first_read():
    pipe = packed(str(PACKS / "tampered")).batch(3)
    assert digest(pipe.batch_at(0)) == digest(packed(str(PACKS / "images16")).batch(3).batch_at(0))
    with pytest.raises(StreamfitError) as info:
        pipe.batch_at(1)
    assert info.value.code == "SF_PACK_CHECKSUM" and "shard-00001.safetensors" in str(info.value)


def _copy(tmp_path, name="images16"):
    dst = tmp_path / name
    shutil.copytree(PACKS / name, dst)
    return dst


def _rewrite_index(folder, change):
    index = json.loads((folder / "index.json").read_text())
    change(index)
    (folder / "index.json").write_text(json.dumps(index))


@pytest.mark.parametrize("change, text", [
    (lambda i: i.update(format="other"), "format"),
    (lambda i: i.update(records=9), "records"),
    (lambda i: i["fields"][0].update(dtype="int16"), "field"),
    (lambda i: i.update(structure=["0", "7"]), "structure"),
    (lambda i: i.update(shards=[]), "shards"),
    (lambda i: i["shards"][0].update(file="../x"), "shard"),
])
def test_malformed_index_is_sf_pack_format(tmp_path, change, text):
    folder = _copy(tmp_path)
    _rewrite_index(folder, change)
    with pytest.raises(StreamfitError) as info:
        list(packed(str(folder)))
    assert info.value.code == "SF_PACK_FORMAT" and text in str(info.value)


def test_index_that_is_not_json_and_folder_without_index(tmp_path):
    folder = _copy(tmp_path)
    (folder / "index.json").write_text("{not json")
    with pytest.raises(StreamfitError) as info:
        packed(str(folder))
    assert info.value.code == "SF_PACK_FORMAT"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StreamfitError) as info:
        packed(str(empty))
    assert info.value.code == "SF_PACK_FORMAT" and "resume" not in str(info.value)
    with pytest.raises(StreamfitError) as info:
        packed(str(folder / "index.json"))
    assert info.value.code == "SF_ARG"


def test_damaged_header_with_a_matching_index_is_sf_pack_format(tmp_path):
    import hashlib

    folder = _copy(tmp_path)
    shard = folder / "shard-00002.safetensors"
    data = bytearray(shard.read_bytes())
    data[10:14] = b"!!!!"  # inside the header JSON
    shard.write_bytes(bytes(data))

    def fix(index):
        index["shards"][2]["sha256"] = hashlib.sha256(bytes(data)).hexdigest()

    _rewrite_index(folder, fix)
    with pytest.raises(StreamfitError) as info:
        list(packed(str(folder)))
    assert info.value.code == "SF_PACK_FORMAT" and "shard-00002.safetensors" in str(info.value)


def test_missing_shard_is_sf_pack_format(tmp_path):
    folder = _copy(tmp_path)
    (folder / "shard-00001.safetensors").unlink()
    with pytest.raises(StreamfitError) as info:
        list(packed(str(folder)))
    assert info.value.code == "SF_PACK_FORMAT" and "shard-00001.safetensors" in str(info.value)


def test_spec_source_and_unknown_key():
    spec = {"source": {"type": "packed", "path": str(PACKS / "xy"), "order": "shards", "seed": 1, "window": 3,
                       "verify": False, "prefetch_bytes": 0}, "ops": [{"op": "batch", "batch_size": 100}]}
    assert pipeline_from_spec(spec).cardinality() == 10
    spec["source"]["colour"] = 1
    with pytest.raises(StreamfitError) as info:
        pipeline_from_spec(spec)
    assert info.value.code == "SF_SPEC"


def test_keras_pydataset_over_a_packed_source():
    pipe = packed(str(PACKS / "xy"), order="global", seed=9).batch(100)
    ds = pipe.to_keras_pydataset()
    assert len(ds) == 10
    x, y = ds[3]
    want_x, want_y = pipe.batch_at(3)
    assert np.array_equal(x, want_x) and np.array_equal(y, want_y)


def test_blocks_reuse_memory_only_after_every_batch_of_them_is_dropped():
    # the reader recycles its gather arrays (core/buffer_pool.py): batches kept by the caller must
    # never change, and once dropped their memory serves later epochs
    pipe = packed(str(PACKS / "xy"), order="global", seed=3).batch(50)
    kept = [[b for b in pipe.iterate(epoch)] for epoch in range(3)]
    for epoch in range(3):
        fresh = packed(str(PACKS / "xy"), order="global", seed=3).batch(50)
        assert [digest(b) for b in kept[epoch]] == [digest(b) for b in fresh.iterate(epoch)]
    seen = {b[0].base.ctypes.data for e in kept for b in e if b[0].base is not None}
    del kept
    again = {b[0].base.ctypes.data for b in pipe.iterate(3) if b[0].base is not None}
    assert again and again <= seen


def test_a_small_pack_is_read_from_its_mapping_a_big_one_with_preadv_same_batches(tmp_path, monkeypatch):
    from streamfit import from_generator
    from streamfit.pack import shard_reader

    def images():  # 3,072-byte records: big enough for preadv (RUN_COPY_BYTES)
        for r in range(40):
            yield ((np.arange(32 * 32 * 3) * (r + 1) % 251).astype(np.uint8).reshape(32, 32, 3), np.int32(r))

    out = str(tmp_path / "pack")
    from_generator(images).pack(out, shard_bytes=40_000, progress=False)
    calls = []
    real = shard_reader.Shard.pread
    monkeypatch.setattr(shard_reader.Shard, "pread", lambda self, *a: calls.append(1) or real(self, *a))
    for order in ("sequential", "global", "shards"):
        seed = None if order == "sequential" else 4
        pipe = packed(out, order=order, seed=seed).batch(6)
        assert pipe.stages[0].shards.small  # 40 records: far below RELEASE_BYTES
        mapped = [[digest(b) for b in pipe.iterate(e)] for e in (0, 1)]
        assert not calls
        big = packed(out, order=order, seed=seed).batch(6)
        big.stages[0].shards.small = False  # as a pack over RELEASE_BYTES reads
        assert [[digest(b) for b in big.iterate(e)] for e in (0, 1)] == mapped
        assert calls
        calls.clear()
