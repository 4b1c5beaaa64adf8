"""``decode: false`` on the image sources (SPEC §3.2, §3.4) and the ``decode_image`` map (SPEC §4.3).

Expected bytes come from the files themselves; expected pixels from TensorFlow's
own ``DecodeImage`` / ``ResizeBilinear`` called here, never from streamfit.
"""

import os

import numpy as np
import pytest

from conftest import FIXTURES
from streamfit import StreamfitError, class_folder, from_generator, image_folder, pipeline_from_spec
from streamfit.ops.builtins import decode_image

IMAGES = FIXTURES / "data" / "images"
CLASSES = FIXTURES / "data" / "classes"


def _tf_pixels(raw, channels=3, size=None, scale=False):
    import tensorflow as tf

    x = tf.raw_ops.DecodeImage(contents=raw, channels=channels, dtype=tf.uint8, expand_animations=False)
    if size is not None:
        x = tf.raw_ops.ResizeBilinear(images=x[None], size=size, align_corners=False, half_pixel_centers=True)[0]
    x = x.numpy()
    return x.astype(np.float32) / np.float32(255) if scale else x


def _sorted_files(folder):
    exts = ("jpg", "jpeg", "png", "bmp", "gif", "webp")
    names = [n for n in os.listdir(folder) if not n.startswith(".") and n.rsplit(".", 1)[-1].lower() in exts]
    return sorted(names, key=lambda n: n.encode())


def test_image_folder_decode_false_yields_each_files_bytes():
    pipe = image_folder(str(IMAGES), decode=False)
    names = _sorted_files(IMAGES)
    classes = sorted({n.split("_")[0] for n in names})
    records = list(pipe)
    assert len(records) == len(names) == pipe.cardinality()
    for (x, y), name in zip(records, names):
        assert x.dtype == np.uint8 and x.ndim == 1
        assert x.tobytes() == (IMAGES / name).read_bytes()
        assert int(y) == classes.index(name.split("_")[0])
    assert str(pipe) == "image_folder(images)"


def test_decode_false_records_index_and_batch_at_size_one():
    pipe = image_folder(str(IMAGES), decode=False, label_mode="none")
    names = _sorted_files(IMAGES)
    assert pipe.get(3).tobytes() == (IMAGES / names[3]).read_bytes()
    # a global shuffle over bytes of different lengths, then batches of one: batch_at works
    shuffled = pipe.shuffle(seed=4).batch(1)
    first = shuffled.batch_at(0)
    assert first.shape[0] == 1 and first[0].tobytes() in {(IMAGES / n).read_bytes() for n in names}


@pytest.mark.parametrize("kw", [{"image_size": [4, 4]}, {"scale": True}, {"channels": 3}, {"channels": 1}])
def test_image_folder_pixel_options_with_decode_false_are_sf_arg(kw):
    with pytest.raises(StreamfitError) as info:
        image_folder(str(IMAGES), decode=False, **kw)
    assert info.value.code == "SF_ARG" and next(iter(kw)) in str(info.value)


def test_decode_must_be_a_bool():
    with pytest.raises(StreamfitError) as info:
        image_folder(str(IMAGES), decode="no")
    assert info.value.code == "SF_ARG"


def test_class_folder_decode_false_yields_file_bytes_in_listing_order():
    pipe = class_folder(str(CLASSES), decode=False, label_mode="int")
    records = list(pipe)
    assert len(records) == len(pipe.file_paths)
    for (x, _), rel in zip(records, pipe.file_paths):
        assert x.dtype == np.uint8 and x.ndim == 1
        assert x.tobytes() == (CLASSES / rel).read_bytes()
    assert class_folder(str(CLASSES), decode=False, color_mode="rgb").cardinality() == len(records)


@pytest.mark.parametrize("kw", [{"image_size": [4, 4]}, {"image_size": [4, 4], "crop_to_aspect_ratio": True},
                                {"image_size": [4, 4], "pad_to_aspect_ratio": True}, {"scale": True},
                                {"color_mode": "grayscale"}, {"color_mode": "rgba"}])
def test_class_folder_pixel_options_with_decode_false_are_sf_arg(kw):
    with pytest.raises(StreamfitError) as info:
        class_folder(str(CLASSES), decode=False, **kw)
    assert info.value.code == "SF_ARG"


def test_spec_decode_false_then_decode_image_equals_tensorflow_decoding():
    spec = {"source": {"type": "image_folder", "path": str(IMAGES), "decode": False, "label_mode": "none"},
            "ops": [{"op": "map", "fn": "decode_image", "image_size": [6, 5], "scale": True}]}
    pipe = pipeline_from_spec(spec)
    assert str(pipe) == "image_folder(images) -> map(decode_image)"
    for x, name in zip(pipe, _sorted_files(IMAGES)):
        want = _tf_pixels((IMAGES / name).read_bytes(), 3, [6, 5], True)
        assert x.dtype == np.float32 and x.shape == (6, 5, 3)
        assert x.tobytes() == want.tobytes(), name


def test_decode_image_keeps_the_label_and_decodes_with_channels():
    pipe = image_folder(str(IMAGES), decode=False).map(decode_image(channels=0))
    names = _sorted_files(IMAGES)
    for (x, y), name in zip(pipe, names):
        want = _tf_pixels((IMAGES / name).read_bytes(), 0)
        assert x.dtype == np.uint8 and x.shape == want.shape and np.array_equal(x, want)
        assert y.dtype == np.int32


def test_decode_image_on_y_leaves_x_alone():
    raw = np.frombuffer((IMAGES / _sorted_files(IMAGES)[1]).read_bytes(), np.uint8)
    pipe = from_generator(lambda: iter([(np.int32(7), raw)])).map(decode_image(on="y"))
    (x, y), = list(pipe)
    assert int(x) == 7 and np.array_equal(y, _tf_pixels(raw.tobytes()))


def test_decode_image_bad_bytes_is_sf_image_decode_with_the_size():
    pipe = from_generator(lambda: iter([np.frombuffer(b"not an image at all", np.uint8)])).map(decode_image())
    with pytest.raises(StreamfitError) as info:
        list(pipe)
    assert info.value.code == "SF_IMAGE_DECODE" and "19 bytes" in str(info.value)


def test_decode_image_on_a_non_byte_leaf_is_sf_arg():
    pipe = from_generator(lambda: iter([np.zeros(4, np.float32)])).map(decode_image())
    with pytest.raises(StreamfitError) as info:
        list(pipe)
    assert info.value.code == "SF_ARG" and "uint8" in str(info.value)


@pytest.mark.parametrize("kw", [{"channels": 2}, {"image_size": [3]}, {"scale": 1}])
def test_decode_image_arguments(kw):
    with pytest.raises(StreamfitError) as info:
        decode_image(**kw)
    assert info.value.code == "SF_ARG"


def test_spec_channels_with_decode_false_is_sf_arg():
    spec = {"source": {"type": "image_folder", "path": str(IMAGES), "decode": False, "channels": 3}}
    with pytest.raises(StreamfitError) as info:
        pipeline_from_spec(spec)
    assert info.value.code == "SF_ARG"


def test_to_tf_reads_variable_length_bytes():
    pipe = image_folder(str(IMAGES), decode=False, label_mode="none").take(4)
    got = [t.numpy().tobytes() for t in pipe.to_tf()]
    assert got == [(IMAGES / n).read_bytes() for n in _sorted_files(IMAGES)[:4]]
