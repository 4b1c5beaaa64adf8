"""User generators (SPEC §3.6): leaf conversion, element_spec, one fn() call per epoch, ops, to_tf."""

import numpy as np
import pytest

from streamfit import StreamfitError, digest, from_generator, pipeline_from_spec


def _code(fn, code="SF_ARG", *texts):
    with pytest.raises(StreamfitError) as info:
        fn()
    assert info.value.code == code, str(info.value)
    for t in texts:
        assert t in str(info.value), (t, str(info.value))
    return info.value


def test_leaf_conversion_rules():
    def gen():
        yield (1, 2.5, True, np.float32(1.5), np.arange(3, dtype=np.uint8), [np.int32(4), {"b": 1.0, "a": False}])

    (rec,) = list(from_generator(gen).iterate(0))
    i, f, b, s, arr, (inner, d) = rec
    assert (i.dtype.name, i.shape, int(i)) == ("int32", (), 1)
    assert (f.dtype.name, float(f)) == ("float32", 2.5)
    assert (b.dtype.name, int(b)) == ("uint8", 1)
    assert (s.dtype.name, arr.dtype.name, inner.dtype.name) == ("float32", "uint8", "int32")
    assert list(d) == ["a", "b"] and d["a"].dtype.name == "uint8" and d["b"].dtype.name == "float32"
    assert isinstance(rec[5], tuple)  # lists become tuples


@pytest.mark.parametrize("leaf, text", [
    (np.zeros(2), "float64"), (np.arange(2), "int64"), (np.float64(1.0), "float64"), ("s", "str"),
    (None, "NoneType"), (2**40, "int32 range"),
])
def test_unsupported_leaves_are_sf_arg(leaf, text):
    def gen():
        yield np.float32(0), np.float32(0)
        yield leaf, np.float32(0)

    pipe = from_generator(gen)
    leaf_first = from_generator(lambda: iter([(leaf,)]))
    _code(lambda: list(leaf_first.iterate(0)), "SF_ARG", "element 0", text)
    _code(lambda: list(pipe.iterate(0)), "SF_ARG", "element 1", "[0]")


def test_element_spec_casts_and_checks():
    spec = ({"dtype": "float32", "shape": [None, 2]}, {"dtype": "int32", "shape": []})

    def gen():
        yield np.ones((3, 2)), 1            # float64 cast to float32 because it is declared
        yield np.zeros((1, 2), np.int64), 2.9   # float -> float32 -> int32 truncates
    x0, y0 = next(from_generator(gen, element_spec=spec).iterate(0))
    recs = list(from_generator(gen, element_spec=spec).iterate(0))
    assert [r[0].dtype.name for r in recs] == ["float32"] * 2 and recs[1][1].tolist() == 2
    assert x0.shape == (3, 2) and y0.dtype.name == "int32"
    # dicts in the spec tree and tf.TensorSpec leaves
    tf = __import__("tensorflow")  # a missing TensorFlow fails, never skips
    dspec = {"img": tf.TensorSpec([2], tf.uint8), "label": {"dtype": np.float32, "shape": [1]}}
    rec = next(from_generator(lambda: iter([{"img": np.array([1, 2]), "label": np.array([3])}]),
                              element_spec=dspec).iterate(0))
    assert rec["img"].dtype.name == "uint8" and rec["label"].dtype.name == "float32"

    def bad(*elements):
        return from_generator(lambda: iter(elements), element_spec=spec)
    ok = (np.ones((1, 2), np.float32), 0)
    _code(lambda: list(bad(ok, (np.ones((2, 3), np.float32), 0)).iterate(0)), "SF_ARG", "element 1", "[0]",
          "[None, 2]")
    _code(lambda: list(bad(ok, ok, (np.ones(2, np.float32), 0)).iterate(0)), "SF_ARG", "element 2", "shape [2]")
    _code(lambda: list(bad(ok, (ok[0], 0, 1)).iterate(0)), "SF_ARG", "element 1", "tuple of 2")
    _code(lambda: list(bad(ok[0]).iterate(0)), "SF_ARG", "element 0")
    _code(lambda: from_generator(lambda: iter([]), element_spec={"dtype": "float64", "shape": []}), "SF_ARG",
          "float64")
    _code(lambda: from_generator(lambda: iter([]), element_spec={"dtype": "int32", "shape": [-1]}), "SF_ARG",
          "shape")


def test_inferred_spec_fixes_structure_and_dtype_not_shape():
    def gen():
        yield np.ones(2, np.float32), 1
        yield np.ones(5, np.float32), 2.7          # shape free; 2.7 cast to the first element's int32
        yield {"x": 1}, 1
    it = from_generator(gen).iterate(0)
    assert next(it)[0].shape == (2,)
    a, b = next(it)
    assert a.shape == (5,) and b.dtype.name == "int32" and int(b) == 2
    _code(lambda: next(it), "SF_ARG", "element 2", "record[0] should be a leaf")


def test_fn_called_once_per_epoch_and_summary():
    calls = []

    def make_records():
        calls.append(1)
        for i in range(10):
            yield np.float32(i), i % 3

    pipe = from_generator(make_records)
    assert repr(pipe) == "generator(make_records)" and pipe.cardinality() is None and not pipe.indexable
    assert repr(from_generator(lambda: iter([]), name="rows")) == "generator(rows)"
    list(pipe.iterate(0))
    list(pipe.iterate(1))
    assert len(calls) == 2
    _code(lambda: from_generator(make_records()), "SF_ARG", "generator function")
    _code(lambda: from_generator(3), "SF_ARG", "callable")
    _code(lambda: list(from_generator(lambda: 5).iterate(0)), "SF_ARG", "not an iterator")
    _code(lambda: pipe.get(0), "SF_ARG", "not indexable")
    _code(lambda: pipe.shuffle(seed=1), "SF_SHUFFLE_BUFFER", "buffer_size")


def test_every_op_applies():
    def gen():
        for i in range(20):
            yield np.array([i, -i], np.float32), i

    pipe = (from_generator(gen).shuffle(buffer_size=5, seed=3).map(lambda r: (r[0] * 2, r[1]), name="twice")
            .filter(lambda r: int(r[1]) % 4 != 0, name="not4").batch(4).prefetch(2))
    assert repr(pipe) == ("generator(gen) -> shuffle(buffer=5, seed=3) -> map(twice) -> filter(not4) -> batch(4)"
                          " -> prefetch(2)")
    e0 = list(pipe.iterate(0))
    labels = sorted(int(v) for _, y in e0 for v in y)
    assert labels == [i for i in range(20) if i % 4] and e0[0][0].dtype.name == "float32"
    for x, y in e0:
        assert np.array_equal(x[:, 0], 2 * y.astype(np.float32))
    assert [digest(b) for b in pipe.iterate(0)] == [digest(b) for b in e0]
    assert [digest(b) for b in pipe.iterate(1)] != [digest(b) for b in e0]
    assert [int(v) for v in from_generator(gen).map(lambda r: r[1]).skip(3).take(4).repeat(2)] == [3, 4, 5, 6] * 2


def test_not_in_spec_files():
    _code(lambda: pipeline_from_spec({"source": {"type": "generator"}}), "SF_SPEC", "generator")


def test_to_tf_fits():
    tf = __import__("tensorflow")  # a missing TensorFlow fails, never skips
    keras = tf.keras

    def rows():
        for i in range(64):
            x = np.array([i / 64, 1 - i / 64], np.float32)
            yield x, np.float32(x.sum())

    ds = from_generator(rows).shuffle(buffer_size=16, seed=1).batch(16).to_tf()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
