"""Image folder source and the TensorFlow adapter: to_tf + model.fit, initial weights, train."""

import json
import math
import re

import numpy as np
import pytest
from PIL import Image

from streamfit import StreamfitError, csv, image_folder
from streamfit.cli import main
from streamfit.ops.builtins import divide as sf_divide
from streamfit.order.prng import TAG_INIT, Prng, combine

tf = __import__("tensorflow")  # a missing TensorFlow fails, never skips
keras = tf.keras


@pytest.fixture()
def shapes(tmp_path):
    folder = tmp_path / "shapes"
    folder.mkdir()
    rng = np.random.RandomState(0)  # test data only; not an ordering decision
    for i, cls in enumerate(["b", "a", "c", "a", "b", "c"]):
        arr = rng.randint(0, 255, size=(6 + i, 5, 3), dtype=np.uint8)
        Image.fromarray(arr).save(folder / f"{cls}_{i}.png")
    Image.fromarray(np.full((4, 4, 3), 200, np.uint8)).save(folder / "a_9.jpg", quality=95)
    (folder / ".hidden.png").write_bytes(b"junk")
    (folder / "notes.txt").write_text("ignored")
    (folder / "sub").mkdir()
    return folder


def test_image_folder_listing_labels_and_pixels(shapes):
    pipe = image_folder(str(shapes))
    src = pipe.stages[0]
    assert src.files == ["a_1.png", "a_3.png", "a_9.jpg", "b_0.png", "b_4.png", "c_2.png", "c_5.png"]
    assert src.classes == ["a", "b", "c"] and pipe.cardinality() == 7 and pipe.indexable
    assert repr(pipe) == "image_folder(shapes)"
    x, y = pipe.get(3)
    png = np.asarray(Image.open(shapes / "b_0.png"))
    assert x.dtype.name == "uint8" and np.array_equal(x, png) and y.dtype.name == "int32" and int(y) == 1
    xs = [r for r in image_folder(str(shapes), label_mode="none", channels=1, extensions=["png"])]
    assert len(xs) == 6 and xs[0].shape[-1] == 1


def test_image_folder_resize_scale_categorical(shapes):
    pipe = image_folder(str(shapes), image_size=[3, 2], scale=True, label_mode="categorical")
    x, y = pipe.get(0)
    assert x.dtype.name == "float32" and x.shape == (3, 2, 3) and 0 <= x.min() and x.max() <= 1
    assert y.tolist() == [1.0, 0.0, 0.0]
    raw = image_folder(str(shapes), image_size=[3, 2]).get(0)[0]
    assert raw.dtype.name == "float32" and np.array_equal(x, raw / np.float32(255))


def test_image_folder_errors(shapes, tmp_path):
    with pytest.raises(StreamfitError) as e:
        image_folder(str(shapes), classes=["a", "b"])
    assert e.value.code == "SF_IMAGE_LABEL" and "c_2.png" in str(e.value)
    (shapes / "nolabel.png").write_bytes((shapes / "a_1.png").read_bytes())
    with pytest.raises(StreamfitError) as e:
        image_folder(str(shapes))
    assert e.value.code == "SF_IMAGE_LABEL" and "nolabel.png" in str(e.value)
    (shapes / "nolabel.png").unlink()
    (shapes / "a_0.png").write_bytes(b"not an image")
    with pytest.raises(StreamfitError) as e:
        image_folder(str(shapes)).get(0)
    assert e.value.code == "SF_IMAGE_DECODE" and "a_0.png" in str(e.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StreamfitError) as e:
        image_folder(str(empty))
    assert e.value.code == "SF_EMPTY_SOURCE" and "empty" in str(e.value)
    with pytest.raises(StreamfitError) as e:
        image_folder(str(tmp_path / "missing"))
    assert e.value.code == "SF_FILE_NOT_FOUND"
    with pytest.raises(StreamfitError) as e:
        image_folder(str(shapes), pattern="^(a)(b)")
    assert e.value.code == "SF_ARG"


def test_to_tf_feeds_fit_for_an_image_pipeline(shapes):
    pipe = image_folder(str(shapes), image_size=[8, 8], scale=True).shuffle(seed=1).batch(3)
    ds = pipe.to_tf()
    assert ds.element_spec[0].shape.as_list() == [None, 8, 8, 3] and int(ds.cardinality()) == 3
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd")
    hist = model.fit(ds, epochs=2, verbose=0, shuffle=False)
    assert len(hist.history["loss"]) == 2 and all(math.isfinite(v) for v in hist.history["loss"])


