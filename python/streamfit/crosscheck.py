"""``python -m streamfit crosscheck SPEC``: the same spec in Python and in Node (SPEC §8).

Runs inspect (all elements) and train in both languages, from one initial
weights file, and prints the element digests side by side, then the losses per
epoch and per step and the final weights' differences (``crosscheck_train.py``);
returns 1 when any element digest or the initial weights digest differs, or
when training disagrees beyond the tolerance for its length (SPEC §8).

The Node executable is ``$STREAMFIT_NODE``, else ``node`` on PATH, else
``python -m nodejs`` from the optional ``nodejs-bin`` package. The Node CLIs
are looked up in ``$STREAMFIT_JS_DIR`` (default: ``js/`` of this checkout).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from .crosscheck_train import compare_training
from .errors import raise_error

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def node_command() -> list[str]:
    """The argv prefix that runs Node, or ``SF_DEPENDENCY``.

    Example::

        node_command()   # ["/usr/bin/node"]
    """
    env = os.environ.get("STREAMFIT_NODE")
    if env:
        return [env]
    found = shutil.which("node")
    if found:
        return [found]
    if importlib.util.find_spec("nodejs") is not None:
        return [sys.executable, "-m", "nodejs"]
    raise_error("SF_DEPENDENCY", "crosscheck needs Node.js >= 18: put `node` on PATH, set STREAMFIT_NODE, "
                "or `pip install nodejs-bin`")


def _js(script: str) -> str:
    return os.path.join(os.environ.get("STREAMFIT_JS_DIR", os.path.join(_REPO, "js")), script)


def _run_node(args: list[str], show_stderr: bool = False) -> str:
    """Node's stdout; ``show_stderr`` lets its stderr (the progress bar) through to ours."""
    cmd = node_command() + args
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None if show_stderr else subprocess.PIPE, text=True,
                          cwd=_REPO)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "(its error is above)").strip().splitlines()[-5:]
        raise_error("SF_DEPENDENCY", f"node run failed (exit {proc.returncode}): {' '.join(cmd)}\n  "
                    + "\n  ".join(tail))
    return proc.stdout


def _last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return json.loads(text)


