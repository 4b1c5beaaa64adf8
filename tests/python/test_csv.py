"""CSV source (SPEC §3.1): lines, grammar, errors with file and line, block independence."""

import numpy as np
import pytest

from streamfit import StreamfitError, csv, digest


def write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def rows(pipe):
    return [[v.tolist() for v in r] if isinstance(r, tuple) else r.tolist() for r in pipe]


def error_of(pipe_factory):
    with pytest.raises(StreamfitError) as e:
        for _ in pipe_factory():
            pass
    return e.value


def test_bom_crlf_and_final_line_without_newline(tmp_path):
    p = write(tmp_path, b"\xef\xbb\xbfx,y\r\n1,2\r\n3, 4.5\n5,6")
    assert rows(csv(p, label="y")) == [[[1.0], 2.0], [[3.0], 4.5], [[5.0], 6.0]]


def test_records_dtypes_and_shapes(tmp_path):
    p = write(tmp_path, "a,b,c\n1,2,3\n")
    x, y = next(iter(csv(p, label="c")))
    assert (x.dtype.name, x.shape, y.dtype.name, y.shape) == ("float32", (2,), "float32", ())
    x, y = next(iter(csv(p, features=["c", "a"], label=["b"], label_dtype="int32")))
    assert x.tolist() == [3.0, 1.0] and y.dtype.name == "int32" and y.tolist() == [2]
    (x,) = list(csv(p, features=[2]))
    assert x.tolist() == [3.0]
    q = write(tmp_path, "9,8\n1,2\n", "nohdr.csv")
    assert next(iter(csv(q, header=False, features=[0], block_size=2).skip(1))).tolist() == [1.0]


def test_number_grammar(tmp_path):
    good = ["1", "+1", "-1", "1.", ".5", "1.5e3", "1E-3", "  7\t", "nan", "-inf", "Infinity", "+INF", "NaN"]
    want = [1, 1, -1, 1, 0.5, 1500, 0.001, 7, None, -np.inf, np.inf, np.inf, None]
    p = write(tmp_path, "v\n" + "\n".join(good) + "\n")
    got = [float(x[0]) for x in csv(p)]
    for g, w in zip(got, want):
        assert np.isnan(g) if w is None else g == np.float32(w)
    for bad in [" ", "0x10", "1_000", "1e", "e5", ".", "1.2.3", "--1", "1 2", "nanx", "infinit", "١"]:
        q = write(tmp_path, f"v\n1\n{bad}\n", "bad.csv")
        err = error_of(lambda: csv(q))
        assert err.code == "SF_CSV_NUMBER" and "bad.csv" in str(err) and "line 3" in str(err), bad


def test_float_rounding_is_float64_then_float32(tmp_path):
    p = write(tmp_path, "v\n0.1\n1e39\n1e-50\n16777217\n")
    got = [x[0] for x in csv(p)]
    assert got[0] == np.float32(0.1) and got[1] == np.inf and got[2] == 0.0 and got[3] == np.float32(16777216)


@pytest.mark.parametrize("text,code,line", [
    ("a,b\n1,2\n3,4,5\n", "SF_CSV_COLUMNS", 3),
    ("a,b\n1,2\n3\n", "SF_CSV_COLUMNS", 3),
    ("a,b\n1,2\n\n3,4\n", "SF_CSV_EMPTY_LINE", 3),
    ("a,b\n1,2\r\n\r\n3,4\n", "SF_CSV_EMPTY_LINE", 3),
    ("a,b\n1,2\n3,4\n\n", "SF_CSV_EMPTY_LINE", 4),
    ("a,b\n1,2\n3,x\n", "SF_CSV_NUMBER", 3),
    ("a,b\n1,2\n3,\n", "SF_CSV_NUMBER", 3),
    ("a,b\n1,2\n3,4\n5,6\n7,abc", "SF_CSV_NUMBER", 5),
])
@pytest.mark.parametrize("block_size", [1, 5, 1 << 20])
def test_line_errors_name_file_and_line(tmp_path, text, code, line, block_size):
    p = write(tmp_path, text, "bad_input.csv")
    err = error_of(lambda: csv(p, block_size=block_size))
    assert err.code == code
    assert "bad_input.csv" in str(err) and f"line {line}" in str(err)
    assert isinstance(err, ValueError)


def test_rows_before_an_error_are_yielded(tmp_path):
    p = write(tmp_path, "a\n1\n2\nz\n4\n")
    got = []
    with pytest.raises(StreamfitError):
        for x in csv(p):
            got.append(float(x[0]))
    assert got == [1.0, 2.0]


def test_number_error_names_column(tmp_path):
    p = write(tmp_path, "a,label\n1,2\n3,oops\n")
    err = error_of(lambda: csv(p, label="label"))
    assert "label" in str(err) and "oops" in str(err)


def test_unselected_columns_are_only_counted(tmp_path):
    p = write(tmp_path, "a,note\n1,hello\n2,world\n")
    assert [x.tolist() for x in csv(p, features=["a"])] == [[1.0], [2.0]]