def test_to_tf_feeds_fit_for_a_csv_pipeline_and_each_iterator_is_a_new_epoch(tmp_path):
    path = tmp_path / "xy.csv"
    path.write_text("x,y\n" + "".join(f"{i / 10},{i / 5}\n" for i in range(40)))
    pipe = csv(str(path), label="y").shuffle(buffer_size=40, seed=2).batch(16)
    ds = pipe.to_tf()
    assert ds.element_spec[0].shape.as_list() == [None, 1] and ds.element_spec[1].shape.as_list() == [None]
    first = [b[1].numpy().tolist() for b in ds]
    second = [b[1].numpy().tolist() for b in ds]
    # the to_tf peek used epoch 0 outside tf.data, so the iterators run epochs 0 and 1
    assert first == [b[1].tolist() for b in pipe.iterate(0)]
    assert second == [b[1].tolist() for b in pipe.iterate(1)]
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    hist = model.fit(ds, epochs=2, verbose=0, shuffle=False)
    assert len(hist.history["loss"]) == 2


def test_to_tf_hands_big_elements_over_one_by_one_and_never_reuses_memory_a_tensor_still_holds():
    # batches of 4 x 256 x 256 x 3 float32 (3 MiB): over half of GROUP_BYTES, so they go one per
    # generator step, aligned through recycled buffers; a buffer may be reused only once TensorFlow
    # has let go of it, so tensors kept for a whole epoch must still hold their own values
    from streamfit import from_generator

    def images():
        for i in range(24):
            yield (np.full((256, 256, 3), i, np.uint8), np.int32(i))

    pipe = from_generator(images).shuffle(buffer_size=24, seed=3).batch(4).map(sf_divide(255.0))
    ds = pipe.to_tf()
    assert ds.element_spec[0].shape.rank == 4
    for epoch in (0, 1):
        kept = list(ds)  # every element held until the epoch is over
        want = list(pipe.iterate(epoch))
        assert len(kept) == len(want) == 6
        for (x, y), (wx, wy) in zip(kept, want):
            assert x.dtype == tf.float32 and np.array_equal(x.numpy(), wx) and np.array_equal(y.numpy(), wy)
    assert [int(y[0]) for _, y in kept] != [int(y[0]) for _, y in list(ds)]  # a new epoch, a new order


