"""The on_error policy's reporting (SPEC §4.6, §8): Pipeline.skipped, the one warning per
finished read, generators, the policy check, and what inspect / train print.
CSV and image details live in test_on_error_csv.py and test_on_error_images.py."""

import json
import logging

import numpy as np
import pytest

from streamfit import StreamfitError, csv, from_generator, from_range
from streamfit.cli import main

MESSY = b"x,y\n1,2\n3,abc\n5,6\n7,8,9\n10,11\n"


@pytest.fixture
def messy(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_bytes(MESSY)
    return path


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "streamfit" and r.levelno == logging.WARNING]


def test_one_warning_per_finished_read_with_the_spec_text(messy, caplog):
    pipe = csv(str(messy), on_error="skip")
    with caplog.at_level(logging.WARNING, logger="streamfit"):
        list(pipe)
        list(pipe.take(1))  # stops early: no report
        list(pipe.iterate(4))
    first = (f"csv: {messy}, line 3, column \"y\" (index 1): 'abc' is not a number; fix the value, or leave the "
             "column out of features/label")
    assert _warnings(caplog) == [
        f"skipped 2 records in epoch 0 of csv(messy.csv, on_error=skip): SF_CSV_COLUMNS 1, SF_CSV_NUMBER 1; "
        f"first: {first}",
        f"skipped 2 records in epoch 4 of csv(messy.csv, on_error=skip): SF_CSV_COLUMNS 1, SF_CSV_NUMBER 1; "
        f"first: {first}",
    ]


def test_one_record_is_singular_and_nothing_skipped_is_silent(tmp_path, caplog):
    one = tmp_path / "one.csv"
    one.write_bytes(b"x\n1\n\n2\n")
    clean = tmp_path / "clean.csv"
    clean.write_bytes(b"x\n1\n2\n")
    with caplog.at_level(logging.WARNING, logger="streamfit"):
        list(csv(str(one), on_error="skip"))
        pipe = csv(str(clean), on_error="skip")
        list(pipe)
    assert _warnings(caplog) == [
        f"skipped 1 record in epoch 0 of csv(one.csv, on_error=skip): SF_CSV_EMPTY_LINE 1; first: csv: {one}, "
        "line 3 is empty; remove empty lines (a file may end with one newline, not with a blank line)"]
    assert pipe.skipped() == {}


def test_skipped_is_none_until_a_read_reaches_the_end(messy):
    pipe = csv(str(messy), on_error="skip").batch(2)
    assert pipe.skipped() is None and pipe.skipped(3) is None
    it = pipe.iterate(0)
    next(it)
    assert pipe.skipped() is None  # partial read
    it.close()
    assert pipe.skipped() is None
    assert len(list(pipe)) == 2
    assert pipe.skipped() == {"SF_CSV_COLUMNS": 1, "SF_CSV_NUMBER": 1}
    with pytest.raises(StreamfitError) as info:
        pipe.skipped(-1)
    assert info.value.code == "SF_ARG"


def test_raise_policy_and_range_report_empty_counts(messy, tmp_path):
    clean = tmp_path / "clean.csv"
    clean.write_bytes(b"x\n1\n2\n")
    pipe = csv(str(clean))
    list(pipe)
    assert pipe.skipped() == {}
    r = from_range(10)
    list(r.take(3))
    assert r.skipped() is None  # take cut the read short
    list(r.shuffle(seed=1).batch(4))
    assert r.skipped() == {}
    r2 = from_range(10)
    list(r2.map(lambda v: v, name="same"))  # the record path
    assert r2.skipped() == {}


def test_generator_skips_elements_that_do_not_match(caplog):
    def gen():
        yield np.zeros(2, np.float64), 0  # float64 leaf: SF_ARG (also when it would set the spec)
        yield np.ones(2, np.float32), 1
        yield np.ones(3, np.float32), 2  # shapes are free without a declared spec
        yield np.ones(2, np.float32), 2, 3  # wrong structure
        yield np.ones(2, np.float32), 2**40  # int out of int32 range
        yield np.ones(2, np.float32), 4

    pipe = from_generator(gen, on_error="skip")
    assert str(pipe) == "generator(gen, on_error=skip)"
    with caplog.at_level(logging.WARNING, logger="streamfit"):
        got = [(x.shape[0], int(y)) for x, y in pipe]
    assert got == [(2, 1), (3, 2), (2, 4)]
    assert pipe.skipped() == {"SF_ARG": 3}
    (message,) = _warnings(caplog)
    assert message.startswith("skipped 3 records in epoch 0 of generator(gen, on_error=skip): SF_ARG 3; first: "
                              "from_generator: element 0 of generator(gen, on_error=skip)")
    with pytest.raises(StreamfitError) as info:
        list(from_generator(gen))
    assert info.value.code == "SF_ARG" and "element 0" in str(info.value)


