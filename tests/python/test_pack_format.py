"""Helpers of the pack format and of the packed orders, against hand-written expectations.

``canonical`` must print numbers as JavaScript's ``JSON.stringify`` does (the JS
writer hashes the same text for ``pack_key``); the expected strings below are what
Node prints. ``PermutePages`` must give exactly ``permute``'s values (checked against
the scalar ``permute``, itself held to the shared vectors by test_golden).
"""

import numpy as np
import pytest

from streamfit import packed, permute
from streamfit.order.permute_pages import PAGE, PermutePages
from streamfit.pack.format import canonical, js_number, shard_name, shard_number

from conftest import FIXTURES


@pytest.mark.parametrize("x, text", [
    (2.0, "2"), (-0.5, "-0.5"), (0.1, "0.1"), (1e-7, "1e-7"), (0.00001, "0.00001"), (0.000001, "0.000001"),
    (1e21, "1e+21"), (1e20, "100000000000000000000"), (123.456, "123.456"), (1.5e-10, "1.5e-10"),
    (12345678901234567890.0, "12345678901234567000"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (0.0, "0"), (-0.0, "0")])
def test_js_number(x, text):
    assert js_number(x) == text


def test_canonical_sorts_keys_and_drops_spaces():
    obj = {"b": 1.0, "a": [0.00001, 2, "é", 'q"'], "c": None, "d": True, "e": {"z": 1, "y": {}}}
    assert canonical(obj) == '{"a":[0.00001,2,"é","q\\""],"b":1,"c":null,"d":true,"e":{"y":{},"z":1}}'


def test_shard_names():
    assert shard_name(7) == "shard-00007.safetensors" and shard_name(123456) == "shard-123456.safetensors"
    assert shard_number("shard-00007.safetensors") == 7 and shard_number("shard-123456.safetensors") == 123456
    for name in ("shard-7.safetensors", "shard-00007.safetensors.tmp", "index.json", "shard-0000a.safetensors",
                 "shard-000007.safetensors"):
        assert shard_number(name) is None, name


@pytest.mark.parametrize("n", [1, 5, PAGE - 1, PAGE + 3, 2 * PAGE + 17])
def test_permute_pages_equal_permute(n):
    pages = PermutePages(n, 11)
    probes = sorted({0, n - 1, n // 2, min(n - 1, PAGE - 1), min(n - 1, PAGE)})
    runs = [(lo, min(n, lo + 300)) for lo in probes] + [(0, n)]
    for lo, hi in runs:
        got = pages.get(np.arange(lo, hi), epoch=2)
        for i in sorted({lo, hi - 1, (lo + hi) // 2}):
            assert got[i - lo] == permute(i, n, 11, 2)
    scattered = np.array([n - 1, 0, n // 3])
    assert pages.get(scattered, epoch=2).tolist() == [permute(int(i), n, 11, 2) for i in scattered]


def test_read_ahead_never_changes_values():
    from streamfit import digest

    path = str(FIXTURES / "packs" / "xy")
    for kw in ({}, {"order": "global", "seed": 3}, {"order": "shards", "seed": 3, "window": 3}):
        runs = [[digest(r) for r in packed(path, prefetch_bytes=budget, **kw).batch(50).iterate(1)]
                for budget in (0, 1, 1 << 30)]
        assert runs[0] == runs[1] == runs[2]
