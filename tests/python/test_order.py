"""Order layer invariants (SPEC §1): bijections, vectorised == scalar, seeds, PRNG state."""

import numpy as np
import pytest

from streamfit import Prng, StreamfitError, mix32, permute
from streamfit.order.permute import permute_many
from streamfit.order.prng import TAG_INIT, TAG_PERM, TAG_SHUF, TAG_SPLT
from streamfit.order.seed import check_seed, resolve_seed


def test_tags_are_ascii_words():
    assert TAG_PERM.to_bytes(4, "big") == b"perm"
    assert TAG_SHUF.to_bytes(4, "big") == b"shuf"
    assert TAG_INIT.to_bytes(4, "big") == b"init"
    assert TAG_SPLT.to_bytes(4, "big") == b"splt"


def test_mix32_hand_values():
    assert mix32(0) == 0  # every step maps 0 to 0
    # x = 1: 1 ^ 0 = 1; *0x7feb352d; ^>>15; *0x846ca68b; ^>>16 — worked by hand with Python ints:
    x = 1
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    x ^= x >> 16
    assert mix32(1) == x


@pytest.mark.parametrize("n", list(range(1, 301)))
def test_permute_is_a_bijection_small(n):
    for seed, epoch in ((0, 0), (7, 1), (2**32 - 1, 5)):
        order = permute_many(np.arange(n), n, seed, epoch)
        assert sorted(order.tolist()) == list(range(n))


def test_permute_scalar_equals_vectorised():
    for n in (1, 2, 7, 64, 65, 1000, 4097):
        for seed, epoch in ((1, 0), (99, 3)):
            assert [permute(i, n, seed, epoch) for i in range(n)] == permute_many(np.arange(n), n, seed,
                                                                                 epoch).tolist()


@pytest.mark.parametrize("n", [1, 2, 3, 5, 17, 320, 1000, 4097, 70_000])
def test_permute_many_tabulated_equals_walked_and_scalar(n, monkeypatch):
    # a dense request (a quarter of the domain or more) is tabulated; a sparse one walks the network
    import streamfit.order.permute as permute_mod

    for seed, epoch in ((1, 0), (7, 3)):
        dense = permute_many(np.arange(n), n, seed, epoch)
        monkeypatch.setattr(permute_mod, "_TABLE_MAX", 0)  # every request walks
        walked = permute_many(np.arange(n), n, seed, epoch)
        monkeypatch.undo()
        assert dense.dtype == walked.dtype == np.int64 and np.array_equal(dense, walked)
        sample = np.arange(0, n, 97)
        assert dense[sample].tolist() == [permute(int(i), n, seed, epoch) for i in sample]


@pytest.mark.parametrize("n", [10**6 + 3, 2**31 - 1, 2**31, 2**32 - 5, 2**32])
def test_permute_large_n_in_range_and_injective_on_sample(n):
    idx = np.unique(np.concatenate([np.arange(200), n - 1 - np.arange(200), (np.arange(200) * 2654435761) % n]))
    out = permute_many(idx, n, seed=3, epoch=1)
    assert out.min() >= 0 and out.max() < n
    assert len(set(out.tolist())) == idx.size
    assert [permute(int(i), n, 3, 1) for i in idx[:20]] == out[:20].tolist()


def test_permute_epoch_and_seed_change_order():
    base = permute_many(np.arange(100), 100, 7, 0).tolist()
    assert permute_many(np.arange(100), 100, 7, 0).tolist() == base
    assert permute_many(np.arange(100), 100, 7, 1).tolist() != base
    assert permute_many(np.arange(100), 100, 8, 0).tolist() != base


def test_permute_errors():
    with pytest.raises(StreamfitError) as e:
        permute(10, 10, 1, 0)
    assert e.value.code == "SF_ARG" and "i=10" in str(e.value)
    with pytest.raises(StreamfitError) as e:
        permute(0, 0, 1, 0)
    assert e.value.code == "SF_ARG"
    with pytest.raises(StreamfitError) as e:
        permute(0, 5, 2**32, 0)
    assert e.value.code == "SF_SEED"


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "7", True, None])
def test_seed_validation(bad):
    with pytest.raises(StreamfitError) as e:
        check_seed(bad)
    assert e.value.code == "SF_SEED"
    assert isinstance(e.value, (ValueError, TypeError))


def test_seed_accepts_integral_numbers():
    assert check_seed(0) == 0 and check_seed(2**32 - 1) == 2**32 - 1
    assert check_seed(7.0) == 7 and check_seed(np.int64(5)) == 5


def test_drawn_seed_is_u32(monkeypatch):
    monkeypatch.setattr("os.urandom", lambda k: b"\x01\x02\x03\x04")
    assert resolve_seed(None) == (0x04030201, True)  # little-endian
    assert resolve_seed(9) == (9, False)


def test_prng_state_resume():
    g = Prng(42)
    for _ in range(5):
        g.next_u32()
    saved = g.state
    rest = [g.next_u32() for _ in range(10)]
    h = Prng(0)
    h.state = saved
    assert [h.next_u32() for _ in range(10)] == rest


def test_prng_below_and_uniform_ranges():
    g = Prng(1)
    assert all(g.below(1) == 0 for _ in range(20))
    vals = [g.below(6) for _ in range(600)]
    assert set(vals) == set(range(6))
    us = [g.uniform() for _ in range(1000)]
    assert all(0.0 <= u < 1.0 for u in us)
    assert all((u * 2**24).is_integer() for u in us)  # 24 random bits
    assert g.below(2**32) < 2**32
    with pytest.raises(StreamfitError):
        g.below(0)
