"""Spec files (SPEC §5) and the command-line tools (SPEC §8)."""

import io
import json
import os
import stat
import sys
from contextlib import redirect_stdout

import pytest

from conftest import FIXTURES
from streamfit import StreamfitError, load_spec, pipeline_from_spec
from streamfit.cli import main
from streamfit.crosscheck import report

RANGE = {"type": "range", "n": 5}


@pytest.mark.parametrize("spec,fragment", [
    ({"source": RANGE, "ops": [{"op": "batch", "batch_size": 2, "bogus": 1}]}, "bogus"),
    ({"source": RANGE, "ops": [{"op": "frobnicate"}]}, "frobnicate"),
    ({"source": RANGE, "extra": 1}, "extra"),
    ({"source": {"type": "range", "n": 5, "m": 1}}, "\"m\""),
    ({"source": {"type": "parquet"}}, "parquet"),
    ({"source": RANGE, "ops": [{"op": "batch"}]}, "batch_size"),
    ({"source": RANGE, "ops": [{"op": "batch", "batch_size": "2"}]}, "ops[0].batch_size"),
    ({"source": RANGE, "ops": [{"op": "map", "fn": "divide"}]}, "value"),
    ({"source": RANGE, "ops": [{"op": "map", "fn": "divide", "value": 2, "depth": 3}]}, "depth"),
    ({"source": RANGE, "ops": [{"op": "filter", "predicate": "finite", "values": []}]}, "values"),
    ({"source": RANGE, "model": {"input_shape": [1], "layers": [{"type": "dense", "units": 1, "x": 0}]}},
     "model.layers[0]"),
    ({"source": RANGE, "train": {"epochs": 1, "loss": "mse", "optimizer": {"type": "adam", "learning_rate": 1,
                                                                          "momentum": 0.9}}}, "momentum"),
    ({"ops": []}, "source"),
])
def test_spec_errors(spec, fragment):
    with pytest.raises(StreamfitError) as e:
        pipeline_from_spec(spec)
    assert e.value.code == "SF_SPEC" and fragment in str(e.value)


def test_value_errors_keep_their_codes():
    with pytest.raises(StreamfitError) as e:
        pipeline_from_spec({"source": RANGE, "ops": [{"op": "batch", "batch_size": 0}]})
    assert e.value.code == "SF_ARG" and "batch_size" in str(e.value)
    with pytest.raises(StreamfitError) as e:
        pipeline_from_spec({"source": RANGE, "ops": [{"op": "shuffle", "buffer_size": 2, "seed": -1}]})
    assert e.value.code == "SF_SEED" and "-1" in str(e.value)


def test_load_spec_resolves_paths_against_its_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "xy.csv").write_text("x,y\n1,2\n3,4\n")
    sub = tmp_path / "specs"
    sub.mkdir()
    spec_path = sub / "s.json"
    spec_path.write_text(json.dumps({"source": {"type": "csv", "path": "../data/xy.csv", "label": "y"},
                                     "ops": [{"op": "batch", "batch_size": 2}]}))
    cwd = os.getcwd()
    try:
        os.chdir(FIXTURES)  # a different working directory must not matter
        pipe = pipeline_from_spec(load_spec(spec_path))
    finally:
        os.chdir(cwd)
    assert pipe.summary() == "csv(xy.csv) -> batch(2)"
    assert [b[1].tolist() for b in pipe] == [[2.0, 4.0]]


def test_load_spec_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"source": {"type": "range", "n": 5},\n "ops": [}')
    with pytest.raises(StreamfitError) as e:
        load_spec(bad)
    assert e.value.code == "SF_SPEC" and "bad.json" in str(e.value) and "line 2" in str(e.value)
    with pytest.raises(StreamfitError) as e:
        load_spec(tmp_path / "nope.json")
    assert e.value.code == "SF_FILE_NOT_FOUND"


def run_cli(*argv):
    out = io.StringIO()
    with redirect_stdout(out):
        rc = main(list(argv))
    return rc, out.getvalue()


