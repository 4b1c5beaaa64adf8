"""``python -m streamfit crosscheck SPEC``: the same spec in Python and in Node (SPEC §8).

Runs inspect (all elements) and train in both languages, prints the element
digests side by side and the per-epoch losses with their absolute difference,
and returns 1 when any element digest (or the initial weights digest, fixed by
SPEC §5.1) differs.

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


def _run_node(args: list[str]) -> str:
    cmd = node_command() + args
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=_REPO)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
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


def run_both(spec_path: str, epochs: int | None) -> tuple[dict, dict, dict, dict]:
    """``(py_inspect, node_inspect, py_history, node_history)``."""
    from .cli import inspect_spec
    from .core.stage import INFINITE
    from .spec import load_spec, pipeline_from_spec
    from .tf.train import train_spec

    with tempfile.TemporaryDirectory() as tmp:
        spec_path = _with_resolved_seeds(os.path.abspath(spec_path), tmp)
        spec = load_spec(spec_path)
        batches = 20 if pipeline_from_spec(spec).cardinality() is INFINITE else 0
        py_inspect = inspect_spec(spec_path, batches=batches)
        node_inspect = _last_json(_run_node([_js("inspect.mjs"), spec_path, "--json", "--batches", str(batches)]))
        py_hist: dict[str, Any] = {}
        node_hist: dict[str, Any] = {}
        if "model" in spec and "train" in spec:
            py_hist = train_spec(spec, epochs=epochs, quiet=True, out=io.StringIO())
            hist_path = os.path.join(tmp, "history.json")
            extra = [] if epochs is None else ["--epochs", str(epochs)]
            _run_node([_js("train.mjs"), spec_path, "--history", hist_path, "--quiet", *extra])
            with open(hist_path, encoding="utf-8") as f:
                node_hist = json.load(f)
    return py_inspect, node_inspect, py_hist, node_hist


def _mark(same: bool) -> str:
    return "equal" if same else "DIFFERENT"


SHOWN_ROWS = 10


def report(py: dict, node: dict, py_hist: dict, node_hist: dict, out: Any = None, show_all: bool = False) -> int:
    """Print the side-by-side table; return 1 if any digest differs, else 0.

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
        w(f"{'epoch':>5}  {'python loss':>12}  {'node loss':>12}  {'|diff|':>10}  samples (py/node)")
        pe, ne = py_hist.get("epochs", []), node_hist.get("epochs", [])
        for k in range(max(len(pe), len(ne))):
            a = pe[k] if k < len(pe) else None
            b = ne[k] if k < len(ne) else None
            la = f"{a['loss']:.6f}" if a else "-"
            lb = f"{b['loss']:.6f}" if b else "-"
            diff = f"{abs(a['loss'] - b['loss']):.2e}" if a and b else "-"
            sa = a["samples"] if a else "-"
            sb = b["samples"] if b else "-"
            w(f"{k + 1:>5}  {la:>12}  {lb:>12}  {diff:>10}  {sa}/{sb}")
        init_same = py_hist.get("initial_weights_digest") == node_hist.get("initial_weights_digest")
        bad |= not init_same
        w(f"initial weights digest: {_mark(init_same)}")
        final_same = py_hist.get("final_weights_digest") == node_hist.get("final_weights_digest")
        # Informational only: the two backends round differently during training.
        w("final weights digest:   " + ("equal" if final_same else "not equal (informational: training "
                                          "float rounding differs between backends)"))
    w()
    w("crosscheck: " + ("DIFFERENT" if bad else "all digests equal"))
    return 1 if bad else 0


def crosscheck(spec_path: str, epochs: int | None = None, show_all: bool = False) -> int:
    """Run both languages on ``spec_path`` and print the comparison; 1 if a digest differs.

    Example::

        sys.exit(crosscheck("examples/csv_xy.json", epochs=1))
    """
    return report(*run_both(spec_path, epochs), show_all=show_all)
