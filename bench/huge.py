"""Larger than RAM (`make bench-huge`, opt-in): pack --gib GiB and train one epoch from it, in Python and Node.

1. Checks up front that the disk holding --dir has the pack's size plus 10% free, and stops
   with a message saying how much is missing when it has not.
2. Packs synthetic records (uint8 [256, 256, 3] pictures + an int label, from a Python
   generator: record i's bytes are (k + i) % 251, cheap to make and not constant) into
   DIR/pack with --shard-mb shards, in a child process (`huge.py _pack`): wall time, records/s,
   MB/s and its peak RSS.
3. Trains one epoch from the pack with each CLI (`python -m streamfit train`,
   `node js/train.mjs`), each in a child process: packed source in order "shards" (read shard
   by shard, the I/O-friendly order for a pack larger than memory), batch 64, map divide 255,
   prefetch 2, and a tiny model (max_pooling2d 8 -> flatten -> dense 3), so the input is what is
   measured. Throughput is the --history file's samples / seconds (the epoch includes tracing
   the graph); peak RSS from the OS (wait4).
Writes bench/results/huge.json, prints a table, and deletes DIR afterwards, whatever happened
(our own output; --keep keeps it, and --reuse then trains on it again without packing). A DIR
that exists and is not one this script made is refused, never deleted. The default 25 GiB is
more than this machine's 24 GiB of RAM; try it small first: `python bench/huge.py --gib 0.2`.
"""
import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import PY, ROOT, node, run_child, write_results  # noqa: E402

SIDE = 256
LABELS = 3
RECORD_BYTES = SIDE * SIDE * 3 + 4  # the picture and an int32 label
MARKER = ".streamfit-bench-huge"
MARGIN = 1.10


def pack_child(folder, n, shard_mb):
    """The child's work (`huge.py _pack DIR N SHARD_MB`): pack n synthetic records; prints one JSON line."""
    import numpy as np

    import streamfit as sf

    size = SIDE * SIDE * 3
    pattern = (np.arange(size + 251) % 251).astype(np.uint8)

    def pictures():
        for i in range(n):
            start = i % 251
            yield pattern[start:start + size].reshape(SIDE, SIDE, 3).copy(), i % LABELS

    t0 = time.perf_counter()
    index = sf.from_generator(pictures, name="pictures").pack(folder, shard_bytes=int(shard_mb * 2**20),
                                                                progress=False)
    print(json.dumps({"records": index["records"], "shards": len(index["shards"]),
                      "seconds": time.perf_counter() - t0}))


def ours(folder):
    """Whether FOLDER is missing, empty, or made by this script; a folder holding something else is refused."""
    if os.path.isdir(folder) and os.listdir(folder) and not os.path.exists(os.path.join(folder, MARKER)):
        raise SystemExit(f"bench/huge.py: --dir {folder} exists and was not made by this script; it would be "
                         "deleted afterwards, so pick an empty or new folder")


def check_disk(folder, need):
    """Stop unless FOLDER's file system (where it is, or will be) has NEED bytes plus MARGIN free; returns them."""
    probe = folder
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    have = shutil.disk_usage(probe).free
    want = int(need * MARGIN)
    if have < want:
        raise SystemExit(f"bench/huge.py: not enough disk space for {folder}: the pack needs {need / 2**30:.1f} GiB "
                         f"plus {MARGIN - 1:.0%} margin = {want / 2**30:.1f} GiB, but only {have / 2**30:.1f} GiB is "
                         f"free there; free {(want - have) / 2**30:.1f} GiB, or pass a smaller --gib or another --dir")
    return have


def train_spec(folder, pack, batch):
    spec = {
        "source": {"type": "packed", "path": pack, "order": "shards", "seed": 1},
        "ops": [{"op": "batch", "batch_size": batch}, {"op": "map", "fn": "divide", "value": 255},
                {"op": "prefetch", "buffer_size": 2}],
        "model": {"seed": 1, "input_shape": [SIDE, SIDE, 3], "layers": [
            {"type": "max_pooling2d", "pool_size": 8}, {"type": "flatten"}, {"type": "dense", "units": LABELS}]},
        "train": {"epochs": 1, "loss": "sparse_categorical_crossentropy",
                  "optimizer": {"type": "sgd", "learning_rate": 0.01}},
    }
    path = os.path.join(folder, "train.json")
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)
    return path


