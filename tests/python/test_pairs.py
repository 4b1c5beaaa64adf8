"""Paired folders (SPEC §3.5): matching by stem, records, masks, bad layouts, spec, batch_at, to_tf."""

import numpy as np
import pytest
from PIL import Image

from conftest import FIXTURES
from streamfit import StreamfitError, digest, paired_folders, pipeline_from_spec

PAIRS = FIXTURES / "data" / "pairs"


def _fails(code, *texts, **kw):
    with pytest.raises(StreamfitError) as info:
        list(paired_folders(**kw))
    assert info.value.code == code, str(info.value)
    for t in texts:
        assert t in str(info.value), (t, str(info.value))


def _tree(root, layout):
    """``{"time1": ["a.png", ...], ...}`` -> small PNG/JPEG files (a name without an image extension gets text)."""
    rng = np.random.RandomState(1)  # test data only; not an ordering decision
    for folder, names in layout.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            path = root / folder / name
            if name.lower().endswith((".png", ".jpg")):
                Image.fromarray(rng.randint(0, 256, (4, 6, 3)).astype(np.uint8)).save(path)
            else:
                path.write_text("not an image")
    return root


def test_records_listing_and_summary():
    pipe = paired_folders(str(PAIRS))
    assert repr(pipe) == "paired_folders(pairs)" and pipe.indexable and pipe.cardinality() == 5
    # stems sorted by UTF-8 bytes ("b10" < "b2"); partners found by name whatever their extension
    assert pipe.file_paths == ["time1/a1.png", "time1/a2.jpg", "time1/b10.png", "time1/b2.bmp", "time1/c.webp"]
    for (x1, x2), y in pipe:
        assert x1.dtype == x2.dtype == y.dtype == np.uint8
        assert x1.shape[2] == x2.shape[2] == 3 and y.shape == x1.shape[:2] + (1,)
    (x1, x2), y = pipe.get(0)
    from streamfit.tf import image
    assert np.array_equal(y, image.decode((PAIRS / "label" / "a1.png").read_bytes(), 1))
    assert np.array_equal(x2, image.decode((PAIRS / "time2" / "a1.jpg").read_bytes(), 3))


def test_resize_scale_masks_nearest():
    raw = paired_folders(str(PAIRS))
    pipe = paired_folders(str(PAIRS), image_size=[7, 5], scale=True)
    for i in range(pipe.cardinality()):
        (x1, x2), y = pipe.get(i)
        assert x1.dtype == np.float32 and x1.shape == (7, 5, 3) and 0 <= x1.min() and x1.max() <= 1
        assert y.dtype == np.uint8 and y.shape == (7, 5, 1)
        assert set(np.unique(y)) <= set(np.unique(raw.get(i)[1]))  # nearest neighbour: no new mask values
    gray = paired_folders(str(PAIRS), inputs=["time1"], label=None, channels=1, image_size=[3, 3])
    ((x,),) = gray.get(0)  # SPEC §3.5: unlabelled records are ((x1, ...),)
    assert x.shape == (3, 3, 1) and x.dtype == np.float32


def test_batch_at_and_iteration_agree():
    pipe = paired_folders(str(PAIRS), image_size=[5, 7]).shuffle(seed=12).batch(2)
    for epoch in (0, 1):
        want = [digest(b) for b in pipe.iterate(epoch)]
        assert [digest(pipe.batch_at(i, epoch)) for i in range(len(want))] == want
    (x1, x2), y = pipe.batch_at(2)
    assert x1.shape == (1, 5, 7, 3) and y.shape == (1, 5, 7, 1)


def test_missing_partner():
    _fails("SF_PAIR_MISSING", "time1/x2.png", "time2", path=str(FIXTURES / "data" / "pairs_missing"))


def test_missing_partner_in_first_folder(tmp_path):
    root = _tree(tmp_path / "p", {"time1": ["a.png"], "time2": ["a.png"], "label": ["a.png", "b.png"]})
    _fails("SF_PAIR_MISSING", "label/b.png", "time1", path=str(root))


