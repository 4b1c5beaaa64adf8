"""legacy_shuffle_order against the shared numpy vectors (SPEC.md §1.8)."""
import hashlib
import json
import os

import numpy as np

from streamfit.order.numpy_legacy import legacy_shuffle_order

V = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "shared_fixtures", "vectors",
                                "numpy_legacy.json")))


def test_legacy_shuffle_order_vectors():
    for c in V["shuffle"]:
        order = legacy_shuffle_order(c["n"], c["seed"])
        if "order" in c:
            assert order.tolist() == c["order"]
        else:
            assert order[:8].tolist() == c["head"]
            assert hashlib.sha256(order.astype("<u4").tobytes()).hexdigest() == c["sha256_u32le"]


def test_legacy_shuffle_order_is_a_permutation():
    for n in (1, 2, 3, 50, 1001):
        assert np.array_equal(np.sort(legacy_shuffle_order(n, 5)), np.arange(n))
