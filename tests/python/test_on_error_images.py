"""on_error="skip" for the image sources (SPEC §4.6, §4.2): listing-time and read-time skips,
global shuffle over listed positions, take/skip as over a stream, no batch_at."""

import numpy as np
import pytest
from PIL import Image

from streamfit import StreamfitError, class_folder, image_folder, paired_folders, pipeline_from_spec

BROKEN = b"\x89PNG\r\n\x1a\n truncated"


def _png(path, value, size=(2, 3)):
    """An image whose every pixel is ``value``: records identify their file by x[0, 0, 0]."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size + (3,), value, np.uint8)).save(path, "PNG")


def _ids(records):
    return [int(r[0][0, 0, 0]) if isinstance(r, tuple) else int(r[0, 0, 0]) for r in records]


@pytest.fixture
def folder(tmp_path):
    """cat_00..cat_07 (values 10..80); cat_03 and cat_06 are corrupt in ``bad/``, valid in ``good/``."""
    for kind in ("good", "bad"):
        for k in range(8):
            path = tmp_path / kind / f"cat_{k:02d}.png"
            if kind == "bad" and k in (3, 6):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(BROKEN)
            else:
                _png(path, 10 * (k + 1))
    return tmp_path


def test_read_time_skips_keep_order_and_count_every_epoch(folder):
    pipe = image_folder(str(folder / "bad"), on_error="skip")
    assert str(pipe) == "image_folder(bad, on_error=skip)"
    assert pipe.cardinality() is None and pipe.indexable
    for epoch in (0, 1):
        assert _ids(pipe.iterate(epoch)) == [10, 20, 30, 50, 60, 80]
        assert pipe.skipped(epoch) == {"SF_IMAGE_DECODE": 2}
    # the record path (a user map) reads and counts the same way
    fresh = image_folder(str(folder / "bad"), on_error="skip")
    assert _ids(fresh.map(lambda r: r, name="same").iterate(2)) == [10, 20, 30, 50, 60, 80]
    assert fresh.skipped(2) == {"SF_IMAGE_DECODE": 2} and fresh.skipped(0) is None
    with pytest.raises(StreamfitError) as info:
        pipe.get(3)  # random access to a bad record raises its own error
    assert info.value.code == "SF_IMAGE_DECODE" and "cat_03.png" in str(info.value)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_global_shuffle_is_the_full_order_minus_the_bad_files(folder, seed):
    full = image_folder(str(folder / "good")).shuffle(seed=seed)
    skipping = image_folder(str(folder / "bad"), on_error="skip").shuffle(seed=seed)
    for epoch in (0, 3):
        want = [v for v in _ids(full.iterate(epoch)) if v not in (40, 70)]
        assert _ids(skipping.iterate(epoch)) == want
        assert skipping.skipped(epoch) == {"SF_IMAGE_DECODE": 2}


def test_take_and_skip_count_surviving_records(folder):
    pipe = image_folder(str(folder / "bad"), on_error="skip")
    assert _ids(pipe.take(4)) == [10, 20, 30, 50]
    assert pipe.take(4).cardinality() is None and not pipe.take(4).indexable
    assert _ids(pipe.skip(3)) == [50, 60, 80]
    assert _ids(pipe.shuffle(seed=2).take(6)) == _ids(pipe.shuffle(seed=2))
    with pytest.raises(StreamfitError) as info:
        pipe.take(4).shuffle(seed=1)  # take over a skipping source is a stream
    assert info.value.code == "SF_SHUFFLE_BUFFER"


def test_batches_and_batch_at_is_unavailable(folder):
    pipe = image_folder(str(folder / "bad"), label_mode="none", on_error="skip").shuffle(seed=4).batch(4)
    batches = list(pipe)
    assert [len(b) for b in batches] == [4, 2]
    assert pipe.cardinality() is None
    with pytest.raises(StreamfitError) as info:
        pipe.batch_at(0)
    assert info.value.code == "SF_ARG" and 'on_error="skip"' in str(info.value)
    with pytest.raises(StreamfitError) as info:
        pipe.to_keras_pydataset()
    assert info.value.code == "SF_ARG"
    raising = image_folder(str(folder / "good"), label_mode="none").shuffle(seed=4).batch(4)
    assert raising.batch_at(1).shape == (4, 2, 3, 3)


def test_listing_time_skips_count_in_every_epoch(folder):
    _png(folder / "good" / "nolabel.png", 200)
    _png(folder / "good" / "dog_00.png", 210)
    pipe = image_folder(str(folder / "good"), classes=["cat"], on_error="skip")
    assert _ids(pipe) == [10 * (k + 1) for k in range(8)]
    assert [int(y) for _, y in pipe] == [0] * 8
    for epoch in (0, 1, 5):
        list(pipe.iterate(epoch))
        assert pipe.skipped(epoch) == {"SF_IMAGE_LABEL": 2}
    # the default classes come from the files that match the pattern
    labelled = image_folder(str(folder / "good"), label_mode="categorical", on_error="skip")
    assert [y.tolist() for _, y in labelled][-1] == [0.0, 1.0]  # classes ["cat", "dog"]: dog_00 is class 1
    with pytest.raises(StreamfitError) as info:
        image_folder(str(folder / "good"), classes=["cat"])
    assert info.value.code == "SF_IMAGE_LABEL"


def test_everything_skipped_is_empty_source(folder):
    with pytest.raises(StreamfitError) as info:
        image_folder(str(folder / "good"), classes=["dog"], on_error="skip")  # at build: all at listing
    assert info.value.code == "SF_EMPTY_SOURCE" and "SF_IMAGE_LABEL 8" in str(info.value)
    for name in ("x_1.png", "x_2.png"):
        (folder / "broken" / name).parent.mkdir(exist_ok=True)
        (folder / "broken" / name).write_bytes(BROKEN)
    pipe = image_folder(str(folder / "broken"), on_error="skip")  # at read: every file fails to decode
    with pytest.raises(StreamfitError) as info:
        list(pipe)
    assert info.value.code == "SF_EMPTY_SOURCE" and "SF_IMAGE_DECODE 2" in str(info.value)
    assert "broken" in str(info.value)


def test_class_folder_drops_unknown_extensions_before_the_split(tmp_path):
    for cls, n in (("cat", 5), ("dog", 6)):
        for k in range(n):
            _png(tmp_path / "clean" / cls / f"{k}.png", 10 * k + (0 if cls == "cat" else 5))
            _png(tmp_path / "messy" / cls / f"{k}.png", 10 * k + (0 if cls == "cat" else 5))
    (tmp_path / "messy" / "cat" / "notes.txt").write_text("x")
    (tmp_path / "messy" / "dog" / "sub").mkdir()
    (tmp_path / "messy" / "dog" / "sub" / "readme.md").write_text("x")
    (tmp_path / "messy" / "dog" / ".DS_Store").write_text("x")  # ignored, not counted
    (tmp_path / "messy" / "dog" / "3.png").write_bytes(BROKEN)
    kw = dict(validation_split=0.3, seed=11)
    for subset in ("training", "validation"):
        clean = class_folder(str(tmp_path / "clean"), subset=subset, **kw)
        messy = class_folder(str(tmp_path / "messy"), subset=subset, on_error="skip", **kw)
        assert messy.file_paths == clean.file_paths  # the split is over the kept files
        assert str(messy) == f"class_folder(messy, subset={subset}, on_error=skip)"
        want = [v for v in _ids(clean) if v != 35]
        assert _ids(messy) == want
        decode = {"SF_IMAGE_DECODE": 1} if "dog/3.png" in messy.file_paths else {}
        assert messy.skipped() == {"SF_LAYOUT": 2, **decode}
    with pytest.raises(StreamfitError) as info:
        class_folder(str(tmp_path / "messy"))
    assert info.value.code == "SF_LAYOUT" and "notes.txt" in str(info.value)


def test_class_folder_with_only_unknown_files_still_raises(tmp_path):
    _png(tmp_path / "root" / "cat" / "a.png", 1)
    (tmp_path / "root" / "dog").mkdir()
    (tmp_path / "root" / "dog" / "notes.txt").write_text("x")
    with pytest.raises(StreamfitError) as info:
        class_folder(str(tmp_path / "root"), on_error="skip")
    assert info.value.code == "SF_LAYOUT" and "dog" in str(info.value)


def test_class_folder_unreadable_sub_folder_is_a_layout_error(tmp_path, monkeypatch):
    import os

    _png(tmp_path / "root" / "cat" / "a.png", 1)
    (tmp_path / "root" / "cat" / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for policy in ("raise", "skip"):
        with pytest.raises(StreamfitError) as info:
            class_folder(str(tmp_path / "root"), on_error=policy)
        assert info.value.code == "SF_LAYOUT" and "cat/locked" in str(info.value)


def test_paired_folders_count_each_kind_of_bad_stem(tmp_path):
    root = tmp_path / "pairs"
    for stem, value in (("a", 10), ("b", 20), ("c", 30), ("d", 40), ("e", 50), ("g", 70)):
        _png(root / "time1" / f"{stem}.png", value)
    (root / "time1" / "notes.txt").write_text("stray")  # SF_LAYOUT (entry)
    for stem, value in (("a", 11), ("b", 21), ("e", 51), ("g", 71)):
        _png(root / "time2" / f"{stem}.png", value)
    _png(root / "time2" / "e.jpg", 52)  # e twice in time2: SF_LAYOUT (stem)
    (root / "time2" / "c.png").write_bytes(BROKEN)  # SF_IMAGE_DECODE; d missing: SF_PAIR_MISSING
    (root / "time2" / ".DS_Store").write_text("ignored")
    for stem in "abcdefg":
        _png(root / "label" / f"{stem}.png", 1, size=(2, 3))  # f only here: SF_PAIR_MISSING
    (root / "label" / "sub").mkdir()  # SF_LAYOUT (entry)
    pipe = paired_folders(str(root), on_error="skip")
    assert str(pipe) == "paired_folders(pairs, on_error=skip)"
    records = list(pipe)
    assert [(int(x1[0, 0, 0]), int(x2[0, 0, 0])) for (x1, x2), _ in records] == [(10, 11), (20, 21), (70, 71)]
    assert pipe.skipped() == {"SF_IMAGE_DECODE": 1, "SF_LAYOUT": 3, "SF_PAIR_MISSING": 2}
    assert pipe.file_paths == ["time1/a.png", "time1/b.png", "time1/c.png", "time1/g.png"]
    unlabelled = paired_folders(str(root), label=None, on_error="skip")
    (first,) = list(unlabelled)[:1]
    assert isinstance(first, tuple) and len(first) == 1 and len(first[0]) == 2  # ((x1, x2),), SPEC §3.5
    assert unlabelled.skipped() == {"SF_IMAGE_DECODE": 1, "SF_LAYOUT": 2, "SF_PAIR_MISSING": 1}
    with pytest.raises(StreamfitError) as info:
        paired_folders(str(root))
    assert info.value.code == "SF_LAYOUT" and "notes.txt" in str(info.value)
    with pytest.raises(StreamfitError) as info:
        paired_folders(str(root), inputs=["time1", "nope"], on_error="skip")  # a missing folder raises
    assert info.value.code == "SF_LAYOUT" and "nope" in str(info.value)


def test_paired_folders_with_no_record_left_is_empty_source(tmp_path):
    _png(tmp_path / "p" / "time1" / "a.png", 1)
    _png(tmp_path / "p" / "time2" / "b.png", 2)
    with pytest.raises(StreamfitError) as info:
        paired_folders(str(tmp_path / "p"), label=None, on_error="skip")
    assert info.value.code == "SF_EMPTY_SOURCE" and "SF_PAIR_MISSING 2" in str(info.value)


@pytest.mark.parametrize("make", [
    lambda p: image_folder(p, on_error="ignore"),
    lambda p: class_folder(p, on_error="ignore"),
    lambda p: paired_folders(p, on_error="ignore"),
])
def test_bad_policy_is_sf_arg(folder, make):
    with pytest.raises(StreamfitError) as info:
        make(str(folder / "good"))
    assert info.value.code == "SF_ARG" and "on_error" in str(info.value) and "ignore" in str(info.value)


def test_spec_sources_take_on_error(folder):
    spec = {"source": {"type": "image_folder", "path": str(folder / "bad"), "on_error": "skip"},
            "ops": [{"op": "shuffle", "seed": 1}, {"op": "batch", "batch_size": 3}]}
    pipe = pipeline_from_spec(spec)
    assert pipe.summary() == "image_folder(bad, on_error=skip) -> shuffle(global, seed=1) -> batch(3)"
    assert sum(len(x) for x, _ in pipe) == 6 and pipe.skipped() == {"SF_IMAGE_DECODE": 2}