def test_int32_dtype(tmp_path):
    p = write(tmp_path, "a,l\n1,2\n2,3.0\n3,-2147483648\n")
    assert [int(y) for _, y in csv(p, label="l", label_dtype="int32")] == [2, 3, -2147483648]
    for bad in ["2.5", "2147483648", "nan", "inf"]:
        q = write(tmp_path, f"a,l\n1,2\n1,{bad}\n", "bad_int.csv")
        err = error_of(lambda: csv(q, label="l", label_dtype="int32"))
        assert err.code == "SF_CSV_NUMBER" and "line 3" in str(err), bad


@pytest.mark.parametrize("kwargs,fragment", [
    ({"features": ["zzz"]}, "zzz"),
    ({"label": "nope"}, "nope"),
    ({"features": [5]}, "5"),
    ({"features": ["d"]}, "d"),  # duplicate header name that is requested
])
def test_header_errors(tmp_path, kwargs, fragment):
    p = write(tmp_path, "a,d,d\n1,2,3\n", "hdr.csv")
    with pytest.raises(StreamfitError) as e:
        csv(p, **kwargs)
    assert e.value.code == "SF_CSV_HEADER" and "hdr.csv" in str(e.value) and fragment in str(e.value)


def test_names_need_a_header(tmp_path):
    p = write(tmp_path, "1,2\n3,4\n")
    with pytest.raises(StreamfitError) as e:
        csv(p, header=False, features=["a"])
    assert e.value.code == "SF_CSV_HEADER"
    assert [x.tolist() for x in csv(p, header=False)] == [[1.0, 2.0], [3.0, 4.0]]


def test_missing_file_and_empty_sources(tmp_path):
    with pytest.raises(StreamfitError) as e:
        csv(str(tmp_path / "missing.csv"))
    assert e.value.code == "SF_FILE_NOT_FOUND" and isinstance(e.value, FileNotFoundError)
    assert "missing.csv" in str(e.value)
    with pytest.raises(StreamfitError) as e:
        csv(write(tmp_path, "", "empty.csv"))
    assert e.value.code == "SF_EMPTY_SOURCE"
    err = error_of(lambda: csv(write(tmp_path, "a,b\n", "hdr_only.csv")))
    assert err.code == "SF_EMPTY_SOURCE"


def test_bad_options(tmp_path):
    p = write(tmp_path, "a\n1\n")
    for kwargs in ({"delimiter": ",,"}, {"delimiter": "\n"}, {"dtype": "float64"}, {"block_size": 0}):
        with pytest.raises(StreamfitError) as e:
            csv(p, **kwargs)
        assert e.value.code == "SF_ARG"


def test_delimiter_and_summary(tmp_path):
    p = write(tmp_path, "a;b\n1;2\n", "semi.csv")
    assert [x.tolist() for x in csv(p, delimiter=";")] == [[1.0, 2.0]]
    assert repr(csv(p, delimiter=";")) == "csv(semi.csv)"
    assert csv(p, delimiter=";").cardinality() is None and not csv(p, delimiter=";").indexable


def test_block_size_does_not_change_output(tmp_path):
    lines = ["x,y,z"] + [f"{i * 0.37:.5f},{-i},{i % 7}" for i in range(2000)]
    p = write(tmp_path, "\r\n".join(lines))
    ref = [digest(b) for b in csv(p, label="z", block_size=1 << 22).batch(64)]
    for bs in (1, 7, 100, 4096):
        assert [digest(b) for b in csv(p, label="z", block_size=bs).batch(64)] == ref


def test_long_fields_take_the_slow_path(tmp_path):
    long = "1" + "0" * 80
    p = write(tmp_path, f"v\n{long}\n{'0' * 100}1.5\n")
    assert [float(x[0]) for x in csv(p)] == [float("inf"), 1.5]  # 1e80 overflows float32


@pytest.mark.parametrize("block_size", [1, 13, 1 << 20])
@pytest.mark.parametrize("batch,drop", [(1, False), (7, False), (7, True), (500, False)])
def test_batch_fast_path_equals_stacking_records(tmp_path, block_size, batch, drop):
    lines = ["a,b,c"] + [f"{i},{i * 0.5},{i % 3}" for i in range(103)]
    p = write(tmp_path, "\n".join(lines) + "\n")
    for label in ("c", ["b", "c"], None):
        fast = csv(p, label=label, block_size=block_size).batch(batch, drop_remainder=drop)
        slow = csv(p, label=label, block_size=block_size).map(lambda r: r).batch(batch, drop_remainder=drop)
        assert [digest(b) for b in fast] == [digest(b) for b in slow]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_pieces_parsed_in_parallel_over_reused_read_buffers(tmp_path, eol):
    """64 KiB pieces (the parallel parse) over ~2 MB: every read buffer is reused many times while
    others are parsed; one line longer than a piece makes a buffer grow mid-file."""
    n = 120_000
    lines = ["a,b,c"] + [f"{i},{-i},{i % 7}" for i in range(n)]
    lines[5000] = "4999,-" + "0" * 70_000 + "4999,1"  # row 4999: a 70 kB line, -000...4999
    p = write(tmp_path, eol.join(lines) + eol)
    rows = list(csv(p, label="c", block_size=64 << 10).batch(1000))
    x = np.concatenate([b[0] for b in rows])
    y = np.concatenate([b[1] for b in rows])
    i = np.arange(n, dtype=np.float32)
    assert np.array_equal(x, np.stack([i, -i], axis=1))
    assert np.array_equal(y, (np.arange(n) % 7).astype(np.float32))