def _with_resolved_seeds(spec_path: str, tmp: str) -> str:
    """``spec_path``, or a copy of it whose missing seeds are drawn once here, so that both
    languages run the same order (each would otherwise draw its own; SPEC §1.3)."""
    from .order.seed import draw_seed

    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    drawn = []
    for op in spec.get("ops", []):
        if op.get("op") == "shuffle" and op.get("seed") is None:
            op["seed"] = draw_seed()
            drawn.append(f"shuffle seed={op['seed']}")
    if "model" in spec and spec["model"].get("seed") is None:
        spec["model"]["seed"] = draw_seed()
        drawn.append(f"model seed={spec['model']['seed']}")
    if not drawn:
        return spec_path
    src = spec.get("source", {})
    if isinstance(src.get("path"), str):
        src["path"] = os.path.join(os.path.dirname(spec_path), src["path"])
    path = os.path.join(tmp, "spec.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f)
    print(f"drawn for both languages: {', '.join(drawn)}")
    return path


def run_both(spec_path: str, epochs: int | None, engine: str = "layers") -> dict[str, Any]:
    """Inspect and train ``spec_path`` in both languages: ``{"py", "node"}`` inspect objects, and for a
    spec with a model ``{"py_hist", "node_hist", "py_w", "node_w"}`` (histories, final weights). Both
    trainings start from one initial-weights file written here (SPEC §8 ``--init-weights``); Node
    trains with ``engine`` (SPEC §5.7; ``graph`` keeps its trainer in the default cache folder)."""
    from .cli import inspect_spec
    from .core.stage import INFINITE
    from .spec import load_spec, pipeline_from_spec
    from .tf.model import build_model
    from .tf.train import train_spec, weights_file, write_weights

    got: dict[str, Any] = {"py_hist": {}, "node_hist": {}, "py_w": [], "node_w": []}
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = _with_resolved_seeds(os.path.abspath(spec_path), tmp)
        spec = load_spec(spec_path)
        batches = 20 if pipeline_from_spec(spec).cardinality() is INFINITE else 0
        got["py"] = inspect_spec(spec_path, batches=batches)
        got["node"] = _last_json(_run_node([_js("inspect.mjs"), spec_path, "--json", "--batches", str(batches)]))
        if "model" in spec and "train" in spec:
            init = os.path.join(tmp, "initial_weights.json")
            write_weights(build_model(spec["model"])[0], init)
            py_w, node_w, hist_path = (os.path.join(tmp, n) for n in ("py_w.json", "node_w.json", "history.json"))
            print("training  python", file=sys.stderr, flush=True)  # the progress bars follow, on stderr
            got["py_hist"] = train_spec(spec, os.path.dirname(spec_path), epochs=epochs, quiet=True, progress=True,
                                        out=io.StringIO(), weights_path=py_w, init_weights=init)
            extra = [] if epochs is None else ["--epochs", str(epochs)]
            print("training  node", file=sys.stderr, flush=True)
            _run_node([_js("train.mjs"), spec_path, "--history", hist_path, "--init-weights", init,
                       "--weights", node_w, "--engine", engine, *extra], show_stderr=True)
            with open(hist_path, encoding="utf-8") as f:
                got["node_hist"] = json.load(f)
            got["py_w"], got["node_w"] = weights_file(py_w, "crosscheck"), weights_file(node_w, "crosscheck")
    return got


def _mark(same: bool) -> str:
    return "equal" if same else "DIFFERENT"


SHOWN_ROWS = 10


def report(py: dict, node: dict, py_hist: dict, node_hist: dict, out: Any = None, show_all: bool = False,
           py_w: Any = None, node_w: Any = None, plot: str | None = None, exact: bool = False) -> int:
    """Print the side-by-side table; return 1 if any digest differs or training disagrees
    beyond its tolerance (``crosscheck_train.py``), else 0.

    Rows beyond the first ``SHOWN_ROWS`` are folded into one line unless they
    differ (or ``show_all``); the counts line always covers every element.
    """
    out = sys.stdout if out is None else out
    bad = False
    w = lambda s="": print(s, file=out)  # noqa: E731
    for key in ("summary", "cardinality", "element_spec", "skipped"):  # skipped: SPEC §4.6 counts
        same = py.get(key) == node.get(key)
        w(f"{key + ':':<14}{_mark(same)}")
        w(f"  python  {json.dumps(py.get(key))}")
        if not same:
            w(f"  node    {json.dumps(node.get(key))}")
    pb, nb = py.get("batches", []), node.get("batches", [])
    w()
    w(f"{'element':>7}  {'python digest':<20}  {'node digest':<20}  result")
    n = max(len(pb), len(nb))
    hidden = 0
    for i in range(n):
        a = pb[i]["digest"] if i < len(pb) else "-"
        b = nb[i]["digest"] if i < len(nb) else "-"
        same = a == b
        bad |= not same
        if show_all or not same or i < SHOWN_ROWS or i == n - 1:
            if hidden:
                w(f"{'':>7}  ... {hidden} more rows, all equal (--all shows every row)")
                hidden = 0
            w(f"{i:>7}  {a[:20]:<20}  {b[:20]:<20}  {_mark(same)}")
        else:
            hidden += 1
    w(f"elements: python {len(pb)}, node {len(nb)}; digests {_mark(not bad)}")
    if py_hist:
        w()
        init_same = py_hist.get("initial_weights_digest") == node_hist.get("initial_weights_digest")
        bad |= not init_same
        w(f"initial weights digest: {_mark(init_same)}")
        trained = compare_training(py_hist, node_hist, py_w or [], node_w or [], out, plot=plot, show_all=show_all,
                                   exact=exact)
        bad |= not trained
    w()
    agrees = ", training equal" if exact else ", training agrees within tolerance"
    w("crosscheck: " + ("DIFFERENT" if bad else "all digests equal" + (agrees if py_hist else "")))
    return 1 if bad else 0


def crosscheck(spec_path: str, epochs: int | None = None, show_all: bool = False, plot: str | None = None,
               engine: str = "layers") -> int:
    """Run both languages on ``spec_path`` and print the comparison; 1 if a digest differs or
    training disagrees beyond its tolerance (with ``engine`` "graph", SPEC §5.7: differs at all).
    ``plot``: write the two loss curves there (PNG).

    Example::

        sys.exit(crosscheck("examples/csv_xy.json", epochs=1, plot="loss.png"))
    """
    got = run_both(spec_path, epochs, engine)
    return report(got["py"], got["node"], got["py_hist"], got["node_hist"], show_all=show_all, py_w=got["py_w"],
                  node_w=got["node_w"], plot=plot, exact=engine == "graph")