def train(lang, spec):
    with tempfile.TemporaryDirectory() as tmp:
        hist = os.path.join(tmp, "history.json")
        cli = [PY, "-m", "streamfit", "train"] if lang == "python" else [node(), os.path.join("js", "train.mjs")]
        t0 = time.perf_counter()
        _, rss = run_child(cli + [spec, "--quiet", "--history", hist])
        wall = time.perf_counter() - t0
        with open(hist) as f:
            epoch = json.load(f)["epochs"][0]
    return {"records": epoch["samples"], "seconds": epoch["seconds"], "wall_s": wall, "peak_rss_mb": rss}


def physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gib", type=float, default=25.0, help="size of the pack, GiB of records (default 25)")
    ap.add_argument("--dir", default=os.path.join(ROOT, "build", "bench_huge"),
                    help="where the pack goes (deleted after)")
    ap.add_argument("--shard-mb", type=float, default=128, help="shard size, MiB (default 128)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--langs", default="python,node", help="which CLIs train")
    ap.add_argument("--keep", action="store_true", help="keep the pack afterwards")
    ap.add_argument("--reuse", action="store_true",
                    help="train on a pack kept by an earlier --keep run, without packing")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "huge.json"))
    args = ap.parse_args()
    langs = [lang for lang in ("python", "node") if lang in args.langs.split(",")]
    folder = os.path.abspath(args.dir)
    pack = os.path.join(folder, "pack")
    n = math.ceil(args.gib * 2**30 / RECORD_BYTES)
    need = n * RECORD_BYTES
    ram = physical_memory()
    ours(folder)
    if args.reuse:
        if not os.path.exists(os.path.join(pack, "index.json")):
            raise SystemExit(f"bench/huge.py: --reuse needs a finished pack in {pack} (from a run with --keep)")
        with open(os.path.join(pack, "index.json")) as f:
            n = json.load(f)["records"]
        need = n * RECORD_BYTES
    else:
        shutil.rmtree(pack, ignore_errors=True)  # our own earlier output: a finished pack would not be re-measured
        have = check_disk(folder, need)  # before anything is written
        print(f"disk: {have / 2**30:.1f} GiB free for {folder}, the pack needs {need / 2**30:.2f} GiB "
              f"(+{MARGIN - 1:.0%})")
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, MARKER), "w").close()
    rows = []
    memory = f"{ram / 2**30:.1f} GiB RAM" if ram else "RAM unknown"
    try:
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {memory}; "
              f"{n} records of {SIDE}x{SIDE}x3 uint8 + int32 = {need / 2**30:.2f} GiB"
              + (f" ({need / ram:.2f}x RAM)" if ram else ""), flush=True)
        if not args.reuse:
            t0 = time.perf_counter()
            out, rss = run_child([PY, os.path.abspath(__file__), "_pack", pack, str(n), str(args.shard_mb)])
            wall = time.perf_counter() - t0
            r = json.loads(out.strip().splitlines()[-1])
            rows.append({"case": "pack python (generator)", "records": r["records"], "shards": r["shards"],
                         "seconds": r["seconds"], "wall_s": wall, "records_per_s": r["records"] / r["seconds"],
                         "mb_per_s": need / 2**20 / r["seconds"], "peak_rss_mb": rss})
            print(f"packed {r['records']} records in {r['shards']} shards, {r['seconds']:.1f} s, "
                  f"peak RSS {rss:,.0f} MB", flush=True)
        spec = train_spec(folder, pack, args.batch)
        for lang in langs:
            r = train(lang, spec)
            rows.append({"case": f"train 1 epoch {lang}", **r, "records_per_s": r["records"] / r["seconds"],
                         "mb_per_s": r["records"] * RECORD_BYTES / 2**20 / r["seconds"]})
            print(f"trained {lang}: {r['records']} records in {r['seconds']:.1f} s, "
                  f"peak RSS {r['peak_rss_mb']:,.0f} MB", flush=True)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            print(f"deleted {folder}")
    print(f"\n{'case':<28}{'records':>10}{'seconds':>10}{'records/s':>11}{'MB/s':>9}{'peak RSS MB':>13}")
    for r in rows:
        print(f"{r['case']:<28}{r['records']:>10}{r['seconds']:>10.1f}{r['records_per_s']:>11,.0f}"
              f"{r['mb_per_s']:>9,.0f}{r['peak_rss_mb']:>13,.0f}")
    args.records, args.pack_bytes, args.ram_bytes = n, need, ram
    write_results(args.out, "python bench/huge.py (make bench-huge)", args, rows)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_pack":
        pack_child(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        main()
