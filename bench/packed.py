"""Packed-data benchmarks (`make bench` runs them after bench/run.py): prints figures, asserts nothing.

  - pack: images/s packing N size x size JPEG/WebP pictures (decoded once, kept uint8), each CLI;
  - packed alone: images/s from a pack to batches of 32 (global order, a new order each epoch,
    with prefetch(4)), epochs 2..--alone-epochs (the first epoch, which also checks every
    shard's sha256, is read but not timed), each language reading the pack the other one
    wrote (the shards are byte-identical anyway);
  - packed fit vs in-memory fit: the same small CNN trained --fit-epochs epochs (all but the first
    timed) from the pack (`map(divide)` on each batch) and from the whole data set held in memory
    as arrays; the two runs alternate (packed, in-memory, packed, ...) --fit-repeats times, so a
    slow spell of this shared machine hits both, and the ratio is the median of the pairs' ratios;
  - memory: peak RSS of packing and of streaming 1x and 10x the same synthetic records
    (bench/memory.py's pack and packed cases: 32 MiB shards, so both sizes span several shards):
    flat in data set size means a ratio near 1.
Median of --repeats runs (min-max); --cases picks some of pack,alone,fit,memory (pack is run
anyway when a later case needs a pack that is not there); peak RSS from the OS (wait4), the largest of the repeats.
Writes bench/results/packed.json.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import time

from run import PY, ROOT, fit, inmem, last_json, node, run_child, write_results

CNN = [{"type": "conv2d", "filters": 16, "kernel_size": 3, "activation": "relu"},
       {"type": "max_pooling2d", "pool_size": 2},
       {"type": "conv2d", "filters": 32, "kernel_size": 3, "activation": "relu"},
       {"type": "max_pooling2d", "pool_size": 2},
       {"type": "flatten"}, {"type": "dense", "units": 64, "activation": "relu"}, {"type": "dense", "units": 3}]


def write(path, spec):
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)
    return path


def cli(lang, *args):
    if lang == "python":
        return [PY, "-m", "streamfit", *args]
    return [node(), os.path.join("js", args[0] + ".mjs"), *args[1:]]


def median_row(name, runs, unit, extra=""):
    rates = [r for r, _, _ in runs]
    row = {"case": name, "unit": unit, "median": statistics.median(rates), "min": min(rates), "max": max(rates),
           "records": runs[0][1], "peak_rss_mb": max(m for _, _, m in runs)}
    print(f"{name:<34}{row['median']:>12,.0f}{row['min']:>12,.0f}{row['max']:>12,.0f}{row['records']:>10}"
          f"{row['peak_rss_mb']:>13,.0f}  {extra}", flush=True)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--memory-records", type=int, default=20000, help="1x of the memory test (10x is also run)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--alone-epochs", type=int, default=30,
                    help="epochs read by 'packed alone'; the first one (which also checks every shard's sha256) "
                         "is read but not timed")
    ap.add_argument("--fit-repeats", type=int, default=5)
    ap.add_argument("--fit-epochs", type=int, default=3)
    ap.add_argument("--cases", default="pack,alone,fit,memory")
    ap.add_argument("--langs", default="python,node", help="which languages' cases to run")
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "bench_packed"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "packed.json"))
    args = ap.parse_args()
    cases = set(args.cases.split(","))
    langs = [lang for lang in ("python", "node") if lang in args.langs.split(",")]
    data = args.data
    subprocess.run([PY, os.path.join(ROOT, "tools", "make_demo_data.py"), data, "--rows", "10",
                    "--images", str(args.images), "--size", str(args.size)], check=True)
    size = args.size
    source = {"type": "image_folder", "path": os.path.join(data, "shapes")}  # no resize: pixels stay uint8
    rows = []
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {args.images} images "
          f"{size}x{size}x3 uint8; median of {args.repeats} (min-max)")
    print(f"{'case':<34}{'median/s':>12}{'min':>12}{'max':>12}{'records':>10}{'peak RSS MB':>13}")

    packs = {lang: os.path.join(data, f"pack_{lang}") for lang in ("python", "node")}
    for lang in ("python", "node"):
        if "pack" not in cases and os.path.exists(os.path.join(packs[lang], "index.json")):
            continue
        spec = write(os.path.join(data, "pack_spec.json"), {"source": source, "ops": []})
        runs = []
        for _ in range(args.repeats):
            out = packs[lang]
            shutil.rmtree(out, ignore_errors=True)  # our own bench output, rewritten each run
            t0 = time.perf_counter()
            _, rss = run_child(cli(lang, "pack", spec, out, "--quiet"))
            runs.append((args.images / (time.perf_counter() - t0), args.images, rss))
        rows.append(median_row(f"pack {lang} (CLI, incl. start-up)", runs, "img/s"))

    other = {"python": "node", "node": "python"}
    for lang in langs if "alone" in cases else ():
        spec = write(os.path.join(data, f"alone_{lang}.json"), {
            "source": {"type": "packed", "path": packs[other[lang]], "order": "global", "seed": 1},
            "ops": [{"op": "batch", "batch_size": 32}, {"op": "prefetch", "buffer_size": 4}]})
        script = os.path.join("bench", "input_py.py" if lang == "python" else "input_js.mjs")
        runs = []
        for _ in range(args.repeats):
            out, rss = run_child(([PY] if lang == "python" else [node()]) + [script, spec, str(args.alone_epochs), "1"])
            r = last_json(out)
            runs.append((r["records_per_s"], r["records"], rss))
        rows.append(median_row(f"packed alone {lang}", runs, "img/s"))

    for lang in langs if "fit" in cases else ():
        spec = write(os.path.join(data, f"fit_{lang}.json"), {
            "source": {"type": "packed", "path": packs[lang], "order": "global", "seed": 1},
            "ops": [{"op": "batch", "batch_size": 32}, {"op": "map", "fn": "divide", "value": 255},
                    {"op": "prefetch", "buffer_size": 4}],
            "model": {"seed": 1, "input_shape": [size, size, 3], "layers": CNN},
            "train": {"epochs": args.fit_epochs, "loss": "sparse_categorical_crossentropy",
                      "optimizer": {"type": "sgd", "learning_rate": 0.01}}})
        ours, ref = [], []
        for _ in range(args.fit_repeats):  # alternate, so a slow spell of the machine hits both
            ours.append(fit(lang, spec))
            ref.append(inmem(lang, spec))
        pairs = [a[0] / b[0] for a, b in zip(ours, ref)]
        ratio = statistics.median(pairs)
        row = median_row(f"packed fit {lang}", ours, "img/s",
                         f"fit/in-memory {ratio:.3f} (pairs {min(pairs):.2f}-{max(pairs):.2f})")
        row["vs_in_memory"] = ratio
        row["pair_ratios"] = pairs
        rows.append(row)
        rows.append(median_row(f"in-memory fit {lang}", ref, "img/s"))

    if "memory" in cases:  # the suite's memory proof (bench/memory.py), its pack cases only
        from memory import run_memory

        for m in run_memory(os.path.join(data, "memory"), langs=langs, records=args.memory_records,
                            cases=("pack", "packed")):
            print(f"  {m['case']}: peak RSS {m['rss_1x_mb']:,.0f} MB (1x) -> {m['rss_10x_mb']:,.0f} MB (10x) = "
                  f"{m['ratio']:.3f}")
            rows.append(m)

    write_results(args.out, "make bench (bench/packed.py)", args, rows)


if __name__ == "__main__":
    main()
