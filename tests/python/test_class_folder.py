"""Class-folder source (SPEC §3.4): Keras parity of listing, split and pixels; streamfit split; bad layouts."""

import os

import numpy as np
import pytest
from PIL import Image

from streamfit import StreamfitError, class_folder, pipeline_from_spec
from streamfit.tf import image

tf = __import__("tensorflow")  # a missing TensorFlow fails, never skips
keras = tf.keras

# Folder names chosen for the walk order: "a" < "a b" < "a/z" by full path (' ' < '/'), "B" < "a" in bytes.
LAYOUT = {
    "cat": ["c0.png", "C1.PNG", "a/c2.jpg", "a b/c3.png", "a/z/c4.png", "b/c5.jpeg", "c6.jpg", "_c7.png"],
    "dog": ["d0.jpg", "B/d1.png", "a/d2.png", "a/d3.jpg", "a b/d4.png", "a-b/d5.png", "d6.png", "d7.png",
            "x/y/z/d8.png", "x/d9.jpg", "x y/d10.png", "d11.png"],
    "bird": ["b%02d.png" % i for i in range(9)] + ["deep/er/b9.jpg", "deep/b10.png"],
    "fish": ["f0.png", "f1.jpg", "sub/f2.png", "sub/f3.png", "sub/.f4.png", "f5.png", "f6.png", "f7.png"],
}
SIZES = [(17, 23), (30, 18), (8, 8), (7, 13), (24, 16), (5, 31)]


def _write(path, arr):
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(arr)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        im.save(path, "JPEG", quality=90)
    else:
        im.save(path, "PNG")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree") / "pets"
    rng = np.random.RandomState(3)  # test data only; not an ordering decision
    k = 0
    for cls, names in LAYOUT.items():
        for name in names:
            h, w = SIZES[k % len(SIZES)]
            k += 1
            _write(root / cls / name, rng.randint(1, 256, size=(h, w, 3)).astype(np.uint8))
    (root / "dog" / ".DS_Store").write_bytes(b"junk")
    (root / ".cache").mkdir()
    (root / ".cache" / "x.png").write_bytes(b"junk")
    return root


def _rel(paths, root):
    return [os.path.relpath(p, root).replace(os.sep, "/") for p in paths]


def _keras(root, **kw):
    return keras.utils.image_dataset_from_directory(str(root), image_size=(8, 8), batch_size=4, verbose=False, **kw)


def test_listing_order_labels_and_summary(tree):
    pipe = class_folder(str(tree))
    files = pipe.file_paths
    assert pipe.stages[0].class_names == ["bird", "cat", "dog", "fish"]
    assert files[:13] == ["bird/b%02d.png" % i for i in range(9)] + ["bird/deep/b10.png", "bird/deep/er/b9.jpg"] \
        + ["cat/C1.PNG", "cat/_c7.png"]
    dog = [f for f in files if f.startswith("dog/")]
    assert dog == ["dog/d0.jpg", "dog/d11.png", "dog/d6.png", "dog/d7.png", "dog/B/d1.png", "dog/a/d2.png",
                   "dog/a/d3.jpg", "dog/a b/d4.png", "dog/a-b/d5.png", "dog/x/d9.jpg", "dog/x y/d10.png",
                   "dog/x/y/z/d8.png"]
    assert files[-4:] == ["fish/f7.png", "fish/sub/.f4.png", "fish/sub/f2.png", "fish/sub/f3.png"]
    assert len(files) == 39 and len(pipe) == 39 and repr(pipe) == "class_folder(pets)"
    x, y = pipe.get(files.index("dog/a b/d4.png"))
    assert x.dtype == np.uint8 and x.ndim == 3 and y.dtype == np.int32 and int(y) == 2
    x, y = class_folder(str(tree), label_mode="categorical", class_names=["fish", "cat"]).get(0)
    assert y.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("seed", [1, 1337, 90210])
def test_keras_split_matches_image_dataset_from_directory(tree, seed):
    for subset in ("training", "validation"):
        ds = _keras(tree, validation_split=0.2, subset=subset, seed=seed)
        ours = class_folder(str(tree), validation_split=0.2, subset=subset, seed=seed, split_mode="keras")
        assert ours.file_paths == _rel(ds.file_paths, tree), (seed, subset)
        assert ours.stages[0].class_names == ds.class_names
        assert repr(ours) == f"class_folder(pets, subset={subset})"
    train, val = class_folder(str(tree), validation_split=0.2, subset="both", seed=seed, split_mode="keras")
    k_train, k_val = _keras(tree, validation_split=0.2, subset="both", seed=seed)
    assert (train.file_paths, val.file_paths) == (_rel(k_train.file_paths, tree), _rel(k_val.file_paths, tree))