def test_to_tf_iterators_read_at_once_each_run_their_own_epoch(tmp_path):
    # SPEC §1.7: the k-th iterator to be read runs epoch k, whichever was created first
    path = tmp_path / "xy.csv"
    path.write_text("x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(30)))
    pipe = csv(str(path), label="y").shuffle(buffer_size=30, seed=4).batch(4)
    ds = pipe.to_tf()
    early, late = iter(ds), iter(ds)
    got = {"late": [next(late)[1].numpy().tolist()], "early": []}
    for _ in range(7):
        got["early"].append(next(early)[1].numpy().tolist())
        if len(got["late"]) < 8:
            got["late"].append(next(late)[1].numpy().tolist())
    assert got["late"] == [b[1].tolist() for b in pipe.iterate(0)]
    assert got["early"] == [b[1].tolist() for b in pipe.iterate(1)][:7]


def test_to_tf_closes_the_pipeline_of_an_iterator_dropped_mid_epoch():
    import gc
    import time

    from streamfit import from_generator

    closed = []

    def records():
        try:
            for i in range(100_000):  # more than a block: the source is still open after one batch
                yield (np.float32(i), np.int32(i))
        finally:
            closed.append(True)

    ds = from_generator(records).batch(5).to_tf()
    closed.clear()  # to_tf read the first element to learn the signature
    it = iter(ds)
    assert next(it)[1].numpy().tolist() == [0, 1, 2, 3, 4]
    assert not closed
    del it
    gc.collect()
    deadline = time.monotonic() + 10
    while not closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert closed == [True]


def test_bridge_refuses_an_element_that_does_not_match_its_signature():
    from streamfit.tf.dataset import _bridge

    ds = _bridge(lambda: iter([np.zeros(3, np.float32), np.zeros(3, np.float64)]), tf.TensorSpec([3], tf.float32))
    it = iter(ds)
    assert next(it).numpy().tolist() == [0, 0, 0]
    with pytest.raises(Exception, match=r"float64 \[3\] where the dataset's signature says float32"):
        next(it)
    ds = _bridge(lambda: iter([np.zeros(4, np.float32)]), tf.TensorSpec([3], tf.float32))
    with pytest.raises(Exception, match=r"float32 \[4\] where the dataset's signature says float32 \(3,\)"):
        list(ds)


def test_to_tf_tail_reuses_its_buffers_from_epoch_to_epoch(monkeypatch):
    # a new epoch must not mean new float32 batches to fault in (each iterator once had its own)
    import streamfit.core.buffer_pool as buffer_pool
    from streamfit import from_generator

    def images():
        for i in range(48):
            yield (np.full((256, 256, 3), i, np.uint8), np.int32(i))

    ds = from_generator(images).shuffle(buffer_size=24, seed=3).batch(4).map(sf_divide(255.0)).to_tf()
    made = []
    real = buffer_pool.aligned_empty
    monkeypatch.setattr(buffer_pool, "aligned_empty", lambda *a: made.append(a[0]) or real(*a))
    for x, _ in ds:
        assert x.dtype == tf.float32
    first = len(made)
    assert first >= 1 and all(shape == (4, 256, 256, 3) for shape in made)
    for _ in range(5):
        assert sum(1 for _ in ds) == 12
    assert len(made) - first < 5  # 12 batches an epoch; an iterator of its own would make >= 3 each


@pytest.fixture()
def tail_pack(tmp_path):
    """12 records: x uint8 [4, 8, 3] (every value 0..255 appears), y int32; packed, so shapes are fixed."""
    from streamfit import from_generator

    def images():
        for r in range(12):
            yield (((r * 96 + np.arange(4 * 8 * 3) * 7) % 256).astype(np.uint8).reshape(4, 8, 3), np.int32(r % 3))

    out = str(tmp_path / "pack")
    from_generator(images).pack(out, progress=False)
    return out


def _assert_to_tf_gives_the_records(pipe, tail_length):
    from streamfit.tf.dataset import split_tail

    assert len(split_tail(pipe)[1]) == tail_length
    ds = pipe.to_tf()
    for epoch in (0, 1):
        got = list(ds)
        want = list(pipe.iterate(epoch))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            for gl, wl in zip(tf.nest.flatten(g), tf.nest.flatten(w)):
                assert gl.dtype.as_numpy_dtype == wl.dtype and gl.numpy().tobytes() == wl.tobytes()


def test_to_tf_tail_runs_trailing_builtin_maps_at_the_bridge_with_the_records_exact_bits(tail_pack):
    from streamfit import packed
    from streamfit.ops.builtins import cast, normalize
    from streamfit.tf.dataset import split_tail

    pipe = (packed(tail_pack).shuffle(buffer_size=12, seed=5).batch(5).map(sf_divide(255.0))
            .map(normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])).map(cast("float32", on="y")).prefetch(2))
    head, tail = split_tail(pipe)
    assert [fn.__name__ for fn in tail] == ["divide", "normalize", "cast"]
    assert head.summary().endswith("shuffle(buffer=12, seed=5) -> batch(5) -> prefetch(2)")
    _assert_to_tf_gives_the_records(pipe, 3)


def test_to_tf_tail_divisors_that_round_over_every_uint8_value(tail_pack):
    from streamfit import packed

    for value in (255.0, 7.0, [255.0, 3.0, 0.1]):
        _assert_to_tf_gives_the_records(packed(tail_pack, order="global", seed=2).batch(4).map(sf_divide(value)), 1)


def test_to_tf_tail_on_float32_and_float64_leaves_with_nan_inf_and_signed_zero(tail_pack):
    from streamfit import packed
    from streamfit.ops.builtins import normalize

    for dtype in (np.float32, np.float64):
        def values(record, dtype=dtype):
            x, y = record
            v = (np.sin(int(y) * 10 + np.arange(10)) * 1e3 + 1 / 3).astype(dtype)
            v[7:] = [np.float32(np.nan), -np.inf, -0.0]
            return v, y

        pipe = packed(tail_pack).map(values).batch(4).map(normalize(0.1, 3.7)).map(sf_divide(1.3))
        _assert_to_tf_gives_the_records(pipe, 2)


