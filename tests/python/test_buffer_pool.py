"""``BufferPool``: an array is handed out again only when nothing else refers to it."""

import gc

import numpy as np

from streamfit.core.buffer_pool import BufferPool


def test_a_dropped_array_is_reused_and_a_held_one_never():
    pool = BufferPool(capacity=4)
    a = pool.take((8, 3), np.uint8)
    a[:] = 1
    b = pool.take((8, 3), np.uint8)
    assert b is not a  # a is still held here
    view = a[2:4]
    del a
    c = pool.take((8, 3), np.uint8)
    assert c is not view.base and c is not b  # a view keeps its base alive, so a is still in use
    base = view.base
    del view, base, c
    gc.collect()
    d = pool.take((8, 3), np.uint8)
    e = pool.take((8, 3), np.uint8)
    assert d is not e and d is not b and e is not b


def test_reuse_only_for_the_same_shape_and_dtype():
    pool = BufferPool()
    ptr = pool.take((4, 4), np.float32).ctypes.data  # dropped at once: the pool holds it alone
    assert pool.take((4, 4), np.float32).ctypes.data == ptr
    assert pool.take((4, 5), np.float32).ctypes.data != ptr
    assert pool.take((4, 4), np.int32).ctypes.data != ptr


def test_capacity_bounds_what_the_pool_keeps():
    pool = BufferPool(capacity=2)
    held = [pool.take((2,), np.uint8) for _ in range(5)]
    assert len(pool._held) == 2
    assert all(isinstance(a, np.ndarray) for a in held)  # arrays the pool forgot stay valid for their holders
    pool.clear()
    assert len(pool._held) == 0


def test_aligned_pool_gives_aligned_contiguous_arrays_and_reuses_them():
    pool = BufferPool(align=64)
    shapes = [(3, 5, 7), (1,), (64, 3)]
    for shape in shapes:
        for dtype in (np.uint8, np.float32, np.float64):
            a = pool.take(shape, dtype)
            assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous
            assert a.ctypes.data % 64 == 0
    ptr = pool.take((3, 5, 7), np.float32).ctypes.data
    assert pool.take((3, 5, 7), np.float32).ctypes.data == ptr  # the first was let go: reused
