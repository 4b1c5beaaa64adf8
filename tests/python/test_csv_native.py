"""The native CSV number kernel (python/streamfit/_native/csv_decimal.c) against the numpy path:
the same trimmed bounds, the same float64 bits and the same accepted fields, for every kind of field."""

import numpy as np

from streamfit import _native
from streamfit.sources import csv_number


def fields():
    rng = np.random.default_rng(7)  # test data only
    out = [b"", b" ", b"\t", b".", b"-", b"+", b"+.", b"-.", b"1.", b".5", b"-0", b"+0.0", b"-0.000",
           b"007", b"12.34.5", b"1e5", b"-2.5E-3", b"nan", b"-inf", b"Infinity", b"0x10", b"1,5", b"1 2",
           b"123456789012345", b"1234567890123456", b"12345678901234.5", b"1234567890123.45", b"-999999999999999",
           b".123456789012345", b"0.12345678901234", b"  -1.25\t", b"\t+7.\t ", b"9" * 15, b"9" * 16,
           b"1" * 70, b"3.14159265358979", b"2.718281828459045", b"0.1", b"0.2", b"0.3", b"1e", b"--1", b"1-"]
    for _ in range(3000):
        digits = "".join(rng.choice(list("0123456789"), size=int(rng.integers(1, 18))))
        dot = int(rng.integers(0, len(digits) + 1))
        text = digits[:dot] + ("." if rng.random() < 0.7 else "") + digits[dot:]
        text = rng.choice(["", "-", "+"]) + text
        if rng.random() < 0.1:
            text = " " * int(rng.integers(1, 3)) + text + "\t" * int(rng.integers(0, 2))
        if rng.random() < 0.05:
            text = text[:-1] + rng.choice(list("xe.,+"))
        out.append(text.encode())
    return out


def parse_all(buffer, starts, ends, native):
    saved = _native.available
    _native.available = lambda: native
    try:
        return csv_number.parse_fields(buffer, starts, ends)
    finally:
        _native.available = saved


def test_the_native_kernel_is_built_here():
    # `make install` builds it with cc (the same compiler the tfjs-node binding needs)
    assert _native.available(), f"{_native.LIBRARY} is missing: run `make install`"


def test_native_and_numpy_agree_on_every_field():
    texts = fields()
    joined = b",".join(texts)
    buffer = np.frombuffer(joined, np.uint8)
    starts, ends, at = [], [], 0
    for t in texts:
        starts.append(at)
        ends.append(at + len(t))
        at += len(t) + 1
    starts, ends = np.array(starts, np.int64), np.array(ends, np.int64)
    nv, nok = parse_all(buffer, starts, ends, native=True)
    pv, pok = parse_all(buffer, starts, ends, native=False)
    assert nok.tolist() == pok.tolist()
    assert nv.view(np.uint64).tolist() == pv.view(np.uint64).tolist()  # bits: -0.0 and NaN included
    assert nok.sum() > 2500 and (~nok).sum() > 10  # both kinds are exercised
    # the trimmed bounds: the kernel's own output against the numpy trim
    s, e, _, _ = _native.csv_decimal(buffer, starts, ends)
    ts, te = csv_number.trim(buffer, starts, ends)
    assert s.tolist() == ts.tolist() and e.tolist() == te.tolist()


def test_native_values_are_the_correctly_rounded_doubles():
    texts = [b"0.1", b"-2.675", b"123456789012345", b".000000000000001", b"99999999999999.9", b"-0"]
    joined = b",".join(texts)
    buffer = np.frombuffer(joined, np.uint8)
    ends = np.cumsum([len(t) + 1 for t in texts]) - 1
    starts = ends - np.array([len(t) for t in texts])
    values, ok = parse_all(buffer, starts.astype(np.int64), ends.astype(np.int64), native=True)
    assert ok.all()
    assert values.view(np.uint64).tolist() == np.array([float(t) for t in texts]).view(np.uint64).tolist()
