"""Op invariants: shuffles permute, prefetch keeps order, take/skip/repeat/cardinality, summaries."""

import threading
import time

import numpy as np
import pytest

from streamfit import Pipeline, StreamfitError, from_range
from streamfit.core.pipeline import INFINITE
from streamfit.ops import builtins


def ints(pipe, epoch=0):
    return [int(r) for r in pipe.iterate(epoch)]


def test_range_records_are_int32_scalars():
    recs = list(from_range(3))
    assert [r.dtype.name for r in recs] == ["int32"] * 3 and all(r.shape == () for r in recs)


@pytest.mark.parametrize("n,b", [(1, 1), (10, 1), (10, 3), (50, 50), (50, 200), (97, 8)])
def test_buffer_shuffle_is_a_permutation(n, b):
    for epoch in (0, 1):
        assert sorted(ints(from_range(n).shuffle(buffer_size=b, seed=5), epoch)) == list(range(n))


def test_buffer_one_is_identity():
    assert ints(from_range(20).shuffle(buffer_size=1, seed=9)) == list(range(20))


def test_global_shuffle_permutation_and_epochs():
    p = from_range(100).shuffle(seed=7)
    e0, e1 = ints(p, 0), ints(p, 1)
    assert sorted(e0) == sorted(e1) == list(range(100))
    assert e0 != e1 and ints(p, 0) == e0
    assert [int(p.get(i, 1)) for i in range(100)] == e1
    q = from_range(100).shuffle(seed=7, reshuffle_each_iteration=False)
    assert ints(q, 0) == ints(q, 5)


def test_global_shuffle_on_stream_fails():
    with pytest.raises(StreamfitError) as e:
        from_range(10).filter(lambda r: True).shuffle(seed=1)
    assert e.value.code == "SF_SHUFFLE_BUFFER" and "buffer_size" in str(e.value)


def test_prefetch_keeps_order_and_values():
    p = from_range(500).shuffle(buffer_size=50, seed=3)
    assert ints(p.prefetch(1)) == ints(p) == ints(p.prefetch(7).prefetch(2))


def test_prefetch_propagates_errors_in_place():
    def boom(r):
        if int(r) == 4:
            raise KeyError("record 4")
        return r

    got = []
    with pytest.raises(KeyError):
        for r in from_range(10).map(boom).prefetch(2).iterate(0):
            got.append(int(r))
    assert got == [0, 1, 2, 3]


def test_prefetch_stops_its_thread_on_early_exit():
    before = threading.active_count()
    it = from_range(10**6).prefetch(4).iterate(0)
    assert int(next(it)) == 0
    it.close()
    for _ in range(50):
        if threading.active_count() == before:
            break
        time.sleep(0.02)
    assert threading.active_count() == before
    for _ in from_range(100).prefetch(2).take(3):
        pass
    time.sleep(0.1)
    assert threading.active_count() == before


