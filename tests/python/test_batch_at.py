"""Random access to batches and the Keras PyDataset adapter (SPEC §4.5)."""

import numpy as np
import pytest

from conftest import FIXTURES
from streamfit import StreamfitError, class_folder, csv, digest, from_range, image_folder

DATA = FIXTURES / "data"


def _pipes():
    img = image_folder(str(DATA / "images"), image_size=[6, 5], scale=True)
    cls = class_folder(str(DATA / "classes"), image_size=[4, 4], label_mode="categorical")
    return {
        "range": from_range(23).map(lambda r: r * 2, name="double").shuffle(seed=5).skip(2).take(19).batch(4),
        "range_drop": from_range(23).shuffle(seed=9).batch(5, drop_remainder=True).prefetch(2),
        "image_folder": img.shuffle(seed=3).batch(4).prefetch(1),
        "image_folder_drop": img.shuffle(seed=3, reshuffle_each_iteration=False).batch(3, drop_remainder=True),
        "class_folder": cls.shuffle(seed=11).batch(4),
    }


@pytest.mark.parametrize("name", list(_pipes()))
def test_batch_at_equals_iteration(name):
    pipe = _pipes()[name]
    for epoch in (0, 1):
        want = [digest(b) for b in pipe.iterate(epoch)]
        assert len(want) == pipe.cardinality()
        got = [digest(pipe.batch_at(i, epoch)) for i in range(len(want))]
        assert got == want, (name, epoch)
        # in any order, asked twice: the same bytes
        assert [digest(pipe.batch_at(i, epoch)) for i in reversed(range(len(want)))] == want[::-1]
    assert [digest(b) for b in pipe.iterate(0)] != [digest(b) for b in pipe.iterate(1)] or "drop" in name


def test_batch_at_short_last_batch_and_default_epoch():
    pipe = from_range(10).batch(4)
    assert pipe.batch_at(2).tolist() == [8, 9]
    assert pipe.batch_at(0, epoch=3).tolist() == [0, 1, 2, 3]
    assert from_range(10).batch(4, drop_remainder=True).cardinality() == 2


@pytest.mark.parametrize("bad", [-1, 3, 2.5, "1"])
def test_batch_at_index_out_of_range(bad):
    with pytest.raises(StreamfitError) as info:
        from_range(10).batch(4).batch_at(bad)
    assert info.value.code == "SF_ARG" and "batch_at index" in str(info.value)


@pytest.mark.parametrize("build, stage", [
    (lambda: from_range(10).shuffle(seed=1), "shuffle(global, seed=1)"),
    (lambda: from_range(10).batch(2).map(lambda b: b, name="after"), "map(after)"),
    (lambda: from_range(10).batch(2).repeat(2), "repeat(2)"),
    (lambda: from_range(10).filter(lambda r: r > 2, name="big").batch(2), "filter(big)"),
    (lambda: from_range(10).shuffle(buffer_size=3, seed=1).batch(2), "shuffle(buffer=3, seed=1)"),
    (lambda: from_range(10).prefetch(2).batch(2), "prefetch(2)"),
    (lambda: from_range(10).batch(2).batch(2), "batch(2)"),
    (lambda: csv(str(DATA / "xy.csv"), label="y").batch(2), "csv(xy.csv)"),
])
def test_batch_at_names_the_stage_that_breaks_random_access(build, stage):
    with pytest.raises(StreamfitError) as info:
        build().batch_at(0)
    assert info.value.code == "SF_ARG"
    assert stage in str(info.value) and "batch_at" in str(info.value)


def test_batch_at_shape_mismatch_is_the_batch_error():
    pipe = image_folder(str(DATA / "images")).batch(3)  # not resized: sizes differ
    with pytest.raises(StreamfitError) as iterated:
        list(pipe.iterate(0))
    with pytest.raises(StreamfitError) as direct:
        for i in range(pipe.cardinality()):
            pipe.batch_at(i)
    assert direct.value.code == iterated.value.code == "SF_BATCH_SHAPE"
    assert str(direct.value) == str(iterated.value)


tf = __import__("tensorflow")  # a missing TensorFlow fails, never skips
keras = tf.keras


def test_pydataset_len_getitem_epochs():
    pipe = image_folder(str(DATA / "images"), image_size=[6, 5], scale=True).shuffle(seed=3).batch(4)
    ds = pipe.to_keras_pydataset(workers=1, max_queue_size=4)
    assert isinstance(ds, keras.utils.PyDataset) and ds.workers == 1 and ds.max_queue_size == 4
    assert len(ds) == pipe.cardinality()
    x, y = ds[1]
    x2, y2 = ds[1]
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert digest(ds[len(ds) - 1]) == digest(ds[-1]) == digest(pipe.batch_at(len(ds) - 1))
    epoch0 = [digest(ds[i]) for i in range(len(ds))]
    ds.on_epoch_begin()  # the first begin keeps epoch 0
    assert [digest(ds[i]) for i in range(len(ds))] == epoch0
    ds.on_epoch_end()
    ds.on_epoch_begin()
    epoch1 = [digest(ds[i]) for i in range(len(ds))]
    assert epoch0 == [digest(b) for b in pipe.iterate(0)]
    assert epoch1 == [digest(b) for b in pipe.iterate(1)] and epoch1 != epoch0
    bare = from_range(6).batch(4).to_keras_pydataset()
    assert isinstance(bare[0], tuple) and bare[0][0].tolist() == [0, 1, 2, 3]
    with pytest.raises(StreamfitError):
        from_range(6).to_keras_pydataset()


def test_fit_on_pydataset_two_epochs():
    pipe = image_folder(str(DATA / "images"), image_size=[8, 8], scale=True).shuffle(seed=1).batch(8)
    ds = pipe.to_keras_pydataset()
    n_classes = len(pipe.stages[0].classes)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(n_classes)])
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    served = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # after the epoch's batches were served
            served.append((epoch, ds.epoch))

    history = model.fit(ds, epochs=3, verbose=0, callbacks=[Record()])
    assert len(history.history["loss"]) == 3 and all(np.isfinite(history.history["loss"]))
    # fit epoch k serves pipeline epoch k (SPEC §4.5), although Keras calls on_epoch_end before epoch 0
    assert served == [(0, 0), (1, 1), (2, 2)]
    threaded = pipe.to_keras_pydataset(workers=2, use_multiprocessing=False)
    assert np.isfinite(model.fit(threaded, epochs=1, verbose=0).history["loss"]).all()
