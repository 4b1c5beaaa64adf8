"""Shared golden fixtures (SPEC §7): vectors for §1 and one pipeline per case file.

Expected values come from tools/make_golden.py, never from streamfit.
"""

import json
import math
import pathlib

import numpy as np
import pytest

from conftest import FIXTURES
from streamfit import Prng, StreamfitError, combine, digest, mix32, permute, pipeline_from_spec
from streamfit.core.record import to_values
from streamfit.ops.shuffle import buffer_shuffle
from streamfit.order.permute import permute_many


def _load(name):
    path = FIXTURES / "vectors" / name
    assert path.exists(), f"{path} is missing: run make golden"
    return json.loads(path.read_text())


def test_mix32_and_combine():
    v = _load("prng.json")
    for x, out in v["mix32"]:
        assert mix32(x) == out
    for h, w, out in v["combine"]:
        assert combine(h, w) == out


def test_prng_streams():
    v = _load("prng.json")
    for case in v["next_u32"]:
        g = Prng(case["seed"])
        assert [g.next_u32() for _ in case["values"]] == case["values"]
    for case in v["below"]:
        g = Prng(case["seed"])
        assert [g.below(case["n"]) for _ in case["values"]] == case["values"]
    for case in v["uniform"]:
        g = Prng(case["seed"])
        assert [g.uniform() for _ in case["values"]] == case["values"]


def _permute_cases():
    path = FIXTURES / "vectors" / "permute.json"
    if not path.exists():
        return []
    return json.loads(path.read_text())["cases"]


@pytest.mark.parametrize("case", _permute_cases(), ids=lambda c: f"n{c['n']}-s{c['seed']}-e{c['epoch']}")
def test_permute(case):
    n, seed, epoch = case["n"], case["seed"], case["epoch"]
    if "order" in case:
        assert [permute(i, n, seed, epoch) for i in range(n)] == case["order"]
        assert permute_many(np.arange(n), n, seed, epoch).tolist() == case["order"]
    else:
        idx = [i for i, _ in case["samples"]]
        want = [p for _, p in case["samples"]]
        assert [permute(i, n, seed, epoch) for i in idx] == want
        assert permute_many(idx, n, seed, epoch).tolist() == want


def test_buffer_shuffle():
    for case in _load("buffer_shuffle.json")["cases"]:
        got = list(buffer_shuffle(iter(range(case["n"])), case["buffer_size"], case["seed"], case["epoch"]))
        assert got == case["order"], case


KNOWN = {line.strip() for line in (pathlib.Path(__file__).parent / "known_divergences.txt").read_text().splitlines()
         if line.strip() and not line.startswith("#")}


def _case_files():
    out = []
    for path in sorted((FIXTURES / "cases").glob("**/*.json")):
        if path.parent.name == "pack":  # writer cases (SPEC §7): test_pack_golden.py runs them
            continue
        key = f"{path.parent.name}/{path.stem}"
        marks = [pytest.mark.xfail(strict=True, reason="known_divergences.txt")] if key in KNOWN else []
        out.append(pytest.param(path, marks=marks, id=key))
    return out


def _same(a, b):
    """Equality of nested lists with NaN equal to NaN (fixtures store NaN as JSON NaN)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                             and not isinstance(a, bool) and a == b and
                                             isinstance(a, int) == isinstance(b, int))


@pytest.mark.parametrize("path", _case_files())
def test_case(path):
    case = json.loads(path.read_text())
    base = path.parent
    if case["expect"] == "error":
        with pytest.raises(StreamfitError) as info:
            pipe = pipeline_from_spec(case["spec"], base)
            for _ in pipe.iterate(0):
                pass
        err = info.value
        assert err.code == case["error"]["code"], str(err)
        for text in case["error"]["message_contains"]:
            assert text in str(err), (text, str(err))
        return
    pipe = pipeline_from_spec(case["spec"], base)
    skipped = case.get("skipped", {})
    for epoch, want in case["expected"].items():
        elements = list(pipe.iterate(int(epoch)))
        if case["expect"] == "digests":
            got = [digest(e) for e in elements]
            assert got == want, f"epoch {epoch}"
        else:
            got = [to_values(e) for e in elements]
            assert _same(got, want), f"epoch {epoch}: {got} != {want}"
        if epoch in skipped:  # SPEC §7: after reading epoch e to its end, skipped(e) is exactly this
            got = pipe.skipped(int(epoch))
            assert got == skipped[epoch] and list(got) == sorted(got), f"epoch {epoch}: {got}"
    assert set(skipped) <= set(case["expected"]), "skipped names an epoch the case does not read"
