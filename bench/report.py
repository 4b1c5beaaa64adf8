"""BENCHMARKS.md's generated part and the PNG charts, from the suite's rows (bench/suite.py).

The tables go between the `<!-- suite:begin -->` and `<!-- suite:end -->` marks of BENCHMARKS.md
(made at the top when they are missing); everything outside the marks is left as written.
"""
import os
import platform

from run import ROOT

UNITS = {"images": "img/s", "csv": "rows/s", "engines": "img/s"}
BEGIN, END = "<!-- suite:begin -->", "<!-- suite:end -->"
RESULTS = os.path.join(ROOT, "bench", "results")
TARGETS = [  # (what, row name, mode, field, at least; None: a figure shown beside a target, not one)
    ("packed fit / in-memory fit, Python (one process, median of the epoch pairs)", "img_pairs_py", "fit",
     "vs_in_memory", 0.98),
    ("packed fit / in-memory fit, Node (one process, median of the epoch pairs, step turns)", "img_pairs_js", "fit",
     "vs_in_memory", 0.98),
    ("packed fit / in-memory fit, Python, separate processes (shown beside the target's measure: "
     "processes differ by ±20% run to run)", "img_packed_py", "fit", "vs_in_memory", None),
    ("packed fit / in-memory fit, Node, separate processes (the same)", "img_packed_js", "fit", "vs_in_memory",
     None),
    ("streamfit CSV fit / in-memory fit, Python (one process, median of the epoch pairs)", "csv_pairs_py", "fit",
     "vs_in_memory", 0.95),
    ("the same, steps_per_execution 100", "csv_pairs_py_spe", "fit", "vs_in_memory", 0.95),
    ("streamfit CSV fit / in-memory fit, Node (one process, median of the epoch pairs)", "csv_pairs_js", "fit",
     "vs_in_memory", 0.95),
    ("streamfit CSV fit / in-memory fit, Python, separate processes (shown beside the target's measure: "
     "0.75-1.45 between runs of the same code)", "csv_streamfit_py", "fit", "vs_in_memory", None),
    ("the same, Node", "csv_streamfit_js", "fit", "vs_in_memory", None),
    ("CSV → batches alone, Python (rows/s)", "csv_batches_py", "alone", "median", 5e6),
    ("CSV → batches alone, Node (rows/s)", "csv_batches_js", "alone", "median", 3e6),
    ("packed → uint8 batches alone, Python (img/s)", "img_packed_u8_py", "alone", "median", 50e3),
    ("packed → uint8 batches alone, Node (img/s)", "img_packed_u8_js", "alone", "median", 25e3),
    ("Node --engine graph fit / Python Keras fit, same spec", "eng_graph_js", "fit", "vs_in_memory", 0.9),
]


def machine():
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        mem = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}"


def rate(v):
    return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v:,.0f}"


def cell(row):
    if row is None:
        return "–"
    return f"{rate(row['median'])} ({rate(row['min'])}–{rate(row['max'])})"


def ratio(row):
    if row is None or "vs_in_memory" not in row:
        return "–"
    lo, hi = row["ratio_range"]
    return f"**{row['vs_in_memory']:.2f}** ({lo:.2f}–{hi:.2f})"


def kind_table(rows, kind, versus="in-memory"):
    find = {(r["name"], r["mode"]): r for r in rows if r["kind"] == kind}
    names = list(dict.fromkeys(r["name"] for r in rows if r["kind"] == kind))
    unit = UNITS[kind]
    out = [f"| contender | language | alone {unit} | fit {unit} | fit vs {versus} | peak RSS alone / fit |",
           "|---|---|---|---|---|---|"]
    for n in names:
        a, f = find.get((n, "alone")), find.get((n, "fit"))
        any_row = a or f
        rss = " / ".join(f"{r['peak_rss_mb']:,.0f} MB" if r else "–" for r in (a, f))
        out.append(f"| {any_row['label']} | {any_row['language']} | {cell(a)} | {cell(f)} | {ratio(f)} | {rss} |")
    return "\n".join(out)


