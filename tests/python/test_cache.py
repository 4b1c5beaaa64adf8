"""``cache(path)`` (SPEC §4.7): pack once on first use, then read the pack; never reuse another pack."""

import json

import numpy as np
import pytest

from conftest import FIXTURES
from streamfit import StreamfitError, csv, digest, from_range, load_spec, pipeline_from_spec


class Counter:
    """A user map that counts its calls (and keeps its name in summaries)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, r):
        self.calls += 1
        return np.asarray(r, np.int32) * 3


def test_first_read_packs_later_reads_use_the_pack(tmp_path):
    count = Counter()
    pipe = from_range(25).map(count, name="triple").cache(str(tmp_path / "c"))
    assert str(pipe) == "range(25) -> map(triple) -> cache(c)"
    assert pipe.indexable and pipe.cardinality() == 25 and count.calls == 0
    assert [int(r) for r in pipe] == [3 * k for k in range(25)]
    assert count.calls == 25 and (tmp_path / "c" / "index.json").exists()
    for epoch in (0, 1, 5):
        assert [int(r) for r in pipe.iterate(epoch)] == [3 * k for k in range(25)]
    assert count.calls == 25
    # a new pipeline over the same cache reads it without calling the map at all
    again = Counter()
    fresh = from_range(25).map(again, name="triple").cache(str(tmp_path / "c")).shuffle(seed=4).batch(5)
    batches = list(fresh.iterate(1))
    assert again.calls == 0 and sorted(int(v) for b in batches for v in b) == [3 * k for k in range(25)]
    assert digest(fresh.batch_at(2, epoch=1)) == digest(batches[2])


def test_batch_at_triggers_the_pack(tmp_path):
    count = Counter()
    pipe = from_range(10).map(count, name="triple").cache(str(tmp_path / "c")).batch(4)
    assert pipe.batch_at(2).tolist() == [24, 27]
    assert count.calls == 10
    assert pipe.batch_at(0).tolist() == [0, 3, 6, 9] and count.calls == 10


def test_another_pipeline_is_refused_instead_of_a_stale_cache(tmp_path):
    from_range(10).cache(str(tmp_path / "c")).batch(3).batch_at(0)
    stale = from_range(11).cache(str(tmp_path / "c"))
    with pytest.raises(StreamfitError) as info:
        list(stale)
    assert info.value.code == "SF_ARG" and "another pack" in str(info.value)
    with pytest.raises(StreamfitError):
        from_range(10).cache(str(tmp_path / "c"), key="other").batch(3).batch_at(0)


def _spec(tmp_path, mean):
    spec = {"source": {"type": "csv", "path": "xy.csv", "features": ["x"], "label": "y"},
            "ops": [{"op": "map", "fn": "normalize", "mean": mean, "std": 2}, {"op": "cache", "path": "xy_cache"},
                    {"op": "shuffle", "buffer_size": 50, "seed": 1}, {"op": "batch", "batch_size": 100}]}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def test_a_changed_spec_is_refused_with_sf_arg(tmp_path):
    (tmp_path / "xy.csv").write_bytes((FIXTURES / "data" / "xy.csv").read_bytes())
    pipe = pipeline_from_spec(load_spec(_spec(tmp_path, 0.5)))
    assert str(pipe) == "csv(xy.csv) -> map(normalize) -> cache(xy_cache) -> shuffle(buffer=50, seed=1) -> batch(100)"
    first = [digest(b) for b in pipe]
    assert (tmp_path / "xy_cache" / "index.json").exists()  # relative to the spec file, not the working folder
    assert [digest(b) for b in pipeline_from_spec(load_spec(_spec(tmp_path, 0.5)))] == first
    changed = pipeline_from_spec(load_spec(_spec(tmp_path, 0.25)))  # same summary, another spec
    assert str(changed) == str(pipe)
    with pytest.raises(StreamfitError) as info:
        list(changed)
    assert info.value.code == "SF_ARG"


def test_stream_upstream_is_a_stream_until_the_pack_exists(tmp_path):
    xy = str(FIXTURES / "data" / "xy.csv")
    pipe = csv(xy, label="y").cache(str(tmp_path / "c"))
    assert not pipe.indexable and pipe.cardinality() is None
    with pytest.raises(StreamfitError) as info:
        pipe.shuffle(seed=1)
    assert info.value.code == "SF_SHUFFLE_BUFFER"
    rows = [(x.tolist(), float(y)) for x, y in pipe]
    assert pipe.indexable and pipe.cardinality() == len(rows) == 1000
    assert rows == [(x.tolist(), float(y)) for x, y in csv(xy, label="y")]
    reread = csv(xy, label="y").cache(str(tmp_path / "c")).shuffle(seed=1)  # the pack exists: indexable now
    assert sorted(digest(r) for r in reread) == sorted(digest(r) for r in csv(xy, label="y"))


@pytest.mark.parametrize("make", [lambda p: from_range(5).shuffle(seed=1).cache(p),
                                  lambda p: from_range(5).batch(2).cache(p),
                                  lambda p: from_range(5).cache(p + "a").cache(p)])
def test_upstream_must_be_packable(tmp_path, make):
    with pytest.raises(StreamfitError) as info:
        make(str(tmp_path / "c"))
    assert info.value.code == "SF_ARG"


def test_spec_cache_needs_a_path():
    with pytest.raises(StreamfitError) as info:
        pipeline_from_spec({"source": {"type": "range", "n": 3}, "ops": [{"op": "cache"}]})
    assert info.value.code == "SF_SPEC"
