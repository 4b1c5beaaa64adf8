"""streamfit benchmark runner (`make bench`): prints figures, asserts nothing.

Generates its own data under build/bench/ (sizes are options), then runs each
case in its own process, `--repeats` times, and reports the median with the
min-max range:
  - CSV (x,y; batch 250): rows/s through the pipeline alone, and into fit
    (Dense 16-8-1, MAE, SGD) -- Python and Node;
  - images (flat folder, JPEG+WebP with labels in names, decoded and resized
    with TF's kernels; batch 32): images/s alone, and into fit (small CNN).
"alone" starts its clock after the first batch (start-up excluded); "fit"
trains 2 epochs and reports the second (graph tracing excluded); "in-memory
fit" trains the same model on the whole CSV loaded into arrays / tensors (the
reference a streaming pipeline is measured against). Peak RSS is each child
process's own, read from the OS (wait4); the largest of the repeats is shown.
Writes bench/results/latest.json.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
PY = sys.executable
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")


def node():
    return os.environ.get("STREAMFIT_NODE") or shutil.which("node") or os.path.join(ROOT, ".venv", "bin", "node")


def specs(data, size):
    csv = {
        "source": {"type": "csv", "path": os.path.join(data, "xy.csv"), "features": ["x"], "label": "y"},
        "ops": [{"op": "batch", "batch_size": 250}, {"op": "prefetch", "buffer_size": 4}],
        "model": {"seed": 1, "input_shape": [1], "layers": [
            {"type": "dense", "units": 16, "activation": "relu"},
            {"type": "dense", "units": 8, "activation": "relu"}, {"type": "dense", "units": 1}]},
        "train": {"epochs": 2, "loss": "mae", "optimizer": {"type": "sgd", "learning_rate": 0.01}},
    }
    img = {
        "source": {"type": "image_folder", "path": os.path.join(data, "shapes"),
                   "image_size": [size, size], "scale": True},
        "ops": [{"op": "shuffle", "seed": 1}, {"op": "batch", "batch_size": 32}, {"op": "prefetch", "buffer_size": 4}],
        "model": {"seed": 1, "input_shape": [size, size, 3], "layers": [
            {"type": "conv2d", "filters": 16, "kernel_size": 3, "activation": "relu"},
            {"type": "max_pooling2d", "pool_size": 2},
            {"type": "conv2d", "filters": 32, "kernel_size": 3, "activation": "relu"},
            {"type": "max_pooling2d", "pool_size": 2},
            {"type": "flatten"}, {"type": "dense", "units": 64, "activation": "relu"}, {"type": "dense", "units": 3}]},
        "train": {"epochs": 2, "loss": "sparse_categorical_crossentropy",
                  "optimizer": {"type": "sgd", "learning_rate": 0.01}},
    }
    out = {}
    for name, spec in (("csv", csv), ("images", img)):
        path = os.path.join(data, f"bench_{name}.json")
        with open(path, "w") as f:
            json.dump(spec, f, indent=1)
        out[name] = path
    return out


def run_child(cmd):
    """Run `cmd`; return (stdout, peak RSS of that child in MB, from the OS via wait4).

    The child is started by `peak_rss.py`, a small launcher that forks it and reports its wait4
    peak: wait4 here would floor every child at this process's own peak (its docstring says why).
    """
    launcher = [PY, "-S", os.path.join(ROOT, "bench", "peak_rss.py")]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(launcher + list(cmd), cwd=ROOT, env=ENV, stdout=out, stderr=err, text=True)
        p.wait()
        out.seek(0)
        err.seek(0)
        text = err.read()
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{text[-3000:]}")
        kib = int(text.rstrip().rsplit("\n", 1)[-1].split()[1])
        return out.read(), kib / 1024  # ru_maxrss is in KiB on Linux


class ForkServer:
    """Runs `[PY, SCRIPT, ARG...]` commands as children of bench/fork_server.py (its docstring: each
    its own process, forked after numpy, TensorFlow and Keras are imported). `run(cmd)` answers as
    run_child: (stdout, the child's own peak RSS in MB). `start()` (else the first run) starts the
    server and waits for its imports; `close()` ends it.
    """

    def __init__(self):
        self.proc = None
        self.log = None

    def start(self):
        if self.proc is not None:
            return
        self.log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen([PY, os.path.join(ROOT, "bench", "fork_server.py")], cwd=ROOT, env=ENV,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self._reply("starting")

    def _reply(self, doing):
        line = self.proc.stdout.readline()
        if not line:
            self.log.seek(0)
            raise SystemExit(f"bench/fork_server.py stopped (exit status {self.proc.wait()}) while {doing}:\n"
                             f"{self.log.read()[-3000:]}")
        return json.loads(line)

    def run(self, cmd):
        if cmd[0] != PY:
            raise ValueError(f"the fork server runs Python scripts with {PY}, not {cmd[0]}")
        self.start()
        with tempfile.TemporaryDirectory() as tmp:
            out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
            self.proc.stdin.write(json.dumps({"argv": list(cmd[1:]), "stdout": out, "stderr": err}) + "\n")
            self.proc.stdin.flush()
            reply = self._reply("running " + " ".join(cmd))
            with open(out) as f:
                text = f.read()
            if reply["status"] != 0:
                with open(err) as f:
                    raise SystemExit(f"{' '.join(cmd)} failed (exit status {reply['status']}):\n{f.read()[-3000:]}")
        return text, reply["peak_rss_kib"] / 1024

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait()
            self.log.close()
            self.proc = None


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def alone(lang, spec):
    script = ["input_py.py"] if lang == "python" else ["input_js.mjs"]
    cmd = ([PY] if lang == "python" else [node()]) + [os.path.join("bench", script[0]), spec]
    out, rss = run_child(cmd)
    r = last_json(out)
    return r["records_per_s"], r["records"], rss


def inmem(lang, spec):
    """The same model trained on arrays/tensors loaded whole into memory (the reference)."""
    cmd = ([PY, os.path.join("bench", "inmem_py.py")] if lang == "python"
           else [node(), os.path.join("bench", "inmem_js.mjs")]) + [spec]
    out, rss = run_child(cmd)
    r = last_json(out)
    return r["records_per_s"], r["records"], rss


def fit(lang, spec):
    with tempfile.TemporaryDirectory() as tmp:
        hist = os.path.join(tmp, "h.json")
        if lang == "python":
            cmd = [PY, "-m", "streamfit", "train", spec, "--quiet", "--history", hist]
        else:
            cmd = [node(), os.path.join("js", "train.mjs"), spec, "--quiet", "--history", hist]
        _, rss = run_child(cmd)
        h = json.load(open(hist))
    timed = h["epochs"][1:] or h["epochs"]  # the first epoch traces the graph: not timed
    samples = sum(e["samples"] for e in timed)
    return samples / sum(e["seconds"] for e in timed), samples, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "bench"), help="where the generated data goes")
    args = ap.parse_args()
    data = args.data
    subprocess.run([PY, os.path.join(ROOT, "tools", "make_demo_data.py"), data, "--rows", str(args.rows),
                    "--images", str(args.images), "--size", str(args.size)], check=True)
    sp = specs(data, args.size)
    rows = []
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{args.rows} CSV rows, {args.images} images {args.size}x{args.size}; median of {args.repeats} (min-max)")
    print(f"{'case':<30}{'median/s':>12}{'min':>12}{'max':>12}{'records':>10}{'peak RSS MB':>13}{'vs in-memory':>14}")
    modes = {"alone": alone, "fit": fit, "in-memory fit": inmem}
    cases = [("csv", "alone"), ("csv", "fit"), ("csv", "in-memory fit"), ("images", "alone"), ("images", "fit")]
    for data_kind, mode in cases:
        unit = "rows" if data_kind == "csv" else "img"
        for lang in ("python", "node"):
            runs = [modes[mode](lang, sp[data_kind]) for _ in range(args.repeats)]
            rates = [r for r, _, _ in runs]
            row = {"data": data_kind, "mode": mode, "language": lang, "unit": f"{unit}/s",
                   "median": statistics.median(rates), "min": min(rates), "max": max(rates),
                   "records": runs[0][1], "peak_rss_mb": max(m for _, _, m in runs)}
            rows.append(row)
            ratio = ""
            if mode == "in-memory fit":
                ours = next(r for r in rows if (r["data"], r["mode"], r["language"]) == (data_kind, "fit", lang))
                ours["vs_in_memory"] = ours["median"] / row["median"]
                ratio = f"fit/in-memory {ours['vs_in_memory']:.2f}"
            name = f"{data_kind} {mode} {lang}"
            print(f"{name:<30}{row['median']:>12,.0f}{row['min']:>12,.0f}{row['max']:>12,.0f}{row['records']:>10}"
                  f"{row['peak_rss_mb']:>13,.0f}  {ratio}", flush=True)
    write_results(args.out, "make bench (bench/run.py)", args, rows)


def write_results(path, command, args, rows):
    """The figures of one runner as JSON, with what produced them."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"command": command, "args": vars(args), "machine": platform.platform(),
                   "cores": os.cpu_count(), "results": rows}, f, indent=1)
    print(f"wrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