def spread(runs):
    """'min–max' MB of a case's runs at one scale ('–' for a row saved before runs were kept)."""
    return f"{min(runs):,.0f}–{max(runs):,.0f}" if runs else "–"


def memory_table(memory):
    """Medians of the runs, with each scale's range: where the ranges overlap, the 10x/1x ratio is
    within the run-to-run spread of that case."""
    out = ["| source | language | 1× records | peak RSS 1× (runs) | 10× records | peak RSS 10× (runs) | **10×/1×** |",
           "|---|---|---|---|---|---|---|"]
    for m in memory:
        mark = "(control: no streamfit, no target)" if m.get("control") else "✔" if m["ratio"] <= 1.05 else "✘"
        out.append(f"| {m['source']} | {m['language']} | {m['records_1x']:,} | {m['rss_1x_mb']:,.0f} MB "
                   f"({spread(m.get('rss_runs_1x_mb'))}) | {m['records_10x']:,} | {m['rss_10x_mb']:,.0f} MB "
                   f"({spread(m.get('rss_runs_10x_mb'))}) | **{m['ratio']:.2f}** {mark} |")
    return "\n".join(out)


def targets_table(rows):
    find = {(r["name"], r["mode"]): r for r in rows}
    out = ["| target | measured | at least | |", "|---|---|---|---|"]
    for what, name, mode, field, least in TARGETS:
        row = find.get((name, mode))
        floor = "–" if least is None else rate(least) if least > 10 else least
        if row is None or field not in row:
            out.append(f"| {what} | not run | {floor} | |")
            continue
        v = row[field]
        shown = f"{v:.2f}" if least is None or least < 10 else rate(v)
        mark = "" if least is None else "✔" if v >= least else "✘"
        out.append(f"| {what} | {shown} | {floor} | {mark} |")
    return "\n".join(out)