def test_take_skip_repeat():
    assert ints(from_range(10).take(3)) == [0, 1, 2]
    assert ints(from_range(4).take(-1)) == [0, 1, 2, 3]
    assert ints(from_range(10).skip(7)) == [7, 8, 9]
    assert ints(from_range(3).skip(5)) == []
    assert ints(from_range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert ints(from_range(2).repeat().take(7)) == [0, 1, 0, 1, 0, 1, 0]


def test_repeat_passes_new_epochs_to_upstream():
    p = from_range(10).shuffle(seed=5)
    r = p.repeat(3)
    # pass r of epoch e runs upstream epoch e*3 + r (SPEC §1.7)
    assert ints(r, 0) == ints(p, 0) + ints(p, 1) + ints(p, 2)
    assert ints(r, 1) == ints(p, 3) + ints(p, 4) + ints(p, 5)
    forever = p.repeat()
    assert ints(forever.take(20), 1) == ints(p, 2**20) + ints(p, 2**20 + 1)


def test_cardinality():
    r = from_range(10)
    assert r.cardinality() == 10 and len(r) == 10
    assert r.batch(3).cardinality() == 4
    assert r.batch(3, drop_remainder=True).cardinality() == 3
    assert r.take(3).cardinality() == 3 and r.take(30).cardinality() == 10 and r.take(-1).cardinality() == 10
    assert r.skip(3).cardinality() == 7 and r.skip(30).cardinality() == 0
    assert r.repeat(3).cardinality() == 30
    assert r.repeat().cardinality() is INFINITE and r.repeat().take(5).cardinality() == 5
    assert r.filter(lambda x: True).cardinality() is None
    assert r.shuffle(seed=1).map(lambda x: x).prefetch().cardinality() == 10
    with pytest.raises(TypeError):
        len(r.repeat())


def test_indexable():
    r = from_range(10)
    assert r.indexable and r.map(lambda x: x).shuffle(seed=1).take(5).skip(1).indexable
    assert int(r.skip(2).take(5).get(1)) == 3
    assert not r.batch(2).indexable and not r.filter(lambda x: True).indexable
    assert not r.shuffle(buffer_size=3, seed=1).indexable and not r.repeat(2).indexable
    with pytest.raises(StreamfitError):
        r.batch(2).get(0)
    with pytest.raises(StreamfitError) as e:
        r.get(10)
    assert e.value.code == "SF_ARG"


def test_batch_stacks_and_checks_shapes():
    b = list(from_range(5).map(lambda r: (np.full(2, r, np.float32), r)).batch(2))
    assert [x.shape for x, _ in b] == [(2, 2), (2, 2), (1, 2)]
    assert b[2][1].tolist() == [4]
    bad = from_range(3).map(lambda r: np.zeros(int(r) + 1, np.float32)).batch(3)
    with pytest.raises(StreamfitError) as e:
        list(bad)
    assert e.value.code == "SF_BATCH_SHAPE" and "[1]" in str(e.value) and "[2]" in str(e.value)


@pytest.mark.parametrize("call", [
    lambda p: p.batch(0), lambda p: p.batch(1.5), lambda p: p.take(-2), lambda p: p.skip(-2),
    lambda p: p.repeat(-2), lambda p: p.prefetch(0), lambda p: p.shuffle(buffer_size=0, seed=1),
])
def test_bad_arguments(call):
    with pytest.raises(StreamfitError) as e:
        call(from_range(5))
    assert e.value.code == "SF_ARG"


def test_summary_forms():
    p = (from_range(10).shuffle(seed=2).shuffle(buffer_size=4, seed=7).map(lambda r: r).filter(builtins.finite())
         .batch(3, drop_remainder=True).take(2).skip(1).repeat(3).repeat().prefetch(2))
    assert repr(p) == ("range(10) -> shuffle(global, seed=2) -> shuffle(buffer=4, seed=7) -> map(<lambda>) -> "
                       "filter(finite) -> batch(3, drop_remainder=true) -> take(2) -> skip(1) -> repeat(3) -> "
                       "repeat() -> prefetch(2)")

    def my_fn(r):
        return r

    assert from_range(3).map(my_fn).batch(2).summary() == "range(3) -> map(my_fn) -> batch(2)"
    assert from_range(3).map(my_fn, name="scale").summary() == "range(3) -> map(scale)"


def test_unseeded_shuffle_reports_drawn_seed(monkeypatch):
    monkeypatch.setattr("os.urandom", lambda k: (1234).to_bytes(4, "little"))
    p = from_range(10).shuffle(buffer_size=3)
    assert repr(p) == "range(10) -> shuffle(buffer=3, seed=1234 (drawn))"
    assert ints(p) == ints(from_range(10).shuffle(buffer_size=3, seed=1234))
    assert "seed=1234 (drawn)" in repr(from_range(4).shuffle())


def test_pipeline_is_immutable_and_reiterable():
    base = from_range(5)
    batched = base.batch(2)
    assert isinstance(batched, Pipeline) and base.summary() == "range(5)"
    assert ints(base) == ints(base) == [0, 1, 2, 3, 4]


def test_builtins_hand_values():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    assert builtins.divide(4)((x, 1))[0].tolist() == [0.25, 0.5, 0.75]
    assert builtins.normalize(2.0, 0.5)(x).tolist() == [-2.0, 0.0, 2.0]
    assert builtins.one_hot(3, on="y")((x, np.array(2, np.int32)))[1].tolist() == [0.0, 0.0, 1.0]
    assert builtins.cast("int32")(np.array([1.7, -1.7, 0.0], np.float32)).tolist() == [1, -1, 0]
    assert builtins.cast("int32")(np.array([1.7], np.float32)).dtype.name == "int32"
    with pytest.raises(StreamfitError):
        builtins.one_hot(3)(np.array(3, np.int32))
    with pytest.raises(StreamfitError):
        builtins.cast("int32")(np.array([np.nan], np.float32))
    assert builtins.label_in([1, 3])((x, np.array(3.0, np.float32)))
    assert not builtins.label_in([1, 3])((x, np.array(2.0, np.float32)))
    assert builtins.finite()((x, 0)) and not builtins.finite()((np.array([np.inf], np.float32), 0))


def test_list_valued_divide_and_normalize_per_last_axis():
    x = np.array([[2.0, 9.0], [4.0, 3.0]], np.float32)
    assert builtins.divide([2, 3])((x, 0))[0].tolist() == [[1.0, 3.0], [2.0, 1.0]]
    assert builtins.normalize([1, 3], [1, 2])(x).tolist() == [[1.0, 3.0], [3.0, 0.0]]
    with pytest.raises(StreamfitError) as e:
        builtins.divide([1, 2, 3])(x)
    assert e.value.code == "SF_ARG"


def test_maps_apply_to_every_leaf_of_x():
    rec = ({"a": np.array([2.0], np.float32), "b": np.array([4.0], np.float32)}, np.array(1, np.int32))
    out = builtins.divide(2)(rec)
    assert out[0]["a"].tolist() == [1.0] and out[0]["b"].tolist() == [2.0] and int(out[1]) == 1