def test_to_tf_tail_on_int64_leaves_and_not_past_a_user_map(tail_pack):
    from streamfit import packed
    from streamfit.tf.dataset import split_tail

    wide = packed(tail_pack).map(lambda r: (r[0].astype(np.int64) * 9007199254740993, r[1])).batch(4).map(sf_divide(3.0))
    assert len(split_tail(wide)[1]) == 1  # int64 values past 2**24: float32 rounds them as numpy does
    assert wide.to_tf().element_spec[0].dtype == tf.float32
    _assert_to_tf_gives_the_records(wide, 1)
    user = packed(tail_pack).batch(4).map(sf_divide(255.0)).map(lambda r: r, name="identity")
    assert split_tail(user)[1] == []
    _assert_to_tf_gives_the_records(user, 0)


def test_to_tf_tail_keeps_the_maps_errors(tail_pack):
    from streamfit import packed

    pipe = packed(tail_pack).batch(4).map(sf_divide([1.0, 2.0]))
    with pytest.raises(StreamfitError) as want:
        list(pipe.iterate(0))
    with pytest.raises(StreamfitError) as got:
        list(pipe.to_tf())
    assert got.value.code == want.value.code == "SF_ARG" and str(got.value) == str(want.value)


def test_initial_weights_follow_spec_5_1():
    from streamfit.tf.model import build_model

    spec = {"seed": 9, "input_shape": [4, 4, 1], "layers": [
        {"type": "conv2d", "filters": 2, "kernel_size": 3}, {"type": "flatten"}, {"type": "dense", "units": 3}]}
    model, seed, drawn = build_model(spec)
    assert (seed, drawn) == (9, False)
    kernel, bias, dense, dbias = model.get_weights()
    assert kernel.shape == (3, 3, 1, 2) and dense.shape == (8, 3)
    # hand-written SPEC §5.1 loop, layer by layer, C order
    g = Prng(combine(9, TAG_INIT))
    lim = math.sqrt(6 / (9 * 1 + 9 * 2))
    want = [np.float32((g.uniform() * 2 - 1) * lim) for _ in range(18)]
    assert kernel.ravel().tolist() == [float(w) for w in want]
    lim = math.sqrt(6 / (8 + 3))
    want = [np.float32((g.uniform() * 2 - 1) * lim) for _ in range(24)]
    assert dense.ravel().tolist() == [float(w) for w in want]
    assert not bias.any() and not dbias.any()
    again, _, _ = build_model(spec)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights()))