def test_keras_labels_follow_the_files(tree):
    ds = keras.utils.image_dataset_from_directory(str(tree), image_size=(4, 4), batch_size=None, shuffle=False,
                                                  class_names=["dog", "bird", "cat"], verbose=False)
    ours = class_folder(str(tree), class_names=["dog", "bird", "cat"], image_size=[4, 4])
    assert ours.file_paths == _rel(ds.file_paths, tree)
    for (kx, ky), (x, y) in zip(ds.take(6), ours):
        assert np.array_equal(kx.numpy(), x) and int(ky) == int(y)


@pytest.mark.parametrize("size,option", [((10, 6), "crop_to_aspect_ratio"), ((7, 13), "pad_to_aspect_ratio"),
                                         ((8, 8), "crop_to_aspect_ratio"), ((3, 11), "pad_to_aspect_ratio")])
def test_crop_and_pad_pixels_match_keras_inside_tf_data(tree, size, option):
    # The reference is Keras's own tf.data pipeline. A bare tf.function around _load_image_tf is NOT: grappler
    # turns its divisions by a constant into multiplications by a reciprocal, which tf.data does not (see below).
    ds = keras.utils.image_dataset_from_directory(str(tree), image_size=size, batch_size=None, shuffle=False,
                                                  verbose=False, **{option: True})
    ours = class_folder(str(tree), image_size=list(size), **{option: True})
    assert ours.file_paths == _rel(ds.file_paths, tree)
    for (kx, ky), (x, y) in zip(ds.take(12), ours):  # SIZES cycle every 6 files: all awkward ratios covered
        assert x.dtype == np.float32 and x.shape == (*size, 3)
        assert np.array_equal(kx.numpy(), x)


def test_crop_box_uses_true_float32_division(tmp_path):
    # 10x41 -> 2x41: float32(41*2)/41 = 2, but 82 * float32(1/41) truncates to 1 (what a tf.function computes).
    from keras.src.utils.image_dataset_utils import _load_image_tf

    assert image.crop_box(10, 41, 2, 41) == (4, 0, 2, 41)
    assert image.pad_box(18, 30, 7, 13) == (0, 0, 7, 11)
    arr = np.random.RandomState(5).randint(0, 256, size=(10, 41, 3)).astype(np.uint8)
    _write(tmp_path / "c" / "img.png", arr)
    path = str(tmp_path / "c" / "img.png")
    ds = tf.data.Dataset.from_tensors(path).map(
        lambda p: _load_image_tf(p, (2, 41), 3, "bilinear", "channels_last", True, False))
    assert np.array_equal(next(iter(ds)).numpy(), class_folder(str(tmp_path), image_size=[2, 41],
                                                               crop_to_aspect_ratio=True, label_mode="none").get(0))


def test_streamfit_split_partitions_and_is_seeded(tree):
    n = 39
    train, val = class_folder(str(tree), validation_split=0.3, subset="both", seed=7)
    t, v = train.file_paths, val.file_paths
    assert len(v) == int(0.3 * n) and len(t) + len(v) == n and not set(t) & set(v)
    everything = class_folder(str(tree)).file_paths
    assert sorted(t + v) == sorted(everything)
    assert t == [f for f in everything if f in set(t)]  # each subset keeps listing order
    again = class_folder(str(tree), validation_split=0.3, subset="validation", seed=7)
    assert again.file_paths == v and again.stages[0].indices.dtype == np.uint32
    assert class_folder(str(tree), validation_split=0.3, subset="validation", seed=8).file_paths != v
    assert train.stages[0].listing is val.stages[0].listing  # one path list for both subsets


def test_labels_scale_binary_and_grayscale(tree):
    pipe = class_folder(str(tree), class_names=["cat", "fish"], label_mode="binary", color_mode="grayscale",
                        image_size=[5, 4], scale=True)
    x, y = pipe.get(len(LAYOUT["cat"]))
    assert x.shape == (5, 4, 1) and x.dtype == np.float32 and float(x.max()) <= 1.0
    assert y.dtype == np.float32 and y.tolist() == [1.0]
    batch = next(iter(class_folder(str(tree), image_size=[4, 4], label_mode="none").batch(5)))
    assert batch.shape == (5, 4, 4, 3)