def test_generator_with_a_declared_spec_and_nothing_left(caplog):
    spec = ({"dtype": "float32", "shape": [2]}, {"dtype": "int32", "shape": []})

    def gen():
        yield np.ones(3, np.float32), 1  # fixed dimension 2: SF_ARG
        yield np.ones(2, np.float64), 2  # declared: cast, kept
        yield [np.ones(2)], 3  # structure: SF_ARG

    pipe = from_generator(gen, element_spec=spec, on_error="skip")
    assert [(x.dtype.name, int(y)) for x, y in pipe] == [("float32", 2)]
    assert pipe.skipped() == {"SF_ARG": 2}

    def bad():
        yield "a"
        yield "b"

    with pytest.raises(StreamfitError) as info:
        list(from_generator(bad, on_error="skip"))
    assert info.value.code == "SF_EMPTY_SOURCE" and "SF_ARG 2" in str(info.value)
    empty = from_generator(lambda: iter(()), on_error="skip")
    assert list(empty) == [] and empty.skipped() == {}  # no record and nothing skipped: no error

    def boom():
        yield np.float32(1)
        raise RuntimeError("user code failed")

    with pytest.raises(RuntimeError):  # the generator's own errors are not records: never skipped
        list(from_generator(boom, on_error="skip"))


@pytest.mark.parametrize("value", ["ignore", "RAISE", None, 0])
def test_generator_bad_policy(value):
    with pytest.raises(StreamfitError) as info:
        from_generator(lambda: iter(()), on_error=value)
    assert info.value.code == "SF_ARG" and "on_error" in str(info.value)


def _run(capsys, *argv):
    rc = main(list(argv))
    return rc, capsys.readouterr().out


def test_inspect_json_prints_skipped_last(messy, tmp_path, capsys):
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"source": {"type": "csv", "path": "messy.csv", "on_error": "skip"},
                                "ops": [{"op": "batch", "batch_size": 1}]}))
    rc, out = _run(capsys, "inspect", str(spec), "--json", "--batches", "0")
    info = json.loads(out)
    assert rc == 0 and list(info)[-1] == "skipped"
    assert info["skipped"] == {"SF_CSV_COLUMNS": 1, "SF_CSV_NUMBER": 1}
    assert info["summary"] == "csv(messy.csv, on_error=skip) -> batch(1)" and info["cardinality"] is None
    assert out.endswith('"skipped":{"SF_CSV_COLUMNS":1,"SF_CSV_NUMBER":1}}\n')
    rc, out = _run(capsys, "inspect", str(spec), "--json", "--batches", "1")
    assert json.loads(out)["skipped"] is None  # stopped before the end


def test_train_prints_and_records_skipped(messy, tmp_path, capsys):
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({
        "source": {"type": "csv", "path": "messy.csv", "label": "y", "on_error": "skip"},
        "ops": [{"op": "batch", "batch_size": 2}],
        "model": {"seed": 1, "input_shape": [1], "layers": [{"type": "dense", "units": 1}]},
        "train": {"epochs": 2, "loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 0.001}}}))
    hist_path = tmp_path / "h.json"
    rc, out = _run(capsys, "train", str(spec), "--history", str(hist_path))
    assert rc == 0
    lines = [ln for ln in out.splitlines() if ln.startswith("epoch")]
    assert len(lines) == 2 and all(ln.endswith(" samples/s  skipped 2") for ln in lines)
    assert all("  3 samples  " in ln for ln in lines)
    hist = json.loads(hist_path.read_text())
    assert [e["skipped"] for e in hist["epochs"]] == [{"SF_CSV_COLUMNS": 1, "SF_CSV_NUMBER": 1}] * 2


def test_epoch_line_without_skips_is_unchanged():
    from streamfit.tf.train import epoch_line

    assert epoch_line(1, 3, 0.123456, 1000, 12.3) == "epoch 1/3  loss 0.123456  1000 samples  12.3 s  81 samples/s"
    assert epoch_line(1, 3, 0.123456, 1000, 12.3, 1) == (
        "epoch 1/3  loss 0.123456  1000 samples  12.3 s  81 samples/s  skipped 1")