def test_duplicate_stem():
    _fails("SF_LAYOUT", "x1.jpg", "x1.png", "'x1'", path=str(FIXTURES / "data" / "pairs_duplicate"))


def test_unknown_extension_and_sub_folder(tmp_path):
    root = _tree(tmp_path / "p", {"time1": ["a.png", "notes.txt"], "time2": ["a.png"], "label": ["a.png"]})
    _fails("SF_LAYOUT", "time1/notes.txt", "extension", path=str(root))
    (root / "time1" / "notes.txt").unlink()
    (root / "time1" / ".DS_Store").write_bytes(b"junk")  # dotfiles are ignored
    assert paired_folders(str(root)).cardinality() == 1
    (root / "time2" / "more").mkdir()
    _fails("SF_LAYOUT", "time2/more", "sub-folder", path=str(root))
    _fails("SF_LAYOUT", "a.png", path=str(_tree(tmp_path / "q", {"time1": ["a.png"], "time2": ["a.png"],
                                                                   "label": ["a.png"]})), extensions=["jpg"])


def test_missing_folder_empty_and_bad_args(tmp_path):
    _fails("SF_LAYOUT", "time3", path=str(PAIRS), inputs=["time1", "time3"])
    _fails("SF_LAYOUT", "masks", path=str(PAIRS), label="masks")
    _fails("SF_FILE_NOT_FOUND", "nowhere", path=str(tmp_path / "nowhere"))
    empty = _tree(tmp_path / "e", {"time1": [], "time2": [], "label": []})
    _fails("SF_EMPTY_SOURCE", "no images", path=str(empty))
    for kw in ({"inputs": []}, {"inputs": "time1"}, {"label": 3}, {"channels": 2}, {"image_size": [4]},
               {"scale": 1}):
        _fails("SF_ARG", path=str(PAIRS), **kw)


def test_spec_source_strict_keys():
    spec = {"source": {"type": "paired_folders", "path": str(PAIRS), "inputs": ["time2", "time1"],
                       "label": "label", "image_size": [4, 4]}, "ops": [{"op": "batch", "batch_size": 5}]}
    pipe = pipeline_from_spec(spec)
    assert repr(pipe) == "paired_folders(pairs) -> batch(5)"
    direct = paired_folders(str(PAIRS), inputs=("time2", "time1"), image_size=[4, 4]).batch(5)
    assert [digest(b) for b in pipe] == [digest(b) for b in direct]
    for bad in ({"mask": "label"}, {"inputs": "time1"}, {"inputs": []}, {"label": 1}):
        with pytest.raises(StreamfitError) as info:
            pipeline_from_spec({"source": dict(spec["source"], **bad)})
        assert info.value.code == "SF_SPEC", str(info.value)


def test_to_tf_two_input_model_fits():
    tf = __import__("tensorflow")  # a missing TensorFlow fails, never skips
    keras = tf.keras
    pipe = paired_folders(str(PAIRS), image_size=[8, 8], scale=True).shuffle(seed=3).batch(2)
    ds = pipe.to_tf()
    (x1, x2), y = next(iter(ds))
    assert x1.shape[1:] == (8, 8, 3) and y.dtype == tf.uint8
    keras.utils.set_random_seed(0)
    a, b = keras.Input((8, 8, 3)), keras.Input((8, 8, 3))
    shared = keras.layers.Conv2D(2, 3, padding="same")
    diff = keras.layers.Subtract()([shared(a), shared(b)])
    out = keras.layers.Conv2D(1, 1, activation="sigmoid")(diff)
    model = keras.Model([a, b], out)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    mask_01 = ds.map(lambda x, m: (x, tf.cast(m > 0, tf.float32)))
    history = model.fit(mask_01, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # the Keras PyDataset adapter reads the same nested structure
    to01 = paired_folders(str(PAIRS), image_size=[8, 8], scale=True).map(
        lambda r: (r[0], (r[1] > 0).astype(np.float32)), name="to01")
    history = model.fit(to01.shuffle(seed=3).batch(2).to_keras_pydataset(), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