def test_train_cli_writes_history(tmp_path, capsys):
    data = tmp_path / "xy.csv"
    data.write_text("x,y\n" + "".join(f"{i / 10},{i / 5}\n" for i in range(30)))
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({
        "source": {"type": "csv", "path": "xy.csv", "features": ["x"], "label": "y"},
        "ops": [{"op": "batch", "batch_size": 8}],
        "model": {"seed": 1, "input_shape": [1], "layers": [{"type": "dense", "units": 1}]},
        "train": {"epochs": 2, "loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 0.01}}}))
    hist_path = tmp_path / "h.json"
    assert main(["train", str(spec), "--history", str(hist_path), "--epochs", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "pipeline  csv(xy.csv) -> batch(8)"
    assert out[1] == "model     2 parameters, seed=1"  # dense 1->1: kernel + bias
    lines = [ln for ln in out if ln.startswith("epoch")]
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2  loss ") and "  30 samples  " in lines[0]
    assert out[-1].startswith("weights digest: initial ")
    assert lines[0].endswith(" samples/s")
    hist = json.loads(hist_path.read_text())
    assert hist["language"] == "python" and [e["epoch"] for e in hist["epochs"]] == [1, 2]
    assert [e["samples"] for e in hist["epochs"]] == [30, 30]
    assert len(hist["initial_weights_digest"]) == 64 and hist["final_weights_digest"] != hist["initial_weights_digest"]
    # epoch loss = batch-size-weighted mean of batch losses: check epoch 1 by replaying it by hand
    from streamfit.tf.model import build_model

    model, _, _ = build_model({"seed": 1, "input_shape": [1], "layers": [{"type": "dense", "units": 1}]})
    opt = keras.optimizers.SGD(learning_rate=0.01)
    xs = np.array([float(f"{i / 10}") for i in range(30)], np.float32).reshape(-1, 1)
    ys = np.array([float(f"{i / 5}") for i in range(30)], np.float32)
    total = 0.0
    for s in range(0, 30, 8):
        x, y = xs[s:s + 8], ys[s:s + 8]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x)[:, 0] - y))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
        total += float(loss) * len(y)
    assert hist["epochs"][0]["loss"] == pytest.approx(total / 30, rel=1e-5)


def test_steps_per_epoch_cuts_each_pipeline_epoch(tmp_path):
    from streamfit.tf.train import train_spec

    data = tmp_path / "xy.csv"
    data.write_text("x,y\n" + "".join(f"{i},{i}\n" for i in range(20)))
    spec = {"source": {"type": "csv", "path": str(data), "label": "y"},
            "ops": [{"op": "batch", "batch_size": 4}],
            "model": {"seed": 1, "input_shape": [1], "layers": [{"type": "dense", "units": 1}]},
            "train": {"epochs": 3, "steps_per_epoch": 2, "loss": "mae",
                      "optimizer": {"type": "sgd", "learning_rate": 1e-30}}}
    hist = train_spec(spec, quiet=True)
    # (almost) no learning: each epoch sees the same first 2 batches (8 samples) of its own epoch
    assert [e["samples"] for e in hist["epochs"]] == [8, 8, 8]
    assert hist["epochs"][0]["loss"] == hist["epochs"][2]["loss"]


def test_train_cli_reports_drawn_seeds(tmp_path, capsys):
    data = tmp_path / "xy.csv"
    data.write_text("x,y\n" + "".join(f"{i / 10},{i / 5}\n" for i in range(30)))
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({
        "source": {"type": "csv", "path": "xy.csv", "features": ["x"], "label": "y"},
        "ops": [{"op": "shuffle", "buffer_size": 10}, {"op": "batch", "batch_size": 8}],
        "model": {"input_shape": [1], "layers": [{"type": "dense", "units": 1}]},
        "train": {"epochs": 1, "loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 0.01}}}))
    assert main(["train", str(spec)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"pipeline  csv\(xy\.csv\) -> shuffle\(buffer=10, seed=\d+ \(drawn\)\) -> batch\(8\)", out[0])
    assert re.fullmatch(r"model     2 parameters, seed=\d+ \(drawn\)", out[1])


def test_optimizer_params_defaults_and_ranges():
    from streamfit.tf.model import optimizer_params

    assert optimizer_params({"type": "adam", "learning_rate": 0.5}) == {
        "learning_rate": 0.5, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
    assert optimizer_params({"type": "rmsprop", "learning_rate": 1, "momentum": 0.5}) == {
        "learning_rate": 1.0, "rho": 0.9, "momentum": 0.5, "epsilon": 1e-7}
    for opt, key in [({"type": "sgd", "learning_rate": 0}, "learning_rate"),
                     ({"type": "sgd", "learning_rate": 1, "momentum": 1}, "momentum"),
                     ({"type": "adam", "learning_rate": 1, "beta_2": -0.1}, "beta_2"),
                     ({"type": "adam", "learning_rate": 1, "epsilon": 0}, "epsilon"),
                     ({"type": "rmsprop", "learning_rate": 1, "rho": 1.5}, "rho")]:
        with pytest.raises(StreamfitError) as e:
            optimizer_params(opt)
        assert e.value.code == "SF_ARG" and f"train.optimizer.{key}" in str(e.value)


def test_keras_counts_an_extra_step_per_stream_epoch_and_train_sets_it_back(tmp_path):
    # SPEC §5.5: t counts applied steps. Keras 3 also counts the read that ends an epoch of unknown
    # length; if Keras stops doing that, the first assertion fails and the fix can go.
    from streamfit.tf.dataset import to_tf
    from streamfit.tf.run import TrainingRun

    path = tmp_path / "xy.csv"
    path.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(40)))
    pipe = csv(str(path), label="y").batch(10)  # a stream: length unknown
    assert pipe.cardinality() is None
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01))
    model.fit(to_tf(pipe), epochs=2, verbose=0)
    assert int(model.optimizer.iterations.numpy()) > 8
    run = TrainingRun({"source": {"type": "csv", "path": str(path), "label": "y"},
                       "ops": [{"op": "batch", "batch_size": 10}],
                       "model": {"seed": 1, "input_shape": [1], "layers": [{"type": "dense", "units": 1}]},
                       "train": {"epochs": 2, "loss": "mse", "optimizer": {"type": "adam", "learning_rate": 0.01}}},
                      quiet=True)
    run.fit()
    assert int(run.model.optimizer.iterations.numpy()) == 8
