"""on_error="skip" for CSV (SPEC §4.6): bad lines dropped and counted by code, order kept,
the same at every block boundary and on the parallel path; raise stays the default."""

import pytest

from streamfit import StreamfitError, csv, pipeline_from_spec

GOOD = [(1.0, 2.0), (5.0, 6.0), (10.0, 11.0), (13.0, 14.0), (-1.5, 20.0)]
MESSY = b"x,y\n1,2\n3,abc\n5,6\n7,8,9\n\n10,11\n12,0x1\n13,14\n-1.5,+2e1\n4\n"
MESSY_COUNTS = {"SF_CSV_COLUMNS": 2, "SF_CSV_EMPTY_LINE": 1, "SF_CSV_NUMBER": 2}


def _rows(pipe, epoch=0):
    return [tuple(float(v) for v in r) for r in pipe.iterate(epoch)]


@pytest.fixture
def messy(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_bytes(MESSY)
    return path


@pytest.mark.parametrize("block_size", [1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 23, 64, 4 << 20])
def test_counts_and_order_at_every_block_boundary(messy, block_size):
    pipe = csv(str(messy), on_error="skip", block_size=block_size)
    assert _rows(pipe) == GOOD
    assert pipe.skipped(0) == MESSY_COUNTS
    assert list(pipe.skipped(0)) == sorted(MESSY_COUNTS)  # keys sorted


def test_labels_and_int32_labels(tmp_path):
    path = tmp_path / "int.csv"
    path.write_bytes(b"a,label\n1,0\n2,1.5\n3,2\n4,99999999999\n5,1\n6,\n7,0\n")
    pipe = csv(str(path), features=["a"], label="label", label_dtype="int32", on_error="skip")
    got = [(float(x[0]), int(y)) for x, y in pipe]
    assert got == [(1.0, 0), (3.0, 2), (5.0, 1), (7.0, 0)]
    assert pipe.skipped() == {"SF_CSV_NUMBER": 3}


def test_only_selected_columns_are_parsed(tmp_path):
    path = tmp_path / "sel.csv"
    path.write_bytes(b"a,b,c\n1,x,3\n4,5,y\n")
    pipe = csv(str(path), features=["a"], label="c", on_error="skip")
    assert [(float(x[0]), float(y)) for x, y in pipe] == [(1.0, 3.0)]
    assert pipe.skipped() == {"SF_CSV_NUMBER": 1}


def test_no_header_crlf_bom_and_a_final_line_without_newline(tmp_path):
    path = tmp_path / "nh.csv"
    path.write_bytes(b"\xef\xbb\xbf1,2\r\n\r\n3;4\r\n5,6\r\n7,8,9\r\n9,10")
    for block_size in (1, 3, 4 << 20):
        pipe = csv(str(path), header=False, on_error="skip", block_size=block_size)
        assert _rows(pipe) == [(1.0, 2.0), (5.0, 6.0), (9.0, 10.0)]
        assert pipe.skipped() == {"SF_CSV_COLUMNS": 2, "SF_CSV_EMPTY_LINE": 1}


def test_one_column_file(tmp_path):
    path = tmp_path / "one.csv"
    path.write_bytes(b"v\n1\n\nx\n2,3\n4\n")
    pipe = csv(str(path), on_error="skip", block_size=2)
    assert [float(r[0]) for r in pipe] == [1.0, 4.0]
    assert pipe.skipped() == {"SF_CSV_COLUMNS": 1, "SF_CSV_EMPTY_LINE": 1, "SF_CSV_NUMBER": 1}


def _big_file(path, n):
    """``n`` lines ``i,2i`` with a bad line after every 997th good one; returns (good rows, counts)."""
    bad = [b"", b"1,2,3", b"a,1", b"7", b"8,nan-ish"]
    codes = ["SF_CSV_EMPTY_LINE", "SF_CSV_COLUMNS", "SF_CSV_NUMBER", "SF_CSV_COLUMNS", "SF_CSV_NUMBER"]
    lines, good, counts = [b"x,y"], [], {}
    for i in range(n):
        lines.append(b"%d,%d" % (i, 2 * i))
        good.append((float(i), float(2 * i)))
        if i % 997 == 0:
            k = (i // 997) % len(bad)
            lines.append(bad[k])
            counts[codes[k]] = counts.get(codes[k], 0) + 1
    path.write_bytes(b"\n".join(lines) + b"\n")
    return good, dict(sorted(counts.items()))


@pytest.mark.parametrize("block_size", [64 << 10, 100_003])
def test_parallel_block_path_matches_a_plain_reading(tmp_path, block_size):
    good, counts = _big_file(tmp_path / "big.csv", 120_000)
    pipe = csv(str(tmp_path / "big.csv"), on_error="skip", block_size=block_size)
    got = [tuple(map(float, r)) for b in pipe.batch(4096) for r in b]
    assert got == good
    assert pipe.skipped() == counts


def test_every_epoch_counts_again_and_buffer_shuffle_keeps_them(messy):
    pipe = csv(str(messy), label="y", on_error="skip").shuffle(buffer_size=3, seed=5)
    for epoch in (0, 1, 2):
        assert sorted(float(x[0]) for x, _ in pipe.iterate(epoch)) == sorted(r[0] for r in GOOD)
        assert pipe.skipped(epoch) == MESSY_COUNTS


def test_all_lines_bad_is_empty_source_with_counts(tmp_path):
    path = tmp_path / "all_bad.csv"
    path.write_bytes(b"a,b\n1,x\n2\n\n3,4,5\n")
    with pytest.raises(StreamfitError) as info:
        list(csv(str(path), on_error="skip"))
    assert info.value.code == "SF_EMPTY_SOURCE"
    for text in ("all_bad.csv", "SF_CSV_COLUMNS 2", "SF_CSV_EMPTY_LINE 1", "SF_CSV_NUMBER 1"):
        assert text in str(info.value)


def test_header_only_is_still_the_plain_empty_source(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(b"a,b\n")
    with pytest.raises(StreamfitError) as info:
        list(csv(str(path), on_error="skip"))
    assert info.value.code == "SF_EMPTY_SOURCE" and "no data rows" in str(info.value)


def test_header_and_file_problems_still_raise(messy, tmp_path):
    with pytest.raises(StreamfitError) as info:
        csv(str(messy), features=["zzz"], on_error="skip")
    assert info.value.code == "SF_CSV_HEADER"
    with pytest.raises(StreamfitError) as info:
        csv(str(tmp_path / "nope.csv"), on_error="skip")
    assert info.value.code == "SF_FILE_NOT_FOUND"


def test_raise_is_the_default_and_names_the_first_bad_line(messy):
    with pytest.raises(StreamfitError) as info:
        list(csv(str(messy)))
    assert info.value.code == "SF_CSV_NUMBER" and "line 3" in str(info.value)
    pipe = csv(str(messy), on_error="raise")
    assert str(pipe) == "csv(messy.csv)"


def test_take_that_stops_early_stores_nothing(messy):
    pipe = csv(str(messy), on_error="skip", block_size=4)
    assert pipe.skipped() is None
    assert len(list(pipe.take(2))) == 2
    assert pipe.skipped() is None  # the read stopped before the end
    list(pipe)
    assert pipe.skipped() == MESSY_COUNTS
    assert pipe.skipped(1) is None  # epoch 1 was never read


def test_prefetch_and_repeat_count_source_epochs(messy):
    pipe = csv(str(messy), on_error="skip").repeat(2).prefetch(2)
    assert len(list(pipe.iterate(3))) == 2 * len(GOOD)
    # repeat(2) runs its upstream at epochs 3*2+0 and 3*2+1 (SPEC §1.7)
    assert pipe.skipped(6) == pipe.skipped(7) == MESSY_COUNTS
    assert pipe.skipped(3) is None


def test_summary_and_spec(messy):
    spec = {"source": {"type": "csv", "path": str(messy), "label": "y", "on_error": "skip"},
            "ops": [{"op": "batch", "batch_size": 2}]}
    pipe = pipeline_from_spec(spec)
    assert pipe.summary() == "csv(messy.csv, on_error=skip) -> batch(2)"
    assert pipe.cardinality() is None
    assert [len(x) for x, _ in pipe] == [2, 2, 1]
    assert pipe.skipped() == MESSY_COUNTS


@pytest.mark.parametrize("value", ["ignore", "Skip", None, 1, True])
def test_bad_policy_is_sf_arg(messy, value):
    with pytest.raises(StreamfitError) as info:
        csv(str(messy), on_error=value)
    assert info.value.code == "SF_ARG" and "on_error" in str(info.value)
    with pytest.raises(StreamfitError) as info:
        pipeline_from_spec({"source": {"type": "csv", "path": str(messy), "on_error": value}})
    assert info.value.code == "SF_ARG" and "on_error" in str(info.value)
