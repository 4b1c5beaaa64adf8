"""numpy's legacy ``RandomState(seed).shuffle``, for ``split_mode="keras"``.

Keras's ``image_dataset_from_directory`` shuffles its file list with
``np.random.RandomState(seed).shuffle`` before it splits off the validation
files, so choosing the same files as Keras needs that same permutation
(SPEC.md §1.8). Python calls numpy itself; the JS twin
(js/src/order/numpy_legacy.mjs) reimplements MT19937 and numpy's
``random_interval`` and is checked against vectors made with numpy.
"""

from __future__ import annotations

import numpy as np


def legacy_shuffle_order(n: int, seed: int) -> np.ndarray:
    """The order ``np.random.RandomState(seed).shuffle(np.arange(n))`` gives.

    Example::

        legacy_shuffle_order(5, 1337)   # array([...]) -- a permutation of 0..4
    """
    order = np.arange(n, dtype=np.int64)
    np.random.RandomState(seed).shuffle(order)
    return order