def test_inspect_json(tmp_path):
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"source": RANGE, "ops": [{"op": "batch", "batch_size": 2}]}))
    rc, text = run_cli("inspect", str(spec), "--json", "--batches", "0")
    assert rc == 0 and text.count("\n") == 1
    info = json.loads(text)
    assert list(info) == ["summary", "cardinality", "epoch", "element_spec", "batches", "skipped"]
    assert info["skipped"] == {}  # read to the end, nothing skipped (SPEC §8)
    assert info["summary"] == "range(5) -> batch(2)" and info["cardinality"] == 3 and info["epoch"] == 0
    assert info["element_spec"] == [{"dtype": "int32", "shape": [2]}]
    # digest of int32 [0, 1] by hand: sha256(b"int32:2;" + LE bytes)
    import hashlib
    want = hashlib.sha256(b"int32:2;" + b"\0\0\0\0" + b"\1\0\0\0").hexdigest()
    assert info["batches"][0] == {"index": 0, "digest": want} and len(info["batches"]) == 3
    rc, text = run_cli("inspect", str(spec), "--json", "--batches", "1", "--epoch", "2")
    assert json.loads(text)["epoch"] == 2 and len(json.loads(text)["batches"]) == 1
    assert json.loads(text)["skipped"] is None  # stopped before the source's end


def test_inspect_cardinality_forms(tmp_path):
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"source": RANGE, "ops": [{"op": "repeat"}]}))
    assert json.loads(run_cli("inspect", str(spec), "--json")[1])["cardinality"] == "infinite"
    spec.write_text(json.dumps({"source": RANGE, "ops": [{"op": "filter", "predicate": "finite"}]}))
    assert json.loads(run_cli("inspect", str(spec), "--json")[1])["cardinality"] is None


def test_cli_error_exit_code(tmp_path, capsys):
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"source": RANGE, "ops": [{"op": "nope"}]}))
    assert main(["inspect", str(spec)]) == 1
    assert capsys.readouterr().err.startswith("error SF_SPEC: ")


def test_crosscheck_report_marks_differences():
    a = {"summary": "s", "cardinality": 2, "element_spec": [], "batches": [{"index": 0, "digest": "aa"},
                                                                           {"index": 1, "digest": "bb"}]}
    b = json.loads(json.dumps(a))
    hist = {"epochs": [{"epoch": 1, "loss": 0.5, "samples": 4, "seconds": 1}], "initial_weights_digest": "i",
            "final_weights_digest": "f"}
    out = io.StringIO()
    assert report(a, b, hist, dict(hist, epochs=[{"epoch": 1, "loss": 0.25, "samples": 4, "seconds": 1}]),
                  out) == 0
    assert "2.50e-01" in out.getvalue() and "DIFFERENT" not in out.getvalue().split("final")[0]
    b["batches"][1]["digest"] = "bc"
    out = io.StringIO()
    assert report(a, b, {}, {}, out) == 1 and "DIFFERENT" in out.getvalue()


def test_crosscheck_with_a_fake_node(tmp_path, monkeypatch, capsys):
    """A stand-in `node` that answers inspect.mjs with Python's own output."""
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"source": RANGE, "ops": [{"op": "shuffle", "seed": 1}, {"op": "batch",
                                                                                       "batch_size": 2}]}))
    fake = tmp_path / "node"
    fake.write_text(f"#!{sys.executable}\nimport sys\nfrom streamfit.cli import main\n"
                    "args = sys.argv[1:]\nassert args[0].endswith('inspect.mjs'), args\n"
                    "sys.exit(main(['inspect', *args[1:]]))\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("STREAMFIT_NODE", str(fake))
    assert main(["crosscheck", str(spec)]) == 0
    assert "all digests equal" in capsys.readouterr().out


def test_bench_runs_one_contender_and_names_the_others(tmp_path, capfd):
    # `python -m streamfit bench NAME [suite options]`: the suite (bench/suite.py) with that contender only
    results = tmp_path / "results"
    rc = main(["bench", "csv_batches_py", "--rows", "3000", "--images", "3", "--size", "16", "--repeats", "1",
               "--min-seconds", "0", "--data", str(tmp_path / "data"), "--results", str(results)])
    assert rc == 0
    rows = json.loads((results / "suite.json").read_text())["results"]
    assert [(r["name"], r["mode"]) for r in rows] == [("csv_batches_py", "alone")]
    assert rows[0]["records"] > 0 and rows[0]["records"] % 3000 == 0  # whole epochs of the 3,000-row CSV
    assert not (results / "memory.json").exists()  # one contender: no memory proof, BENCHMARKS.md untouched
    assert main(["bench", "no_such_contender"]) != 0
    assert "csv_streamfit_py" in capfd.readouterr().err