def charts(rows, memory):
    """bench/results/{images,csv,memory}.png; returns their names (none without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no charts (make bench installs it)")
        return []
    made = []
    colours = {"python": "#1f77b4", "node": "#ff7f0e"}
    for kind in ("images", "csv"):
        sel = [r for r in rows if r["kind"] == kind]
        if not sel:
            continue
        names = list(dict.fromkeys(r["name"] for r in sel))  # one row per contender in both panels
        find = {(r["name"], r["mode"]): r for r in sel}
        first = {n: next(r for r in sel if r["name"] == n) for n in names}
        labels = [f"{first[n]['label']} ({first[n]['language']})" for n in names]
        fig, axes = plt.subplots(1, 2, figsize=(12, 0.42 * len(names) + 1.4))
        for ax, mode in zip(axes, ("alone", "fit")):
            part = [find.get((n, mode)) for n in names]
            med = [r["median"] if r else 0 for r in part]
            err = [[r["median"] - r["min"] if r else 0 for r in part], [r["max"] - r["median"] if r else 0 for r in part]]
            ax.barh(range(len(names)), med, xerr=err, capsize=3,
                    color=[colours[first[n]["language"]] for n in names])
            ax.set_yticks(range(len(names)), labels if mode == "alone" else [""] * len(names), fontsize=8)
            ax.invert_yaxis()
            if mode == "alone":
                ax.set_xscale("log")  # alone rates span four orders of magnitude
            ax.set_title(f"{kind}: {mode} ({UNITS[kind]}{', log scale' if mode == 'alone' else ''})", fontsize=10)
            ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        path = os.path.join(RESULTS, f"{kind}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        made.append(os.path.basename(path))
    if memory:
        fig, ax = plt.subplots(figsize=(10, 3.2))
        labels = [f"{m['source']}\n{m['language']}" for m in memory]
        xs = range(len(memory))
        ax.bar([x - 0.2 for x in xs], [m["rss_1x_mb"] for m in memory], 0.4, label="1×")
        ax.bar([x + 0.2 for x in xs], [m["rss_10x_mb"] for m in memory], 0.4, label="10×")
        ax.set_xticks(list(xs), labels, fontsize=7)
        ax.set_ylabel("peak RSS, MB")
        ax.set_title("peak RSS streaming 1× and 10× the data", fontsize=10)
        ax.legend()
        fig.tight_layout()
        path = os.path.join(RESULTS, "memory.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        made.append(os.path.basename(path))
    return made


def write_report(rows, memory, args, started, cmd):
    made = charts(rows, memory)
    parts = [BEGIN, "## Suite: streamfit against what users pick instead (generated by `make bench`)", "",
             f"`{cmd}` on {started:%Y-%m-%d %H:%M} UTC; machine: {machine()}. "
             f"{args.images} JPEGs of {args.size}×{args.size} (batch 32, small CNN), a CSV of {args.rows:,} "
             f"`x,y` rows (batch 250, Dense 16-8-1, MAE, Adam; the 'own batches' rows read one of "
             f"{getattr(args, 'big_rows', 0):,} rows). Each contender ran in its own process (in alone mode "
             "a Python one is forked after the numpy, TensorFlow and Keras imports they share: its peak "
             "RSS leaves out the library pages it never touches, ~220-350 MB where a fresh process reads "
             "~530-640), "
             f"{args.repeats} rounds (every contender once per round); median (min–max) of samples/s; "
             "alone = the input pipeline by itself, fit = the same language's reference model fed by it "
             f"({args.epochs} epochs, the first not timed); vs in-memory = median over rounds of the ratio "
             "to that round's in-memory run; peak RSS is the process's own (wait4), largest of the rounds. "
             "The 'epoch pairs' rows train two copies of the model in one process, one from streamfit (the "
             "CNN from the pack, the CSV model from the CSV) and one from the in-memory arrays, an epoch "
             "each in turns (order alternating; an image epoch is the images 5 times over, 50 steps), "
             "and give the median "
             "of their pairs' ratios (streamfit / in-memory; one run, in the last round, with every round's "
             "pairs): a slow spell of this shared machine, "
             "which moves separate processes by ±20%, then falls on both sides of a pair. Node's image "
             "pairs run in step turns: the two epochs of a pair at once, a training step each in turn, "
             "each model's epoch time the sum of its turns (bench/contenders/README.md). "
             "Figures: `bench/results/suite.json`, `memory.json`.", "",
             "### Targets", "", targets_table(rows), "",
             "### Images", "", kind_table(rows, "images"), ""]
    if "images.png" in made:
        parts += ["![images](bench/results/images.png)", ""]
    parts += ["### CSV", "", kind_table(rows, "csv"), ""]
    if "csv.png" in made:
        parts += ["![csv](bench/results/csv.png)", ""]
    if any(r["kind"] == "engines" for r in rows):
        parts += ["### Training engines: one spec, the pack, each language's trainer (SPEC §5.7)", "",
                  "`engine_spec.json`: the packed images divided by 255, batch 32, the image CNN above with "
                  "logits, SGD 0.01; `python -m streamfit train` against `node js/train.mjs --engine layers|graph`.",
                  "", kind_table(rows, "engines", "Python Keras"), ""]
    if memory:
        parts += ["### Memory: peak RSS at 1× and 10× the data (`make bench-memory`, its last run: `memory.json`)", "", memory_table(memory), ""]
        if "memory.png" in made:
            parts += ["![memory](bench/results/memory.png)", ""]
    parts.append(END)
    block = "\n".join(parts)
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        first, _, rest = text.partition("\n")
        text = f"{first}\n\n{block}\n{rest}"
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    print(f"wrote BENCHMARKS.md ({', '.join(made) or 'no charts'})")
