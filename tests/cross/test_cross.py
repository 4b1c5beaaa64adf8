"""Cross-language checks: the Python and Node CLIs, run on the same specs, agree.

Each check runs both real command-line tools (`python -m streamfit ...` and
`node js/...mjs ...`) as a user would, and compares their outputs.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = sorted(
    os.path.join(ROOT, "examples", f) for f in os.listdir(os.path.join(ROOT, "examples")) if f.endswith(".json")
)
DEMO_DATA = "build/demo/"  # where examples/demo_*.json expect `make demo`'s data
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")


def node():
    exe = os.environ.get("STREAMFIT_NODE") or shutil.which("node") or os.path.join(ROOT, ".venv", "bin", "node")
    return exe


def run(cmd, check=True):
    p = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def py_cli(*args, check=True):
    return run([sys.executable, "-m", "streamfit", *args], check)


def js_cli(script, *args, check=True):
    return run([node(), os.path.join("js", script), *args], check)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """A small copy of the demo data set (the demo specs' data), made by the demo generator."""
    out = tmp_path_factory.mktemp("demo")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make_demo_data.py"), str(out),
                    "--images", "200", "--rows", "5000"], check=True, capture_output=True)
    return str(out)


def reseeded(spec_path, seed, tmp_path, demo_dir=None):
    """A copy of a spec with every shuffle seed set to `seed` and absolute source paths
    (demo data read from `demo_dir`)."""
    spec = json.load(open(spec_path))
    src = spec["source"]
    src["path"] = os.path.normpath(os.path.join(os.path.dirname(spec_path), src["path"]))
    rel = os.path.relpath(src["path"], ROOT)
    if rel.startswith(DEMO_DATA):
        src["path"] = os.path.join(demo_dir, rel[len(DEMO_DATA):])
    for op in spec.get("ops", []):
        if op["op"] == "shuffle":
            op["seed"] = seed
    out = tmp_path / f"{os.path.basename(spec_path)[:-5]}_{seed}.json"
    out.write_text(json.dumps(spec))
    return str(out)


def test_there_are_examples_for_both_sources():
    types = {json.load(open(p))["source"]["type"] for p in EXAMPLES}
    assert {"csv", "image_folder"} <= types
    assert any(os.path.basename(p).startswith("demo_") for p in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=os.path.basename)
@pytest.mark.parametrize("seed", [0, 7, 123456789, 2**32 - 1])
def test_inspect_json_identical(example, seed, tmp_path, demo_dir):
    spec = reseeded(example, seed, tmp_path, demo_dir)
    py = json.loads(py_cli("inspect", spec, "--json", "--batches", "0").stdout)
    js = json.loads(js_cli("inspect.mjs", spec, "--json", "--batches", "0").stdout)
    assert py == js
    assert py["cardinality"] is None or len(py["batches"]) == py["cardinality"]
    assert len(py["batches"]) > 1
    assert len({b["digest"] for b in py["batches"]}) == len(py["batches"])


def test_epochs_differ_and_agree(tmp_path):
    spec = reseeded(os.path.join(ROOT, "examples", "image_folder.json"), 5, tmp_path)
    outs = {}
    for e in ("0", "1"):
        py = json.loads(py_cli("inspect", spec, "--json", "--batches", "0", "--epoch", e).stdout)
        js = json.loads(js_cli("inspect.mjs", spec, "--json", "--batches", "0", "--epoch", e).stdout)
        assert py == js
        outs[e] = [b["digest"] for b in py["batches"]]
    assert outs["0"] != outs["1"]


@pytest.mark.parametrize("case", ["csv_columns", "csv_number", "image_decode", "global_shuffle_on_stream"])
def test_cli_errors_same_code(case, tmp_path):
    path = os.path.join(ROOT, "shared_fixtures", "cases", "errors", case + ".json")
    c = json.load(open(path))
    spec = c["spec"]
    spec["source"]["path"] = os.path.normpath(os.path.join(os.path.dirname(path), spec["source"]["path"]))
    f = tmp_path / "spec.json"
    f.write_text(json.dumps(spec))
    py = py_cli("inspect", str(f), "--batches", "0", check=False)
    js = js_cli("inspect.mjs", str(f), "--batches", "0", check=False)
    code = c["error"]["code"]
    assert py.returncode == js.returncode == 1
    # the last line: libjpeg itself may print a line of its own before ours
    assert py.stderr.strip().splitlines()[-1].startswith(f"error {code}: "), py.stderr
    assert js.stderr.strip().splitlines()[-1].startswith(f"error {code}: "), js.stderr


def test_training_agrees(tmp_path):
    spec = os.path.join(ROOT, "examples", "csv_xy.json")
    hp, hj = tmp_path / "py.json", tmp_path / "js.json"
    py_cli("train", spec, "--epochs", "2", "--quiet", "--history", str(hp))
    js_cli("train.mjs", spec, "--epochs", "2", "--quiet", "--history", str(hj))
    py, js = json.loads(hp.read_text()), json.loads(hj.read_text())
    assert (py["language"], js["language"]) == ("python", "node")
    assert py["initial_weights_digest"] == js["initial_weights_digest"]
    assert [e["samples"] for e in py["epochs"]] == [e["samples"] for e in js["epochs"]] == [1000, 1000]
    for a, b in zip(py["epochs"], js["epochs"]):
        assert abs(a["loss"] - b["loss"]) <= 1e-4 * max(1.0, abs(a["loss"])), (a, b)
    assert py["epochs"][1]["loss"] < py["epochs"][0]["loss"]


def test_crosscheck_command(tmp_path):
    spec = os.path.join(ROOT, "examples", "csv_xy.json")
    png = tmp_path / "loss.png"
    p = py_cli("crosscheck", spec, "--epochs", "1", "--plot", str(png))
    assert "DIFFERENT" not in p.stdout
    # one initial-weights file for both, 20 steps compared one by one, the strict tolerance
    assert "per-step loss (20 steps)" in p.stdout and "tolerance (20 steps <= 200)" in p.stdout
    assert p.stdout.rstrip().endswith("crosscheck: all digests equal, training agrees within tolerance")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "elements: python 20, node 20; digests equal" in p.stdout  # 1000 rows / batch 50
    assert "9 more rows, all equal" in p.stdout  # rows 0-9 and 19 shown
    p = py_cli("crosscheck", spec, "--epochs", "1", "--all")
    assert sum(1 for line in p.stdout.splitlines() if line.rstrip().endswith("equal") and line.strip()[0].isdigit()) == 20
