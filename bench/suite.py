"""streamfit's benchmark suite (`make bench`): streamfit against what users would pick instead.

Prints figures and asserts nothing. Generates its own data (bench/suite_data.py: a flat folder and
class folders of SIZE x SIZE JPEGs, a CSV of x,y rows; a streamfit pack of the images), then runs
every contender of bench/contenders/ (see its README: one script each, written the way its users
write it) in its own process, in rounds: each round runs every contender once, so a slow spell of
this shared machine hits the contender and its in-memory reference alike. The epoch-pairs
contenders, whose ratio is taken inside one process, run once, in the last round, with every
round's pairs (`contender(once=True)`). In alone mode a Python
contender's process is forked from bench/fork_server.py, which has imported numpy, TensorFlow and
Keras (3.7 s a process); in fit mode it starts fresh: forked, Keras's per-step work ran 7-19%
slower in CSV fits (5 alternating pairs), which would tilt the fit ratios. Per contender and mode:
  - alone: samples/s of the input pipeline by itself; fit: samples/s of model.fit / fitDataset
    fed by it (the language's reference model; the first epoch is not timed);
  - median of --repeats rounds with the min-max range, the median wall time of the process and
    the largest peak RSS (the child's own, from the OS via wait4);
  - vs in-memory: the median over rounds of (contender / its reference in that round).
With --memory, then the memory proof (bench/memory.py, also `make bench-memory`): peak RSS of every
streamfit source at 1x and 10x data; without it the tables show its last saved run (memory.json).
Writes bench/results/suite.json (+ memory.json), PNG charts in bench/results/, and the tables
between the `suite:begin` / `suite:end` marks of BENCHMARKS.md (the hand-written notes around
them stay).

`--only NAME[,NAME]` runs some contenders (names as in the table, e.g. `csv_streamfit_py`) and
`--modes alone` one mode; `python -m streamfit bench NAME` runs one through this file.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from run import PY, ROOT, ForkServer, last_json, node, run_child, write_results

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from suite_data import generate  # noqa: E402


def contender(name, kind, lang, script, label, ref=None, args=(), modes=("alone", "fit"), data="main", once=False):
    """``data`` "big": the --big-rows CSV (a reader's steady pace needs more than a few of its blocks).
    ``once``: an epoch-pairs contender. Its ratio is taken inside its own process, so it needs no
    rounds: it runs once, in the last round, with its ``--pairs`` (a round's worth) times the rounds,
    which spares the process's start (imports, data, models, tracing epochs: ~20 s in Python) in
    every other round."""
    return {"name": name, "kind": kind, "lang": lang, "script": script, "label": label, "ref": ref,
            "args": list(args), "modes": list(modes), "data": data, "once": once}


# In each (kind, lang) the reference is the in-memory contender; its name ends in _inmem_*.
CONTENDERS = [
    contender("img_inmem_py", "images", "python", "img_inmem.py", "in-memory numpy arrays (reference)"),
    contender("img_py_generator", "images", "python", "img_py_generator.py",
              "Python generator (PIL) + from_generator", "img_inmem_py"),
    contender("img_tfdata", "images", "python", "img_tfdata.py",
              "tf.data: list_files, decode_jpeg, AUTOTUNE", "img_inmem_py"),
    contender("img_keras_dir", "images", "python", "img_keras_dir.py",
              "keras image_dataset_from_directory", "img_inmem_py"),
    contender("img_streamfit_py", "images", "python", "img_streamfit.py", "streamfit streaming", "img_inmem_py"),
    contender("img_packed_py", "images", "python", "img_streamfit.py", "streamfit packed", "img_inmem_py",
              ["--packed"]),
    contender("img_packed_u8_py", "images", "python", "img_streamfit.py", "streamfit packed, uint8 batches",
              None, ["--packed", "--uint8"], ("alone",)),
    # 8 pairs a round (24 in one run at the default 3 rounds): Python's epochs (~2.2 s) moved ±6-10%
    # pair to pair (0.88-1.11 in run 16's 12 pairs); Node's take step turns (pairs.mjs) and spread ~±1.5% with 4
    contender("img_pairs_py", "images", "python", "img_fit_pairs.py",
              "streamfit packed vs in-memory, one process, epoch pairs", None, ["--pairs", "8"], ("fit",), once=True),
    contender("img_inmem_js", "images", "node", "img_inmem.mjs", "in-memory tensors (reference)"),
    contender("img_inmem_ds_js", "images", "node", "img_inmem.mjs", "in-memory tensors through fitDataset",
              "img_inmem_js", ["--dataset"], ("fit",)),
    contender("img_tfjs_generator", "images", "node", "img_tfjs_generator.mjs",
              "async generator + tf.node.decodeImage + tf.data", "img_inmem_js"),
    contender("img_streamfit_js", "images", "node", "img_streamfit.mjs", "streamfit streaming", "img_inmem_js"),
    contender("img_packed_js", "images", "node", "img_streamfit.mjs", "streamfit packed", "img_inmem_js",
              ["--packed"]),
    contender("img_packed_u8_js", "images", "node", "img_streamfit.mjs", "streamfit packed, uint8 batches",
              None, ["--packed", "--uint8"], ("alone",)),
    contender("img_pairs_js", "images", "node", "img_fit_pairs.mjs",
              "streamfit packed vs in-memory, one process, epoch pairs in step turns", None, ["--pairs", "4"],
              ("fit",), once=True),
    contender("csv_inmem_py", "csv", "python", "csv_inmem.py", "in-memory numpy arrays (reference)"),
    contender("csv_py_generator", "csv", "python", "csv_py_generator.py",
              "Python line generator + from_generator", "csv_inmem_py"),
    contender("csv_tf_csvdataset", "csv", "python", "csv_tf_csvdataset.py",
              "tf.data.experimental.CsvDataset", "csv_inmem_py"),
    contender("csv_streamfit_py", "csv", "python", "csv_streamfit.py", "streamfit", "csv_inmem_py"),
    contender("csv_batches_py", "csv", "python", "csv_streamfit.py", "streamfit, its own batches (numpy), big CSV",
              None, ["--batches"], ("alone",), "big"),
    # the CSV target's ratio in one process (as img_pairs_*): separate processes moved it 0.75-1.45
    # between runs of the same code (suite runs 11, 12)
    contender("csv_pairs_py", "csv", "python", "csv_fit_pairs.py",
              "streamfit vs in-memory, one process, epoch pairs", None, ["--pairs", "4"], ("fit",), once=True),
    # an epoch lasts ~0.1 s at steps_per_execution 100: more pairs
    contender("csv_pairs_py_spe", "csv", "python", "csv_fit_pairs.py",
              "the same, steps_per_execution 100", None, ["--pairs", "8", "--steps-per-execution", "100"], ("fit",), once=True),
    contender("csv_inmem_js", "csv", "node", "csv_inmem.mjs", "in-memory tensors (reference)"),
    contender("csv_tfjs_generator", "csv", "node", "csv_tfjs_generator.mjs",
              "per-row async generator + tf.data", "csv_inmem_js"),
    contender("csv_tfjs_datacsv", "csv", "node", "csv_tfjs_datacsv.mjs", "tf.data.csv", "csv_inmem_js"),
    contender("csv_streamfit_js", "csv", "node", "csv_streamfit.mjs", "streamfit", "csv_inmem_js"),
    contender("csv_batches_js", "csv", "node", "csv_streamfit.mjs", "streamfit, its own batches (typed arrays), big CSV",
              None, ["--batches"], ("alone",), "big"),
    contender("csv_pairs_js", "csv", "node", "csv_fit_pairs.mjs",
              "streamfit vs in-memory, one process, epoch pairs", None, ["--pairs", "4"], ("fit",), once=True),
    # One spec (engine_spec.json: the pack, the image CNN), each language's trainer (SPEC §5.7)
    contender("eng_keras_py", "engines", "python", "engine_fit.py", "Python trainer (Keras fit) (reference)",
              None, ["--packed"], ("fit",)),
    contender("eng_layers_js", "engines", "node", "engine_fit.mjs", "Node trainer, --engine layers (tfjs layers)",
              "eng_keras_py", ["--packed", "--engine", "layers"], ("fit",)),
    contender("eng_graph_js", "engines", "node", "engine_fit.mjs", "Node trainer, --engine graph (trainer SavedModel)",
              "eng_keras_py", ["--packed", "--engine", "graph"], ("fit",)),
]
BY_NAME = {c["name"]: c for c in CONTENDERS}
UNIT = {"images": "img/s", "csv": "rows/s", "engines": "img/s"}


def command(c, data, mode, args):
    exe = [PY] if c["lang"] == "python" else [node()]
    extra = list(c["args"])
    if c["once"]:  # a round's pairs times the rounds, in one run
        k = extra.index("--pairs") + 1
        extra[k] = str(int(extra[k]) * args.repeats)
    return exe + [os.path.join(HERE, "contenders", c["script"]), data, mode, "--size", str(args.size),
                  "--epochs", str(args.epochs), "--min-seconds", str(args.min_seconds), *extra]


def measure(c, data, mode, args, server):
    """One run of one contender: (samples/s, samples timed, wall seconds, peak RSS MB). A Python one
    in alone mode is forked by `server` (a run.ForkServer, after the imports they all start with)."""
    cmd = command(c, data, mode, args)
    forked = c["lang"] == "python" and mode == "alone"
    if forked:
        server.start()  # its imports are not this contender's wall time
    t0 = time.perf_counter()
    out, rss = server.run(cmd) if forked else run_child(cmd)
    r = last_json(out)
    got = {"rate": r["records_per_s"], "records": r["records"], "wall": time.perf_counter() - t0, "rss": rss}
    if "pair_ratios" in r:  # img_fit_pairs, csv_fit_pairs: streamfit / in-memory of each epoch pair, in one process
        got["pair_ratios"] = r["pair_ratios"]
    return got


def schedule(chosen, modes, repeats):
    """(round, mode, contender) in the order they run: each round every contender of each mode once,
    but a ``once`` contender only in the last round."""
    for rnd in range(repeats):
        for mode in modes:
            for c in chosen:
                if mode in c["modes"] and (not c["once"] or rnd == repeats - 1):
                    yield rnd, mode, c


def make_pack(data):
    """The pack of flat/ the packed contenders read (made once; a finished pack is kept)."""
    pack = os.path.join(data, "pack")
    if os.path.exists(os.path.join(pack, "index.json")):
        return
    spec = os.path.join(data, "pack_spec.json")
    with open(spec, "w") as f:
        json.dump({"source": {"type": "image_folder", "path": os.path.join(data, "flat")}, "ops": []}, f)
    subprocess.run([PY, "-m", "streamfit", "pack", spec, pack, "--quiet"], cwd=ROOT, check=True)


def make_engine_spec(data, size):
    """DATA/engine_spec.json: the spec the engines contenders train (the pack; the image reference CNN
    with logits, SGD 0.01); the graph engine's trainer is exported to DATA/trainer on its first run."""
    spec = {"source": {"type": "packed", "path": os.path.join(data, "pack"), "order": "global", "seed": 1},
            "ops": [{"op": "batch", "batch_size": 32}, {"op": "map", "fn": "divide", "value": 255},
                    {"op": "prefetch", "buffer_size": 4}],
            "model": {"seed": 1, "input_shape": [size, size, 3],
                      "layers": [{"type": "conv2d", "filters": 16, "kernel_size": 3, "activation": "relu"},
                                 {"type": "max_pooling2d"},
                                 {"type": "conv2d", "filters": 32, "kernel_size": 3, "activation": "relu"},
                                 {"type": "max_pooling2d"}, {"type": "flatten"},
                                 {"type": "dense", "units": 64, "activation": "relu"}, {"type": "dense", "units": 3}]},
            "train": {"epochs": 2, "loss": "sparse_categorical_crossentropy",
                      "optimizer": {"type": "sgd", "learning_rate": 0.01}}}
    with open(os.path.join(data, "engine_spec.json"), "w") as f:
        json.dump(spec, f, indent=1)


def summarise(runs_by_case, chosen, modes):
    """Rows of the table: median, range, wall, RSS and the median per-round ratio to the reference."""
    rows = []
    for c in chosen:
        for mode in modes:
            runs = runs_by_case.get((c["name"], mode))
            if not runs:
                continue
            rates = [r["rate"] for r in runs]
            row = {"name": c["name"], "kind": c["kind"], "language": c["lang"], "mode": mode, "label": c["label"],
                   "unit": UNIT[c["kind"]], "median": statistics.median(rates), "min": min(rates),
                   "max": max(rates), "runs": rates, "records": runs[0]["records"],
                   "wall_s": statistics.median(r["wall"] for r in runs),
                   "peak_rss_mb": max(r["rss"] for r in runs), "reference": c["ref"]}
            ref = runs_by_case.get((c["ref"], mode)) if c["ref"] else None
            pooled = [p for r in runs for p in r.get("pair_ratios", [])]
            if pooled:  # the epoch pairs of every round: the ratio is their median
                row["vs_in_memory"] = statistics.median(pooled)
                row["ratio_range"] = [min(pooled), max(pooled)]
                row["pairs"] = len(pooled)
            elif ref:
                pairs = [a["rate"] / b["rate"] for a, b in zip(runs, ref)]
                row["vs_in_memory"] = statistics.median(pairs)
                row["ratio_range"] = [min(pairs), max(pairs)]
            rows.append(row)
    return rows


def fmt_rate(v):
    return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.1f}k" if v >= 1e4 else f"{v:,.0f}"


def print_row(row):
    ratio = f"{row['vs_in_memory']:.2f} ({row['ratio_range'][0]:.2f}-{row['ratio_range'][1]:.2f})" \
        if "vs_in_memory" in row else ""
    print(f"{row['name']:<22}{row['mode']:<6}{fmt_rate(row['median']):>10}{fmt_rate(row['min']):>10}"
          f"{fmt_rate(row['max']):>10}{row['wall_s']:>8.1f}{row['peak_rss_mb']:>9,.0f}  {ratio}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=320, help="JPEGs in the image folder")
    ap.add_argument("--size", type=int, default=128, help="image side in pixels")
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the CSV")
    ap.add_argument("--big-rows", type=int, default=3_000_000,
                    help="rows of the big CSV the 'own batches' contenders read")
    ap.add_argument("--repeats", type=int, default=3, help="rounds (each runs every contender once)")
    ap.add_argument("--epochs", type=int, default=2, help="fit epochs (all but the first timed)")
    ap.add_argument("--min-seconds", type=float, default=1.0, help="alone: timed seconds at least")
    ap.add_argument("--only", default="", help="comma-separated contender names (default: all)")
    ap.add_argument("--modes", default="alone,fit")
    ap.add_argument("--memory", action="store_true", help="run the memory proof too (about 10 more minutes: 3 runs of each case, as make bench-memory)")
    ap.add_argument("--no-memory", action="store_true", help="(the default; kept for old command lines)")
    ap.add_argument("--no-docs", action="store_true", help="do not rewrite BENCHMARKS.md and the charts")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite BENCHMARKS.md and the charts from the saved suite.json and memory.json")
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "bench_suite"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    only = [n for n in args.only.split(",") if n]
    unknown = [n for n in only if n not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown contender(s) {', '.join(unknown)}; choose from: {', '.join(BY_NAME)}")
    if args.report_only:
        return report_only(args)
    modes = [m for m in args.modes.split(",") if m]
    chosen = [c for c in CONTENDERS if not only or c["name"] in only]
    # a chosen contender's reference runs too (its ratio needs the same round)
    chosen = [c for c in CONTENDERS if c in chosen or any(o["ref"] == c["name"] for o in chosen)]
    data = {"main": generate(args.data, images=args.images, size=args.size, rows=args.rows)}
    if any(c["data"] == "big" for c in chosen):
        data["big"] = generate(args.data + "_big", rows=args.big_rows)
    if any("--packed" in c["args"] or c["script"].startswith("img_fit_pairs") for c in chosen):
        make_pack(data["main"])  # the epoch pairs read the pack too
    if any(c["kind"] == "engines" for c in chosen):
        make_engine_spec(data["main"], args.size)
    started = datetime.datetime.now(datetime.timezone.utc)
    args.started = started.isoformat(timespec="seconds")  # saved with the figures (--report-only reads it)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {args.images} JPEGs {args.size}x{args.size}, "
          f"{args.rows:,} CSV rows; {args.repeats} rounds: median, min, max (samples/s), wall s, peak RSS MB")
    runs = {}
    server = ForkServer()
    try:
        shown = None
        for rnd, mode, c in schedule(chosen, modes, args.repeats):
            if rnd != shown:
                print(f"-- round {rnd + 1}/{args.repeats}", flush=True)
                shown = rnd
            r = measure(c, data[c["data"]], mode, args, server)
            runs.setdefault((c["name"], mode), []).append(r)
            print(f"   {c['name']:<22}{mode:<6}{fmt_rate(r['rate']):>10}  {r['wall']:.1f} s  "
                  f"{r['rss']:,.0f} MB", flush=True)
    finally:
        server.close()
    rows = summarise(runs, chosen, modes)
    print(f"{'contender':<22}{'mode':<6}{'median':>10}{'min':>10}{'max':>10}{'wall s':>8}{'RSS MB':>9}  vs in-memory")
    for row in rows:
        print_row(row)
    os.makedirs(args.results, exist_ok=True)
    cmd = "python bench/suite.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_results(os.path.join(args.results, "suite.json"), cmd.strip(), args, rows)
    if args.memory and not only:
        from memory import run_memory
        memory = run_memory(os.path.join(args.data, "memory"), repeats=args.repeats)  # medians, as make bench-memory
        write_results(os.path.join(args.results, "memory.json"), cmd.strip(), args, memory)
    else:
        memory = saved_memory(args.results)
    if not args.no_docs and not only:
        from report import write_report
        write_report(rows, memory, args, started, cmd.strip())


def saved_memory(results):
    """The memory proof's rows from its last saved run (RESULTS/memory.json), or none."""
    path = os.path.join(results, "memory.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)["results"]


def report_only(args):
    """BENCHMARKS.md's tables and the charts from the last saved runs (the suite's and the memory proof's)."""
    from report import write_report

    with open(os.path.join(args.results, "suite.json")) as f:
        saved = json.load(f)
    memory = saved_memory(args.results)
    ran = argparse.Namespace(**saved["args"])
    started = datetime.datetime.fromisoformat(saved["args"]["started"]) if "started" in saved["args"] else \
        datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(args.results, "suite.json")), datetime.timezone.utc)
    write_report(saved["results"], memory, ran, started, saved["command"])


if __name__ == "__main__":
    main()