def _error(fn, code, *names):
    with pytest.raises(StreamfitError) as info:
        fn()
    assert info.value.code == code, str(info.value)
    for name in names:
        assert name in str(info.value), (name, str(info.value))


def test_bad_layouts(tree, tmp_path):
    _error(lambda: class_folder(str(tree), class_names=["cat", "horse"]), "SF_LAYOUT", "horse")
    (tmp_path / "empty" / "a").mkdir(parents=True)
    _write(tmp_path / "empty" / "a" / "x.png", np.zeros((2, 2, 3), np.uint8))
    (tmp_path / "empty" / "b" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "b" / ".keep").write_bytes(b"")
    _error(lambda: class_folder(str(tmp_path / "empty")), "SF_LAYOUT", "'b'")
    _write(tmp_path / "ext" / "a" / "x.png", np.zeros((2, 2, 3), np.uint8))
    (tmp_path / "ext" / "a" / "deep").mkdir()
    (tmp_path / "ext" / "a" / "deep" / "notes.webp").write_bytes(b"")
    _error(lambda: class_folder(str(tmp_path / "ext")), "SF_LAYOUT", "a/deep/notes.webp")
    assert len(class_folder(str(tmp_path / "ext"), extensions=["png", "webp"])) == 2
    _write(tmp_path / "bad" / "a" / "x.png", np.zeros((2, 2, 3), np.uint8))
    (tmp_path / "bad" / "a" / "y.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    _error(lambda: list(class_folder(str(tmp_path / "bad"))), "SF_IMAGE_DECODE", "a/y.jpg")
    _error(lambda: class_folder(str(tmp_path / "missing")), "SF_FILE_NOT_FOUND", "missing")


def test_bad_arguments(tree):
    _error(lambda: class_folder(str(tree), subset="training"), "SF_ARG", "subset", "validation_split")
    _error(lambda: class_folder(str(tree), validation_split=0.2), "SF_ARG", "subset")
    _error(lambda: class_folder(str(tree), validation_split=0.2, subset="training"), "SF_SEED", "seed")
    _error(lambda: class_folder(str(tree), validation_split=0.2, subset="training", seed=-1), "SF_SEED", "-1")
    _error(lambda: class_folder(str(tree), label_mode="binary"), "SF_ARG", "binary", "4")
    _error(lambda: class_folder(str(tree), validation_split=0.01, subset="training", seed=1), "SF_ARG", "0.01")
    _error(lambda: class_folder(str(tree), validation_split=1.0, subset="training", seed=1), "SF_ARG",
           "validation_split")
    _error(lambda: class_folder(str(tree), image_size=[4, 4], crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
           "SF_ARG", "crop_to_aspect_ratio")
    _error(lambda: class_folder(str(tree), crop_to_aspect_ratio=True), "SF_ARG", "image_size")
    _error(lambda: class_folder(str(tree), color_mode="bgr"), "SF_ARG", "color_mode")
    _error(lambda: class_folder(str(tree), validation_split=0.2, subset="training", seed=1, split_mode="tf"),
           "SF_ARG", "split_mode")


def test_spec(tree):
    spec = {"source": {"type": "class_folder", "path": str(tree), "image_size": [4, 4], "validation_split": 0.25,
                       "subset": "validation", "seed": 3, "split_mode": "keras"},
            "ops": [{"op": "batch", "batch_size": 4}]}
    pipe = pipeline_from_spec(spec)
    assert repr(pipe) == "class_folder(pets, subset=validation) -> batch(4)"
    assert pipe.file_paths == class_folder(str(tree), validation_split=0.25, subset="validation", seed=3,
                                           split_mode="keras").file_paths
    _error(lambda: pipeline_from_spec(dict(spec, source=dict(spec["source"], subset="both"))), "SF_SPEC", "both")
    _error(lambda: pipeline_from_spec(dict(spec, source=dict(spec["source"], colour="rgb"))), "SF_SPEC", "colour")


def test_to_tf_of_unresized_class_folder(tree):
    ds = class_folder(str(tree), class_names=["cat"]).to_tf()
    shapes = {tuple(x.shape) for x, _ in ds}
    assert len(shapes) > 1  # images keep their own sizes
